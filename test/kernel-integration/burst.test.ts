/**
 * A burst of execute requests against the real kernel: 200 cells sent at once
 * (what "Run All" on a long notebook or a client library does) all run, in
 * order, and every message the kernel sends for them arrives.
 * NOTE: before the kernel queued its sends, 117 of 200 cells replied
 * "Socket is busy writing" and 5 got no reply at all.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV, HERE, PYTHON, ensureKernel, newProjectFolder, removeProjectFolders } from './helpers';

interface Burst {
  sent: string[];
  replies: { parent: string; status: string; execution_count: number | null; ename?: string; evalue?: string }[];
  streams: Record<string, string>;
  idle: string[];
  seconds: number;
}

const N = 200;
let burst: Burst;

beforeAll(async () => {
  ensureKernel();
  const cwd = newProjectFolder('burst');
  const out = join(cwd, 'burst.json');
  // NOTE: spawned asynchronously: a synchronous wait of minutes starves vitest's worker RPC.
  const child = spawn(PYTHON, [join(HERE, 'burst.py'), out], { env: ENV, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(JSON.stringify({ kernel: 'nnlab', cwd, n: N, timeout: 180 }));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`burst.py failed (${status}):\n${stderr}`);
  burst = JSON.parse(readFileSync(out, 'utf8')) as Burst;
}, 260_000);
afterAll(removeProjectFolders);

describe(`${N} execute requests sent at once`, () => {
  it('every cell replies ok', () => {
    const failed = burst.replies.filter((r) => r.status !== 'ok');
    expect(failed.slice(0, 3)).toEqual([]);
    expect(burst.replies).toHaveLength(N);
  });

  it('replies come in the order the cells were sent, numbered 1..N', () => {
    expect(burst.replies.map((r) => r.parent)).toEqual(burst.sent);
    expect(burst.replies.map((r) => r.execution_count)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });

  it("every cell's output and idle status arrive", () => {
    const wrong = burst.sent.map((id, i) => ({ cell: i, got: burst.streams[id] ?? null })).filter((c) => c.got !== `cell ${c.cell}\n`);
    expect(wrong.slice(0, 3), `${wrong.length} cells without their own output (in ${burst.seconds.toFixed(0)} s)`).toEqual([]);
    expect(burst.idle).toHaveLength(N);
  });
});
