/** A gzip bomb behind a small IDX header must stop at the declared size, with bounded memory and a named error. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError } from '../../src';
import { readIdx, loadFashionMNIST } from '../../src/data';
import { idxGzipBomb } from '../../scripts/fuzz/corpus';

let dir: string;
let bomb: Uint8Array;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-bomb-'));
  bomb = await idxGzipBomb(1 << 30);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readIdx on a gzip bomb', () => {
  it('stops at the size the header declares, with a FormatError naming the file and the sizes, in bounded memory', () => {
    expect(bomb.length).toBeLessThan(2_000_000);
    const file = path.join(dir, 'bomb-idx1-ubyte.gz');
    writeFileSync(file, bomb);
    const before = process.memoryUsage();
    const t0 = performance.now();
    let err: unknown;
    try {
      readIdx(file);
    } catch (e) {
      err = e;
    }
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(file);
    expect((err as Error).message).toMatch(new RegExp(`readIdx: ${file}: the ${bomb.length}-byte gzip stream inflates to more than \\d+ bytes, but its IDX header declares 18 bytes`));
    expect(after.rss - before.rss).toBeLessThan(200e6);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(200e6);
    expect(ms).toBeLessThan(5000);
  });

  it('loadFashionMNIST({ dir }) fails the same way', () => {
    const d = path.join(dir, 'fm');
    mkdirSync(d);
    writeFileSync(path.join(d, 't10k-images-idx3-ubyte.gz'), bomb);
    writeFileSync(path.join(d, 't10k-labels-idx1-ubyte.gz'), bomb);
    expect(() => loadFashionMNIST({ dir: d, split: 'test' })).toThrow(/t10k-images-idx3-ubyte\.gz: the \d+-byte gzip stream inflates to more than/);
  });
});
