/**
 * Plotly figures with static fallbacks.
 *
 * A figure is plotly's JSON (`{data, layout, config}`), displayed as
 * `application/vnd.plotly.v1+json` for frontends that render plotly, plus a
 * static drawing of the same traces made here, as `image/svg+xml` and as
 * `image/png` (GitHub, nbviewer and VS Code show the PNG of a saved
 * notebook, with no JavaScript and no kernel). The static drawing knows line,
 * marker and bar traces on one or two y axes (linear or log), categorical
 * ticks (`tickvals`/`ticktext`), and heatmap traces (`z` over cell centres
 * `x`, `y`) with their colour bar. Both come from one scene of shapes
 * (`figureScene`), so the SVG and the PNG agree.
 *
 * @example
 *   const fig = linePlot([{ name: 'loss', y: [2.3, 1.1, 0.7] }], { xlabel: 'epoch', ylabel: 'loss' });
 *   display(fig);   // plotly chart in JupyterLab with plotly, the SVG or PNG elsewhere
 */
import { MIME, type MediaBundle } from '../protocol';
import { Canvas, hexToRGB } from './canvas';
import { colormapTable } from './colormap';
import { escapeHtml, fmtNum } from './format';

export interface Trace {
  type?: 'scatter' | 'bar' | 'heatmap';
  x?: (number | null)[];
  y: (number | null)[];
  name?: string;
  mode?: 'lines' | 'markers' | 'lines+markers' | 'markers+text';
  /** With mode 'markers+text': a label per point, drawn above it. */
  text?: string[];
  /** 'y2' draws against the right-hand axis (layout.yaxis2). */
  yaxis?: 'y' | 'y2';
  line?: { color?: string; width?: number; dash?: 'solid' | 'dash' | 'dot' };
  /** `color`: one colour, or (bars) one per point. */
  marker?: { color?: string | string[]; size?: number; symbol?: string };
  showlegend?: boolean;
  /** Heatmap: rows of values; row i sits at y[i], column j at x[j] (cell centres; default 0, 1, 2, ...). */
  z?: (number | null)[][];
  /** Heatmap: a plotly colour scale, [[0, '#rrggbb'], ..., [1, '#rrggbb']] or 'Viridis' / 'Greys' / 'Blues'. */
  colorscale?: string | [number, string][];
  zmin?: number;
  zmax?: number;
  /** Heatmap: false hides the colour bar. */
  showscale?: boolean;
  colorbar?: { title?: string | { text: string }; tickvals?: number[]; ticktext?: string[]; [key: string]: unknown };
  [key: string]: unknown;
}

export interface Axis {
  title?: string | { text: string };
  range?: [number, number];
  type?: 'linear' | 'log';
  overlaying?: 'y';
  side?: 'left' | 'right';
  /** Categorical ticks: labels `ticktext` at the values `tickvals`. */
  tickvals?: number[];
  ticktext?: string[];
  [key: string]: unknown;
}

export interface Layout {
  title?: string | { text: string };
  width?: number;
  height?: number;
  xaxis?: Axis;
  yaxis?: Axis;
  yaxis2?: Axis;
  showlegend?: boolean;
  [key: string]: unknown;
}

export interface FigureSpec {
  data: Trace[];
  layout?: Layout;
  config?: Record<string, unknown>;
}

/** plotly's default colour sequence. */
export const COLORS = ['#636efa', '#EF553B', '#00cc96', '#ab63fa', '#FFA15A', '#19d3f3', '#FF6692', '#B6E880', '#FF97FF', '#FECB52'];

const DISPLAY = Symbol.for('Jupyter.display');

/** A displayable plotly figure. */
export class Figure {
  constructor(readonly spec: FigureSpec) {}
  toJSON(): FigureSpec {
    return this.spec;
  }
  [DISPLAY](): MediaBundle {
    return figureBundle(this.spec);
  }
}

