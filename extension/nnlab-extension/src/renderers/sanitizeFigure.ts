/**
 * Keeps a plotly figure offline: what plotly.js would fetch from an address,
 * or turn into a link, is dropped before the figure reaches `Plotly.react`.
 * The lab works without a network and its renderers are `safe` (they draw
 * untrusted, saved notebooks), so a figure may not make the browser request
 * anything, nor offer a `javascript:` link.
 *
 * The rules (each dropped part is named in `notes`, to show next to the plot):
 * - images (`layout.images[i].source`, the `image` trace's `source`) stay only
 *   as `data:image/{png,jpeg,gif,webp,bmp,avif}` URLs; any other address
 *   (http(s), `//host`, relative paths, `data:text/html`, `data:image/svg+xml`)
 *   is dropped, as is a `source` or `geojson` string anywhere else.
 * - map traces are refused: `scattergeo` and `choropleth` load their map
 *   (topojson) from a CDN, the mapbox/map traces load tiles and styles. Their
 *   subplots (`layout.geo*`, `layout.mapbox*`, `layout.map*`) go with them,
 *   and `config.topojsonURL` points nowhere.
 * - text: plotly turns `<a href>` in any string (titles, annotations, tick and
 *   hover text, templates, category values) into a link; the `<a>` tags are
 *   removed and their text kept. A `style="..."` in a text tag that could load
 *   something (`url(`, escapes, entities, `@`) is dropped from that tag.
 * - fonts: a `family` that is not a plain list of font names (one holding
 *   `url(`, `/`, `:`, `@`, `;`, braces or escapes) is dropped (plotly's
 *   default font is used).
 * - buttons and slider steps whose `args` would bring any of the above back
 *   (images, an image source or GeoJSON, a map subplot or trace type) are
 *   dropped.
 * - nesting deeper than 64 levels is cut (no real figure nests that deep).
 * Everything else, the data above all, passes unchanged; the input is not
 * modified. Applying it twice changes nothing more.
 *
 * @example
 *   const { data, layout, config, notes } = sanitizeFigure({ data: fig.data, layout: fig.layout });
 *   await Plotly.react(div, data, layout, { ...PLOT_CONFIG, ...config });
 */

export interface SanitizedFigure {
  data: unknown[];
  layout: Record<string, unknown>;
  /** Plot config entries that keep plotly from fetching map data. */
  config: { topojsonURL: string; mapboxAccessToken: string };
  /** What was left out, one phrase per kind with the places (empty when nothing was). */
  notes: string[];
}

/**
 * Config values for every plot. `topojsonURL` is where plotly's geo subplots
 * would fetch `<name>.json`: an empty data URL, so even a geo map that got
 * through would make no request.
 */
export const OFFLINE_CONFIG = Object.freeze({ topojsonURL: 'data:application/json,', mapboxAccessToken: '' });

/** Trace types that load map data or tiles from the internet. */
export const MAP_TRACE_TYPES: ReadonlySet<string> = new Set([
  'scattergeo', 'choropleth',
  'scattermapbox', 'choroplethmapbox', 'densitymapbox',
  'scattermap', 'choroplethmap', 'densitymap',
]);

const MAP_SUBPLOT_KEY = /^(geo|mapbox|map)\d*$/;
const IMAGE_DATA_URL = /^data:image\/(?:png|jpeg|jpg|gif|webp|bmp|avif)(?:;[a-z0-9=._+-]*)*,/i;
// The deepest a figure may nest; real figures stay far below (3-D z arrays are 4 deep).
const MAX_DEPTH = 64;

/**
 * The URL as the browser would read it (leading and trailing C0 controls and
 * spaces trimmed, tabs and newlines removed) when it is a `data:` URL of a
 * raster image; `null` otherwise.
 */
export function safeImageUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const url = value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  return IMAGE_DATA_URL.test(url) ? url : null;
}

/** True when a font family is a plain list of names (letters, digits, spaces, quotes, commas, dashes, dots). */
export function isPlainFontFamily(family: string): boolean {
  return !/[()/\\:;@{}<>&]|url|src/i.test(family);
}

