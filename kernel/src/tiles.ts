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
 *
 * Every block has a colour bar with its value range: the numbers at its ends
 * when the block's tiles share one range; otherwise the bar reads min..max
 * and each tile has its own range written under it.
 */
import type { PngImage } from '../protocol';
import { Canvas, FRAME, LIGHT, LINE_HEIGHT, MUTED, INK, TEXT_SIZE, WHITE, textWidth } from './canvas';
import type { ColormapName } from './colormap';
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
  /** A label drawn under the tile (a class name, an image's label), shortened with … to the tile's width. */
  caption?: string;
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
  /** Target size of a tile's longer side in pixels, reached by integer upscaling (default 64). */
  targetSide?: number;
  /** Downsample maps larger than this (default 96). */
  maxTileSide?: number;
  title?: string;
}

const GAP = 3;
const LINE = LINE_HEIGHT;
/** Size of the small text under tiles and beside colour bars. */
const SMALL = TEXT_SIZE - 3;
const BAR_W = 10;
/** Size of tile captions. */
const CAPTION = TEXT_SIZE - 1;

/** `text`, cut and ended with … so it fits in `width` px at `size`. */
function fitText(text: string, width: number, size: number): string {
  if (textWidth(text, size) <= width) return text;
  const chars = [...text];
  while (chars.length > 1 && textWidth(chars.join('') + '…', size) > width) chars.pop();
  return chars.join('') + '…';
}
/** Room right of a block's tiles for its colour bar and labels. */
const BAR_ROOM = BAR_W + 64;

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
  /** The block's one colour range when all its tiles share it; null when each has its own. */
  shared: [number, number] | null;
  /** Where the colour bar goes (x, y, height), or null without labels. */
  bar: [number, number, number] | null;
  /** Whether each tile's own range is written under it. */
  tileRanges: boolean;
}

/** The tile scale `layout` picks: integer upscaling of the longer side towards `target` px (at most 12x). */
function tileScale(tileH: number, tileW: number, target: number): number {
  return Math.max(1, Math.min(12, Math.floor(target / Math.max(tileH, tileW))));
}

/** The `maxWidth` at which a grid (with labels and colour bar) wraps after `perRow` tiles of tileH x tileW. */
export function wrapWidth(perRow: number, tileH: number, tileW: number, captions = false, target = 64): number {
  const cellW = tileW * tileScale(tileH, tileW, target) + GAP + (captions ? 4 : 0);
  return GAP + BAR_ROOM + perRow * cellW + 1;
}

/** The range all tiles of a block share, or null when they differ. */
function sharedRange(tiles: Tile[]): [number, number] | null {
  if (tiles.length === 0) return null;
  const [lo, hi] = [tiles[0].lo, tiles[0].hi];
  return tiles.every((t) => t.lo === lo && t.hi === hi) ? [lo, hi] : null;
}

function layout(blocks: Block[], opts: GridOptions, withLabels: boolean): { placed: Placed[]; width: number; height: number } {
  const maxWidth = opts.maxWidth ?? 960;
  const target = opts.targetSide ?? 64;
  let y = GAP + (withLabels && opts.title ? LINE + 4 : 0);
  let width = withLabels && opts.title ? textWidth(opts.title, TEXT_SIZE, true) + 2 * GAP : 1;
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
    const scale = tileScale(tileH, tileW, target);
    const shared = sharedRange(block.tiles);
    // NOTE: a tile's own range goes under it only when there is room for it (about 9 px text in its width).
    const tileRanges = withLabels && shared === null && tileW * scale >= 44;
    const captions = withLabels && block.tiles.some((t) => t.caption);
    const cellW = tileW * scale + GAP + (captions ? 4 : 0);
    const cellH = tileH * scale + GAP + (tileRanges ? SMALL + 3 : 0) + (captions ? CAPTION + 4 : 0);
    const room = withLabels ? BAR_ROOM : 0;
    const perRow = Math.max(1, Math.floor((maxWidth - GAP - room) / cellW));
    const tileXY: [number, number][] = block.tiles.map((_, i) => [GAP + (i % perRow) * cellW + 1, y + Math.floor(i / perRow) * cellH + 1]);
    const rowsUsed = Math.ceil(block.tiles.length / perRow);
    const tilesRight = GAP + Math.min(perRow, block.tiles.length) * cellW + 2;
    const barH = Math.max(tileH * scale, Math.min(120, rowsUsed * cellH - GAP), 3 * LINE);
    const bar: [number, number, number] | null = withLabels && block.tiles.length > 0 ? [tilesRight + 6, y + 1, barH] : null;
    width = Math.max(width, tilesRight + room);
    y += Math.max(rowsUsed * cellH, bar ? barH + GAP : 0) + (withLabels ? 6 : 0);
    placed.push({ block, labelY, tileXY, scale, tileW, tileH, shared, bar, tileRanges });
  }
  return { placed, width: Math.max(1, width), height: Math.max(1, y + GAP) };
}