/** The bundle of a figure: plotly JSON, the static SVG and PNG of the same traces, and a text line. */
export function figureBundle(spec: FigureSpec): MediaBundle {
  const title = titleText(spec.layout?.title);
  const names = spec.data.map((t, i) => t.name ?? `trace ${i}`).join(', ');
  const scene = figureScene(spec);
  return {
    'text/plain': `Figure${title ? ` '${title}'` : ''}: ${spec.data.length} trace(s) (${names})`,
    'image/svg+xml': sceneSvg(scene),
    'image/png': scenePng(scene).toString('base64'),
    [MIME.plotly]: { data: spec.data, layout: spec.layout ?? {}, ...(spec.config ? { config: spec.config } : {}) },
  };
}

/**
 * A line chart of one or more series (x defaults to 0, 1, 2, ...).
 * @example linePlot([{ name: 'train', y: losses }], { title: 'loss', logY: true })
 */
export function linePlot(
  series: { name?: string; x?: number[]; y: number[]; yaxis?: 'y' | 'y2'; mode?: Trace['mode'] }[],
  opts: { title?: string; xlabel?: string; ylabel?: string; y2label?: string; logY?: boolean; width?: number; height?: number } = {},
): Figure {
  const data: Trace[] = series.map((s) => ({ type: 'scatter', mode: s.mode ?? 'lines', name: s.name, x: s.x, y: s.y, yaxis: s.yaxis ?? 'y' }));
  const layout: Layout = {
    title: opts.title, width: opts.width, height: opts.height ?? 320,
    xaxis: { title: opts.xlabel }, yaxis: { title: opts.ylabel, type: opts.logY ? 'log' : 'linear' },
  };
  if (series.some((s) => s.yaxis === 'y2')) layout.yaxis2 = { title: opts.y2label, overlaying: 'y', side: 'right' };
  return new Figure({ data, layout });
}

function titleText(t: string | { text: string } | undefined): string {
  return typeof t === 'string' ? t : t?.text ?? '';
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 x 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return ticks;
}

interface Scale {
  lo: number;
  hi: number;
  log: boolean;
  ticks: number[];
  /** Tick labels when the axis names them (categorical ticks). */
  labels: string[] | null;
}

function makeScale(values: number[], axis: Axis | undefined): Scale | null {
  const log = axis?.type === 'log';
  let vals = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (vals.length === 0) return null;
  if (log) vals = vals.map(Math.log10);
  let lo = axis?.range ? axis.range[0] : Math.min(...vals);
  let hi = axis?.range ? axis.range[1] : Math.max(...vals);
  if (lo === hi) {
    lo -= log ? 0.5 : Math.abs(lo) * 0.1 || 0.5;
    hi += log ? 0.5 : Math.abs(hi) * 0.1 || 0.5;
  } else if (!axis?.range) {
    const pad = (hi - lo) * 0.04;
    lo -= pad;
    hi += pad;
  }
  let ticks: number[];
  let labels: string[] | null = null;
  if (axis?.tickvals && axis.ticktext && axis.tickvals.length === axis.ticktext.length) {
    ticks = axis.tickvals;
    labels = axis.ticktext;
  } else if (log) {
    ticks = [];
    for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) ticks.push(Math.pow(10, k));
    if (ticks.length < 2) ticks = niceTicks(Math.pow(10, lo), Math.pow(10, hi), 4).filter((t) => t > 0);
  } else {
    ticks = niceTicks(lo, hi);
  }
  return { lo, hi, log, ticks, labels };
}

function project(s: Scale, v: number, from: number, to: number): number {
  const u = s.log ? Math.log10(v) : v;
  return from + ((u - s.lo) / (s.hi - s.lo)) * (to - from);
}

/** One shape of a static figure, in pixels (y down). Text `y` is its baseline. */
export type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: string }
  /** A straight segment (grid lines, ticks, legend samples). */
  | { kind: 'line'; points: [[number, number], [number, number]]; stroke: string; width: number; dash: number[] }
  /** A trace's line through its points. */
  | { kind: 'path'; points: [number, number][]; stroke: string; width: number; dash: number[] }
  | { kind: 'circle'; x: number; y: number; r: number; fill: string }
  | { kind: 'text'; x: number; y: number; text: string; size: number; color: string; anchor: 'start' | 'middle' | 'end'; rotate?: number }
  /** `rows x cols` cells of RGB (row 0 at the top) stretched over the rectangle. */
  | { kind: 'cells'; x: number; y: number; w: number; h: number; rows: number; cols: number; rgb: Uint8Array };

