/**
 * The canvas nnlab draws its PNG images on: heatmaps, tiles of activation
 * maps and filters, colour bars, charts and their text. A thin layer over
 * Skia (`@napi-rs/canvas`): rectangles and heatmap blocks on whole pixels
 * (no smoothing, so a 7x7 map stays seven sharp blocks), antialiased lines
 * and text, PNG out.
 *
 * Text is drawn with fonts registered explicitly by path from Debian's
 * packages (scripts/setup.sh installs them): DejaVu Sans for Latin, Greek and
 * Cyrillic, then WenQuanYi Micro Hei for Chinese, Japanese and Korean, so a
 * label like 'perceptron 感知机' renders every character. Nothing depends on
 * fontconfig or the machine's other fonts.
 *
 * @example
 *   const c = new Canvas(120, 24, 'viridis');
 *   c.text(2, 2, 'relu 激活', INK);
 *   c.toPNG().subarray(1, 4).toString()  // 'PNG'
 */
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts, PngFilter, type Canvas as SkiaCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { colormapTable, type ColormapName } from './colormap';
import { fmtNum } from './format';

export const WHITE = '#ffffff';
export const INK = '#222222';
export const FRAME = '#aaaaaa';
export const LIGHT = '#eeeeee';
/** Drawn where a value is NaN. */
export const NAN_COLOR = '#e60050';
export const MUTED = '#6e6e6e';

/** Size in pixels of label text (the font's em size). */
export const TEXT_SIZE = 12;
/** Height of a line of label text, with its gap. */
export const LINE_HEIGHT = 16;

