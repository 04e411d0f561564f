/** Temp files left by writers that died mid-write are removed by the next save to the same target. */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { randn } from '../../src';
import { save, load, writeFileAtomic } from '../../src/io';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-stale-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe('stale temporary files', () => {
  it('a save removes the temp files of dead writers for that target, and keeps live ones and other targets', async () => {
    const target = path.join(dir, 'model.safetensors');
    const dead = `.model.safetensors.${deadPid()}.0123456789ab.tmp`;
    const live = `.model.safetensors.${process.pid}.ba9876543210.tmp`;
    const other = `.other.safetensors.${deadPid()}.0123456789ab.tmp`;
    for (const f of [dead, live, other]) writeFileSync(path.join(dir, f), 'partial');
    await writeFileAtomic(target, Uint8Array.of(1, 2, 3));
    expect(readdirSync(dir).sort()).toEqual([live, other, 'model.safetensors'].sort());
  });

  it('a writer killed with SIGKILL mid-write 5 times leaves nothing once the parent saves', async () => {
    const target = path.join(dir, 'big.safetensors');
    // The child runs nnlab's own writer, bundled to plain JavaScript (node runs no TypeScript).
    const src = path.join(dir, 'atomic.mjs');
    buildSync({ entryPoints: [path.resolve(__dirname, '../../src/io/atomic.ts')], bundle: true, platform: 'node', format: 'esm', outfile: src, logLevel: 'error' });
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(src)});
      const chunk = new Uint8Array(1 << 20);
      function* chunks() { for (let i = 0; i < 256; i++) yield chunk; }
      console.log('go');
      for (;;) await writeFileAtomic(${JSON.stringify(target)}, chunks());
    `;
    for (let k = 0; k < 5; k++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      // Wait until its temp file exists, then kill it mid-write.
      const t0 = Date.now();
      while (!readdirSync(dir).some((f) => f.endsWith('.tmp')) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 30));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const left = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    expect(left.length, readdirSync(dir).join(' ')).toBeGreaterThan(0);
    const w = randn([16, 16]);
    await save({ w }, target);
    expect(readdirSync(dir).sort()).toEqual(['atomic.mjs', 'big.safetensors']);
    expect((await load(target)).get('w')!.toFlatArray()).toEqual(w.toFlatArray());
  }, 60_000);
});
