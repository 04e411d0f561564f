/**
 * The safetensors format (https://github.com/huggingface/safetensors), read
 * and written exactly:
 *
 *   [8 bytes]  N, the header length, an unsigned 64-bit little-endian integer
 *   [N bytes]  a UTF-8 JSON object, padded with spaces to a multiple of 8 bytes:
 *              {"__metadata__": {"format": "pt", ...},
 *               "fc1.weight": {"dtype": "F32", "shape": [256, 784], "data_offsets": [0, 802816]}, ...}
 *   [rest]     the data buffer: each tensor row-major, little-endian, at its
 *              [begin, end) offsets; the tensors tile the buffer exactly.
 *
 * Names and layouts are nnlab's state-dict keys, which follow PyTorch's
 * (`fc1.weight` [out, in], `features.0.weight` [out, in, kH, kW]), so a file
 * saved here loads into the equivalent `torch.nn` model with `load_state_dict`.
 *
 * The loader trusts nothing in the file: every length, offset, shape and dtype
 * is checked before any tensor is built, and a bad file throws a `FormatError`
 * that names the file and the problem. It never allocates more than a small
 * multiple of the file's own size.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { inspect } from 'node:util';
import { Tensor, allocate, type DType, type Storage } from '../tensor';
import { ArgumentError, FormatError, fmtShape } from '../errors';
import { sizeOf } from '../shape';
import { writeFileAtomic } from './atomic';

/** The largest header the loader accepts, as the reference implementation: 100 MB. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The most dimensions a tensor in a file may have (a sanity bound; real models use at most 5 or 6). */
export const MAX_RANK = 64;

/** The most tensors a file may hold: 200,000 (large language models have a few thousand); bounds the work a hostile header can ask for. */
export const MAX_TENSORS = 200_000;

/** The deepest bracket nesting a header may have: the format is an object of objects holding arrays, depth 3; one level of slack. */
export const MAX_HEADER_DEPTH = 4;

/**
 * One pass over the header text, outside strings: the deepest bracket nesting
 * and the number of top-level keys. Run before `JSON.parse`, so a deeply
 * nested or many-tensor header is refused before it costs memory.
 */
function scanHeader(json: string): { depth: number; keys: number } {
  let depth = 0, maxDepth = 0, keys = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < json.length; i++) {
        const d = json.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) maxDepth = depth;
      if (maxDepth > MAX_HEADER_DEPTH) break;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x3a /* : */ && depth === 1) keys++;
  }
  return { depth: maxDepth, keys };
}

/** Element types of the format and their sizes in bytes. */
export const SAFETENSORS_DTYPES = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
} as const;
export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

const FROM_NNLAB: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32' };

/** One tensor's header entry. */
export interface TensorInfo {
  dtype: SafetensorsDType;
  shape: number[];
  /** [begin, end) byte offsets into the data buffer (after the header). */
  dataOffsets: [number, number];
}

/** A parsed file: the tensors (converted to nnlab dtypes), the metadata, and each tensor's header entry. */
export interface DecodedSafetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
  info: Map<string, TensorInfo>;
  headerBytes: number;
}

/** The largest file `loadSafetensors` reads (it holds the whole file in memory): 2 GiB. */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

// ---- Writing --------------------------------------------------------------------------

/** The tensors of a state dict, a Map, or [name, tensor] pairs, checked. */
function entriesOf(op: string, tensors: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]>): [string, Tensor][] {
  const list: [string, Tensor][] = tensors instanceof Map ? [...tensors] : Symbol.iterator in Object(tensors) ? [...(tensors as Iterable<[string, Tensor]>)] : Object.entries(tensors);
  const seen = new Set<string>();
  for (const [name, t] of list) {
    if (typeof name !== 'string') throw new ArgumentError(`${op}: tensor names must be strings, got ${typeof name}`);
    if (name === '__metadata__') throw new ArgumentError(`${op}: '__metadata__' is reserved by the format and cannot name a tensor`);
    if (seen.has(name)) throw new ArgumentError(`${op}: the name '${name}' appears twice`);
    seen.add(name);
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: '${name}' must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  }
  return list;
}