// plotly's pseudo-HTML parser (src/lib/svg_text_utils.js): text is split on
// tags, a tag's name is what follows `<` or `</` up to a space or `>`.
const SPLIT_TAGS = /(<[^<>]*>)/;
const ONE_TAG = /^<(\/?)([^ >]*)(\s+(.*))?>$/is;
const STYLED_TAGS = new Set(['sup', 'sub', 's', 'u', 'b', 'i', 'span', 'em']);

/** True when a tag's attributes hold nothing that could load a resource in a style. */
function isHarmlessStyle(attributes: string): boolean {
  if (!/style/i.test(attributes)) return true;
  const rest = attributes.replace(/\b(?:rgba?|hsla?)\(/gi, '');
  return !/[(\\&@]|url|image|src|expression/i.test(rest);
}

/**
 * A string as plotly text without links: `<a ...>` and `</a>` tags removed
 * (their text stays), and a style that could load something removed from its
 * tag. Strings without `<` are returned as they are.
 *
 * @example sanitizeText('see <a href="javascript:alert(1)">this</a>') // 'see this'
 */
export function sanitizeText(text: string): string {
  if (!text.includes('<')) return text;
  // NOTE: plotly reads newlines as spaces before it splits tags; a tag broken over lines is still a tag.
  const parts = text.split(SPLIT_TAGS);
  let changed = false;
  for (let i = 1; i < parts.length; i += 2) {
    const match = ONE_TAG.exec(parts[i].replace(/\r\n?|\n/g, ' '));
    if (!match) continue;
    const [, close, rawName, , attributes = ''] = match;
    const name = rawName.toLowerCase();
    if (name === 'a') {
      parts[i] = '';
      changed = true;
    } else if (!close && STYLED_TAGS.has(name) && !isHarmlessStyle(attributes)) {
      parts[i] = `<${rawName}>`;
      changed = true;
    }
  }
  return changed ? parts.join('') : text;
}

/** What was left out, by kind: the places (paths, values), or a count where there are none. */
interface Walk {
  notes: Map<string, string[] | number>;
}

const NOTE = {
  maps: 'map traces (their maps load from the internet)',
  subplots: 'map subplots',
  images: 'images from outside addresses',
  links: 'links and styles in text (shown as plain text)',
  fonts: 'font families with URLs',
  controls: 'buttons that would load images or maps',
  deep: `parts nested deeper than ${MAX_DEPTH} levels`,
};

function note(walk: Walk, kind: string, place?: string): void {
  const seen = walk.notes.get(kind);
  if (place === undefined) walk.notes.set(kind, (typeof seen === 'number' ? seen : 0) + 1);
  else if (Array.isArray(seen)) seen.push(place);
  else walk.notes.set(kind, [place]);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function shortUrl(value: unknown): string {
  const s = String(value);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/**
 * A copy of any JSON value with every string passed through `sanitizeText`
 * and every unsafe `family`, `source` or `geojson` removed. Typed arrays are
 * kept as they are (they hold no text).
 */
function copyValue(value: unknown, walk: Walk, path: string, depth: number): unknown {
  if (typeof value === 'string') {
    const clean = sanitizeText(value);
    if (clean !== value) note(walk, NOTE.links);
    return clean;
  }
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) {
    return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint' ? undefined : value;
  }
  if (depth > MAX_DEPTH) {
    note(walk, NOTE.deep, path);
    return undefined;
  }
  if (Array.isArray(value)) return value.map((v, i) => copyValue(v, walk, `${path}[${i}]`, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '__proto__') continue;
    if ((key === 'family' || key.endsWith('.family')) && typeof v === 'string' && !isPlainFontFamily(v)) {
      note(walk, NOTE.fonts, shortUrl(v));
      continue;
    }
    if ((key === 'source' || key === 'geojson') && typeof v === 'string') {
      const url = safeImageUrl(v);
      if (key === 'source' && url) out[key] = url;
      else note(walk, NOTE.images, `${path}.${key} ${shortUrl(v)}`);
      continue;
    }
    const copy = copyValue(v, walk, `${path}.${key}`, depth + 1);
    if (copy !== undefined) out[key] = copy;
  }
  return out;
}

function traceType(trace: Record<string, unknown>): string {
  return typeof trace.type === 'string' ? trace.type.trim().toLowerCase() : 'scatter';
}

/**
 * True when button/step `args` (calls of Plotly.restyle/relayout/update/animate)
 * would set images, a map subplot, a map trace type or an image source;
 * checked on their JSON, whose strings have already been through `sanitizeText`.
 */
function argsReachOut(args: unknown): boolean {
  const text = (JSON.stringify(args) ?? '').toLowerCase();
  if (/"(?:(?:images|geo\d*|mapbox\d*|map\d*)(?:[.[][^"]*)?|(?:[^"]*\.)?(?:source|geojson))":/.test(text)) return true;
  return [...MAP_TRACE_TYPES].some(t => text.includes(`"${t}"`));
}

function sanitizeControls(layout: Record<string, unknown>, walk: Walk): void {
  for (const [menuKey, itemKey] of [['updatemenus', 'buttons'], ['sliders', 'steps']] as const) {
    const menus = layout[menuKey];
    if (!Array.isArray(menus)) continue;
    menus.forEach((menu, m) => {
      if (!isRecord(menu) || !Array.isArray(menu[itemKey])) return;
      menu[itemKey] = (menu[itemKey] as unknown[]).filter((item, i) => {
        const reachesOut = isRecord(item) && (argsReachOut(item.args) || argsReachOut(item.args2));
        if (reachesOut) note(walk, NOTE.controls, `layout.${menuKey}[${m}].${itemKey}[${i}]`);
        return !reachesOut;
      });
    });
  }
}

function sanitizeLayout(layoutIn: unknown, walk: Walk, path: string): Record<string, unknown> {
  if (!isRecord(layoutIn)) return {};
  const layout = (copyValue(layoutIn, walk, path, 0) ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(layout)) {
    if (MAP_SUBPLOT_KEY.test(key)) {
      delete layout[key];
      note(walk, NOTE.subplots, `${path}.${key}`);
    }
  }
  if (Array.isArray(layout.images)) {
    // NOTE: copyValue has dropped (and noted) every `source` that is not a data:image URL.
    layout.images = layout.images.filter(image => isRecord(image) && typeof image.source === 'string');
  }
  sanitizeControls(layout, walk);
  const template = layout.template;
  if (isRecord(template)) {
    if (template.layout !== undefined) template.layout = sanitizeLayout(template.layout, walk, `${path}.template.layout`);
    if (isRecord(template.data)) {
      for (const type of Object.keys(template.data)) {
        if (MAP_TRACE_TYPES.has(type.trim().toLowerCase())) delete template.data[type];
      }
    }
  }
  return layout;
}

/**
 * The figure with everything that would reach the network removed (see the
 * module comment for the rules); `notes` name what went, for a visible note.
 */
export function sanitizeFigure(figure: { data?: unknown; layout?: unknown }): SanitizedFigure {
  const walk: Walk = { notes: new Map() };
  const data: unknown[] = [];
  const refused = new Map<string, number>();
  (Array.isArray(figure.data) ? figure.data : []).forEach((traceIn, i) => {
    if (!isRecord(traceIn)) return;
    const type = traceType(traceIn);
    if (MAP_TRACE_TYPES.has(type)) {
      refused.set(type, (refused.get(type) ?? 0) + 1);
      return;
    }
    data.push(copyValue(traceIn, walk, `data[${i}]`, 0));
  });
  for (const [type, n] of refused) note(walk, NOTE.maps, `${n} ${type}`);
  const layout = sanitizeLayout(figure.layout, walk, 'layout');
  const notes: string[] = [];
  for (const [kind, seen] of walk.notes) notes.push(typeof seen === 'number' ? (seen > 1 ? `${kind} ×${seen}` : kind) : `${kind}: ${seen.join(', ')}`);
  return { data, layout, config: { ...OFFLINE_CONFIG }, notes };
}

/** An untrusted string as plotly text: `&`, `<`, `>` become entities (shown literally). */
export function plotlyText(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
