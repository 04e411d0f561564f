/**
 * Labelled grids of heatmap tiles, drawn into one PNG: a block per layer (or
 * per weight tensor), each with a text label and its tiles wrapped to a
 * maximum width. Used by feature maps and filter images.
 *
 * Tiles are scaled up by an integer factor so small maps (7x7, 3x3 kernels)
 * stay visible; big maps are block-averaged down to `maxTileSide` first.
 *
 * A constant tile (two or more finite values, all equal: a dead ReLU channel,
 * a pruned filter) is marked rather than drawn in the colour map's middle
 * colour: light grey when its own range is empty (per-tile scale), its colour
 * on a shared scale, crossed out either way, with `=value` written in it when
 * it fits.
 */
import type { PngImage } from '../protocol';
import { Canvas, FRAME, LIGHT, MUTED, INK, WHITE } from './canvas';
import type { ColormapName } from './colormap';
import { GLYPH_HEIGHT, textWidth } from './font';
import { fmtNum } from './format';
import { downsample } from './tensorView';

export interface Tile {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  /** The colour range of this tile. */
  lo: number;
  hi: number;
  /** Cells at row-major index >= valid are padding (drawn light grey). Default: all valid. */
  valid?: number;
  /** The value of every finite cell when there are two or more and all are equal (drawn marked); else null. */
  constant?: number | null;
}

/** How tiles are coloured: each to its own range, or all of a layer (a weight) to one range. */
export type TileScale = 'per-tile' | 'shared';

/** The common value of the finite values in values[start, start + n) when there are two or more, all equal; else null. */
export function constantValue(values: ArrayLike<number>, start = 0, n = values.length - start): number | null {
  let first = NaN, count = 0;
  for (let i = start; i < start + n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (count === 0) first = v;
    else if (v !== first) return null;
    count++;
  }
  return count >= 2 ? first : null;
}

export interface Block {
  label: string | null;
  /** A second, muted line (e.g. statistics). */
  note?: string;
  tiles: Tile[];
}

export interface GridOptions {
  colormap?: ColormapName;
  /** Wrap tiles to this width in pixels (default 960). */
  maxWidth?: number;
  /** Target size of a tile's longer side in pixels, reached by integer upscaling (default 56). */
  targetSide?: number;
  /** Downsample maps larger than this (default 96). */
  maxTileSide?: number;
  title?: string;
}

const GAP = 3;
const LINE = GLYPH_HEIGHT + 4;

/** Min and max of the finite values in values[start, start + n). */
export function finiteRange(values: ArrayLike<number>, start = 0, n = values.length - start): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = start; i < start + n; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/** A tile from values[start, start + rows*cols), normalised to its own finite range (or `range`). */
export function makeTile(values: ArrayLike<number>, start: number, rows: number, cols: number, maxTileSide = 96, range?: [number, number]): Tile {
  const slice = (values as Float32Array).subarray
    ? (values as Float32Array).subarray(start, start + rows * cols)
    : Array.prototype.slice.call(values, start, start + rows * cols);
  const d = downsample(slice, rows, cols, maxTileSide);
  const [lo, hi] = range ?? finiteRange(slice);
  return { values: d.values, rows: d.rows, cols: d.cols, lo, hi, constant: constantValue(slice) };
}

/** A vector of `n` values as a near-square tile (side = ceil(sqrt(n))), the rest padding. */
export function vectorTile(values: ArrayLike<number>, start: number, n: number, range?: [number, number]): Tile {
  const side = Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / side));
  const out = new Float64Array(rows * side).fill(NaN);
  for (let i = 0; i < n; i++) out[i] = values[start + i];
  const [lo, hi] = range ?? finiteRange(out, 0, n);
  return { values: out, rows, cols: side, lo, hi, valid: n, constant: constantValue(out, 0, n) };
}

interface Placed {
  block: Block;
  labelY: number;
  tileXY: [number, number][];
  scale: number;
  tileW: number;
  tileH: number;
}

