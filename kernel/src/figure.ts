/**
 * Plotly figures with a static SVG fallback.
 *
 * A figure is plotly's JSON (`{data, layout, config}`), displayed as
 * `application/vnd.plotly.v1+json` for frontends that render plotly, plus an
 * `image/svg+xml` drawn here (line, marker and bar traces on one or two y
 * axes, linear or log) for frontends and saved notebooks without JavaScript.
 *
 * @example
 *   const fig = linePlot([{ name: 'loss', y: [2.3, 1.1, 0.7] }], { xlabel: 'epoch', ylabel: 'loss' });
 *   display(fig);   // plotly chart in JupyterLab with plotly, the SVG elsewhere
 */
import { MIME, type MediaBundle } from '../protocol';
import { escapeHtml, fmtNum } from './format';

export interface Trace {
  type?: 'scatter' | 'bar';
  x?: (number | null)[];
  y: (number | null)[];
  name?: string;
  mode?: 'lines' | 'markers' | 'lines+markers' | 'markers+text';
  /** With mode 'markers+text': a label per point, drawn above it. */
  text?: string[];
  /** 'y2' draws against the right-hand axis (layout.yaxis2). */
  yaxis?: 'y' | 'y2';
  line?: { color?: string; width?: number; dash?: 'solid' | 'dash' | 'dot' };
  marker?: { color?: string; size?: number; symbol?: string };
  showlegend?: boolean;
  [key: string]: unknown;
}

