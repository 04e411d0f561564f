/**
 * Weights drawn as images on a canvas, in a diverging colour map (blue for
 * negative, white for 0, red for positive):
 *   - conv weights [out, in, kh, kw]: one kh×kw tile per (output, input)
 *     channel pair, a row per output channel (single-input filters in rows
 *     of 16), each tile scaled by its own largest |w| (so every pattern shows);
 *   - matrices [out, in] (Linear): one image scaled by the largest |w|.
 *
 * @example const canvas = weightImage(payload.tensor); if (canvas) panel.append(canvas);
 */
import type { TensorPayload } from './protocol';
import { num, shapeOf } from './dom';

/** RGB of `v` in [-1, 1]: blue (-1) → white (0) → red (+1). */
function diverging(v: number, out: Uint8ClampedArray, at: number): void {
  const t = Math.max(-1, Math.min(1, v));
  if (t >= 0) {
    out[at] = 255;
    out[at + 1] = Math.round(255 * (1 - t));
    out[at + 2] = Math.round(255 * (1 - t));
  } else {
    out[at] = Math.round(255 * (1 + t));
    out[at + 1] = Math.round(255 * (1 + t));
    out[at + 2] = 255;
  }
  out[at + 3] = 255;
}

export interface WeightImageOptions {
  /** Largest number of input channels drawn per filter row. */
  maxInputs?: number;
  /** Largest number of filter rows. */
  maxOutputs?: number;
  /** Largest width in CSS pixels. */
  maxWidth?: number;
}

/** A canvas of the weights, or null when the tensor is not 2-D/4-D or its values were not sent. */
export function weightImage(t: TensorPayload, opts: WeightImageOptions = {}): HTMLCanvasElement | null {
  const shape = shapeOf(t.shape);
  const values = Array.isArray(t.values) ? t.values : null;
  if (!shape || !values || values.length !== shape.reduce((a, b) => a * b, 1)) return null;
  if (shape.length === 4) return filterGrid(shape, values, opts);
  if (shape.length === 2) return matrixImage(shape, values, opts.maxWidth ?? 300);
  return null;
}

function filterGrid(shape: number[], values: unknown[], opts: WeightImageOptions): HTMLCanvasElement {
  const [outs, ins, kh, kw] = shape;
  const filters = Math.min(outs, opts.maxOutputs ?? 32);
  const inputs = Math.min(ins, opts.maxInputs ?? 16);
  // NOTE: single-channel filters (a first conv layer) are laid out in rows of 16, not one column.
  const perRow = inputs === 1 ? Math.min(filters, 16) : inputs;
  const rows = inputs === 1 ? Math.ceil(filters / perRow) : filters;
  const gap = 1;
  const width = perRow * (kw + gap) + gap;
  const height = rows * (kh + gap) + gap;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const image = ctx.createImageData(width, height);
  image.data.fill(200); // grey gaps
  for (let o = 0; o < filters; o++) {
    for (let i = 0; i < inputs; i++) {
      const base = (o * ins + i) * kh * kw;
      const slot = inputs === 1 ? o : o * inputs + i;
      const row = Math.floor(slot / perRow);
      const col = slot % perRow;
      let maxAbs = 0;
      for (let k = 0; k < kh * kw; k++) maxAbs = Math.max(maxAbs, Math.abs(num(values[base + k]) ?? 0));
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const v = num(values[base + y * kw + x]) ?? 0;
          const px = gap + col * (kw + gap) + x;
          const py = gap + row * (kh + gap) + y;
          diverging(maxAbs > 0 ? v / maxAbs : 0, image.data, (py * width + px) * 4);
        }
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  const scale = Math.max(1, Math.min(12, Math.floor((opts.maxWidth ?? 300) / width)));
  canvas.style.width = `${width * scale}px`;
  canvas.style.height = `${height * scale}px`;
  canvas.className = 'nnlab-pixelated nnlab-weight-image';
  canvas.dataset.tiles = `${filters}x${inputs}`;
  return canvas;
}

function matrixImage(shape: number[], values: unknown[], maxWidth: number): HTMLCanvasElement {
  const [rows, cols] = shape;
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(num(v) ?? 0));
  const image = ctx.createImageData(cols, rows);
  for (let k = 0; k < rows * cols; k++) diverging(maxAbs > 0 ? (num(values[k]) ?? 0) / maxAbs : 0, image.data, k * 4);
  ctx.putImageData(image, 0, 0);
  const scale = Math.min(8, maxWidth / cols);
  canvas.style.width = `${Math.round(cols * scale)}px`;
  canvas.style.height = `${Math.round(rows * scale)}px`;
  canvas.className = 'nnlab-pixelated nnlab-weight-image';
  canvas.dataset.tiles = '1x1';
  return canvas;
}
