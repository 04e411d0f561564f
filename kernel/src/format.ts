/**
 * Small text and HTML helpers shared by the bundle builders.
 *
 * @example fmtNum(0.000123456)  // '1.235e-4'
 * @example fmtCount(235146)     // '235,146'
 */
import type { PngImage, Stats } from '../protocol';

/**
 * Rethrows `err` with `context` in front of its message, keeping its class
 * (ShapeError stays ShapeError) and stack.
 */
export function rethrowWithContext(err: unknown, context: string): never {
  if (err instanceof Error) {
    err.message = `${context}${err.message}`;
    if (err.stack) err.stack = err.stack.replace(/^([^:\n]*: )?/, (m) => `${m}${context}`);
    throw err;
  }
  throw new Error(`${context}${String(err)}`);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A number in at most 4 significant digits; 'nan', 'inf', '—' for null. */
export function fmtNum(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
}

/** An integer with thousands separators. */
export function fmtCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export { fmtShape } from '../../src/errors';

/** Bytes as MB with two decimals (torchinfo's unit: 1 MB = 1e6 bytes). */
export function fmtMB(bytes: number | null): string {
  return bytes === null ? '—' : (bytes / 1e6).toFixed(2);
}

/** Seconds as m:ss or h:mm:ss. */
export function fmtDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** One line of statistics: `min -1.2 · max 3.4 · mean 0.1 · std 0.9 · nan 0`. */
export function statsLine(stats: Stats): string {
  let line = `min ${fmtNum(stats.min)} · max ${fmtNum(stats.max)} · mean ${fmtNum(stats.mean)} · std ${fmtNum(stats.std)} · nan ${stats.nanCount}`;
  if (stats.infCount) line += ` · inf ${stats.infCount}`;
  return line;
}

/** An <img> of a PNG, shown at `scale` times its size with crisp pixels. */
export function imgTag(image: PngImage, scale = 1, alt = ''): string {
  return `<img alt="${escapeHtml(alt)}" src="data:image/png;base64,${image.png}" width="${Math.round(image.width * scale)}" height="${Math.round(image.height * scale)}" style="image-rendering: pixelated; image-rendering: crisp-edges;">`;
}

/** A compact HTML table; cells are already HTML. */
export function htmlTable(header: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const td = (tag: string, cell: string, i: number) => `<${tag} style="text-align:${align[i] === 'r' ? 'right' : 'left'};padding:1px 8px">${cell}</${tag}>`;
  const head = `<tr>${header.map((h, i) => td('th', h, i)).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => td('td', c, i)).join('')}</tr>`).join('');
  return `<table style="border-collapse:collapse;font-size:12px;font-family:monospace">${head}${body}</table>`;
}

/** A plain-text table with padded columns. */
export function textTable(header: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cell: string, i: number) => (align[i] === 'r' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]));
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
