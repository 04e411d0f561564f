/**
 * A small PNG reader for the tests (8-bit indexed or RGB, filter 0 rows, as
 * kernel/src/png.ts writes): checks signature and every chunk's CRC, and
 * returns the size, colour type, palette and pixels.
 */
import { inflateSync } from 'node:zlib';
import { crc32 } from '../../kernel/src/png';

export interface DecodedPNG {
  width: number;
  height: number;
  colorType: number;
  palette: Uint8Array | null;
  pixels: Uint8Array;
  chunks: string[];
}

export function decodePNG(input: Buffer | string): DecodedPNG {
  const buf = typeof input === 'string' ? Buffer.from(input, 'base64') : input;
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  signature.forEach((b, i) => {
    if (buf[i] !== b) throw new Error(`bad PNG signature at byte ${i}`);
  });
  let pos = 8, width = 0, height = 0, colorType = -1;
  let palette: Uint8Array | null = null;
  const idat: Buffer[] = [];
  const chunks: string[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    const crc = buf.readUInt32BE(pos + 8 + len);
    const want = (crc32(buf.subarray(pos + 4, pos + 8 + len)) ^ 0xffffffff) >>> 0;
    if (crc !== want) throw new Error(`bad CRC in chunk ${type}`);
    chunks.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9];
    } else if (type === 'PLTE') palette = new Uint8Array(data);
    else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const channels = colorType === 2 ? 3 : 1;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] !== 0) throw new Error(`row ${y} uses filter ${raw[y * (stride + 1)]}`);
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, colorType, palette, pixels, chunks };
}
