// sanitizeFigure (extension/nnlab-extension/src/renderers/sanitizeFigure.ts):
// every rule that keeps a plotly figure from reaching the network, with the
// case, whitespace and nesting variants a hostile notebook would try, and
// the data a user meant kept as it was.
import { describe, expect, test } from 'vitest';
import {
  MAP_TRACE_TYPES,
  OFFLINE_CONFIG,
  isPlainFontFamily,
  safeImageUrl,
  sanitizeFigure,
  sanitizeText,
} from '../../extension/nnlab-extension/src/renderers/sanitizeFigure';

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const scatter = { type: 'scatter', x: [1, 2, 3], y: [3, 1, 2], name: 'loss' };

/** Every string anywhere in a value (keys too), for "nothing like this is left" checks. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach(v => strings(v, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) (out.push(k), strings(v, out));
  return out;
}

describe('safeImageUrl: only data: URLs of raster images', () => {
  const rejected = [
    'http://example.invalid/x.png',
    'https://example.invalid/x.png',
    'HTTP://EXAMPLE.INVALID/X.PNG',
    '//example.invalid/x.png',
    ' //example.invalid/x.png',
    '\\\\example.invalid\\x.png',
    'x.png',
    '/files/x.png',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' \tjava\nscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD4=',
    'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"><image href="http://example.invalid/x.png"/></svg>',
    'data:,hello',
    'data:image/png', // no comma: not a data URL
    'blob:http://127.0.0.1/abc',
    'ftp://example.invalid/x.png',
    '',
  ];
  test.each(rejected)('rejects %j', url => {
    expect(safeImageUrl(url)).toBeNull();
  });

  test('rejects what is not a string', () => {
    for (const v of [null, undefined, 1, {}, ['data:image/png;base64,AA'], { toString: () => PNG }]) expect(safeImageUrl(v)).toBeNull();
  });

  test('keeps data:image/png, jpeg, gif, webp in any case', () => {
    for (const url of [PNG, 'data:image/jpeg;base64,/9j/4AAQ', 'data:image/gif;base64,R0lGOD', 'data:image/webp;base64,UklG', 'DATA:IMAGE/PNG;BASE64,iVBO']) {
      expect(safeImageUrl(url)).toBe(url);
    }
  });

  test('reads whitespace as the browser does: trimmed ends, no tabs or newlines', () => {
    expect(safeImageUrl(`  ${PNG}\n`)).toBe(PNG);
    expect(safeImageUrl('data:image/png;base64,iVBO\nRw0K\tGgo')).toBe('data:image/png;base64,iVBORw0KGgo');
    expect(safeImageUrl('da\tta:image/png;base64,iVBO')).toBe('data:image/png;base64,iVBO');
  });
});

describe('sanitizeText: no links in plotly text', () => {
  test('removes <a> tags with javascript:, http(s) and protocol-relative hrefs, keeps their text', () => {
    expect(sanitizeText('see <a href="javascript:alert(1)">this</a> now')).toBe('see this now');
    expect(sanitizeText('<a href="http://example.invalid/">home</a>')).toBe('home');
    expect(sanitizeText("<a href='https://example.invalid/' target='_blank'>x</a>")).toBe('x');
    expect(sanitizeText('<a href="//example.invalid/">x</a>')).toBe('x');
    expect(sanitizeText('<a>bare</a>')).toBe('bare');
  });

  test('case, whitespace and entity variants', () => {
    expect(sanitizeText('<A HREF="JaVaScRiPt:alert(1)">x</A>')).toBe('x');
    expect(sanitizeText('<a   href = " javascript:alert(1)">x</a >')).toBe('x');
    expect(sanitizeText('<a\nhref="java&#115;cript:alert(1)">x</a>')).toBe('x');
    expect(sanitizeText('<a href="&#x6A;avascript:alert(1)" popup="width=100">x</a>')).toBe('x');
    expect(sanitizeText('a<br><a href="http://example.invalid">b</a><br>c')).toBe('a<br>b<br>c');
  });

  test('keeps text that plotly does not read as a link', () => {
    // plotly's tag name runs to the first space or '>': these are not <a> tags, they show as text.
    expect(sanitizeText('<a\thref="http://example.invalid">x')).toBe('<a\thref="http://example.invalid">x');
    expect(sanitizeText('&lt;a href="http://example.invalid"&gt;')).toBe('&lt;a href="http://example.invalid"&gt;');
    expect(sanitizeText('x < 3 and y > 2')).toBe('x < 3 and y > 2');
    expect(sanitizeText('visit http://example.invalid')).toBe('visit http://example.invalid');
    expect(sanitizeText('<abbr>x</abbr>')).toBe('<abbr>x</abbr>');
  });

  test('keeps formatting tags and harmless styles', () => {
    const s = '<b>bold</b> <i>it</i> x<sup>2</sup> <span style="color:red;font-family:Arial">r</span> <span style="color:rgba(0,0,0,0.5)">c</span>';
    expect(sanitizeText(s)).toBe(s);
  });

  test('drops a style that could load something, keeps the tag and its text', () => {
    expect(sanitizeText('<span style="cursor:url(http://example.invalid/c.png),auto">x</span>')).toBe('<span>x</span>');
    expect(sanitizeText('<b style="background-image:URL(//example.invalid)">x</b>')).toBe('<b>x</b>');
    expect(sanitizeText('<span style="cursor:\\75rl(http://example.invalid)">x</span>')).toBe('<span>x</span>');
    expect(sanitizeText('<span style="cursor:&#117;rl(http://example.invalid)">x</span>')).toBe('<span>x</span>');
    expect(sanitizeText("<span style='fill:image-set(\"x.png\" 1x)'>x</span>")).toBe('<span>x</span>');
    expect(sanitizeText('<SPAN STYLE="filter:u\nrl(#x)">x</SPAN>')).toBe('<SPAN>x</SPAN>');
  });
});

describe('isPlainFontFamily', () => {
  test('font names pass, anything with a URL or CSS syntax does not', () => {
    for (const f of ['Arial', '"Open Sans", verdana, arial, sans-serif', "'Noto Sans CJK SC', monospace", 'Times New Roman']) expect(isPlainFontFamily(f)).toBe(true);
    for (const f of ['url(http://example.invalid/f.woff)', 'Arial; src: url(//example.invalid/f.woff)', 'x, URL(//example.invalid)', '@import "//example.invalid"', 'a\\75rl(x)', 'https://example.invalid/f.woff']) {
      expect(isPlainFontFamily(f)).toBe(false);
    }
  });
});

describe('sanitizeFigure', () => {
  test('a plain figure passes unchanged (a copy), with the offline config and no notes', () => {
    const fig = {
      data: [scatter, { type: 'heatmap', z: [[1, 2], [3, 4]], hovertemplate: 'row %{y}: %{z}<extra></extra>' }],
      layout: { title: { text: '<b>loss</b>' }, xaxis: { title: { text: 'epoch' } }, font: { family: 'Arial, sans-serif', size: 12 } },
    };
    const before = JSON.stringify(fig);
    const out = sanitizeFigure(fig);
    expect(out.data).toEqual(fig.data);
    expect(out.layout).toEqual(fig.layout);
    expect(out.notes).toEqual([]);
    expect(out.config).toEqual(OFFLINE_CONFIG);
    expect(out.config.topojsonURL.startsWith('data:')).toBe(true);
    expect(out.data[0]).not.toBe(fig.data[0]);
    expect(JSON.stringify(fig)).toBe(before);
  });

  test('layout.images: outside sources dropped, data:image/png kept, the rest of each image intact', () => {
    const images = [
      { source: 'http://example.invalid/x.png', x: 0, y: 1 },
      { source: '//example.invalid/y.png', x: 0, y: 1 },
      { source: 'HTTPS://example.invalid/z.png' },
      { source: 'data:text/html,<script>alert(1)</script>' },
      { source: ' javascript:alert(1)' },
      { source: 'x.png' },
      { source: PNG, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, sizex: 0.2, sizey: 0.2 },
    ];
    const out = sanitizeFigure({ data: [scatter], layout: { images } });
    expect(out.layout.images).toEqual([images[6]]);
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]).toMatch(/^images from outside addresses: layout\.images\[0\]\.source "http:\/\/example\.invalid\/x\.png", layout\.images\[1\]\.source "\/\/example\.invalid\/y\.png", /);
    expect(out.notes[0].split('layout.images[').length - 1).toBe(6);
    expect(out.data).toEqual([scatter]);
  });

  test('the image trace keeps its z data, loses an outside source', () => {
    const out = sanitizeFigure({ data: [{ type: 'image', source: 'http://example.invalid/a.png' }, { type: 'image', z: [[[1, 2, 3]]], source: '//example.invalid' }, { type: 'image', source: PNG }] });
    expect(out.data).toEqual([{ type: 'image' }, { type: 'image', z: [[[1, 2, 3]]] }, { type: 'image', source: PNG }]);
    expect(out.notes).toEqual(['images from outside addresses: data[0].source "http://example.invalid/a.png", data[1].source "//example.invalid"']);
  });

  test('map traces refused (scattergeo, choropleth, mapbox and map), the other traces kept', () => {
    const data = [
      { type: 'scattergeo', lat: [1], lon: [2] },
      { type: 'choropleth', locations: ['FRA'], z: [1] },
      { type: 'choropleth', geojson: 'https://example.invalid/g.json', locations: ['a'], z: [1] },
      scatter,
      { type: 'ScatterMapbox', lat: [1], lon: [2] },
      { type: ' densitymap ', lat: [1], lon: [2] },
      { type: 'choroplethmapbox' },
      { type: 'scattermap' },
      { type: 'bar', x: ['a'], y: [1] },
    ];
    const out = sanitizeFigure({ data, layout: { geo: { projection: { type: 'orthographic' } }, geo2: {}, mapbox: { style: 'open-street-map' }, map: { style: 'https://example.invalid/style.json' }, geometry: 1 } });
    expect(out.data).toEqual([scatter, { type: 'bar', x: ['a'], y: [1] }]);
    expect(Object.keys(out.layout)).toEqual(['geometry']);
    const text = out.notes.join('; ');
    expect(text).toContain('map traces (their maps load from the internet): 1 scattergeo, 2 choropleth, 1 scattermapbox, 1 densitymap, 1 choroplethmapbox, 1 scattermap');
    expect(text).toContain('map subplots: layout.geo, layout.geo2, layout.mapbox, layout.map');
    for (const t of ['scattergeo', 'choropleth', 'scattermapbox', 'choroplethmapbox', 'densitymapbox', 'scattermap', 'choroplethmap', 'densitymap']) expect(MAP_TRACE_TYPES.has(t)).toBe(true);
  });

  test('links removed from every string plotly draws: titles, annotations, ticks, hover, templates, names, category data', () => {
    const evil = '<a href="javascript:alert(1)">click</a>';
    const ext = '<A HREF="http://example.invalid/">ext</A>';
    const fig = {
      data: [
        {
          type: 'bar',
          x: [evil, 'plain', ext],
          y: [1, 2, 3],
          name: evil,
          text: [ext, 'ok', 'ok'],
          hovertext: evil,
          hovertemplate: `${ext} %{y}<extra>${evil}</extra>`,
          texttemplate: evil,
          customdata: [[ext]],
          legendgrouptitle: { text: ext },
          marker: { colorbar: { title: { text: evil } } },
        },
      ],
      layout: {
        title: { text: `title ${evil}` },
        annotations: [{ text: ext, x: 1, y: 1 }, { text: `nested <b>${evil}</b>` }],
        xaxis: { ticktext: [evil, ext], tickvals: [0, 1], title: { text: ext } },
        updatemenus: [{ buttons: [{ label: evil, method: 'relayout', args: [{ 'title.text': ext }] }] }],
        template: { layout: { annotations: [{ text: evil }] } },
      },
    };
    const out = sanitizeFigure(fig);
    const all = strings([out.data, out.layout]);
    for (const s of all) {
      expect(s).not.toMatch(/<\/?a[\s>]/i);
      expect(s.toLowerCase()).not.toContain('javascript:');
    }
    expect((out.data[0] as { x: string[] }).x).toEqual(['click', 'plain', 'ext']);
    expect((out.layout.title as { text: string }).text).toBe('title click');
    expect((out.layout.annotations as { text: string }[])[1].text).toBe('nested <b>click</b>');
    expect(out.notes.some(n => /links and styles in text/.test(n))).toBe(true);
  });

  test('fonts: a family with a URL is dropped (plotly uses its default), names kept, other font settings kept', () => {
    const fig = {
      data: [{ ...scatter, textfont: { family: 'url(http://example.invalid/f.woff)', size: 14 }, hoverlabel: { font: { family: 'Courier New' } } }],
      layout: {
        font: { family: '"Evil", url(//example.invalid/f.woff)', color: '#333' },
        title: { text: 't', font: { family: 'Georgia, serif' } },
        legend: { font: { family: 'x; src:url(https://example.invalid/f.woff)' } },
      },
    };
    const out = sanitizeFigure(fig);
    expect(out.layout.font).toEqual({ color: '#333' });
    expect(out.layout.title).toEqual({ text: 't', font: { family: 'Georgia, serif' } });
    expect(out.layout.legend).toEqual({ font: {} });
    expect((out.data[0] as { textfont: object }).textfont).toEqual({ size: 14 });
    expect((out.data[0] as { hoverlabel: object }).hoverlabel).toEqual({ font: { family: 'Courier New' } });
    expect(out.notes).toEqual([
      'font families with URLs: "url(http://example.invalid/f.woff)", "\\"Evil\\", url(//example.invalid/f.woff)", "x; src:url(https://example.invalid/f.woff)"',
    ]);
  });

  test('nested: templates, buttons and slider steps cannot bring images or maps back', () => {
    const fig = {
      data: [scatter],
      layout: {
        template: {
          layout: { images: [{ source: 'http://example.invalid/t.png' }, { source: PNG }], geo: {}, font: { family: 'url(//example.invalid)' } },
          data: { scattergeo: [{ marker: { size: 3 } }], scatter: [{ marker: { size: 5 } }] },
        },
        updatemenus: [
          {
            buttons: [
              { label: 'ok', method: 'restyle', args: ['marker.size', 8] },
              { label: 'img', method: 'relayout', args: [{ images: [{ source: 'http://example.invalid/b.png' }] }] },
              { label: 'img2', method: 'relayout', args: [{ 'images[0].source': '//example.invalid/b.png' }] },
              { label: 'geo', method: 'restyle', args: [{ type: 'scattergeo' }] },
              { label: 'map', method: 'relayout', args: [{ 'mapbox.style': 'open-street-map' }] },
              { label: 'frame', method: 'animate', args: [[{ layout: { geo: { scope: 'europe' } } }]] },
              { label: 'back', method: 'relayout', args: [{ 'title.text': 'a' }], args2: [{ 'layout.images': [] }] },
            ],
          },
        ],
        sliders: [{ steps: [{ label: 's1', method: 'relayout', args: [{ 'xaxis.range': [0, 1] }] }, { label: 's2', method: 'update', args: [{}, { 'images[1].source': 'http://x' }] }] }],
      },
    };
    const out = sanitizeFigure(fig);
    const template = out.layout.template as { layout: Record<string, unknown>; data: Record<string, unknown> };
    expect(template.layout).toEqual({ images: [{ source: PNG }], font: {} });
    expect(Object.keys(template.data)).toEqual(['scatter']);
    const buttons = (out.layout.updatemenus as { buttons: { label: string }[] }[])[0].buttons.map(b => b.label);
    expect(buttons).toEqual(['ok', 'back']);
    const steps = (out.layout.sliders as { steps: { label: string }[] }[])[0].steps.map(s => s.label);
    expect(steps).toEqual(['s1']);
  });

  test('an indexed images key in args (images[2]) is caught too', () => {
    const out = sanitizeFigure({ data: [], layout: { updatemenus: [{ buttons: [{ label: 'x', args: [{ 'images[2]': { source: PNG } }] }] }] } });
    expect((out.layout.updatemenus as { buttons: unknown[] }[])[0].buttons).toEqual([]);
  });

  test('applying it twice changes nothing more; the input is never modified', () => {
    const fig = {
      data: [{ type: 'scattergeo' }, { ...scatter, name: '<a href="javascript:x">n</a>' }, { type: 'image', source: 'http://example.invalid' }],
      layout: { images: [{ source: 'http://example.invalid/x.png' }, { source: PNG }], geo: {}, font: { family: 'url(x)' } },
    };
    const frozen = JSON.stringify(fig);
    const once = sanitizeFigure(fig);
    const twice = sanitizeFigure({ data: once.data, layout: once.layout });
    expect(twice.data).toEqual(once.data);
    expect(twice.layout).toEqual(once.layout);
    expect(twice.notes).toEqual([]);
    expect(JSON.stringify(fig)).toBe(frozen);
  });

  test('odd input: no data list, non-object traces, functions, __proto__, deep nesting, typed arrays', () => {
    expect(sanitizeFigure({}).data).toEqual([]);
    expect(sanitizeFigure({ data: 'x', layout: 3 })).toMatchObject({ data: [], layout: {} });
    const withFn = sanitizeFigure({ data: [null, 7, { ...scatter, f: () => 1 }] });
    expect(withFn.data).toEqual([scatter]);
    const proto = sanitizeFigure({ data: [JSON.parse('{"type":"scatter","__proto__":{"polluted":true}}')] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(proto.data[0] as object)).toEqual(['type']);
    let deep: Record<string, unknown> = { source: 'http://example.invalid/deep.png' };
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const out = sanitizeFigure({ data: [{ ...scatter, meta: deep }] });
    expect(JSON.stringify(out.data)).not.toContain('example.invalid');
    expect(out.notes.some(n => /nested deeper than/.test(n))).toBe(true);
    const z = new Float32Array([1, 2, 3]);
    expect((sanitizeFigure({ data: [{ type: 'heatmap', z }] }).data[0] as { z: unknown }).z).toBe(z);
  });

  test('large figures come through whole (100k points, 10k category labels)', () => {
    const x = Array.from({ length: 100_000 }, (_, i) => i);
    const labels = Array.from({ length: 10_000 }, (_, i) => `class ${i}`);
    const out = sanitizeFigure({ data: [{ type: 'scatter', x, y: x }, { type: 'bar', x: labels, y: labels.map((_, i) => i) }] });
    expect((out.data[0] as { x: number[] }).x).toEqual(x);
    expect((out.data[1] as { x: string[] }).x).toEqual(labels);
  });
});
