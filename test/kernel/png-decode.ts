/**
 * Reads the PNGs the kernel draws, for the tests: Skia decodes them (the
 * tests check what a viewer would show), and the chunk list is read from the
 * bytes. Pixels are RGBA, row-major.
 */
import { createCanvas, Image } from '@napi-rs/canvas';

export interface DecodedPNG {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  pixels: Uint8ClampedArray;
  chunks: string[];
}

export function decodePNG(input: Buffer | string): DecodedPNG {
  const buf = typeof input === 'string' ? Buffer.from(input, 'base64') : input;
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  signature.forEach((b, i) => {
    if (buf[i] !== b) throw new Error(`bad PNG signature at byte ${i}`);
  });
  const chunks: string[] = [];
  for (let pos = 8; pos < buf.length; pos += 12 + buf.readUInt32BE(pos)) chunks.push(buf.toString('latin1', pos + 4, pos + 8));
  const image = new Image();
  image.src = buf;
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, pixels: ctx.getImageData(0, 0, image.width, image.height).data, chunks };
}

/** '#rrggbb' of the pixel at (x, y). */
export function pixelHex(d: DecodedPNG, x: number, y: number): string {
  const o = (y * d.width + x) * 4;
  return '#' + [0, 1, 2].map((c) => d.pixels[o + c].toString(16).padStart(2, '0')).join('');
}

/** How often each colour ('#rrggbb') occurs, optionally only inside the rectangle [x, y, w, h]. */
export function colorCounts(input: Buffer | string | DecodedPNG, rect?: [number, number, number, number]): Map<string, number> {
  const d = typeof input === 'object' && 'pixels' in input ? input : decodePNG(input);
  const [x0, y0, w, h] = rect ?? [0, 0, d.width, d.height];
  const counts = new Map<string, number>();
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const k = pixelHex(d, x, y);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return counts;
}
