/**
 * An indexed-colour canvas for the images nnlab draws: heatmaps, tiles of
 * activation maps and filters, text labels. Palette entries 0-239 are the
 * colour map (low to high), then a few fixed colours. Encodes to PNG.
 *
 * @example
 *   const c = new Canvas(40, 20, 'viridis');
 *   c.text(1, 1, 'relu', INK);
 *   c.toPNG().length > 0
 */
import { colormapTable, type ColormapName } from './colormap';
import { ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font';
import { encodePNG } from './png';

/** Number of colour-map levels in the palette. */
export const LEVELS = 240;
export const WHITE = 240;
export const INK = 241;
export const FRAME = 242;
export const LIGHT = 243;
/** Drawn where a value is NaN. */
export const NAN_COLOR = 244;
export const MUTED = 245;

export class Canvas {
  readonly pixels: Uint8Array;

  constructor(readonly width: number, readonly height: number, readonly colormap: ColormapName = 'viridis', background = WHITE) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`Canvas: width and height must be positive integers, got ${width}x${height}`);
    }
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  fillRect(x: number, y: number, w: number, h: number, color: number): void {
    const x0 = Math.max(0, x), y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + w), y1 = Math.min(this.height, y + h);
    for (let yy = y0; yy < y1; yy++) this.pixels.fill(color, yy * this.width + x0, yy * this.width + x1);
  }

  /** A 1-px outline just outside the rectangle (x, y, w, h). */
  frame(x: number, y: number, w: number, h: number, color = FRAME): void {
    this.fillRect(x - 1, y - 1, w + 2, 1, color);
    this.fillRect(x - 1, y + h, w + 2, 1, color);
    this.fillRect(x - 1, y, 1, h, color);
    this.fillRect(x + w, y, 1, h, color);
  }

  /** Draws `text` with its top-left corner at (x, y); clipped to the canvas. */
  text(x: number, y: number, text: string, color = INK, scale = 1): void {
    for (let i = 0; i < text.length; i++) {
      const rows = glyph(text[i]);
      const gx = x + i * ADVANCE * scale;
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        const bits = rows[r];
        if (bits === 0) continue;
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (bits & (1 << (GLYPH_WIDTH - 1 - c))) this.fillRect(gx + c * scale, y + r * scale, scale, scale, color);
        }
      }
    }
  }

  /**
   * Paints `rows x cols` values (row-major, `values[offset + r * rowStride + c]`)
   * as a heatmap at (x, y), each value a `scale x scale` block: (v - lo) / (hi - lo)
   * through the colour map; NaN in NAN_COLOR; a constant input in the middle colour.
   */
  heatmap(
    x: number, y: number, values: ArrayLike<number>, offset: number, rows: number, cols: number, rowStride: number,
    lo: number, hi: number, scale = 1,
  ): void {
    const span = hi - lo;
    const k = span > 0 && Number.isFinite(span) ? (LEVELS - 1) / span : 0;
    const mid = (LEVELS - 1) >> 1;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = values[offset + r * rowStride + c];
        let color: number;
        if (Number.isNaN(v)) color = NAN_COLOR;
        else if (k === 0) color = mid;
        else color = Math.max(0, Math.min(LEVELS - 1, Math.round((v - lo) * k)));
        if (scale === 1) {
          const px = x + c, py = y + r;
          if (px >= 0 && py >= 0 && px < this.width && py < this.height) this.pixels[py * this.width + px] = color;
        } else {
          this.fillRect(x + c * scale, y + r * scale, scale, scale, color);
        }
      }
    }
  }

  /** The palette: the colour map's LEVELS levels, then white, ink, frame, light grey, NaN red, muted grey. */
  palette(): Uint8Array {
    const table = colormapTable(this.colormap);
    const palette = new Uint8Array(256 * 3);
    for (let i = 0; i < LEVELS; i++) {
      const j = Math.round((i * 255) / (LEVELS - 1));
      palette.set(table.subarray(j * 3, j * 3 + 3), i * 3);
    }
    palette.set([255, 255, 255], WHITE * 3);
    palette.set([34, 34, 34], INK * 3);
    palette.set([170, 170, 170], FRAME * 3);
    palette.set([238, 238, 238], LIGHT * 3);
    palette.set([230, 0, 80], NAN_COLOR * 3);
    palette.set([110, 110, 110], MUTED * 3);
    return palette;
  }

  toPNG(): Buffer {
    return encodePNG({ width: this.width, height: this.height, channels: 1, pixels: this.pixels, palette: this.palette() });
  }

  toBase64(): string {
    return this.toPNG().toString('base64');
  }
}