function paint(canvas: Canvas, p: Placed, withLabels: boolean): void {
  if (withLabels && p.block.label) canvas.text(GAP, p.labelY + 2, p.block.label, INK);
  if (withLabels && p.block.note) canvas.text(GAP, p.labelY + 2 + (p.block.label ? LINE : 0), p.block.note, MUTED);
  p.block.tiles.forEach((tile, i) => {
    const [x, y] = p.tileXY[i];
    const constant = tile.constant ?? null;
    const w = tile.cols * p.scale, h = tile.rows * p.scale;
    if (constant !== null && !(tile.hi > tile.lo)) canvas.fillRect(x, y, w, h, LIGHT);
    else canvas.heatmap(x, y, tile.values, 0, tile.rows, tile.cols, tile.cols, tile.lo, tile.hi, p.scale);
    if (tile.valid !== undefined) {
      for (let k = tile.valid; k < tile.rows * tile.cols; k++) {
        canvas.fillRect(x + (k % tile.cols) * p.scale, y + Math.floor(k / tile.cols) * p.scale, p.scale, p.scale, LIGHT);
      }
    }
    if (constant !== null) markConstant(canvas, x, y, w, h, constant);
    canvas.frame(x, y, w, h, FRAME);
    let below = y + h + 2;
    if (withLabels && tile.caption) {
      canvas.text(x + w / 2, below, fitText(tile.caption, w + 2, CAPTION), INK, { size: CAPTION, align: 'center' });
      below += CAPTION + 4;
    }
    if (p.tileRanges && constant === null) {
      const range = tile.lo === -tile.hi ? `±${fmtNum(tile.hi, 2)}` : `${fmtNum(tile.lo, 2)}…${fmtNum(tile.hi, 2)}`;
      if (textWidth(range, SMALL) <= w + GAP) canvas.text(x + w / 2, below, range, MUTED, { size: SMALL, align: 'center' });
    }
  });
  if (p.bar) {
    const [bx, by, bh] = p.bar;
    if (p.shared) canvas.colorBar(bx, by, BAR_W, bh, p.shared[0], p.shared[1], { size: SMALL });
    else canvas.colorBar(bx, by, BAR_W, bh, 0, 1, { size: SMALL, labels: ['tile max', 'tile min'] });
  }
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
  const tw = textWidth(label, SMALL);
  if (tw + 2 <= w && SMALL + 2 <= h) {
    const lx = x + Math.floor((w - tw) / 2), ly = y + Math.floor((h - SMALL) / 2);
    canvas.fillRect(lx - 1, ly - 1, tw + 2, SMALL + 3, WHITE);
    canvas.text(lx, ly, label, INK, { size: SMALL });
  }
}

/** One PNG with every block (labels, notes, tiles, colour bars) and an optional title. */
export function drawGrid(blocks: Block[], opts: GridOptions = {}): PngImage {
  const { placed, width, height } = layout(blocks, opts, true);
  const canvas = new Canvas(width, height, opts.colormap ?? 'viridis');
  if (opts.title) canvas.text(GAP, GAP + 1, opts.title, INK, { bold: true });
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
