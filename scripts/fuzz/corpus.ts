/**
 * The hostile corpora nnlab's loaders are tried against, shared by the tests
 * (test/io/fuzz.test.ts, test/io/hostile-files.test.ts) and the soak command
 * (`npm run fuzz`, scripts/fuzz.ts): seeded corruptions of valid safetensors
 * and IDX files, named hostile files (huge or deep headers, FIFOs,
 * directories, a gzip bomb) and malformed kernel queries.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { Generator, randn, tensor, zeros } from '../../src';
import { encodeSafetensors, MAX_TENSORS } from '../../src/io';
import { encodeIdx } from '../../src/data';

export function seedFiles(): Uint8Array[] {
  const g = new Generator(7);
  const f16 = new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x7c00).buffer);
  const i64 = new Uint8Array(BigInt64Array.of(5n).buffer);
  const header = JSON.stringify({
    __metadata__: { format: 'pt' },
    h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
    n: { dtype: 'I64', shape: [], data_offsets: [6, 14] },
  });
  const hand = new Uint8Array(8 + header.length + 14);
  new DataView(hand.buffer).setBigUint64(0, BigInt(header.length), true);
  hand.set(new TextEncoder().encode(header), 8);
  hand.set(f16, 8 + header.length);
  hand.set(i64, 8 + header.length + 6);
  return [
    encodeSafetensors({ 'fc1.weight': randn([4, 3], { generator: g }), 'fc1.bias': randn([4], { generator: g }) }, { format: 'pt', 'nnlab.class': 'MLP' }),
    encodeSafetensors({
      a: randn([2, 2, 2], { dtype: 'float64', generator: g }), b: tensor([1, -2, 3], { dtype: 'int32' }), c: tensor(0.5), e: zeros([0, 3]),
    }),
    encodeSafetensors({}),
    hand,
  ];
}

/** One seeded corruption of a valid file. */
export function corrupt(base: Uint8Array, g: Generator): { bytes: Uint8Array; kind: string } {
  const headerLength = Number(new DataView(base.buffer, base.byteOffset).getBigUint64(0, true));
  const headerText = new TextDecoder().decode(base.subarray(8, 8 + headerLength));
  const data = base.subarray(8 + headerLength);
  const withHeader = (text: string, body: Uint8Array = data): Uint8Array => {
    const json = new TextEncoder().encode(text);
    const out = new Uint8Array(8 + json.length + body.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(body, 8 + json.length);
    return out;
  };
  const pick = <T>(items: readonly T[]): T => items[g.int(items.length)];
  const weird = (): unknown => pick([
    -1, 0, 1, 3, 1.5, 2 ** 53, 2 ** 60, -(2 ** 31), 1e308, 'F32', 'x', '', null, true, [], {}, [1, 2, 3], [-1], [0, 1e20], { dtype: 'F32' },
  ]);
  const kind = g.int(9);
  switch (kind) {
    case 0: { // truncation
      const n = g.int(base.length);
      return { bytes: base.slice(0, n), kind: 'truncate' };
    }
    case 1: { // random bytes flipped anywhere
      const out = base.slice();
      const flips = 1 + g.int(8);
      for (let i = 0; i < flips && out.length > 0; i++) out[g.int(out.length)] ^= 1 << g.int(8);
      return { bytes: out, kind: 'flip' };
    }
    case 2: { // bytes flipped or overwritten in the header
      const out = base.slice();
      const flips = 1 + g.int(4);
      for (let i = 0; i < flips; i++) out[8 + g.int(Math.max(1, headerLength))] = g.int(256);
      return { bytes: out, kind: 'header-bytes' };
    }
    case 3: { // the header length field replaced
      const out = base.slice();
      const choices = [BigInt(headerLength + g.int(17) - 8), BigInt(g.int(2 ** 31)) * BigInt(g.int(2 ** 31)), 100_000_000n, 100_000_001n, 2n ** 64n - 1n, 0n, BigInt(base.length - 8)];
      let v = pick(choices);
      if (v < 0n) v = 0n;
      new DataView(out.buffer).setBigUint64(0, v & (2n ** 64n - 1n), true);
      return { bytes: out, kind: 'length' };
    }
    case 4: { // a header field replaced by a weird value, length kept consistent
      const header = JSON.parse(headerText) as Record<string, Record<string, unknown>>;
      const names = Object.keys(header);
      if (names.length === 0) return { bytes: withHeader(JSON.stringify(weird())), kind: 'json-root' };
      const name = pick(names);
      const entry = header[name];
      if (typeof entry === 'object' && entry !== null) {
        const field = pick([...Object.keys(entry), 'dtype', 'shape', 'data_offsets']);
        const v = weird();
        if (g.uniform() < 0.2) delete entry[field];
        else if (Array.isArray(entry[field]) && g.uniform() < 0.6) {
          const arr = [...(entry[field] as unknown[])];
          arr[g.int(arr.length + 1)] = typeof v === 'number' ? v : (arr[0] as number) + g.int(9) - 4;
          entry[field] = arr;
        } else entry[field] = v;
      } else header[name] = weird() as Record<string, unknown>;
      return { bytes: withHeader(JSON.stringify(header)), kind: 'json-field' };
    }
    case 5: { // a duplicated or renamed key (raw text, as JSON.parse would hide it)
      const header = JSON.parse(headerText) as Record<string, unknown>;
      const names = Object.keys(header);
      if (names.length === 0) return { bytes: withHeader('{"a":1,"a":2}'), kind: 'dup' };
      const name = pick(names);
      const copy = `${JSON.stringify(name)}:${JSON.stringify(header[name])}`;
      const text = `{${copy},${headerText.trim().slice(1)}`;
      return { bytes: withHeader(text), kind: 'dup' };
    }
    case 6: { // bytes inserted or deleted inside the header (length field fixed up or not)
      const at = g.int(headerLength + 1);
      const text = g.uniform() < 0.5
        ? headerText.slice(0, at) + pick(['{', '}', '"', ',', ':', '[', ']', '\\', '0', ' ', '\u0000', 'é']) + headerText.slice(at)
        : headerText.slice(0, at) + headerText.slice(at + 1 + g.int(4));
      return { bytes: withHeader(text), kind: 'header-edit' };
    }
    case 7: { // random bytes appended, or data removed
      const extra = g.int(16);
      const body = g.uniform() < 0.5 ? new Uint8Array([...data, ...Array.from({ length: extra + 1 }, () => g.int(256))]) : data.slice(0, Math.max(0, data.length - 1 - g.int(8)));
      return { bytes: withHeader(headerText, body), kind: 'data-length' };
    }
    default: { // completely random bytes with a plausible header length
      const n = g.int(64);
      const out = Uint8Array.from({ length: n }, () => g.int(256));
      if (n >= 8) new DataView(out.buffer).setBigUint64(0, BigInt(g.int(n)), true);
      return { bytes: out, kind: 'random' };
    }
  }
}


/** A safetensors file of just a header (no data). */
export function withHeader(text: string): Uint8Array {
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

export interface HostileFile {
  name: string;
  file: string;
  /** What the FormatError must say. */
  expect: RegExp;
}

/** Named hostile safetensors files written into `dir`; each must be refused by name, fast, in bounded memory. */
export function hostileSafetensors(dir: string): HostileFile[] {
  mkdirSync(dir, { recursive: true });
  const out: HostileFile[] = [];
  const add = (name: string, expect: RegExp, bytes?: Uint8Array) => {
    const file = path.join(dir, `${name}.safetensors`);
    if (bytes) writeFileSync(file, bytes);
    out.push({ name, file, expect });
  };
  const many = MAX_TENSORS + 50_000;
  const parts: string[] = [];
  for (let i = 0; i < many; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  add('many-empty-tensors', new RegExp(`lists ${many} entries, more than the ${MAX_TENSORS} tensors`), withHeader(`{${parts.join(',')}}`));
  add('deeply-nested', /nests brackets deeper than/, withHeader(`{"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`));
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  add('huge-header-length', /header length/, huge);
  add('negative-shape', /shape/, withHeader('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'));
  add('overlapping-offsets', /offsets|overlap|bytes/, new Uint8Array([...withHeader('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}'), 0, 0, 0, 0, 0, 0]));
  add('empty-file', /too short/, new Uint8Array(0));
  const fifo = path.join(dir, 'fifo.safetensors');
  try {
    execFileSync('mkfifo', [fifo]);
    out.push({ name: 'fifo', file: fifo, expect: /not a regular file \(a FIFO/ });
  } catch {
    // no mkfifo: skipped
  }
  const directory = path.join(dir, 'directory.safetensors');
  mkdirSync(directory, { recursive: true });
  out.push({ name: 'directory', file: directory, expect: /not a regular file \(a directory\)/ });
  out.push({ name: 'missing', file: path.join(dir, 'missing.safetensors'), expect: /file not found \(working directory / });
  return out;
}

/** Valid IDX files to corrupt: raw and gzipped, of each dtype. */
export function seedIdx(): Uint8Array[] {
  const g = new Generator(11);
  const bytes = Array.from({ length: 6 * 7 }, () => g.int(256));
  return [
    encodeIdx({ dtype: 'ubyte', shape: [6, 7], data: bytes }),
    encodeIdx({ dtype: 'ubyte', shape: [6, 7], data: bytes }, { gzip: true }),
    encodeIdx({ dtype: 'float', shape: [3, 2], data: [0.5, -1, 2, 3, 1e-3, 7] }),
    encodeIdx({ dtype: 'int', shape: [5], data: [1, -2, 3, 2 ** 30, -(2 ** 31)] }, { gzip: true }),
  ];
}

/** One seeded corruption of an IDX file (truncation, flips, a rewritten header, a bad gzip stream). */
export function corruptIdx(base: Uint8Array, g: Generator): { bytes: Uint8Array; kind: string } {
  const kind = g.int(5);
  if (kind === 0) return { bytes: base.slice(0, g.int(base.length)), kind: 'truncate' };
  if (kind === 1) {
    const out = base.slice();
    for (let i = 0, n = 1 + g.int(6); i < n; i++) out[g.int(out.length)] ^= 1 << g.int(8);
    return { bytes: out, kind: 'flip' };
  }
  if (kind === 2) {
    const out = base.slice();
    out[g.int(Math.min(out.length, 16))] = g.int(256);
    return { bytes: out, kind: 'header' };
  }
  if (kind === 3) {
    // a header declaring huge dimensions, gzipped, with little data behind it
    const dims = 1 + g.int(3);
    const head = new Uint8Array(4 + 4 * dims);
    head.set([0, 0, 0x08, dims]);
    for (let i = 0; i < dims; i++) new DataView(head.buffer).setUint32(4 + 4 * i, g.int(2 ** 32), false);
    return { bytes: g.uniform() < 0.5 ? gzipSync(head) : head, kind: 'huge-dims' };
  }
  return { bytes: Uint8Array.from({ length: g.int(48) }, () => g.int(256)), kind: 'random' };
}

/** A gzip bomb: an IDX header declaring [10] ubytes, then `zeros` bytes of zeros, compressed as a stream (never held inflated). */
export async function idxGzipBomb(zeros: number): Promise<Uint8Array> {
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((resolve) => gz.on('end', resolve));
  gz.write(Uint8Array.of(0, 0, 0x08, 1, 0, 0, 0, 10));
  const chunk = new Uint8Array(1 << 20);
  for (let i = 0; i < zeros / chunk.length; i++) {
    if (!gz.write(chunk)) await new Promise((resolve) => gz.once('drain', resolve));
  }
  gz.end();
  await done;
  return Buffer.concat(parts);
}

/** Malformed queries, as a hostile or buggy frontend sends them (the kernel must answer each, never throw). */
export function malformedQueries(g: Generator, n: number): unknown[] {
  const fixed: unknown[] = [
    '', '{', 'null', '[]', '"op"', '{"op": 1}', '{"op": "nope"}', '{"op": "weights"}', '{"op": "weights", "model": "x", "param": "y"}',
    '{"op": "weights", "maxValues": 1e300}', '{"op": "activations", "model": {}}', '{"op": "list", "extra": [1, 2, 3]}',
    '{"op": "run", "id": "../../etc/passwd"}', '{"op": "__proto__"}', '{"op": "constructor"}', '{"__proto__": {"op": "list"}}',
    `{"op": "${'x'.repeat(100_000)}"}`, `{"op": "list", "deep": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
  ];
  const ops = ['list', 'weights', 'activations', 'summary', 'run', 'runs', 'gradients', 'nope'];
  const values = (): unknown => [null, -1, 0, 1.5, 1e308, NaN, '', 'x', '__proto__', [], {}, [1, 2], { a: 1 }, true][g.int(14)];
  const out = [...fixed];
  for (let i = out.length; i < n; i++) {
    const req: Record<string, unknown> = { op: g.uniform() < 0.9 ? ops[g.int(ops.length)] : values() };
    for (const k of ['model', 'param', 'layer', 'maxValues', 'input', 'index', 'id', 'channel']) if (g.uniform() < 0.4) req[k] = values();
    out.push(g.uniform() < 0.5 ? req : JSON.stringify(req));
  }
  return out;
}
