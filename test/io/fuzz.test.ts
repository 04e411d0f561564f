/**
 * Fuzzing the safetensors loader: thousands of seeded corruptions and
 * truncations of valid files. Every case must end, quickly, in either a
 * FormatError naming the file, or a valid load (a benign corruption, such as
 * a flipped bit inside tensor data or padding) — never another exception, a
 * hang, or an allocation out of proportion to the file.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Generator, FormatError, randn, tensor, zeros } from '../../src';
import { encodeSafetensors, decodeSafetensors, loadSafetensors } from '../../src/io';

const CASES = 6000;
const FILE_CASES = 200;
const MAX_MS_PER_CASE = 250;

function seedFiles(): Uint8Array[] {
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
function corrupt(base: Uint8Array, g: Generator): { bytes: Uint8Array; kind: string } {
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

/** Decodes and classifies one case; throws (failing the test) on anything but a FormatError or a sane load. */
function check(bytes: Uint8Array, file: string): 'error' | 'load' {
  try {
    const { tensors } = decodeSafetensors(bytes, file);
    let produced = 0;
    for (const t of tensors.values()) {
      expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
      expect(t.data.length).toBe(t.size);
      produced += t.data.byteLength;
    }
    // Converting F16/BF16/I8/U8 to 32-bit at most quadruples the data: nothing out of proportion to the file.
    expect(produced).toBeLessThanOrEqual(4 * bytes.length);
    return 'load';
  } catch (e) {
    if (!(e instanceof FormatError)) throw new Error(`${file}: ${(e as Error).constructor.name} instead of a FormatError: ${(e as Error).message}`);
    expect(e.file).toBe(file);
    expect(e.message.startsWith(`safetensors: ${file}: `)).toBe(true);
    return 'error';
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors loader fuzz', () => {
  it(`${CASES} seeded corruptions end in a FormatError or a valid load, each within ${MAX_MS_PER_CASE} ms`, () => {
    const g = new Generator(20240611);
    const bases = seedFiles();
    for (const b of bases) expect(check(b, 'seed')).toBe('load');
    const counts: Record<string, { error: number; load: number }> = {};
    let maxMs = 0, maxKind = '';
    const started = performance.now();
    for (let i = 0; i < CASES; i++) {
      const { bytes, kind } = corrupt(bases[g.int(bases.length)], g);
      const t0 = performance.now();
      const outcome = check(bytes, `fuzz-${i}.safetensors`);
      const ms = performance.now() - t0;
      if (ms > maxMs) [maxMs, maxKind] = [ms, kind];
      counts[kind] ??= { error: 0, load: 0 };
      counts[kind][outcome]++;
    }
    const total = performance.now() - started;
    const errors = Object.values(counts).reduce((n, c) => n + c.error, 0);
    console.log(
      `safetensors fuzz: ${CASES} cases, ${errors} FormatErrors, ${CASES - errors} valid loads, ` +
        `max ${maxMs.toFixed(2)} ms per case (${maxKind}), ${total.toFixed(0)} ms in all; by kind: ${JSON.stringify(counts)}`,
    );
    expect(maxMs).toBeLessThan(MAX_MS_PER_CASE);
    // Every kind of corruption was exercised, and most corruptions are caught.
    expect(Object.keys(counts).sort()).toEqual(['data-length', 'dup', 'flip', 'header-bytes', 'header-edit', 'json-field', 'json-root', 'length', 'random', 'truncate']);
    expect(errors).toBeGreaterThan(CASES * 0.7);
    for (const kind of ['truncate', 'length', 'dup', 'random']) expect(counts[kind].error, kind).toBeGreaterThan(0);
  });

  it(`${FILE_CASES} corrupted files on disk fail the same way through loadSafetensors`, async () => {
    const g = new Generator(99);
    const bases = seedFiles();
    let errors = 0;
    for (let i = 0; i < FILE_CASES; i++) {
      const { bytes } = corrupt(bases[g.int(bases.length)], g);
      const file = path.join(dir, `case-${i}.safetensors`);
      writeFileSync(file, bytes);
      try {
        await loadSafetensors(file);
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`${file}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
        expect(e.message.startsWith(`safetensors: ${file}: `)).toBe(true);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(FILE_CASES * 0.7);
  });
});
