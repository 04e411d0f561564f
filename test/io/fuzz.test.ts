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
import { Generator, FormatError } from '../../src';
import { decodeSafetensors, loadSafetensors } from '../../src/io';
import { corrupt, seedFiles } from '../../scripts/fuzz/corpus';

const CASES = 6000;
const FILE_CASES = 200;
const MAX_MS_PER_CASE = 250;

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
