import { describe, expect, it } from 'vitest';
import { createCanvas } from '@napi-rs/canvas';
import { Canvas, FONT_FILES, INK, NAN_COLOR, WHITE, fontSpec, hexToRGB, registerFonts, textWidth } from '../../kernel/src/canvas';
import { colormapHex, colormapRGB, colormapTable } from '../../kernel/src/colormap';
import { colorCounts, decodePNG, pixelHex } from './png-decode';

describe('colormaps', () => {
  it('viridis runs from dark purple to yellow, close to matplotlib', () => {
    const lo = colormapRGB('viridis', 0), hi = colormapRGB('viridis', 1), mid = colormapRGB('viridis', 0.5);
    // matplotlib: viridis(0) = (68, 1, 84), viridis(0.5) = (33, 145, 140), viridis(1) = (253, 231, 37)
    for (const [got, want] of [[lo, [68, 1, 84]], [mid, [33, 145, 140]], [hi, [253, 231, 37]]] as const) {
      got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(12));
    }
  });

  it('coolwarm is blue at 0, grey in the middle, red at 1', () => {
    expect(colormapRGB('coolwarm', 0)).toEqual([59, 76, 192]);
    colormapRGB('coolwarm', 0.5).forEach((v) => expect(Math.abs(v - 221)).toBeLessThanOrEqual(2));
    expect(colormapRGB('coolwarm', 1)).toEqual([180, 4, 38]);
    expect(colormapTable('gray').subarray(3 * 128, 3 * 129)).toEqual(new Uint8Array([128, 128, 128]));
  });
});

/** The same text drawn straight with Skia: the registered fonts, the same size, colour and position. */
function skiaReference(width: number, height: number, text: string, size: number): Uint8ClampedArray {
  const c = createCanvas(width, height);
  const ctx = c.getContext('2d');
  ctx.lang = 'en';
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = `${size}px "${FONT_FILES[0].family}", "${FONT_FILES[1].family}"`;
  ctx.fillStyle = INK;
  ctx.textBaseline = 'top';
  ctx.fillText(text, 4, 4);
  return ctx.getImageData(0, 0, width, height).data;
}

/** Pixels (of w x h) that are not white: where ink fell. */
function inked(rgba: Uint8ClampedArray): number {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] < 250 || rgba[i + 1] < 250 || rgba[i + 2] < 250) n++;
  return n;
}

describe('text in any script', () => {
  it('registers DejaVu Sans and WenQuanYi Micro Hei by path', () => {
    registerFonts();
    for (const f of FONT_FILES) expect(f.regular).toMatch(/^\/usr\/share\/fonts\//);
    expect(fontSpec(12)).toBe('12px "nnlab Sans", "nnlab CJK"');
  });

  it('draws Chinese labels as the characters, pixel for pixel as Skia draws the string with the same fonts', () => {
    const text = '感知机 perceptron 卷积';
    const [w, h, size] = [220, 24, 14];
    const c = new Canvas(w, h);
    c.text(4, 4, text, INK, { size });
    const decoded = decodePNG(c.toPNG());
    expect(Array.from(decoded.pixels)).toEqual(Array.from(skiaReference(w, h, text, size)));
    // and they are characters, not the boxes (tofu) a font without CJK draws: each character differs
    const glyphs = ['感', '知', '机'].map((ch) => {
      const g = new Canvas(24, 24);
      g.text(4, 4, ch, INK, { size });
      return Buffer.from(g.pixels());
    });
    expect(glyphs[0].equals(glyphs[1])).toBe(false);
    expect(glyphs[1].equals(glyphs[2])).toBe(false);
    for (const g of glyphs) expect(inked(new Uint8ClampedArray(g))).toBeGreaterThan(40);
    // a CJK character is about one em wide; '感知机' is three of them
    expect(textWidth('感知机', size)).toBeGreaterThanOrEqual(3 * size - 2);
  });

  it('draws Greek, accented Latin and Korean too (no ? for characters outside ASCII)', () => {
    for (const s of ['σ(z) = 1/(1+e⁻ᶻ)', 'é ü ñ', '합성곱']) {
      const c = new Canvas(160, 24);
      c.text(4, 4, s, INK, { size: 14 });
      const q = new Canvas(160, 24);
      q.text(4, 4, '?'.repeat([...s].length), INK, { size: 14 });
      expect(Buffer.from(c.pixels()).equals(Buffer.from(q.pixels())), s).toBe(false);
      expect(inked(c.pixels()), s).toBeGreaterThan(30);
    }
  });
});

describe('Canvas', () => {
  it('paints heatmaps through the colour map in whole-pixel blocks, NaN marked', () => {
    const c = new Canvas(20, 10);
    c.heatmap(0, 8, [0, 5, 10, NaN], 0, 1, 4, 4, 0, 10, 2);
    const d = decodePNG(c.toPNG());
    expect([d.width, d.height]).toEqual([20, 10]);
    expect([0, 2, 4, 6].map((x) => pixelHex(d, x, 9))).toEqual([colormapHex('viridis', 0), colormapHex('viridis', 128 / 255), colormapHex('viridis', 1), NAN_COLOR]);
    // 2x blocks, no smoothing: each value fills exactly 4 pixels
    expect(colorCounts(d).get(colormapHex('viridis', 1))).toBe(4);
    expect(pixelHex(d, 0, 0)).toBe(WHITE);
    expect(d.chunks[0]).toBe('IHDR');
    expect(d.chunks[d.chunks.length - 1]).toBe('IEND');
  });

  it('paints a constant heatmap in the middle colour and clips to the canvas', () => {
    const c = new Canvas(4, 2);
    c.heatmap(0, 0, [3, 3], 0, 1, 2, 2, 3, 3, 2);
    expect([...colorCounts(decodePNG(c.toPNG())).keys()]).toEqual([colormapHex('viridis', 128 / 255)]);
    const clipped = new Canvas(3, 3);
    clipped.heatmap(-1, -1, [0, 1, 2, 3], 0, 2, 2, 2, 0, 3, 2);
    expect(pixelHex(decodePNG(clipped.toPNG()), 0, 0)).toBe(colormapHex('viridis', 0));
    expect(pixelHex(decodePNG(clipped.toPNG()), 2, 2)).toBe(colormapHex('viridis', 1));
  });

  it('draws a colour bar from lo at the bottom to hi at the top, labelled with both', () => {
    const c = new Canvas(80, 60, 'coolwarm');
    const used = c.colorBar(2, 2, 10, 50, -0.5, 2);
    const d = decodePNG(c.toPNG());
    expect(pixelHex(d, 6, 2)).toBe(colormapHex('coolwarm', 1));
    expect(pixelHex(d, 6, 51)).toBe(colormapHex('coolwarm', 0));
    expect(used).toBeGreaterThan(10 + textWidth('-0.5', 10));
    // labels to the right: ink in the label column, none beyond `used`
    let labelInk = 0;
    for (let y = 0; y < 60; y++) for (let x = 16; x < 2 + used; x++) if (pixelHex(d, x, y) !== WHITE) labelInk++;
    expect(labelInk).toBeGreaterThan(20);
  });

  it('rejects a bad size or colour', () => {
    expect(() => new Canvas(0, 3)).toThrow(/positive integers, got 0x3/);
    expect(() => hexToRGB('red')).toThrow(/colours are '#rrggbb', got 'red'/);
    expect(hexToRGB('#e60050')).toEqual([230, 0, 80]);
    expect(() => new Canvas(2, 2).rgbCells(0, 0, 1, 2, new Uint8Array(3), 1, 1)).toThrow(/expected 1x2x3 = 6 bytes, got 3/);
  });
});