export interface Axis {
  title?: string | { text: string };
  range?: [number, number];
  type?: 'linear' | 'log';
  overlaying?: 'y';
  side?: 'left' | 'right';
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

/** The bundle of a figure: plotly JSON, static SVG, and a text line. */
export function figureBundle(spec: FigureSpec): MediaBundle {
  const title = titleText(spec.layout?.title);
  const names = spec.data.map((t, i) => t.name ?? `trace ${i}`).join(', ');
  return {
    'text/plain': `Figure${title ? ` '${title}'` : ''}: ${spec.data.length} trace(s) (${names})`,
    'image/svg+xml': figureSvg(spec),
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
  if (log) {
    ticks = [];
    for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) ticks.push(Math.pow(10, k));
    if (ticks.length < 2) ticks = niceTicks(Math.pow(10, lo), Math.pow(10, hi), 4).filter((t) => t > 0);
  } else {
    ticks = niceTicks(lo, hi);
  }
  return { lo, hi, log, ticks };
}

function project(s: Scale, v: number, from: number, to: number): number {
  const u = s.log ? Math.log10(v) : v;
  return from + ((u - s.lo) / (s.hi - s.lo)) * (to - from);
}

/** A static SVG of a figure's scatter (lines/markers) and bar traces. */
export function figureSvg(spec: FigureSpec): string {
  const layout = spec.layout ?? {};
  const W = layout.width ?? 640, H = layout.height ?? 320;
  const title = titleText(layout.title);
  const hasY2 = spec.data.some((t) => t.yaxis === 'y2');
  const legendRows = spec.data.some((t) => t.name && t.showlegend !== false) && layout.showlegend !== false ? 1 : 0;
  const m = { l: 64, r: hasY2 ? 64 : 20, t: title ? 34 : 14, b: 44 + legendRows * 18 };
  const px0 = m.l, px1 = W - m.r, py0 = H - m.b, py1 = m.t;
  // NOTE: without x the index stands in; a null x (a gap, as plotly reads it) stays null and out of the axis range.
  const xsOf = (t: Trace): (number | null)[] => t.y.map((_, i) => (t.x ? ((t.x[i] ?? null) as number | null) : i));
  const finite = (a: (number | null)[]) => a.filter((v): v is number => v !== null && Number.isFinite(v));
  const xScale = makeScale(spec.data.flatMap((t) => finite(xsOf(t))), layout.xaxis);
  const yScale = makeScale(spec.data.filter((t) => t.yaxis !== 'y2').flatMap((t) => finite(t.y)), layout.yaxis);
  const y2Scale = hasY2 ? makeScale(spec.data.filter((t) => t.yaxis === 'y2').flatMap((t) => finite(t.y)), layout.yaxis2) : null;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}" fill="#f4f6fa"/>`);
  if (title) out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeHtml(title)}</text>`);
  if (xScale) {
    for (const t of xScale.ticks) {
      const x = project(xScale, t, px0, px1);
      out.push(`<line x1="${x.toFixed(1)}" y1="${py1}" x2="${x.toFixed(1)}" y2="${py0}" stroke="#ffffff" stroke-width="1"/>`);
      out.push(`<text x="${x.toFixed(1)}" y="${py0 + 14}" text-anchor="middle" fill="#444">${fmtNum(t, 3)}</text>`);
    }
  }
  const axisTitle = (a: Axis | undefined) => titleText(a?.title);
  if (yScale) {
    for (const t of yScale.ticks) {
      const y = project(yScale, t, py0, py1);
      out.push(`<line x1="${px0}" y1="${y.toFixed(1)}" x2="${px1}" y2="${y.toFixed(1)}" stroke="#ffffff" stroke-width="1"/>`);
      out.push(`<text x="${px0 - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#444">${fmtNum(t, 3)}</text>`);
    }
  }
  if (y2Scale) {
    for (const t of y2Scale.ticks) {
      const y = project(y2Scale, t, py0, py1);
      out.push(`<text x="${px1 + 6}" y="${(y + 4).toFixed(1)}" text-anchor="start" fill="#444">${fmtNum(t, 3)}</text>`);
    }
  }
  if (axisTitle(layout.xaxis)) out.push(`<text x="${(px0 + px1) / 2}" y="${py0 + 32}" text-anchor="middle">${escapeHtml(axisTitle(layout.xaxis))}</text>`);
  if (axisTitle(layout.yaxis)) out.push(`<text transform="translate(14 ${(py0 + py1) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(axisTitle(layout.yaxis))}</text>`);
  if (y2Scale && axisTitle(layout.yaxis2)) out.push(`<text transform="translate(${W - 10} ${(py0 + py1) / 2}) rotate(90)" text-anchor="middle">${escapeHtml(axisTitle(layout.yaxis2))}</text>`);

  const legend: { name: string; color: string; dash: string }[] = [];
  const bars = spec.data.filter((t) => t.type === 'bar');
  spec.data.forEach((trace, i) => {
    const color = trace.line?.color ?? trace.marker?.color ?? COLORS[i % COLORS.length];
    const ys = trace.yaxis === 'y2' ? y2Scale : yScale;
    if (!xScale || !ys) return;
    const xs = xsOf(trace);
    const dash = trace.line?.dash === 'dash' ? '6 4' : trace.line?.dash === 'dot' ? '2 3' : '';
    if (trace.name && trace.showlegend !== false) legend.push({ name: trace.name, color, dash });
    if (trace.type === 'bar') {
      const k = bars.indexOf(trace);
      const uniq = [...new Set(finite(xs))].sort((a, b) => a - b);
      const gap = uniq.length > 1 ? Math.min(...uniq.slice(1).map((v, j) => v - uniq[j])) : 1;
      const slot = Math.abs(project(xScale, uniq[0] + gap, px0, px1) - project(xScale, uniq[0], px0, px1)) * 0.8;
      const w = Math.max(1, slot / bars.length);
      const base = project(ys, ys.log ? Math.pow(10, ys.lo) : Math.max(ys.lo, Math.min(ys.hi, 0)), py0, py1);
      trace.y.forEach((v, j) => {
        const x = xs[j];
        if (v === null || x === null || !Number.isFinite(v)) return;
        const cx = project(xScale, x, px0, px1) - slot / 2 + k * w;
        const y = project(ys, v, py0, py1);
        out.push(`<rect x="${cx.toFixed(1)}" y="${Math.min(y, base).toFixed(1)}" width="${w.toFixed(1)}" height="${Math.abs(base - y).toFixed(1)}" fill="${color}"/>`);
      });
      return;
    }
    const mode = trace.mode ?? (trace.y.length > 20 ? 'lines' : 'lines+markers');
    const points: [number, number][] = [];
    const segments: [number, number][][] = [];
    trace.y.forEach((v, j) => {
      const x = xs[j];
      if (v === null || x === null || !Number.isFinite(v) || (ys.log && v <= 0)) {
        if (points.length) segments.push(points.splice(0));
        return;
      }
      const point: [number, number] = [project(xScale, x, px0, px1), project(ys, v, py0, py1)];
      points.push(point);
      const label = mode.includes('text') ? trace.text?.[j] : undefined;
      if (label) out.push(`<text x="${point[0].toFixed(1)}" y="${(point[1] - 7).toFixed(1)}" text-anchor="middle" font-size="10" fill="${color}">${escapeHtml(label)}</text>`);
    });
    if (points.length) segments.push(points.splice(0));
    if (mode.includes('lines')) {
      for (const seg of segments) {
        const d = seg.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
        out.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="${trace.line?.width ?? 1.8}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      }
    }
    if (mode.includes('markers')) {
      const r = (trace.marker?.size ?? 6) / 2;
      for (const seg of segments) for (const [x, y] of seg) out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${color}"/>`);
    }
  });
  if (!xScale || !yScale) out.push(`<text x="${(px0 + px1) / 2}" y="${(py0 + py1) / 2}" text-anchor="middle" fill="#888">no data yet</text>`);
  if (legend.length > 0 && legendRows > 0) {
    // One row under the plot, centred.
    const widths = legend.map((l) => 30 + l.name.length * 6.2 + 14);
    let x = Math.max(4, (W - widths.reduce((a, b) => a + b, 0)) / 2);
    const y = H - 8;
    legend.forEach((l, i) => {
      out.push(`<line x1="${x.toFixed(1)}" y1="${y - 4}" x2="${(x + 22).toFixed(1)}" y2="${y - 4}" stroke="${l.color}" stroke-width="2"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
      out.push(`<text x="${(x + 26).toFixed(1)}" y="${y}">${escapeHtml(l.name)}</text>`);
      x += widths[i];
    });
  }
  out.push('</svg>');
  return out.join('');
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
