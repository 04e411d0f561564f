/**
 * The IDX file format (the one MNIST and Fashion-MNIST ship in).
 *
 * Layout, all integers big-endian:
 *
 *     bytes 0-1   0x00 0x00            magic
 *     byte  2     type code            0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double
 *     byte  3     ndims
 *     4·ndims     int32 dims           e.g. 60000, 28, 28
 *     then        prod(dims) values of the type, row-major, big-endian
 *
 * Files may be gzipped (`.gz`): a gzip stream is recognised by its magic bytes
 * 1f 8b, whatever the file is called, and inflated with node's zlib.
 *
 * @example
 *   const { shape, data } = readIdx('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz');
 *   // shape [60000], data a Uint8Array of labels
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { ArgumentError, FormatError, fmtShape, whyUnreadable } from '../errors';
import { sizeOf } from '../shape';

export type IdxDType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';

/** The typed array each IDX type is read into. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: the element type, the dims and the values in row-major order. */
export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: IdxData;
}

interface IdxType {
  dtype: IdxDType;
  code: number;
  bytes: number;
  make: (n: number) => IdxData;
}

const TYPES: readonly IdxType[] = [
  { dtype: 'ubyte', code: 0x08, bytes: 1, make: (n) => new Uint8Array(n) },
  { dtype: 'byte', code: 0x09, bytes: 1, make: (n) => new Int8Array(n) },
  { dtype: 'short', code: 0x0b, bytes: 2, make: (n) => new Int16Array(n) },
  { dtype: 'int', code: 0x0c, bytes: 4, make: (n) => new Int32Array(n) },
  { dtype: 'float', code: 0x0d, bytes: 4, make: (n) => new Float32Array(n) },
  { dtype: 'double', code: 0x0e, bytes: 8, make: (n) => new Float64Array(n) },
];

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses IDX bytes (raw or gzipped). `file` only names the source in errors.
 * Throws `FormatError` (with `.file`) for a bad magic, an unknown type byte, a
 * truncated header, data shorter or longer than the dims say, or a corrupt
 * gzip stream.
 *
 * @example parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), 'two.idx')
 *   // { dtype: 'ubyte', shape: [2], data: Uint8Array [7, 9] }
 */
export function parseIdx(bytes: Uint8Array, file = '<bytes>'): IdxArray {
  if (isGzip(bytes)) return parseRaw(inflateBounded(bytes, file), file, ' (after gunzip)');
  return parseRaw(bytes, file, '');
}

/**
 * Bytes a gzipped IDX file may inflate to beyond what its header declares
 * (so a few stray bytes still get the exact "extra bytes" message): 64 KiB.
 */
export const IDX_GZIP_SLACK_BYTES = 64 * 1024;

/**
 * Inflates a gzip stream without trusting it: the IDX header is read from the
 * first few KB (deflate expands at most ~1032×, so that is a few MB at most),
 * then the whole stream is inflated with an output limit of the size the
 * header declares plus `IDX_GZIP_SLACK_BYTES`. A gzip bomb stops at that
 * limit with a FormatError naming the file and both sizes.
 */
