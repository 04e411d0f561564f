/**
 * A minimal PNG encoder (8-bit indexed or RGB, no interlace), enough for
 * heatmaps and labelled image grids. Pure: pixels in, bytes out, using
 * Node's zlib for the deflate stream.
 *
 * PNG = signature, IHDR, [PLTE], IDAT (zlib of rows, each row prefixed by its
 * filter byte 0), IEND; every chunk is length, type, data, CRC-32(type+data).
 *
 * @example
 *   const png = encodePNG({ width: 2, height: 1, channels: 3, pixels: new Uint8Array([255, 0, 0, 0, 0, 255]) });
 *   png.subarray(1, 4).toString();  // 'PNG'
 */
import { deflateSync } from 'node:zlib';

export interface PNGImage {
  width: number;
  height: number;
  /** 1 = palette indices (needs `palette`), 3 = RGB. */
  channels: 1 | 3;
  /** Row-major, `width * height * channels` bytes. */
  pixels: Uint8Array;
  /** RGB triples for `channels: 1` (at most 256 colours). */
  palette?: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG uses) of `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return crc;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  const crc = crc32(out.subarray(4, 8 + data.length)) ^ 0xffffffff;
  out.writeUInt32BE(crc >>> 0, 8 + data.length);
  return out;
}

/** Encodes an image as PNG bytes. Throws when sizes and buffer disagree. */
export function encodePNG(image: PNGImage): Buffer {
  const { width, height, channels, pixels, palette } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodePNG: width and height must be positive integers, got ${width}x${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`encodePNG: expected ${width}x${height}x${channels} = ${width * height * channels} bytes, got ${pixels.length}`);
  }
  if (channels === 1 && (!palette || palette.length % 3 !== 0 || palette.length > 768 || palette.length === 0)) {
    throw new RangeError('encodePNG: an indexed image needs a palette of 1 to 256 RGB triples');
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 3 : 2; // colour type: 3 = indexed, 2 = RGB
  header[10] = 0; // deflate
  header[11] = 0; // adaptive filtering (we use filter 0 on every row)
  header[12] = 0; // no interlace
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header)];
  if (channels === 1) parts.push(chunk('PLTE', palette!));
  parts.push(chunk('IDAT', deflateSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}