/** A static figure: its size and shapes, back to front. */
export interface Scene {
  width: number;
  height: number;
  shapes: Shape[];
}

/** A plotly colour scale as a function from t in [0, 1] to RGB. */
export function colorscaleFn(scale: Trace['colorscale']): (t: number) => [number, number, number] {
  const parse = (c: string): [number, number, number] => {
    const rgb = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i.exec(c);
    return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : hexToRGB(c);
  };
  if (Array.isArray(scale) && scale.length >= 2) {
    const stops = scale.map(([t, c]) => [t, parse(c)] as [number, [number, number, number]]);
    return (t) => {
      const u = Math.max(0, Math.min(1, t));
      let i = 0;
      while (i < stops.length - 2 && u > stops[i + 1][0]) i++;
      const [t0, a] = stops[i], [t1, b] = stops[i + 1];
      const f = t1 > t0 ? Math.max(0, Math.min(1, (u - t0) / (t1 - t0))) : 0;
      return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
    };
  }
  const table = colormapTable(scale === 'Greys' ? 'gray' : scale === 'Blues' ? 'blues' : 'viridis');
  return (t) => {
    const i = Math.max(0, Math.min(255, Math.round((Number.isFinite(t) ? t : 0) * 255)));
    return [table[i * 3], table[i * 3 + 1], table[i * 3 + 2]];
  };
}

/** Cell centres → cell edges (midpoints; the ends mirrored). */
function cellEdges(centres: number[]): number[] {
  if (centres.length === 1) return [centres[0] - 0.5, centres[0] + 0.5];
  const edges = [centres[0] - (centres[1] - centres[0]) / 2];
  for (let i = 0; i + 1 < centres.length; i++) edges.push((centres[i] + centres[i + 1]) / 2);
  edges.push(centres[centres.length - 1] + (centres[centres.length - 1] - centres[centres.length - 2]) / 2);
  return edges;
}

interface HeatmapGeometry {
  trace: Trace;
  xs: number[];
  ys: number[];
  zmin: number;
  zmax: number;
}

function heatmapGeometry(t: Trace): HeatmapGeometry | null {
  const z = t.z;
  if (!z || z.length === 0 || z[0].length === 0) return null;
  const xs = t.x && t.x.length === z[0].length ? (t.x as number[]) : z[0].map((_, j) => j);
  const ys = t.y && t.y.length === z.length ? (t.y as number[]) : z.map((_, i) => i);
  const flat = z.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const zmin = t.zmin ?? (flat.length ? Math.min(...flat) : 0), zmax = t.zmax ?? (flat.length ? Math.max(...flat) : 1);
  return { trace: t, xs: cellEdges(xs), ys: cellEdges(ys), zmin, zmax };
}