function inflateBounded(bytes: Uint8Array, file: string): Uint8Array {
  const corrupt = (e: unknown) => new FormatError(`readIdx: ${file}: corrupt gzip stream (${(e as Error).message})`, file);
  let limit = 4 + 4 * 255 + IDX_GZIP_SLACK_BYTES;
  try {
    const header = readHeader(gunzipSync(bytes.subarray(0, 4096), { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
    if (typeof header !== 'string') limit = header.headerBytes + header.count * header.type.bytes + IDX_GZIP_SLACK_BYTES;
  } catch {
    // NOTE: a stream too corrupt to read the header from fails below with zlib's own message.
  }
  const maxOutputLength = Math.min(limit, 2 ** 31 - 1);
  try {
    return gunzipSync(bytes, { maxOutputLength });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new FormatError(
        `readIdx: ${file}: the ${bytes.length}-byte gzip stream inflates to more than ${maxOutputLength} bytes, ` +
          `but its IDX header declares ${Math.max(0, limit - IDX_GZIP_SLACK_BYTES)} bytes (a gzip bomb or a corrupt file); stopped there`,
        file,
      );
    }
    throw corrupt(e);
  }
}

/** The IDX header at the start of `bytes`, or what is wrong with it. */
function readHeader(bytes: Uint8Array): { type: IdxType; shape: number[]; count: number; headerBytes: number } | string {
  if (bytes.length < 4) return `truncated header: ${bytes.length} bytes, an IDX header needs at least 4`;
  if (bytes[0] !== 0 || bytes[1] !== 0) return `wrong magic: expected 0x00 0x00 followed by a type byte, got ${hex(bytes[0])} ${hex(bytes[1])}; not an IDX file`;
  const type = TYPES.find((t) => t.code === bytes[2]);
  if (!type) return `unknown type byte ${hex(bytes[2])} (known: ${TYPES.map((t) => `${hex(t.code)} ${t.dtype}`).join(', ')})`;
  const ndims = bytes[3];
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) return `truncated header: ${ndims} dims need ${headerBytes} header bytes, the file has ${bytes.length}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getInt32(4 + 4 * i, false);
    if (d < 0) return `negative dimension ${d} at index ${i}`;
    shape.push(d);
    count *= d;
  }
  if (!Number.isSafeInteger(count * type.bytes)) return `dims ${fmtShape(shape)} are too large`;
  return { type, shape, count, headerBytes };
}

function parseRaw(bytes: Uint8Array, file: string, how: string): IdxArray {
  const fail = (what: string) => new FormatError(`readIdx: ${file}: ${what}${how}`, file);
  const header = readHeader(bytes);
  if (typeof header === 'string') throw fail(header);
  const { type, shape, count, headerBytes } = header;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length < expected) {
    throw fail(
      `truncated data: dims ${fmtShape(shape)} of ${type.dtype} need ${count * type.bytes} data bytes, found ${bytes.length - headerBytes}`,
    );
  }
  if (bytes.length > expected) {
    throw fail(
      `${bytes.length - expected} extra bytes after the data: dims ${fmtShape(shape)} of ${type.dtype} need ${count * type.bytes} data bytes, found ${bytes.length - headerBytes}`,
    );
  }
  const data = type.make(count);
  if (type.bytes === 1) {
    // NOTE: a copy, so the result does not keep a (possibly pooled) file buffer alive.
    new Uint8Array(data.buffer).set(bytes.subarray(headerBytes, expected));
  } else {
    readBigEndian(view, headerBytes, type, data);
  }
  return { dtype: type.dtype, shape, data };
}

function readBigEndian(view: DataView, start: number, type: IdxType, out: IdxData): void {
  const n = out.length;
  switch (type.dtype) {
    case 'short':
      for (let i = 0, p = start; i < n; i++, p += 2) out[i] = view.getInt16(p, false);
      break;
    case 'int':
      for (let i = 0, p = start; i < n; i++, p += 4) out[i] = view.getInt32(p, false);
      break;
    case 'float':
      for (let i = 0, p = start; i < n; i++, p += 4) out[i] = view.getFloat32(p, false);
      break;
    case 'double':
      for (let i = 0, p = start; i < n; i++, p += 8) out[i] = view.getFloat64(p, false);
      break;
    default:
      throw new ArgumentError(`readIdx: no multi-byte reader for ${type.dtype}`);
  }
}

/**
 * Reads an IDX file, gzipped or not (see `parseIdx`).
 * @example readIdx('t10k-labels-idx1-ubyte.gz').shape  // [10000]
 */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FormatError(`readIdx: ${path}: ${whyUnreadable(e)}`, path);
  }
  return parseIdx(bytes, path);
}

function typeFor(dtype: IdxDType, where: string): IdxType {
  const type = TYPES.find((t) => t.dtype === dtype);
  if (!type) throw new ArgumentError(`${where}: unknown IDX dtype '${dtype}' (known: ${TYPES.map((t) => t.dtype).join(', ')})`);
  return type;
}

/**
 * Encodes an array as IDX bytes (raw; pass `{ gzip: true }` for a gzip stream).
 * Values are converted to the IDX type as a typed array would (`Uint8Array` wraps, floats truncate for integer types).
 * @example encodeIdx({ dtype: 'ubyte', shape: [2], data: new Uint8Array([7, 9]) })
 */
export function encodeIdx(array: { dtype: IdxDType; shape: readonly number[]; data: ArrayLike<number> }, opts: { gzip?: boolean } = {}): Uint8Array {
  const type = typeFor(array.dtype, 'encodeIdx');
  const { shape, data } = array;
  if (shape.length > 255) throw new ArgumentError(`encodeIdx: IDX allows at most 255 dims, got ${shape.length}`);
  const count = sizeOf(shape);
  if (shape.some((d) => !Number.isInteger(d) || d < 0 || d > 0x7fffffff)) {
    throw new ArgumentError(`encodeIdx: invalid dims ${fmtShape(shape)}`);
  }
  if (count !== data.length) {
    throw new ArgumentError(`encodeIdx: dims ${fmtShape(shape)} hold ${count} values, data has ${data.length}`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const bytes = new Uint8Array(headerBytes + count * type.bytes);
  const view = new DataView(bytes.buffer);
  bytes[2] = type.code;
  bytes[3] = shape.length;
  shape.forEach((d, i) => view.setInt32(4 + 4 * i, d, false));
  const values = type.make(count);
  for (let i = 0; i < count; i++) values[i] = data[i];
  const p0 = headerBytes;
  switch (type.dtype) {
    case 'ubyte':
    case 'byte':
      bytes.set(new Uint8Array(values.buffer), p0);
      break;
    case 'short':
      for (let i = 0; i < count; i++) view.setInt16(p0 + 2 * i, values[i], false);
      break;
    case 'int':
      for (let i = 0; i < count; i++) view.setInt32(p0 + 4 * i, values[i], false);
      break;
    case 'float':
      for (let i = 0; i < count; i++) view.setFloat32(p0 + 4 * i, values[i], false);
      break;
    case 'double':
      for (let i = 0; i < count; i++) view.setFloat64(p0 + 8 * i, values[i], false);
      break;
  }
  return opts.gzip ? gzipSync(bytes) : bytes;
}

/**
 * Writes an IDX file (gzipped with `{ gzip: true }`); used by tests to make small files.
 * @example writeIdx('/tmp/x.idx.gz', { dtype: 'float', shape: [2, 2], data: [1, 2, 3, 4] }, { gzip: true })
 */
export function writeIdx(
  path: string,
  array: { dtype: IdxDType; shape: readonly number[]; data: ArrayLike<number> },
  opts: { gzip?: boolean } = {},
): void {
  writeFileSync(path, encodeIdx(array, opts));
}
