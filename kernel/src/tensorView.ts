/**
 * The display of a tensor: a header with shape and dtype; for a small tensor
 * (at most `SMALL_TENSOR` = 100 values) its printed values first, as NumPy's
 * and PyTorch's repr show them; then the statistics (min, max, mean, std,
 * #NaN); a value table for other small 1-D/2-D tensors; a heatmap
 * for 2-D tensors and for image-like 3-D/4-D tensors (one tile per channel);
 * big tensors summarised (edges only, images downsampled), so a bundle stays
 * well under 1 MB whatever the tensor.
 *
 * @example
 *   tensorBundle(nn.randn([28, 28]))['application/vnd.nnlab.tensor+json'].stats.mean
 */
import type { Tensor } from '../../src/tensor';
import { formatTensor } from '../../src/format';
import { MIME, type MediaBundle, type PngImage, type TensorPayload } from '../protocol';
import { Canvas, FRAME, TEXT_SIZE, textWidth } from './canvas';
import { histogramSvg, svgImg } from './figure';
import { escapeHtml, fmtNum, fmtShape, htmlTable, imgTag, statsLine } from './format';
import { histogram, jsonNumbers, valueStats } from './stats';

export interface TensorViewOptions {
  /** A name shown in the header (e.g. the variable or parameter name). */
  name?: string;
  /** Send all values in the JSON payload up to this many elements (default 4096). */
  valueLimit?: number;
  /** Largest side of a heatmap before downsampling by block means (default 256). */
  maxImageSide?: number;
}

/** Tensors with at most this many values show them first (text/plain, HTML, and `repr` in the JSON payload). */
export const SMALL_TENSOR = 100;

const TABLE_1D = 64;
const TABLE_2D = 24;
const MAX_TILES = 64;
const BAR_W = 10;

/** The size `downsample` gives: each side divided by the smallest integer factor that brings it to at most `maxSide`. */
export function downsampledSize(rows: number, cols: number, maxSide: number): [number, number] {
  return [Math.ceil(rows / Math.max(1, Math.ceil(rows / maxSide))), Math.ceil(cols / Math.max(1, Math.ceil(cols / maxSide)))];
}

/** Block-mean downsampling of a rows x cols row-major matrix so neither side exceeds `maxSide`. NaN-aware. */
export function downsample(values: ArrayLike<number>, rows: number, cols: number, maxSide: number): { values: Float64Array; rows: number; cols: number } {
  const fr = Math.max(1, Math.ceil(rows / maxSide)), fc = Math.max(1, Math.ceil(cols / maxSide));
  const [r2, c2] = downsampledSize(rows, cols, maxSide);
  const out = new Float64Array(r2 * c2);
  for (let i = 0; i < r2; i++) {
    for (let j = 0; j < c2; j++) {
      let sum = 0, n = 0, nan = false;
      for (let a = i * fr; a < Math.min(rows, (i + 1) * fr); a++) {
        for (let b = j * fc; b < Math.min(cols, (j + 1) * fc); b++) {
          const v = values[a * cols + b];
          if (Number.isNaN(v)) nan = true;
          else {
            sum += Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, v));
            n++;
          }
        }
      }
      out[i * c2 + j] = n > 0 ? sum / n : nan ? NaN : 0;
    }
  }
  return { values: out, rows: r2, cols: c2 };
}

/**
 * The heatmap of a tensor, or null when it has no image-like view:
 * 2-D [R, C] as one image; 3-D [C, H, W] as one tile per channel; 4-D
 * [N, C, H, W] as a grid (row per sample, column per channel). All tiles share
 * the colour scale [min, max] of the finite values, shown by a colour bar
 * with the two values to the right of the tiles. At most 64 tiles.
 */
export function tensorHeatmap(t: Tensor, maxSide = 256): (PngImage & { tiles: number; scale: number }) | null {
  const shape = t.shape;
  if (t.size === 0) return null;
  const values = t.values();
  const stats = valueStats(values);
  if (stats.min === null || stats.max === null) return null;
  let rows: number, cols: number, tileRows: number, tileCols: number;
  if (shape.length === 2) [tileRows, tileCols, rows, cols] = [1, 1, shape[0], shape[1]];
  else if (shape.length === 3 && shape[1] >= 2 && shape[2] >= 2) [tileRows, tileCols, rows, cols] = [1, shape[0], shape[1], shape[2]];
  else if (shape.length === 4 && shape[2] >= 2 && shape[3] >= 2) [tileRows, tileCols, rows, cols] = [shape[0], shape[1], shape[2], shape[3]];
  else return null;
  if (shape.length === 2 && (rows === 1 || cols === 1) && rows * cols < 4) return null;
  const shownRows = Math.min(tileRows, 8);
  const shownCols = Math.min(tileCols, Math.max(1, Math.floor(MAX_TILES / shownRows)));
  const perTileSide = tileRows * tileCols > 1 ? Math.min(maxSide, 64) : maxSide;
  const [h, w] = downsampledSize(rows, cols, perTileSide);
  const scale = Math.max(1, Math.min(16, Math.floor((tileRows * tileCols > 1 ? 64 : 160) / Math.max(h, w))));
  const gap = tileRows * tileCols > 1 ? 2 : 0;
  const tilesW = shownCols * (w * scale + gap) + gap || 1, tilesH = shownRows * (h * scale + gap) + gap || 1;
  const barH = Math.max(tilesH - 2, 3 * TEXT_SIZE), barSize = TEXT_SIZE - 3;
  const barRoom = 6 + BAR_W + 4 + Math.max(...[stats.min, stats.max, 0].map((v) => textWidth(fmtNum(v, 3), barSize))) + 2;
  const canvas = new Canvas(tilesW + barRoom, Math.max(tilesH, barH + 2));
  const plane = rows * cols;
  for (let i = 0; i < shownRows; i++) {
    for (let j = 0; j < shownCols; j++) {
      const start = (i * tileCols + j) * plane;
      const tile = downsample(values.subarray(start, start + plane), rows, cols, perTileSide);
      const x = gap + j * (w * scale + gap), y = gap + i * (h * scale + gap);
      canvas.heatmap(x, y, tile.values, 0, tile.rows, tile.cols, tile.cols, stats.min, stats.max, scale);
      if (gap) canvas.frame(x, y, w * scale, h * scale, FRAME);
    }
  }
  canvas.colorBar(tilesW + 6, 1, BAR_W, barH, stats.min, stats.max, { size: barSize });
  return { png: canvas.toBase64(), width: canvas.width, height: canvas.height, tiles: shownRows * shownCols, scale };
}