/** The font families nnlab registers, in fallback order, each with the Debian files that provide it. */
export const FONT_FILES: readonly { family: string; package: string; regular: string; bold?: string }[] = [
  {
    family: 'nnlab Sans', package: 'fonts-dejavu-core',
    regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  },
  { family: 'nnlab CJK', package: 'fonts-wqy-microhei', regular: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc' },
];

/** The CSS font-family list every text uses: our registered families, in fallback order. */
export const FONT_FAMILY = FONT_FILES.map((f) => `"${f.family}"`).join(', ');

let fontsRegistered = false;

/**
 * Registers FONT_FILES with Skia (once per process). Throws naming the
 * missing file and its Debian package when one is absent: text drawn
 * without it would come out as boxes.
 */
export function registerFonts(): void {
  if (fontsRegistered) return;
  for (const f of FONT_FILES) {
    for (const [path, weight] of [[f.regular, '400'], [f.bold, '700']] as const) {
      if (!path) continue;
      if (!existsSync(path)) {
        throw new Error(`nnlab images: font file ${path} is missing (Debian package ${f.package}); run bash scripts/setup.sh, or apt-get install ${f.package}`);
      }
      if (!GlobalFonts.registerFromPath(path, f.family, { weight })) throw new Error(`nnlab images: Skia could not load the font ${path} (${f.family})`);
    }
  }
  fontsRegistered = true;
}

/** A CSS font string of our families at `size` px. */
export function fontSpec(size = TEXT_SIZE, bold = false): string {
  return `${bold ? 'bold ' : ''}${size}px ${FONT_FAMILY}`;
}

let measurer: SKRSContext2D | null = null;

/** Width in pixels of `text` at `size` px (as `Canvas.text` draws it). */
export function textWidth(text: string, size = TEXT_SIZE, bold = false): number {
  if (text.length === 0) return 0;
  registerFonts();
  measurer ??= createCanvas(1, 1).getContext('2d');
  measurer.font = fontSpec(size, bold);
  return Math.ceil(measurer.measureText(text).width);
}

export interface TextOptions {
  /** Font size in px (default TEXT_SIZE). */
  size?: number;
  bold?: boolean;
  /** Which point of the text (x, y) is: 'left' (default), 'center' or 'right' of its top edge. */
  align?: 'left' | 'center' | 'right';
  /** Rotation in degrees about (x, y), clockwise (−90: reads bottom to top, for y-axis titles). */
  rotate?: number;
  /** What y is: the top of the line (default) or the baseline (as SVG's text y). */
  baseline?: 'top' | 'alphabetic';
}

/** An sRGB colour as [r, g, b] from '#rrggbb'. */
export function hexToRGB(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new RangeError(`Canvas: colours are '#rrggbb', got '${hex}'`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export class Canvas {
  readonly skia: SkiaCanvas;
  readonly ctx: SKRSContext2D;
  #fill = '';

  constructor(readonly width: number, readonly height: number, readonly colormap: ColormapName = 'viridis', background = WHITE) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`Canvas: width and height must be positive integers, got ${width}x${height}`);
    }
    registerFonts();
    this.skia = createCanvas(width, height);
    this.ctx = this.skia.getContext('2d');
    this.ctx.lang = 'en';
    this.ctx.imageSmoothingEnabled = false;
    this.fillRect(0, 0, width, height, background);
  }

  /** A filled rectangle; at whole-pixel coordinates its pixels are exactly `color`, at fractional ones its edges are antialiased. */
  fillRect(x: number, y: number, w: number, h: number, color: string): void {
    if (w <= 0 || h <= 0) return;
    // NOTE: setting fillStyle parses the colour each time; the Playground's points make thousands of rectangles a frame.
    if (this.#fill !== color) this.ctx.fillStyle = this.#fill = color;
    this.ctx.fillRect(x, y, w, h);
  }

  /**
   * `rows x cols` RGB cells (row 0 at the top) stretched over cellW x cellH
   * pixels each from (x, y), without smoothing: a chart's heatmap trace.
   */
  rgbCells(x: number, y: number, rows: number, cols: number, rgb: Uint8Array, cellW: number, cellH: number): void {
    if (rows < 1 || cols < 1) return;
    if (rgb.length !== rows * cols * 3) throw new RangeError(`Canvas.rgbCells: expected ${rows}x${cols}x3 = ${rows * cols * 3} bytes, got ${rgb.length}`);
    const src = createCanvas(cols, rows);
    const sctx = src.getContext('2d');
    const image = sctx.createImageData(cols, rows);
    for (let i = 0, o = 0; i < rows * cols; i++, o += 4) {
      image.data[o] = rgb[i * 3];
      image.data[o + 1] = rgb[i * 3 + 1];
      image.data[o + 2] = rgb[i * 3 + 2];
      image.data[o + 3] = 255;
    }
    sctx.putImageData(image, 0, 0);
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(src, x, y, cols * cellW, rows * cellH);
  }

  /** A 1-px outline just outside the rectangle (x, y, w, h). */
  frame(x: number, y: number, w: number, h: number, color = FRAME): void {
    this.fillRect(x - 1, y - 1, w + 2, 1, color);
    this.fillRect(x - 1, y + h, w + 2, 1, color);
    this.fillRect(x - 1, y, 1, h, color);
    this.fillRect(x + w, y, 1, h, color);
  }

  /** An antialiased line from (x0, y0) to (x1, y1); `dash` as [on, off] px. */
  line(x0: number, y0: number, x1: number, y1: number, color: string, width = 1, dash: number[] = []): void {
    this.polyline([[x0, y0], [x1, y1]], color, width, dash);
  }

  /** An antialiased open path through `points`. */
  polyline(points: readonly [number, number][], color: string, width = 1.5, dash: number[] = []): void {
    if (points.length < 2) return;
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.moveTo(points[0][0], points[0][1]);
    for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.lineJoin = 'round';
    ctx.setLineDash(dash);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  /** A filled circle of radius r at (x, y), with an optional outline. */
  dot(x: number, y: number, r: number, color: string, outline?: string): void {
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = this.#fill = color;
    ctx.fill();
    if (outline) {
      ctx.strokeStyle = outline;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  }

  /** Draws `text` with the top of its line at y (x per `align`); any script, by the registered fonts. */
  text(x: number, y: number, text: string, color = INK, opts: TextOptions = {}): void {
    if (!text) return;
    const ctx = this.ctx;
    ctx.save();
    ctx.font = fontSpec(opts.size ?? TEXT_SIZE, opts.bold);
    ctx.fillStyle = color;
    // NOTE: restore() below brings back the fill before this text: #fill stays right.
    ctx.textBaseline = opts.baseline ?? 'top';
    ctx.textAlign = opts.align ?? 'left';
    ctx.translate(x, y);
    if (opts.rotate) ctx.rotate((opts.rotate * Math.PI) / 180);
    ctx.fillText(text, 0, 0);
    ctx.restore();
  }

  /** Width in pixels of `text` at `size`. */
  textWidth(text: string, size = TEXT_SIZE, bold = false): number {
    return textWidth(text, size, bold);
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
    const x0 = Math.round(x), y0 = Math.round(y);
    const w = cols * scale, h = rows * scale;
    // NOTE: putImageData ignores clipping and transforms: clip to the canvas by hand.
    const cx0 = Math.max(0, x0), cy0 = Math.max(0, y0);
    const cx1 = Math.min(this.width, x0 + w), cy1 = Math.min(this.height, y0 + h);
    if (cx1 <= cx0 || cy1 <= cy0) return;
    const table = colormapTable(this.colormap);
    const span = hi - lo;
    const k = span > 0 && Number.isFinite(span) ? 255 / span : 0;
    const nan = hexToRGB(NAN_COLOR);
    const iw = cx1 - cx0, ih = cy1 - cy0;
    const image = this.ctx.createImageData(iw, ih);
    // NOTE: as 32-bit words (RGBA bytes, little-endian): one store a pixel; each value row is built once, then copied `scale` times.
    const words = new Uint32Array(image.data.buffer, image.data.byteOffset, iw * ih);
    const word = (r: number, g: number, b: number) => (255 << 24) | (b << 16) | (g << 8) | r;
    const nanWord = word(nan[0], nan[1], nan[2]);
    const row = new Uint32Array(iw);
    for (let r = Math.floor((cy0 - y0) / scale); r * scale + y0 < cy1; r++) {
      for (let px = cx0; px < cx1; px++) {
        const v = values[offset + r * rowStride + Math.floor((px - x0) / scale)];
        if (Number.isNaN(v)) row[px - cx0] = nanWord;
        else {
          const i = k === 0 ? 128 : Math.max(0, Math.min(255, Math.round((v - lo) * k)));
          row[px - cx0] = word(table[i * 3], table[i * 3 + 1], table[i * 3 + 2]);
        }
      }
      for (let py = Math.max(cy0, y0 + r * scale); py < Math.min(cy1, y0 + (r + 1) * scale); py++) words.set(row, (py - cy0) * iw);
    }
    this.ctx.putImageData(image, cx0, cy0);
  }

  /**
   * A vertical colour bar: `lo` at the bottom to `hi` at the top of the
   * w x h strip at (x, y), framed, with the two end values (and 0 when the
   * range spans it) written to its right, or `labels` [top, bottom] instead.
   * Returns the width it took, labels included.
   */
  colorBar(x: number, y: number, w: number, h: number, lo: number, hi: number, opts: { size?: number; labels?: [string, string] } = {}): number {
    // NOTE: drawn as t in [0, 1] (top 1) so a constant range still shows the whole map.
    const steps = new Float64Array(h * w);
    for (let i = 0; i < h; i++) steps.fill(h === 1 ? 1 : 1 - i / (h - 1), i * w, (i + 1) * w);
    this.heatmap(x, y, steps, 0, h, w, w, 0, 1, 1);
    this.frame(x, y, w, h, FRAME);
    const size = opts.size ?? TEXT_SIZE - 2;
    const [top, bottom] = opts.labels ?? [fmtNum(hi, 3), fmtNum(lo, 3)];
    const labels: [number, string][] = [[y, top], [y + h - size, bottom]];
    const zeroY = y + (hi / (hi - lo)) * h;
    const showZero = !opts.labels && lo < 0 && hi > 0 && zeroY - y > 1.5 * size && y + h - zeroY > 1.5 * size;
    if (showZero) {
      labels.push([zeroY - size / 2, '0']);
      this.fillRect(x + w, Math.round(zeroY), 3, 1, MUTED);
    }
    let widest = 0;
    for (const [ty, label] of labels) {
      this.text(x + w + 4, ty, label, MUTED, { size });
      widest = Math.max(widest, textWidth(label, size));
    }
    return w + 4 + widest;
  }

  /** The RGBA pixels (row-major, 4 bytes a pixel). */
  pixels(): Uint8ClampedArray {
    return this.ctx.getImageData(0, 0, this.width, this.height).data;
  }

  /**
   * PNG bytes, deflated at zlib `level` (default 6; the Playground's live
   * frames use 2). NOTE: libpng's 'up' filter alone: on these images as small
   * as trying all five filters per row, and faster.
   */
  toPNG(level = 6): Buffer {
    return this.skia.encodeSync('png', { compressionLevel: level, filters: PngFilter.Up });
  }

  toBase64(): string {
    return this.toPNG().toString('base64');
  }
}