/** A string→string map, or an ArgumentError naming the bad value. */
function checkMetadata(op: string, metadata: Record<string, string>): void {
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new ArgumentError(`${op}: metadata values must be strings (the format says so), got ${typeof v} for '${k}'`);
  }
}

/** The little-endian bytes of a storage (a view on little-endian hosts, a swapped copy otherwise). */
function littleEndianBytes(values: Storage): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (LITTLE_ENDIAN_HOST) return bytes;
  const out = new Uint8Array(bytes.length);
  const size = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  return out;
}

/**
 * The file as chunks (header, then each tensor's bytes), without copying the
 * tensor data. Data is laid out by element size, largest first (stable, so a
 * state dict keeps its order within a size), so every tensor is aligned to
 * its element size as the reference writer does; the JSON header lists the
 * tensors in the order given. The header is padded with spaces to a multiple of 8.
 */
export function serializeSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]>,
  metadata: Record<string, string> = {},
): { chunks: Uint8Array[]; bytes: number; info: Map<string, TensorInfo> } {
  const list = entriesOf('safetensors', tensors);
  checkMetadata('safetensors', metadata);
  const data = list.map(([name, t]) => ({ name, dtype: FROM_NNLAB[t.dtype], shape: [...t.shape], bytes: littleEndianBytes(t.values()) }));
  const layout = [...data].sort((a, b) => SAFETENSORS_DTYPES[b.dtype] - SAFETENSORS_DTYPES[a.dtype]);
  const info = new Map<string, TensorInfo>();
  let offset = 0;
  for (const d of layout) {
    info.set(d.name, { dtype: d.dtype, shape: d.shape, dataOffsets: [offset, offset + d.bytes.length] });
    offset += d.bytes.length;
  }
  const parts: string[] = [];
  if (Object.keys(metadata).length > 0) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  for (const d of data) {
    const e = info.get(d.name)!;
    parts.push(`${JSON.stringify(d.name)}:{"dtype":"${e.dtype}","shape":[${e.shape.join(',')}],"data_offsets":[${e.dataOffsets.join(',')}]}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { chunks: [header, ...layout.map((d) => d.bytes)], bytes: header.length + offset, info };
}

/**
 * The whole file in one buffer.
 * @example const bytes = encodeSafetensors({ w: tensor([[1, 2]]) }, { note: 'demo' });
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const { chunks, bytes } = serializeSafetensors(tensors, metadata);
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---- Reading ----------------------------------------------------------------------------

function fail(file: string, problem: string): never {
  throw new FormatError(`safetensors: ${file}: ${problem}`, file);
}

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

/**
 * Finds a key that appears twice in one JSON object. `JSON.parse` silently keeps
 * the last, so this scans the raw text (already known to be valid JSON): one
 * pass, a set of keys per open object.
 */
export function findDuplicateKey(json: string): string | null {
  const stack: (Set<string> | null)[] = []; // a key set per open object, null per open array
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < json.length; i++) {
        const d = json.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = escaped ? (JSON.parse(json.slice(start, i + 1)) as string) : json.slice(start + 1, i);
        if (top.has(key)) return key;
        top.add(key);
      }
      expectKey = false;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] != null;
    }
  }
  return null;
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Checks one header entry; returns it typed or throws naming the tensor and the field. */
function checkEntry(file: string, name: string, raw: unknown): TensorInfo {
  const where = `tensor ${quote(name)}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, `${where}: the header entry must be an object with dtype, shape and data_offsets, got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`);
  const entry = raw as Record<string, unknown>;
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') fail(file, `${where}: dtype must be a string, got ${JSON.stringify(dtype) ?? 'nothing'}`);
  if (!Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, dtype)) {
    fail(file, `${where}: unknown dtype ${quote(dtype)} (known: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    fail(file, `${where}: shape must be an array of non-negative integers, got ${quote(JSON.stringify(shape) ?? 'nothing')}`);
  }
  if (shape.length > MAX_RANK) fail(file, `${where}: shape has ${shape.length} dimensions, more than the ${MAX_RANK} nnlab accepts`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    fail(file, `${where}: data_offsets must be [begin, end] with non-negative integers, got ${quote(JSON.stringify(offsets) ?? 'nothing')}`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) fail(file, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  return { dtype: dtype as SafetensorsDType, shape: shape as number[], dataOffsets: [begin, end] };
}

/** The declared header length as a number, or a FormatError if it is over the limit or past the end of the file. */
function checkHeaderLength(file: string, declared: bigint, fileBytes: number): number {
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(file, `the header length ${declared} bytes exceeds the ${MAX_HEADER_BYTES / 1e6} MB limit (not a safetensors file, or a corrupt one)`);
  const headerBytes = Number(declared);
  if (8 + headerBytes > fileBytes) fail(file, `the header length ${headerBytes} bytes runs past the end of the file (${fileBytes} bytes)`);
  return headerBytes;
}

/**
 * Parses a safetensors file held in memory. Tensors come back as nnlab dtypes:
 * F32 → float32, F64 → float64, F16 and BF16 → float32; I32 and the narrower
 * integers and BOOL → int32; I64, U32 and U64 → int32 when every value fits
 * (PyTorch saves BatchNorm's `num_batches_tracked` as I64).
 * Throws a `FormatError` naming `file` and the problem for anything malformed.
 */
export function decodeSafetensors(bytes: Uint8Array, file = '<bytes>'): DecodedSafetensors {
  if (bytes.length < 8) fail(file, `the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = checkHeaderLength(file, view.getBigUint64(0, true), bytes.length);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes));
  } catch {
    fail(file, 'the header is not valid UTF-8');
  }
  const scan = scanHeader(text);
  if (scan.depth > MAX_HEADER_DEPTH) fail(file, `the header nests brackets deeper than ${MAX_HEADER_DEPTH} levels; the format is a flat object of tensor entries`);
  if (scan.keys > MAX_TENSORS + 1) fail(file, `the header lists ${scan.keys} entries, more than the ${MAX_TENSORS} tensors nnlab accepts in one file`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(file, `the header is not valid JSON (${(e as Error).message}); it starts ${quote(text.slice(0, 40))}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(file, `the header must be a JSON object, got ${Array.isArray(header) ? 'an array' : header === null ? 'null' : typeof header}`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) fail(file, `the header has the key ${quote(duplicate)} twice`);

  let metadata: Record<string, string> = {};
  const info = new Map<string, TensorInfo>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(file, `__metadata__ values must be strings, got ${typeof v} for ${quote(k)}`);
      }
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    info.set(name, checkEntry(file, name, raw));
  }

  // The tensors must tile the data buffer: sorted by offset, each begins where the last ended.
  const dataStart = 8 + headerBytes;
  const dataBytes = bytes.length - dataStart;
  const byOffset = [...info].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let covered = 0;
  let previous = '';
  for (const [name, e] of byOffset) {
    const [begin, end] = e.dataOffsets;
    if (end > dataBytes) fail(file, `tensor ${quote(name)}: data_offsets [${begin}, ${end}] are past the end of the ${dataBytes}-byte data buffer`);
    if (begin < covered) fail(file, `tensor ${quote(name)}: data_offsets [${begin}, ${end}] overlap tensor ${quote(previous)}, which ends at ${covered}`);
    if (begin > covered) fail(file, `tensor ${quote(name)}: data_offsets [${begin}, ${end}] leave bytes [${covered}, ${begin}) of the data buffer unused`);
    let count = 1;
    for (const d of e.shape) count *= d;
    const expected = count * SAFETENSORS_DTYPES[e.dtype];
    if (expected !== end - begin) {
      fail(file, `tensor ${quote(name)}: dtype ${e.dtype} and shape ${fmtShape(e.shape)} need ${expected} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    covered = end;
    previous = name;
  }
  if (covered !== dataBytes) fail(file, `the tensors cover ${covered} bytes, but the data buffer after the header is ${dataBytes} bytes`);

  const tensors = new Map<string, Tensor>();
  for (const [name, e] of info) {
    const [begin, end] = e.dataOffsets;
    const values = convert(file, name, e.dtype, bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, new Tensor(values, e.shape));
  }
  return { tensors, metadata, info, headerBytes };
}