/** The JSON payload of a tensor (application/vnd.nnlab.tensor+json). */
export function tensorPayload(t: Tensor, opts: TensorViewOptions = {}, heatmap?: PngImage | null): TensorPayload {
  const valueLimit = opts.valueLimit ?? 4096;
  const values = t.values();
  const stats = valueStats(values);
  const hm = heatmap === undefined ? tensorHeatmap(t, opts.maxImageSide) : heatmap;
  return {
    version: 1, kind: 'tensor', shape: [...t.shape], dtype: t.dtype, size: t.size,
    requiresGrad: t.requiresGrad, gradFn: t.node ? t.node.op : null, stats,
    histogram: histogram(values, 30, stats),
    values: t.size <= valueLimit ? jsonNumbers(values) : null, valueLimit,
    heatmap: hm ? { png: hm.png, width: hm.width, height: hm.height } : null,
    repr: t.size <= SMALL_TENSOR ? formatTensor(t) : null,
  };
}

function valueTable(t: Tensor): string | null {
  const v = t.values();
  const cell = (x: number) => escapeHtml(t.dtype === 'int32' ? String(x) : fmtNum(x));
  if (t.ndim === 1 && t.size <= TABLE_1D) {
    const perRow = 16;
    const rows: string[][] = [];
    for (let i = 0; i < t.size; i += perRow) rows.push([`<b>${i}</b>`, ...Array.from(v.subarray(i, i + perRow), cell)]);
    return htmlTable(['', ...Array.from({ length: Math.min(perRow, t.size) }, (_, i) => `<b>+${i}</b>`)], rows, Array(perRow + 1).fill('r'));
  }
  if (t.ndim === 2 && t.shape[0] <= TABLE_2D && t.shape[1] <= TABLE_2D) {
    const [r, c] = t.shape;
    const rows = Array.from({ length: r }, (_, i) => [`<b>${i}</b>`, ...Array.from(v.subarray(i * c, (i + 1) * c), cell)]);
    return htmlTable(['', ...Array.from({ length: c }, (_, j) => `<b>${j}</b>`)], rows, Array(c + 1).fill('r'));
  }
  return null;
}

/**
 * The bundle of a tensor: text/plain (the printed tensor and a statistics
 * line), text/html (header, the values of a small tensor, statistics, table
 * or summary of a bigger one, heatmap, histogram), and
 * application/vnd.nnlab.tensor+json.
 */
export function tensorBundle(t: Tensor, opts: TensorViewOptions = {}): MediaBundle {
  const heatmap = tensorHeatmap(t, opts.maxImageSide);
  const payload = tensorPayload(t, opts, heatmap);
  const { stats } = payload;
  const title = `${opts.name ? `${opts.name}: ` : ''}Tensor ${fmtShape(t.shape)} ${t.dtype}${payload.gradFn ? ` (gradFn=${payload.gradFn})` : t.requiresGrad ? ' (requiresGrad)' : ''}`;
  const printed = formatTensor(t);
  const small = t.size <= SMALL_TENSOR;
  const pre = (cls: string) => `<pre class="${cls}" style="margin:4px 0;max-height:280px;max-width:760px;overflow:auto">${escapeHtml(printed)}</pre>`;
  const html: string[] = [
    `<div class="nnlab-tensor" style="font-family:monospace;font-size:12px">`,
    `<div><b>${escapeHtml(title)}</b></div>`,
    ...(small ? [pre('nnlab-values')] : []),
    `<div style="color:#555">${escapeHtml(statsLine(stats))}${stats.count > 0 ? ` · size ${stats.count}` : ''}</div>`,
  ];
  const values = small ? '' : valueTable(t) ?? pre('nnlab-printed');
  const pictures: string[] = [];
  if (heatmap) {
    const caption = heatmap.tiles > 1 ? `${heatmap.tiles} tiles, shared scale` : 'heatmap';
    pictures.push(`<figure style="margin:4px 8px 0 0">${imgTag(heatmap, 1, 'heatmap')}<figcaption style="color:#777">${caption} ${escapeHtml(fmtNum(stats.min))} … ${escapeHtml(fmtNum(stats.max))} (viridis)</figcaption></figure>`);
  }
  if (payload.histogram && t.size >= 16) {
    pictures.push(`<figure style="margin:4px 8px 0 0">${svgImg(histogramSvg(payload.histogram.edges, payload.histogram.counts), 'histogram')}<figcaption style="color:#777">histogram</figcaption></figure>`);
  }
  if (values || pictures.length) html.push(`<div style="display:flex;flex-wrap:wrap;align-items:flex-start;gap:12px">${values ? `<div>${values}</div>` : ''}${pictures.join('')}</div>`);
  html.push('</div>');
  return {
    'text/plain': `${printed}\n${statsLine(stats)}`,
    'text/html': html.join(''),
    [MIME.tensor]: payload,
  };
}
