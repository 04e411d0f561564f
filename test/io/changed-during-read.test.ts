/**
 * A weights file rewritten in place by another process while nnlab loads it
 * (nnlab's own saves are atomic renames, other programs' may not be): every
 * load gives exactly one version of the file, or a FormatError naming the
 * file, never a silent mix of two versions. NOTE: with the size/mtime check
 * alone, 13 of 150 to 158 of 400 loads here were mixes: a read between the writer's two
 * halves saw the mtime its first half had set; a file modified less than 50 ms
 * before the read is now looked at again after that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError, full } from '../../src';
import { encodeSafetensors, loadSafetensors } from '../../src/io';

const LOADS = 150;
let dir: string;
let writer: ChildProcess;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-rewrite-'));
  file = path.join(dir, 'weights.safetensors');
  // Two versions of one model, the same size: every value of version k is k.
  for (const k of [1, 2]) writeFileSync(path.join(dir, `v${k}`), encodeSafetensors({ 'fc.weight': full([64, 64], k), 'fc.bias': full([64], k) }));
  writeFileSync(file, encodeSafetensors({ 'fc.weight': full([64, 64], 1), 'fc.bias': full([64], 1) }));
  // The other program: rewrites the file in place, without truncating, in two halves a few
  // milliseconds apart (as a program writing tensor by tensor does), alternating versions.
  writer = spawn(process.execPath, ['-e', `
    const fs = require('fs');
    const [v1, v2, target] = process.argv.slice(1);
    const versions = [fs.readFileSync(v1), fs.readFileSync(v2)];
    const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    for (let i = 0; ; i++) {
      if (i === 1) process.stdout.write('rewriting\\n');
      const bytes = versions[i % 2], half = bytes.length >> 1;
      const fd = fs.openSync(target, 'r+');
      fs.writeSync(fd, bytes, 0, half, 0);
      pause(3);
      fs.writeSync(fd, bytes, half, bytes.length - half, half);
      fs.closeSync(fd);
      pause(5 + 10 * (i % 8));
    }
  `, path.join(dir, 'v1'), path.join(dir, 'v2'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    writer.stdout!.once('data', () => resolve());
    writer.once('exit', (code) => reject(new Error(`the rewriting process exited (${code}) before it started`)));
  });
});
afterAll(() => {
  writer?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a file rewritten in place during loads', () => {
  it(`${LOADS} loads: each one version whole, or a FormatError naming the file; never a mix`, async () => {
    const outcomes = { whole: 0, refused: 0, changedWhileRead: 0 };
    const mixed: string[] = [];
    for (let i = 0; i < LOADS; i++) {
      try {
        const w = await loadSafetensors(file);
        const values = new Set([...w.get('fc.weight')!.values(), ...w.get('fc.bias')!.values()]);
        if (values.size === 1) outcomes.whole++;
        else mixed.push(`load ${i}: values ${[...values].join(', ')}`);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        expect(e.message.startsWith(`safetensors: ${file}: `)).toBe(true);
        outcomes.refused++;
        if (/changed while it was read|shrank while it was read/.test(e.message)) outcomes.changedWhileRead++;
      }
    }
    console.log(`in-place rewrites during ${LOADS} loads: ${JSON.stringify(outcomes)}, ${mixed.length} mixed`);
    expect(mixed).toEqual([]);
    // The writer really raced the loads (else this test proves nothing).
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.whole + outcomes.refused).toBe(LOADS);
  });
});