/** Raw little-endian bytes of one dtype → an nnlab storage. */
function convert(file: string, name: string, dtype: SafetensorsDType, raw: Uint8Array): Storage {
  const size = SAFETENSORS_DTYPES[dtype];
  const n = raw.length / size;
  // NOTE: a fresh, aligned, owned copy: the file buffer may be unaligned and is let go afterwards.
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  if (!LITTLE_ENDIAN_HOST && size > 1) {
    for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  }
  switch (dtype) {
    case 'F32': return new Float32Array(copy.buffer);
    case 'F64': return new Float64Array(copy.buffer);
    case 'I32': return new Int32Array(copy.buffer);
    case 'F16': return halfToFloat(new Uint16Array(copy.buffer));
    case 'BF16': {
      const src = new Uint16Array(copy.buffer), out = new Float32Array(n), bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = src[i] << 16;
      return out;
    }
    case 'BOOL': case 'U8': return Int32Array.from(copy);
    case 'I8': return Int32Array.from(new Int8Array(copy.buffer));
    case 'I16': return Int32Array.from(new Int16Array(copy.buffer));
    case 'U16': return Int32Array.from(new Uint16Array(copy.buffer));
    case 'U32': case 'I64': case 'U64': {
      const out = allocate('int32', n) as Int32Array;
      const view = new DataView(copy.buffer);
      for (let i = 0; i < n; i++) {
        const v = dtype === 'U32' ? view.getUint32(i * 4, LITTLE_ENDIAN_HOST)
          : Number(dtype === 'I64' ? view.getBigInt64(i * 8, LITTLE_ENDIAN_HOST) : view.getBigUint64(i * 8, LITTLE_ENDIAN_HOST));
        if (v > 2147483647 || v < -2147483648) {
          fail(file, `tensor ${quote(name)}: ${dtype} value ${v} at index ${i} does not fit nnlab's int32`);
        }
        out[i] = v;
      }
      return out;
    }
    default:
      fail(file, `tensor ${quote(name)}: dtype ${dtype} is valid safetensors but nnlab cannot convert it (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)`);
  }
}

