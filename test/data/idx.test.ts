import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { data, FormatError } from '../../src';
import type { IdxDType } from '../../src/data/idx';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nnlab-idx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Expects `fn` to throw a FormatError whose message and `.file` name `file` and whose message matches `pattern`. */
function expectFormatError(fn: () => unknown, file: string, pattern: RegExp): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).file).toBe(file);
  expect((err as Error).message).toContain(file);
  expect((err as Error).message).toMatch(pattern);
}

const CASES: [IdxDType, number[], number[]][] = [
  ['ubyte', [2, 3], [0, 1, 2, 127, 128, 255]],
  ['byte', [4], [-128, -1, 0, 127]],
  ['short', [2, 2], [-32768, -2, 300, 32767]],
  ['int', [3], [-2147483648, 65537, 2147483647]],
  ['float', [1, 2, 2], [1.5, -0.25, 3e10, -7]],
  ['double', [2], [Math.PI, -1e-300]],
  ['ubyte', [0, 5], []],
];

describe('IDX files', () => {
  it('the header is big-endian: magic, type byte, ndims, int32 dims', () => {
    const bytes = data.encodeIdx({ dtype: 'short', shape: [2], data: [258, -1] });
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 1, 0, 0, 0, 2, 1, 2, 0xff, 0xff]);
    const parsed = data.parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), 'two.idx');
    expect(parsed.dtype).toBe('ubyte');
    expect(parsed.shape).toEqual([2]);
    expect(parsed.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(parsed.data)).toEqual([7, 9]);
  });

  it.each(CASES)('%s %j round-trips through raw and gzipped files', (dtype, shape, values) => {
    for (const gzip of [false, true]) {
      const path = join(dir, `rt-${dtype}-${shape.join('x')}${gzip ? '.gz' : ''}`);
      data.writeIdx(path, { dtype, shape, data: values }, { gzip });
      const raw = readFileSync(path);
      expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(gzip);
      const back = data.readIdx(path);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual(shape);
      const expected = dtype === 'float' ? Array.from(Float32Array.from(values)) : values;
      expect(Array.from(back.data)).toEqual(expected);
    }
  });

  it('maps each type to its typed array', () => {
    const kinds: Record<IdxDType, unknown> = {
      ubyte: Uint8Array, byte: Int8Array, short: Int16Array, int: Int32Array, float: Float32Array, double: Float64Array,
    };
    for (const [dtype, ctor] of Object.entries(kinds) as [IdxDType, unknown][]) {
      expect(data.parseIdx(data.encodeIdx({ dtype, shape: [1], data: [1] })).data).toBeInstanceOf(ctor);
    }
  });

  it('detects gzip by its magic bytes, not by the file name', () => {
    const path = join(dir, 'labels-no-extension');
    writeFileSync(path, gzipSync(data.encodeIdx({ dtype: 'ubyte', shape: [3], data: [9, 0, 3] })));
    expect(Array.from(data.readIdx(path).data)).toEqual([9, 0, 3]);
    const rawPath = join(dir, 'raw-but-named.gz');
    writeFileSync(rawPath, data.encodeIdx({ dtype: 'ubyte', shape: [1], data: [5] }));
    expect(Array.from(data.readIdx(rawPath).data)).toEqual([5]);
  });

  describe('errors are FormatErrors that name the file', () => {
    const good = () => data.encodeIdx({ dtype: 'int', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] });
    const write = (name: string, bytes: Uint8Array) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };

    it('wrong magic', () => {
      const b = good();
      b[0] = 0x12;
      const path = write('bad-magic.idx', b);
      expectFormatError(() => data.readIdx(path), path, /wrong magic: expected 0x00 0x00 .* got 0x12 0x00/);
      const png = write('picture.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]));
      expectFormatError(() => data.readIdx(png), png, /wrong magic.*0x89 0x50/);
    });

    it('unknown type byte', () => {
      const b = good();
      b[2] = 0x0a;
      const path = write('bad-type.idx', b);
      expectFormatError(() => data.readIdx(path), path, /unknown type byte 0x0a/);
    });

    it('truncated header (before and inside the dims)', () => {
      const tiny = write('tiny.idx', new Uint8Array([0, 0, 8]));
      expectFormatError(() => data.readIdx(tiny), tiny, /truncated header: 3 bytes/);
      const cut = write('cut-dims.idx', good().subarray(0, 9));
      expectFormatError(() => data.readIdx(cut), cut, /truncated header: 2 dims need 12 header bytes, the file has 9/);
      const empty = write('empty.idx', new Uint8Array(0));
      expectFormatError(() => data.readIdx(empty), empty, /truncated header: 0 bytes/);
    });

    it('truncated data, raw and gzipped', () => {
      const b = good();
      const path = write('short-data.idx', b.subarray(0, b.length - 3));
      expectFormatError(() => data.readIdx(path), path, /truncated data: dims \[2, 3\] of int need 24 data bytes, found 21/);
      const gz = write('short-data.idx.gz', gzipSync(b.subarray(0, b.length - 4)));
      expectFormatError(() => data.readIdx(gz), gz, /truncated data: .* found 20 \(after gunzip\)/);
    });

    it('extra data after the values', () => {
      const b = good();
      const longer = new Uint8Array(b.length + 5);
      longer.set(b);
      const path = write('extra.idx', longer);
      expectFormatError(() => data.readIdx(path), path, /5 extra bytes after the data: dims \[2, 3\] of int need 24 data bytes, found 29/);
    });

    it('corrupt or cut gzip stream', () => {
      const z = gzipSync(good());
      const cut = write('cut.gz', z.subarray(0, z.length - 10));
      expectFormatError(() => data.readIdx(cut), cut, /corrupt gzip stream/);
      const garbled = Uint8Array.from(z);
      for (let i = 10; i < garbled.length - 8; i++) garbled[i] ^= 0x5a;
      const bad = write('garbled.gz', garbled);
      expectFormatError(() => data.readIdx(bad), bad, /corrupt gzip stream/);
    });

    it('a missing file', () => {
      const path = join(dir, 'does-not-exist.idx');
      expectFormatError(() => data.readIdx(path), path, /does-not-exist\.idx: file not found \(working directory /);
      expect(() => data.readIdx(path)).toThrow(`(working directory ${process.cwd()})`);
    });

    it('loadText: a missing file, naming the file and the working directory', () => {
      const path = join(dir, 'missing.txt');
      expect(() => data.loadText(path)).toThrow(FormatError);
      expect(() => data.loadText(path)).toThrow(`loadText: '${path}': file not found (working directory ${process.cwd()})`);
    });

    it('parseIdx names the label it is given', () => {
      expectFormatError(() => data.parseIdx(new Uint8Array([1, 2, 3, 4]), 'in-memory.idx'), 'in-memory.idx', /wrong magic/);
    });
  });

  it('encodeIdx checks that the dims match the values', () => {
    expect(() => data.encodeIdx({ dtype: 'ubyte', shape: [2, 2], data: [1, 2, 3] })).toThrow(/encodeIdx: dims \[2, 2\] hold 4 values, data has 3/);
  });
});