/** The shapes of a figure's static drawing (see the file comment); `figureSvg` and `figurePng` render them. */
export function figureScene(spec: FigureSpec): Scene {
  const layout = spec.layout ?? {};
  const W = layout.width ?? 640, H = layout.height ?? 320;
  const title = titleText(layout.title);
  const hasY2 = spec.data.some((t) => t.yaxis === 'y2');
  const heatmaps = spec.data.filter((t) => t.type === 'heatmap').map(heatmapGeometry).filter((g): g is HeatmapGeometry => g !== null);
  const withBar = heatmaps.find((g) => g.trace.showscale !== false) ?? null;
  const lineTraces = spec.data.filter((t) => t.type !== 'heatmap');
  const legendRows = lineTraces.some((t) => t.name && t.showlegend !== false) && layout.showlegend !== false ? 1 : 0;
  const xCategorical = !!layout.xaxis?.ticktext;
  const m = { l: 64, r: (hasY2 ? 64 : 20) + (withBar ? 78 : 0), t: title ? 34 : 14, b: 44 + legendRows * 18 + (xCategorical ? 10 : 0) };
  const px0 = m.l, px1 = W - m.r, py0 = H - m.b, py1 = m.t;
  // NOTE: without x the index stands in; a null x (a gap, as plotly reads it) stays null and out of the axis range.
  const xsOf = (t: Trace): (number | null)[] => t.y.map((_, i) => (t.x ? ((t.x[i] ?? null) as number | null) : i));
  const finite = (a: (number | null)[]) => a.filter((v): v is number => v !== null && Number.isFinite(v));
  const heatX = heatmaps.flatMap((g) => [g.xs[0], g.xs[g.xs.length - 1]]);
  const heatY = heatmaps.flatMap((g) => [g.ys[0], g.ys[g.ys.length - 1]]);
  const bars = lineTraces.filter((t) => t.type === 'bar');
  // NOTE: bars are half a slot wide either side of their x: keep them inside the axis.
  const barX = bars.flatMap((t) => finite(xsOf(t))).flatMap((x) => [x - 0.5, x + 0.5]);
  const xScale = makeScale([...lineTraces.flatMap((t) => finite(xsOf(t))), ...heatX, ...(layout.xaxis?.range ? [] : barX)], layout.xaxis);
  const barBase = bars.some((t) => t.yaxis !== 'y2') && layout.yaxis?.type !== 'log' ? [0] : [];
  const yScale = makeScale([...lineTraces.filter((t) => t.yaxis !== 'y2').flatMap((t) => finite(t.y)), ...heatY, ...barBase], layout.yaxis);
  const y2Scale = hasY2 ? makeScale(lineTraces.filter((t) => t.yaxis === 'y2').flatMap((t) => finite(t.y)), layout.yaxis2) : null;
  const shapes: Shape[] = [];
  const text = (x: number, y: number, s: string, o: Partial<Extract<Shape, { kind: 'text' }>> = {}) =>
    shapes.push({ kind: 'text', x, y, text: s, size: 11, color: '#222222', anchor: 'start', ...o });
  shapes.push({ kind: 'rect', x: 0, y: 0, w: W, h: H, fill: '#ffffff' });
  shapes.push({ kind: 'rect', x: px0, y: py1, w: px1 - px0, h: py0 - py1, fill: '#f4f6fa' });
  if (title) text(W / 2, 20, title, { size: 14, anchor: 'middle' });

  if (xScale) {
    const categorical = xScale.labels !== null;
    xScale.ticks.forEach((t, k) => {
      const x = project(xScale, t, px0, px1);
      if (x < px0 - 0.5 || x > px1 + 0.5) return;
      if (!categorical) shapes.push({ kind: 'line', points: [[x, py1], [x, py0]], stroke: '#ffffff', width: 1, dash: [] });
      text(x, py0 + 14, xScale.labels ? xScale.labels[k] : fmtNum(t, 3), { color: '#444444', anchor: 'middle' });
    });
  }
  const axisTitle = (a: Axis | undefined) => titleText(a?.title);
  if (yScale) {
    yScale.ticks.forEach((t, k) => {
      const y = project(yScale, t, py0, py1);
      if (y < py1 - 0.5 || y > py0 + 0.5) return;
      shapes.push({ kind: 'line', points: [[px0, y], [px1, y]], stroke: '#ffffff', width: 1, dash: [] });
      text(px0 - 6, y + 4, yScale.labels ? yScale.labels[k] : fmtNum(t, 3), { color: '#444444', anchor: 'end' });
    });
  }
  // heatmaps over the grid lines (as plotly: an opaque heatmap hides them), under the other traces
  if (xScale && yScale) {
    for (const g of heatmaps) {
      const z = g.trace.z!;
      const rows = z.length, cols = z[0].length;
      const color = colorscaleFn(g.trace.colorscale);
      const rgb = new Uint8Array(rows * cols * 3);
      const span = g.zmax - g.zmin;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const v = z[i][j];
          // row i at y[i]: with y increasing upwards the first row is the bottom one
          const o = ((rows - 1 - i) * cols + j) * 3;
          if (v === null || !Number.isFinite(v)) rgb.set([244, 246, 250], o);
          else rgb.set(color(span > 0 ? (v - g.zmin) / span : 0.5), o);
        }
      }
      const xa = project(xScale, g.xs[0], px0, px1), xb = project(xScale, g.xs[g.xs.length - 1], px0, px1);
      const ya = project(yScale, g.ys[g.ys.length - 1], py0, py1), yb = project(yScale, g.ys[0], py0, py1);
      shapes.push({ kind: 'cells', x: Math.min(xa, xb), y: Math.min(ya, yb), w: Math.abs(xb - xa), h: Math.abs(yb - ya), rows, cols, rgb });
    }
  }
  if (y2Scale) {
    for (const t of y2Scale.ticks) text(px1 + 6, project(y2Scale, t, py0, py1) + 4, fmtNum(t, 3), { color: '#444444' });
  }
  if (axisTitle(layout.xaxis)) text((px0 + px1) / 2, py0 + 32 + (xCategorical ? 8 : 0), axisTitle(layout.xaxis), { anchor: 'middle' });
  if (axisTitle(layout.yaxis)) text(14, (py0 + py1) / 2, axisTitle(layout.yaxis), { anchor: 'middle', rotate: -90 });
  if (y2Scale && axisTitle(layout.yaxis2)) text(W - 10 - (withBar ? 78 : 0), (py0 + py1) / 2, axisTitle(layout.yaxis2), { anchor: 'middle', rotate: 90 });

  const legend: { name: string; color: string; dash: number[]; marker: boolean }[] = [];
  lineTraces.forEach((trace) => {
    const i = spec.data.indexOf(trace);
    const color = trace.line?.color ?? (typeof trace.marker?.color === 'string' ? trace.marker.color : undefined) ?? COLORS[i % COLORS.length];
    const ys = trace.yaxis === 'y2' ? y2Scale : yScale;
    if (!xScale || !ys) return;
    const xs = xsOf(trace);
    const dash = trace.line?.dash === 'dash' ? [6, 4] : trace.line?.dash === 'dot' ? [2, 3] : [];
    const markersOnly = trace.type !== 'bar' && !!trace.mode && !trace.mode.includes('lines');
    if (trace.name && trace.showlegend !== false) legend.push({ name: trace.name, color, dash: trace.type === 'bar' ? [] : dash, marker: markersOnly });
    if (trace.type === 'bar') {
      const k = bars.indexOf(trace);
      const uniq = [...new Set(finite(xs))].sort((a, b) => a - b);
      const gap = uniq.length > 1 ? Math.min(...uniq.slice(1).map((v, j) => v - uniq[j])) : 1;
      const slot = Math.abs(project(xScale, uniq[0] + gap, px0, px1) - project(xScale, uniq[0], px0, px1)) * 0.8;
      const w = Math.max(1, slot / bars.length);
      const base = project(ys, ys.log ? Math.pow(10, ys.lo) : Math.max(ys.lo, Math.min(ys.hi, 0)), py0, py1);
      const colors = Array.isArray(trace.marker?.color) ? trace.marker!.color as string[] : null;
      trace.y.forEach((v, j) => {
        const x = xs[j];
        if (v === null || x === null || !Number.isFinite(v)) return;
        const cx = project(xScale, x, px0, px1) - slot / 2 + k * w;
        const y = project(ys, v, py0, py1);
        shapes.push({ kind: 'rect', x: cx, y: Math.min(y, base), w, h: Math.abs(base - y), fill: colors?.[j] ?? color });
      });
      return;
    }
    const mode = trace.mode ?? (trace.y.length > 20 ? 'lines' : 'lines+markers');
    const points: [number, number][] = [];
    const segments: [number, number][][] = [];
    trace.y.forEach((v, j) => {
      const x = xs[j];
      if (v === null || x === null || !Number.isFinite(v) || !Number.isFinite(x) || (ys.log && v <= 0)) {
        if (points.length) segments.push(points.splice(0));
        return;
      }
      const point: [number, number] = [project(xScale, x, px0, px1), project(ys, v, py0, py1)];
      points.push(point);
      const label = mode.includes('text') ? trace.text?.[j] : undefined;
      if (label) text(point[0], point[1] - 7, label, { size: 10, color, anchor: 'middle' });
    });
    if (points.length) segments.push(points.splice(0));
    if (mode.includes('lines')) {
      for (const seg of segments) shapes.push({ kind: 'path', points: seg, stroke: color, width: trace.line?.width ?? 1.8, dash });
    }
    if (mode.includes('markers')) {
      const r = (trace.marker?.size ?? 6) / 2;
      for (const seg of segments) for (const [x, y] of seg) shapes.push({ kind: 'circle', x, y, r, fill: color });
    }
  });
  if (!xScale || !yScale) text((px0 + px1) / 2, (py0 + py1) / 2, 'no data yet', { color: '#888888', anchor: 'middle' });
  if (withBar && xScale && yScale) {
    // the colour bar of the first heatmap: zmin at the bottom, zmax at the top, its ticks to the right
    const bx = px1 + (hasY2 ? 64 : 20) + 4, bw = 12, by = py1 + 4, bh = Math.max(20, py0 - py1 - 8);
    const color = colorscaleFn(withBar.trace.colorscale);
    const rgb = new Uint8Array(bh * 3);
    for (let i = 0; i < bh; i++) rgb.set(color(1 - i / Math.max(1, bh - 1)), i * 3);
    shapes.push({ kind: 'cells', x: bx, y: by, w: bw, h: bh, rows: bh, cols: 1, rgb });
    const cb = withBar.trace.colorbar ?? {};
    const span = withBar.zmax - withBar.zmin;
    const ticks = cb.tickvals && cb.ticktext ? cb.tickvals.map((v, k) => [v, cb.ticktext![k]] as const) : niceTicks(withBar.zmin, withBar.zmax, 4).map((v) => [v, fmtNum(v, 3)] as const);
    for (const [v, label] of ticks) {
      if (!(span > 0) || v < withBar.zmin - 1e-9 * Math.abs(span) || v > withBar.zmax + 1e-9 * Math.abs(span)) continue;
      const y = by + bh - ((v - withBar.zmin) / span) * bh;
      shapes.push({ kind: 'line', points: [[bx + bw, y], [bx + bw + 3, y]], stroke: '#444444', width: 1, dash: [] });
      text(bx + bw + 5, y + 4, label, { size: 10, color: '#444444' });
    }
    const barTitle = titleText(cb.title);
    if (barTitle) text(bx, by - 4 > 10 ? by - 4 : by + bh + 12, barTitle, { size: 10, color: '#444444' });
  }
  if (legend.length > 0 && legendRows > 0) {
    // One row under the plot, centred.
    const widths = legend.map((l) => 30 + l.name.length * 6.2 + 14);
    let x = Math.max(4, (W - widths.reduce((a, b) => a + b, 0)) / 2);
    const y = H - 8;
    legend.forEach((l, i) => {
      if (l.marker) shapes.push({ kind: 'circle', x: x + 11, y: y - 4, r: 4, fill: l.color });
      else shapes.push({ kind: 'line', points: [[x, y - 4], [x + 22, y - 4]], stroke: l.color, width: 2, dash: l.dash });
      text(x + 26, y, l.name);
      x += widths[i];
    });
  }
  return { width: W, height: H, shapes };
}