let halfTable: Float32Array | null = null;

/** IEEE half → float32 through a 65,536-entry table (built once, 256 KB). */
function halfToFloat(src: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
      halfTable[h] = exp === 0 ? sign * frac * 2 ** -24
        : exp === 31 ? (frac ? NaN : sign * Infinity)
        : sign * (1 + frac / 1024) * 2 ** (exp - 15);
    }
  }
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = halfTable[src[i]];
  return out;
}

// ---- Files ----------------------------------------------------------------------------------

/** What `save` wrote: path, tensor count, values and bytes, with a readable `toString`. */
export class SaveReport {
  readonly format = 'safetensors' as const;
  constructor(
    readonly path: string,
    readonly tensors: { name: string; dtype: SafetensorsDType; shape: number[] }[],
    readonly bytes: number,
    readonly metadata: Record<string, string>,
  ) {}

  /** The number of scalar values saved. */
  get numValues(): number {
    return this.tensors.reduce((n, t) => n + sizeOf(t.shape), 0);
  }

  toString(): string {
    return `Saved ${describeCounts(this.tensors.length, this.numValues, this.bytes)} to ${this.path}\n${tensorTable(this.tensors)}`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * What `load` read: a `Map` from name to tensor (so `model.loadStateDict(weights)`
 * takes it as it is), plus the path, metadata and sizes.
 */
export class LoadedWeights extends Map<string, Tensor> {
  constructor(
    entries: Iterable<[string, Tensor]>,
    readonly path: string,
    readonly metadata: Record<string, string>,
    /** The dtype each tensor had in the file (F16 and BF16 load as float32). */
    readonly fileDTypes: Map<string, SafetensorsDType>,
    readonly bytes: number,
  ) {
    super(entries);
  }

  /** Set by `load(path, { into })`: the module's class and the keys that did not match (a partial load). */
  loadedInto: { module: string; missingKeys: string[]; unexpectedKeys: string[] } | null = null;

  /** The tensors as a plain state-dict object. */
  get stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this);
  }

