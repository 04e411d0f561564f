/**
 * Live training displays, queries during training and interrupts, on the
 * real nnlab kernel, message by message (kernel_session.py).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIME, QUERY_MAGIC, type QueryPayload, type ListResult, type RunPayload } from '../../kernel/protocol';
import { ensureKernel, newProjectFolder, removeProjectFolders, runCells, type CellResult } from './helpers';

const SETUP = `import * as nn from 'nnlab';
import { liveFit, displayStats } from 'nnlab/kernel';
nn.manualSeed(0);
const x = nn.randn([32768, 64]);
const y = x.matmul(nn.randn([64, 10])).argmax(1);
const trainLoader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 64, shuffle: true });
const valLoader = new nn.data.DataLoader(new nn.data.TensorDataset(x.narrow(0, 0, 1024), y.narrow(0, 0, 1024)), { batchSize: 256 });
const model = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 10));
const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });`;

let cells: CellResult[];

afterAll(removeProjectFolders);

beforeAll(() => {
  ensureKernel();
  cells = runCells([
    { code: SETUP },
    { code: "const run = await liveFit(model, { trainLoader, valLoader, optimizer, epochs: 4, name: 'overhead' });", queries: [{ at: 1.0, code: `${QUERY_MAGIC} {"op": "list"}` }] },
    { code: 'JSON.stringify(displayStats(run))' },
    { code: "const run2 = await liveFit(model, { trainLoader, optimizer, epochs: 1000, name: 'long' });", interrupt_after: 2.5 },
    { code: 'JSON.stringify([run2.status, run2.stepLosses.length, run2.epochs.length, model.parameters().every((p) => p.values().every(Number.isFinite))])' },
    { code: 'const run3 = await nn.fit(model, { trainLoader, optimizer, epochs: 1000 });', interrupt_after: 2.0 },
    { code: 'JSON.stringify([run3.status, run3.epochs.length])' },
    { code: 'await new Promise((resolve) => (globalThis as any).setTimeout(resolve, 20000));', interrupt_after: 1.0 },
    { code: "'still alive'" },
    { code: 'let spins = 0; while (true) spins++;', interrupt_after: 1.0 },
    { code: "'alive after a synchronous interrupt'" },
  ], newProjectFolder('kernel-train'));
}, 240_000);

const updates = (c: CellResult) => c.messages.filter((m) => m.type === 'update_display_data');
const result = (c: CellResult) => {
  const r = c.messages.find((m) => m.type === 'execute_result');
  if (!r) throw new Error(`no execute_result: ${JSON.stringify(c.messages).slice(0, 500)}`);
  return r.content.data['text/plain'] as string;
};

describe('liveFit in the kernel', () => {
  it('shows one output, replaced in place, the final update with a static chart', () => {
    const c = cells[1];
    expect(c.reply.status).toBe('ok');
    const displays = c.messages.filter((m) => m.type === 'display_data');
    expect(displays).toHaveLength(1);
    expect(c.messages.some((m) => m.type === 'clear_output')).toBe(false);
    const id = displays[0].content.transient.display_id;
    const ups = updates(c);
    expect(ups.length).toBeGreaterThanOrEqual(5);
    expect(ups.every((m) => m.content.transient.display_id === id)).toBe(true);
    const last = ups[ups.length - 1].content.data;
    expect(last['image/svg+xml']).toMatch(/^<svg/);
    expect(Object.keys(last)).toEqual(expect.arrayContaining([MIME.run, MIME.plotly, 'text/html', 'text/plain']));
    expect(last[MIME.run]).toMatchObject({ name: 'overhead', status: 'completed', totalEpochs: 4 });
    expect(last[MIME.run].epochs).toHaveLength(4);
    expect(ups.slice(0, -1).every((m) => m.content.data['image/svg+xml'] === undefined)).toBe(true);
  });

  it('keeps the display under 5% of the training time', () => {
    const stats = JSON.parse(result(cells[2]));
    const ups = updates(cells[1]).length;
    console.log(`live display: ${stats.updates} updates, ${(stats.displaySeconds * 1000).toFixed(1)} ms of ${stats.trainSeconds.toFixed(2)} s training = ${(100 * stats.overhead).toFixed(2)}%`);
    expect(stats.updates).toBe(ups);
    expect(stats.trainSeconds).toBeGreaterThan(0.5);
    expect(stats.overhead).toBeLessThan(0.05);
    // throttled: about one update per 250 ms, plus epoch ends
    expect(ups).toBeLessThanOrEqual(Math.ceil(stats.trainSeconds / 0.25) + 4 + 2);
  });

  it('answers a silent query while the cell is training', () => {
    const [q] = cells[1].queries;
    expect(q.reply.status).toBe('ok');
    expect(q.t_reply).toBeLessThan(cells[1].t_reply);
    const payload = q.messages.find((m) => m.type === 'display_data')!.content.data[MIME.query] as QueryPayload;
    expect(payload.ok).toBe(true);
    const list = (payload as { result: ListResult }).result;
    const run = list.runs.find((r: RunPayload) => r.name === 'overhead')!;
    expect(run.status).toBe('running');
    expect(run.progress!.batch).toBeGreaterThan(0);
    expect(list.models.map((m) => m.name)).toContain('model');
  });

  it('says busy again for the training cell after answering the query, so the kernel does not look idle', () => {
    const statuses = cells[1].statuses as string[];
    expect(statuses.filter((s) => s === 'busy').length).toBeGreaterThanOrEqual(2);
    expect(statuses[statuses.length - 1]).toBe('idle');
  });
});

describe('interrupting the kernel', () => {
  it('stops liveFit after the current batch; the cell ends normally with the run marked interrupted', () => {
    const c = cells[3];
    expect(c.reply.status).toBe('ok');
    const stderr = c.messages.filter((m) => m.type === 'stream' && m.content.name === 'stderr').map((m) => m.content.text).join('');
    expect(stderr).toContain('KeyboardInterrupt: training stops after the current batch');
    const ups = updates(c);
    expect(ups[ups.length - 1].content.data[MIME.run].status).toBe('interrupted');
    const [status, steps, epochs, finite] = JSON.parse(result(cells[4]));
    expect(status).toBe('interrupted');
    expect(steps).toBeGreaterThan(0);
    expect(epochs).toBeGreaterThanOrEqual(1);
    expect(finite).toBe(true);
  });

  it('stops plain nn.fit too', () => {
    expect(cells[5].reply.status).toBe('ok');
    expect(JSON.parse(result(cells[6]))[0]).toBe('interrupted');
  });

  it('interrupts a cell that is not training, and the kernel goes on', () => {
    const c = cells[7];
    expect(c.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    expect(c.seconds).toBeLessThan(10);
    expect(c.messages.some((m) => m.type === 'error')).toBe(true);
    expect(result(cells[8])).toBe('still alive');
  });

  it('reports KeyboardInterrupt for a synchronous cell stopped by an interrupt, as kernel/README.md says', () => {
    const c = cells[9];
    expect(c.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    expect(c.seconds).toBeLessThan(10);
    expect(result(cells[10])).toBe('alive after a synchronous interrupt');
  });
});