function layout(blocks: Block[], opts: GridOptions, withLabels: boolean): { placed: Placed[]; width: number; height: number } {
  const maxWidth = opts.maxWidth ?? 960;
  const target = opts.targetSide ?? 56;
  let y = GAP + (withLabels && opts.title ? LINE + 4 : 0);
  let width = withLabels && opts.title ? textWidth(opts.title) + 2 * GAP : 1;
  const placed: Placed[] = [];
  for (const block of blocks) {
    const labelY = y;
    if (withLabels && block.label) {
      y += LINE;
      width = Math.max(width, textWidth(block.label) + 2 * GAP);
    }
    if (withLabels && block.note) {
      y += LINE;
      width = Math.max(width, textWidth(block.note) + 2 * GAP);
    }
    const tileH = Math.max(1, ...block.tiles.map((t) => t.rows));
    const tileW = Math.max(1, ...block.tiles.map((t) => t.cols));
    const scale = Math.max(1, Math.min(8, Math.floor(target / Math.max(tileH, tileW))));
    const cellW = tileW * scale + GAP, cellH = tileH * scale + GAP;
    const perRow = Math.max(1, Math.floor((maxWidth - GAP) / cellW));
    const tileXY: [number, number][] = block.tiles.map((_, i) => [GAP + (i % perRow) * cellW + 1, y + Math.floor(i / perRow) * cellH + 1]);
    const rowsUsed = Math.ceil(block.tiles.length / perRow);
    width = Math.max(width, GAP + Math.min(perRow, block.tiles.length) * cellW + 2);
    y += rowsUsed * cellH + (withLabels ? 6 : 0);
    placed.push({ block, labelY, tileXY, scale, tileW, tileH });
  }
  return { placed, width: Math.max(1, width), height: Math.max(1, y + GAP) };
}

function paint(canvas: Canvas, p: Placed, withLabels: boolean): void {
  if (withLabels && p.block.label) canvas.text(GAP, p.labelY + 2, p.block.label, INK);
  if (withLabels && p.block.note) canvas.text(GAP, p.labelY + 2 + (p.block.label ? LINE : 0), p.block.note, MUTED);
  p.block.tiles.forEach((tile, i) => {
    const [x, y] = p.tileXY[i];
    const constant = tile.constant ?? null;
    if (constant !== null && !(tile.hi > tile.lo)) canvas.fillRect(x, y, tile.cols * p.scale, tile.rows * p.scale, LIGHT);
    else canvas.heatmap(x, y, tile.values, 0, tile.rows, tile.cols, tile.cols, tile.lo, tile.hi, p.scale);
    if (tile.valid !== undefined) {
      for (let k = tile.valid; k < tile.rows * tile.cols; k++) {
        canvas.fillRect(x + (k % tile.cols) * p.scale, y + Math.floor(k / tile.cols) * p.scale, p.scale, p.scale, LIGHT);
      }
    }
    if (constant !== null) markConstant(canvas, x, y, tile.cols * p.scale, tile.rows * p.scale, constant);
    canvas.frame(x, y, tile.cols * p.scale, tile.rows * p.scale, FRAME);
  });
}

/** Where each tile of `block` sits in `drawBlock(block, opts)`'s image: [x, y, width, height] in its pixels. */
export function blockTileRects(block: Block, opts: GridOptions = {}): [number, number, number, number][] {
  const { placed } = layout([block], opts, false);
  const p = placed[0];
  return p.tileXY.map(([x, y], i) => [x, y, p.block.tiles[i].cols * p.scale, p.block.tiles[i].rows * p.scale]);
}

/** Crosses out a constant tile of w x h pixels at (x, y) and writes `=value` in it when it fits. */
function markConstant(canvas: Canvas, x: number, y: number, w: number, h: number, value: number): void {
  const n = Math.max(w, h);
  for (let k = 0; k < n; k++) {
    const dx = Math.floor((k * w) / n), dy = Math.floor((k * h) / n);
    canvas.fillRect(x + dx, y + dy, 1, 1, MUTED);
    canvas.fillRect(x + w - 1 - dx, y + dy, 1, 1, MUTED);
  }
  const label = `=${fmtNum(value, 2)}`;
  const tw = textWidth(label);
  if (tw + 2 <= w && GLYPH_HEIGHT + 2 <= h) {
    const lx = x + Math.floor((w - tw) / 2), ly = y + Math.floor((h - GLYPH_HEIGHT) / 2);
    canvas.fillRect(lx - 1, ly - 1, tw + 2, GLYPH_HEIGHT + 2, WHITE);
    canvas.text(lx, ly, label, INK);
  }
}

/** One PNG with every block (labels, notes, tiles) and an optional title. */
export function drawGrid(blocks: Block[], opts: GridOptions = {}): PngImage {
  const { placed, width, height } = layout(blocks, opts, true);
  const canvas = new Canvas(width, height, opts.colormap ?? 'viridis');
  if (opts.title) canvas.text(GAP, GAP + 1, opts.title, INK);
  for (const p of placed) paint(canvas, p, true);
  return { png: canvas.toBase64(), width, height };
}

/** The tiles of one block alone, without labels (for the JSON payloads). */
export function drawBlock(block: Block, opts: GridOptions = {}): PngImage {
  const { placed, width, height } = layout([block], opts, false);
  const canvas = new Canvas(width, height, opts.colormap ?? 'viridis');
  paint(canvas, placed[0], false);
  return { png: canvas.toBase64(), width, height };
}