  /** The number of scalar values read. */
  get numValues(): number {
    let n = 0;
    for (const t of this.values()) n += t.size;
    return n;
  }

  override toString(): string {
    const rows = [...this].map(([name, t]) => ({ name, dtype: this.fileDTypes.get(name) ?? FROM_NNLAB[t.dtype], shape: [...t.shape] }));
    const lines = [`Loaded ${describeCounts(this.size, this.numValues, this.bytes)} from ${this.path}`];
    const cls = this.metadata['nnlab.class'], version = this.metadata['nnlab.version'];
    if (version) lines.push(`  saved by nnlab ${version}${cls ? ` from a ${cls}` : ''}`);
    lines.push(tensorTable(rows));
    if (this.loadedInto) {
      const { module, missingKeys, unexpectedKeys } = this.loadedInto;
      lines.push(`  loaded into ${module}: ${this.size - unexpectedKeys.length} tensors` +
        (missingKeys.length ? `; kept (not in the file): ${missingKeys.join(', ')}` : '') +
        (unexpectedKeys.length ? `; ignored (not in the model): ${unexpectedKeys.join(', ')}` : ''));
    }
    return lines.join('\n');
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

function describeCounts(tensors: number, values: number, bytes: number): string {
  return `${tensors} tensor${tensors === 1 ? '' : 's'} (${values.toLocaleString('en-US')} values, ${bytes.toLocaleString('en-US')} bytes)`;
}

function tensorTable(rows: { name: string; dtype: string; shape: number[] }[], limit = 24): string {
  const shown = rows.slice(0, limit);
  const width = Math.min(48, Math.max(0, ...shown.map((r) => r.name.length)));
  const lines = shown.map((r) => `  ${r.name.padEnd(width)}  ${r.dtype.padEnd(4)} ${fmtShape(r.shape)}`);
  if (rows.length > limit) lines.push(`  … and ${rows.length - limit} more`);
  return lines.join('\n');
}

/**
 * Writes tensors to a safetensors file atomically (temp file, fsync, rename).
 * @example await saveSafetensors('w.safetensors', model.stateDict(), { note: 'epoch 3' });
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]>,
  metadata: Record<string, string> = {},
): Promise<SaveReport> {
  const { chunks, bytes, info } = serializeSafetensors(tensors, metadata);
  await writeFileAtomic(path, chunks);
  return new SaveReport(path, [...info].map(([name, e]) => ({ name, dtype: e.dtype, shape: e.shape })), bytes, metadata);
}

function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  return stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isSocket() ? 'a socket'
    : stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device' : 'not a file';
}

/** A file modified less than this many milliseconds before it was read is checked again after this long (see loadSafetensors). */
const RACY_MS = 50;

function refuseIrregular(path: string, stat: Parameters<typeof kindOf>[0] & { isFile(): boolean }): void {
  if (!stat.isFile()) fail(path, `not a regular file (${kindOf(stat)}); nnlab reads weights only from regular files`);
}

/** A FormatError naming the file for a missing path or anything but a regular file, checked before opening (a FIFO would block the open). */
async function checkRegularFile(path: string): Promise<void> {
  let stat;
  try {
    stat = await fsp.stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(path, `file not found (working directory ${process.cwd()})`);
    fail(path, `cannot read the file (${code ?? (e as Error).message})`);
  }
  refuseIrregular(path, stat);
}

/**
 * Reads a safetensors file (written by nnlab, PyTorch's `safetensors`, or the
 * Hugging Face hub). The header length is checked before the rest of the file
 * is read, so a wrong file fails fast without reading it all. Tensors holding
 * NaN load as they are, with one `console.warn` per load naming them.
 * nnlab's own saves replace a file atomically (write a temporary file, then
 * rename), so a reader sees the old file or the new one whole. A file another
 * program rewrites in place while it is read is refused ("changed while it
 * was read"), detected by its size and mtime, looked at again 50 ms later when
 * it was modified just before: load it again once the writer is done.
 * @example const w = await loadSafetensors('lenet.safetensors'); model.loadStateDict(w);
 */
export async function loadSafetensors(path: string): Promise<LoadedWeights> {
  await checkRegularFile(path);
  const handle = await fsp.open(path, 'r');
  let bytes: Uint8Array;
  try {
    const stat = await handle.stat();
    refuseIrregular(path, stat); // NOTE: again on the open file: the path may have been replaced since
    const { size } = stat;
    if (size > MAX_FILE_BYTES) fail(path, `the file is ${size} bytes, more than nnlab reads into memory at once (${MAX_FILE_BYTES} bytes)`);
    if (size >= 8) {
      const head = new Uint8Array(8);
      await handle.read(head, 0, 8, 0);
      checkHeaderLength(path, new DataView(head.buffer).getBigUint64(0, true), size);
    }
    bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, size - at, at);
      if (bytesRead === 0) fail(path, `the file shrank while it was read (${at} of ${size} bytes)`);
      at += bytesRead;
    }
    // NOTE: nnlab's own saves are atomic renames, so they never change a file under a reader; an in-place rewrite by another program does.
    let after = await handle.stat();
    // NOTE: a rewrite in several writes can be read between two of them with the mtime already
    // bumped by the first (git's "racy" files): a file modified less than RACY_MS ago is looked
    // at again once that much time has passed, and any change then refuses what was read.
    const age = Date.now() - after.mtimeMs;
    if (age < RACY_MS && after.size === size && after.mtimeMs === stat.mtimeMs) {
      await new Promise((resolve) => setTimeout(resolve, RACY_MS - Math.max(0, age)));
      after = await handle.stat();
    }
    if (after.size !== size || after.mtimeMs !== stat.mtimeMs) {
      fail(path, `the file changed while it was read (size ${size} → ${after.size} bytes, mtime ${stat.mtime.toISOString()} → ${after.mtime.toISOString()}); what was read may mix two versions, load it again`);
    }
  } finally {
    await handle.close();
  }
  const decoded = decodeSafetensors(bytes, path);
  const withNaN = [...decoded.tensors].filter(([, t]) => t.dtype !== 'int32' && t.values().some(Number.isNaN)).map(([name]) => name);
  if (withNaN.length > 0) {
    const shown = withNaN.slice(0, 10).join(', ') + (withNaN.length > 10 ? ` and ${withNaN.length - 10} more` : '');
    console.warn(`load: ${path}: ${withNaN.length} tensor${withNaN.length === 1 ? ' holds' : 's hold'} NaN values: ${shown}`);
  }
  const dtypes = new Map([...decoded.info].map(([name, e]) => [name, e.dtype]));
  return new LoadedWeights(decoded.tensors, path, decoded.metadata, dtypes, bytes.length);
}
