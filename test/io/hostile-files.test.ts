/** Hostile safetensors files: refused by name, before they cost time or memory out of proportion to the file. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError } from '../../src';
import { loadSafetensors, MAX_TENSORS } from '../../src/io';
import { withHeader } from '../../scripts/fuzz/corpus';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function expectRejected(file: string, pattern: RegExp): Promise<void> {
  let err: unknown;
  try {
    await loadSafetensors(file);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).file).toBe(file);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message.startsWith(`safetensors: ${file}: `)).toBe(true);
}

describe('hostile safetensors files', () => {
  it('a header of more than MAX_TENSORS empty tensors is refused fast, in memory a small multiple of the file', async () => {
    const n = MAX_TENSORS + 50_000;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const bytes = withHeader(`{${parts.join(',')}}`);
    const file = path.join(dir, 'many.safetensors');
    writeFileSync(file, bytes);
    const before = process.memoryUsage();
    const t0 = performance.now();
    await expectRejected(file, new RegExp(`lists ${n} entries, more than the ${MAX_TENSORS} tensors`));
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    expect(ms).toBeLessThan(3000);
    expect(after.rss - before.rss).toBeLessThan(6 * bytes.length + 50e6);
  });

  it('a deeply nested header is refused before JSON.parse', async () => {
    const depth = 1_000_000;
    const file = path.join(dir, 'nested.safetensors');
    writeFileSync(file, withHeader(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`));
    const before = process.memoryUsage().rss;
    await expectRejected(file, /nests brackets deeper than 4 levels/);
    expect(process.memoryUsage().rss - before).toBeLessThan(100e6);
  });

  it('a FIFO is refused by name without hanging', async () => {
    const file = path.join(dir, 'pipe.safetensors');
    execFileSync('mkfifo', [file]);
    await expectRejected(file, /not a regular file \(a FIFO \(named pipe\)\)/);
  });

  it('a directory is refused by name, not with a raw EISDIR', async () => {
    const file = path.join(dir, 'adir.safetensors');
    mkdirSync(file);
    await expectRejected(file, /not a regular file \(a directory\)/);
  });

  it('a missing file: not found, naming the file and the working directory', async () => {
    const file = path.join(dir, 'missing.safetensors');
    await expectRejected(file, new RegExp(`file not found \\(working directory ${process.cwd().replace(/[/.]/g, '\\$&')}\\)`));
  });
});

describe('NaN weights', () => {
  it('load warns once, naming the tensors that hold NaN', async () => {
    const { encodeSafetensors } = await import('../../src/io');
    const { tensor } = await import('../../src');
    const { vi } = await import('vitest');
    const file = path.join(dir, 'nan.safetensors');
    writeFileSync(file, encodeSafetensors({ ok: tensor([1, 2]), bad: tensor([1, NaN]), worse: tensor([NaN]), n: tensor([3], { dtype: 'int32' }) }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const w = await loadSafetensors(file);
      expect(w.size).toBe(4);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toBe(`load: ${file}: 2 tensors hold NaN values: bad, worse`);
    } finally {
      warn.mockRestore();
    }
  });
});