const f1 = (v: number) => v.toFixed(1);

/** A scene as an SVG document. */
export function sceneSvg(scene: Scene): string {
  const { width: W, height: H } = scene;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`];
  for (const s of scene.shapes) {
    if (s.kind === 'rect') out.push(`<rect x="${f1(s.x)}" y="${f1(s.y)}" width="${f1(s.w)}" height="${f1(s.h)}" fill="${s.fill}"/>`);
    else if (s.kind === 'circle') out.push(`<circle cx="${f1(s.x)}" cy="${f1(s.y)}" r="${s.r}" fill="${s.fill}"/>`);
    else if (s.kind === 'line' || s.kind === 'path') {
      const dash = s.dash.length ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
      if (s.kind === 'line') {
        const [[x1, y1], [x2, y2]] = s.points;
        out.push(`<line x1="${f1(x1)}" y1="${f1(y1)}" x2="${f1(x2)}" y2="${f1(y2)}" stroke="${s.stroke}" stroke-width="${s.width}"${dash}/>`);
      } else {
        out.push(`<polyline points="${s.points.map(([x, y]) => `${f1(x)},${f1(y)}`).join(' ')}" fill="none" stroke="${s.stroke}" stroke-width="${s.width}"${dash}/>`);
      }
    } else if (s.kind === 'text') {
      const anchor = s.anchor === 'start' ? '' : ` text-anchor="${s.anchor}"`;
      const size = s.size === 11 ? '' : ` font-size="${s.size}"`;
      const fill = s.color === '#222222' ? '' : ` fill="${s.color}"`;
      const at = s.rotate ? ` transform="translate(${f1(s.x)} ${f1(s.y)}) rotate(${s.rotate})"` : ` x="${f1(s.x)}" y="${f1(s.y)}"`;
      out.push(`<text${at}${anchor}${size}${fill}>${escapeHtml(s.text)}</text>`);
    } else {
      const c = new Canvas(s.cols, s.rows);
      c.rgbCells(0, 0, s.rows, s.cols, s.rgb, 1, 1);
      out.push(`<image x="${f1(s.x)}" y="${f1(s.y)}" width="${f1(s.w)}" height="${f1(s.h)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,${c.toBase64()}"/>`);
    }
  }
  out.push('</svg>');
  return out.join('');
}

/** A scene drawn with Skia, as PNG bytes. */
export function scenePng(scene: Scene): Buffer {
  const c = new Canvas(Math.max(1, Math.round(scene.width)), Math.max(1, Math.round(scene.height)));
  for (const s of scene.shapes) {
    if (s.kind === 'rect') c.fillRect(s.x, s.y, s.w, s.h, s.fill);
    else if (s.kind === 'circle') c.dot(s.x, s.y, s.r, s.fill);
    else if (s.kind === 'line' || s.kind === 'path') c.polyline(s.points, s.stroke, s.width, s.dash);
    else if (s.kind === 'text') c.text(s.x, s.y, s.text, s.color, { size: s.size, align: s.anchor === 'start' ? 'left' : s.anchor === 'end' ? 'right' : 'center', rotate: s.rotate, baseline: 'alphabetic' });
    else c.rgbCells(s.x, s.y, s.rows, s.cols, s.rgb, s.w / s.cols, s.h / s.rows);
  }
  return c.toPNG();
}

/** A static SVG of a figure's scatter (lines/markers), bar and heatmap traces. */
export function figureSvg(spec: FigureSpec): string {
  return sceneSvg(figureScene(spec));
}

/** The same drawing as `figureSvg`, as PNG bytes (Skia): what viewers without JavaScript show. */
export function figurePng(spec: FigureSpec): Buffer {
  return scenePng(figureScene(spec));
}

/** A small histogram as SVG (bars only), for tensor and weight views. */
export function histogramSvg(edges: number[], counts: number[], width = 220, height = 48): string {
  const max = Math.max(1, ...counts);
  const bw = width / counts.length;
  const bars = counts.map((c, i) => {
    const h = (c / max) * (height - 12);
    return `<rect x="${(i * bw).toFixed(1)}" y="${(height - 12 - h).toFixed(1)}" width="${Math.max(0.5, bw - 0.5).toFixed(1)}" height="${h.toFixed(1)}" fill="#636efa"/>`;
  });
  const lo = fmtNum(edges[0], 3), hi = fmtNum(edges[edges.length - 1], 3);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="9">${bars.join('')}<text x="0" y="${height - 2}" fill="#555">${escapeHtml(lo)}</text><text x="${width}" y="${height - 2}" text-anchor="end" fill="#555">${escapeHtml(hi)}</text></svg>`;
}

/** An <img> whose source is an SVG document (survives HTML sanitizers that drop inline <svg>). */
export function svgImg(svg: string, alt = ''): string {
  return `<img alt="${escapeHtml(alt)}" src="data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}">`;
}
