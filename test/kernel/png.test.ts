import { describe, expect, it } from 'vitest';
import { crc32, encodePNG } from '../../kernel/src/png';
import { Canvas, INK, WHITE, LEVELS, NAN_COLOR } from '../../kernel/src/canvas';
import { colormapRGB, colormapTable } from '../../kernel/src/colormap';
import { ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from '../../kernel/src/font';
import { decodePNG } from './png-decode';

describe('crc32', () => {
  it('matches the standard check value of "123456789"', () => {
    expect((crc32(Buffer.from('123456789')) ^ 0xffffffff) >>> 0).toBe(0xcbf43926);
  });
});

describe('encodePNG', () => {
  it('round-trips an RGB image', () => {
    const pixels = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const png = encodePNG({ width: 2, height: 2, channels: 3, pixels });
    const d = decodePNG(png);
    expect([d.width, d.height, d.colorType]).toEqual([2, 2, 2]);
    expect(Array.from(d.pixels)).toEqual(Array.from(pixels));
    expect(d.chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
  });

  it('round-trips an indexed image with its palette', () => {
    const palette = new Uint8Array([0, 0, 0, 255, 255, 255]);
    const png = encodePNG({ width: 3, height: 1, channels: 1, pixels: new Uint8Array([1, 0, 1]), palette });
    const d = decodePNG(png);
    expect(d.colorType).toBe(3);
    expect(Array.from(d.palette!)).toEqual(Array.from(palette));
    expect(Array.from(d.pixels)).toEqual([1, 0, 1]);
  });

  it('rejects a buffer of the wrong size and an indexed image without palette', () => {
    expect(() => encodePNG({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(11) })).toThrow(/expected 2x2x3 = 12 bytes, got 11/);
    expect(() => encodePNG({ width: 1, height: 1, channels: 1, pixels: new Uint8Array(1) })).toThrow(/palette/);
    expect(() => encodePNG({ width: 0, height: 1, channels: 3, pixels: new Uint8Array(0) })).toThrow(/positive integers/);
  });
});

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

describe('font', () => {
  it('has a glyph with ink for every printable ASCII character', () => {
    for (let c = 33; c < 127; c++) {
      const rows = glyph(String.fromCharCode(c));
      expect(rows.length).toBe(GLYPH_HEIGHT);
      expect(rows.some((r) => r !== 0), `glyph '${String.fromCharCode(c)}'`).toBe(true);
      for (const r of rows) expect(r).toBeLessThan(1 << GLYPH_WIDTH);
    }
    expect(glyph('é')).toBe(glyph('?'));
    expect(textWidth('abc')).toBe(3 * ADVANCE - 1);
  });
});

describe('Canvas', () => {
  it('draws text in ink and heatmaps through the colour map, NaN marked', () => {
    const c = new Canvas(20, 10);
    c.text(0, 0, 'I');
    // 'I' row 0 is '.###.': columns 1-3 inked
    expect(Array.from(c.pixels.subarray(0, 5))).toEqual([WHITE, INK, INK, INK, WHITE]);
    c.heatmap(0, 9, [0, 5, 10, NaN], 0, 1, 4, 4, 0, 10);
    expect(Array.from(c.pixels.subarray(9 * 20, 9 * 20 + 4))).toEqual([0, Math.round(5 * (LEVELS - 1) / 10), LEVELS - 1, NAN_COLOR]);
    const d = decodePNG(c.toPNG());
    expect([d.width, d.height]).toEqual([20, 10]);
    expect(Array.from(d.pixels)).toEqual(Array.from(c.pixels));
  });

  it('paints a constant heatmap in the middle colour and upscales', () => {
    const c = new Canvas(4, 2);
    c.heatmap(0, 0, [3, 3], 0, 1, 2, 2, 3, 3, 2);
    expect(new Set(c.pixels)).toEqual(new Set([(LEVELS - 1) >> 1]));
  });
});
