import { afterEach, describe, expect, it } from 'vitest';
import { Sequential, Linear, ReLU, randn, manualSeed, optim, data, type Tensor } from '../../src';
import { MIME, type RunPayload } from '../../kernel/protocol';
import { setDisplaySink, type DisplayMessage } from '../../kernel/src/display';
import { liveFit, displayStats } from '../../kernel/src/live';
import { interruptState, requestInterrupt, lastInput } from '../../kernel/src/registry';
import { fmtNum } from '../../kernel/src/format';

afterEach(() => setDisplaySink(null));

function problem() {
  manualSeed(1);
  const x = randn([256, 8]);
  const y = x.matmul(randn([8, 3])).argmax(1);
  const model = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 3));
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32, shuffle: true });
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
  return { x, model, loader, optimizer };
}

function capture(): [DisplayMessage, boolean][] {
  const messages: [DisplayMessage, boolean][] = [];
  setDisplaySink((m, u) => messages.push([m, u]));
  return messages;
}

describe('liveFit', () => {
  it('shows one output per run and replaces it in place, the last update with a static chart', async () => {
    const { model, loader, optimizer } = problem();
    const messages = capture();
    const seen: number[] = [];
    const run = await liveFit(model, { trainLoader: loader, valLoader: loader, optimizer, epochs: 3, name: 'toy', minIntervalMs: 1e9, onEpochEnd: (r) => seen.push(r.epoch) });
    expect(run.status).toBe('completed');
    expect(seen).toEqual([1, 2, 3]);
    // initial display, the first batch, one update per epoch end, the final update
    expect(messages.map(([, u]) => u)).toEqual([false, true, true, true, true, true]);
    const ids = new Set(messages.map(([m]) => m.transient.display_id));
    expect(ids.size).toBe(1);
    const last = messages[messages.length - 1][0].data;
    expect(last['image/svg+xml']).toMatch(/^<svg/);
    expect(last['image/png']).toMatch(/^iVBORw0KGgo/); // base64 of the PNG signature
    expect(messages[1][0].data['image/svg+xml']).toBeUndefined();
    expect(messages[1][0].data['image/png']).toBeUndefined();
    const payload = last[MIME.run] as RunPayload;
    expect(payload).toMatchObject({ name: 'toy', status: 'completed', totalEpochs: 3 });
    expect(payload.hyperparameters).toEqual({ epochs: 3, lr: 0.1, optimizer: 'SGD', batchSize: 32 });
    expect(payload.epochs).toHaveLength(3);
    expect(payload.epochs[2].valAccuracy).toBeGreaterThan(0.5);
    expect(payload.progress).toMatchObject({ epoch: 3, batch: 8, batchesPerEpoch: 8, totalEpochs: 3 });
    expect(last[MIME.plotly]).toBeDefined();
    expect(lastInput(model)!.shape).toEqual([32, 8]);
    const stats = displayStats(run)!;
    expect(stats.updates).toBe(5);
    expect(stats.overhead).toBeGreaterThan(0);
    expect(stats.overhead).toBeCloseTo(stats.displaySeconds / stats.trainSeconds, 6);
  });

  it('headlines the running mean of the epoch, weighted by batch size, not the last batch', async () => {
    const { model, loader, optimizer } = problem();
    const messages = capture();
    const batches: { epoch: number; loss: number; n: number }[] = [];
    let seen = 0;
    const run = await liveFit(model, {
      trainLoader: loader, optimizer, epochs: 2, minIntervalMs: 0, maxOverhead: Infinity,
      onBatchEnd: (b) => {
        batches.push({ epoch: b.epoch, loss: b.loss, n: b.samplesSeen - seen });
        seen = b.samplesSeen;
      },
    });
    // an update per batch: the headline after batch k of epoch e is the weighted mean of its first k losses
    const updates = messages.map(([m]) => m.data[MIME.run] as RunPayload).filter((p) => p?.progress && p.status === 'running');
    expect(updates.length).toBeGreaterThanOrEqual(16);
    for (const p of updates.slice(0, 16)) {
      const g = p.progress!;
      const mine = batches.filter((b) => b.epoch === g.epoch).slice(0, g.batch);
      const mean = mine.reduce((a, b) => a + b.loss * b.n, 0) / mine.reduce((a, b) => a + b.n, 0);
      expect(g.epochLoss).toBeCloseTo(mean, 6);
      expect(g.loss).toBe(mine[mine.length - 1].loss);
    }
    // at the end of an epoch the headline is exactly that epoch's train loss
    const last = messages[messages.length - 1][0].data[MIME.run] as RunPayload;
    expect(last.progress!.epochLoss).toBeCloseTo(run.epochs[1].trainLoss, 6);
    expect(last.progress!.epochLoss).not.toBe(last.progress!.loss);
    const text = messages[messages.length - 1][0].data['text/plain'] as string;
    expect(text).toContain(`loss ${fmtNum(last.progress!.epochLoss!)} (epoch mean; last batch ${fmtNum(last.progress!.loss)})`);
    // no accuracy axis before there is an accuracy (the first batch), one after the first epoch
    expect(JSON.stringify(messages[1][0].data[MIME.plotly])).not.toContain('yaxis2');
    expect(JSON.stringify(messages[messages.length - 1][0].data[MIME.plotly])).toContain('yaxis2');
  });

  it('updates at most every minIntervalMs between epoch ends', async () => {
    const { model, loader, optimizer } = problem();
    const messages = capture();
    await liveFit(model, { trainLoader: loader, optimizer, epochs: 2, minIntervalMs: 0, maxOverhead: Infinity });
    // every batch may update now: 16 batches + 2 epoch ends + initial + final
    expect(messages.length).toBe(20);
  });

  it('stops after the current batch on an interrupt, keeping the run and consistent weights', async () => {
    const { x, model, loader, optimizer } = problem();
    capture();
    let answer = '';
    const run = await liveFit(model, {
      trainLoader: loader, optimizer, epochs: 5,
      onBatchEnd: (info) => {
        if (info.step === 5) answer = requestInterrupt();
      },
    });
    expect(answer).toBe('graceful');
    expect(run.status).toBe('interrupted');
    expect(run.stepLosses).toHaveLength(5);
    expect(run.epochs).toHaveLength(1);
    expect(model.parameters().every((p) => p.values().every(Number.isFinite))).toBe(true);
    expect((model.forward(x) as Tensor).values().every(Number.isFinite)).toBe(true);
    expect(interruptState()).toMatchObject({ activeTrainings: 0, gracefulPending: false });
    // With no training in progress, an interrupt is for the cell.
    expect(requestInterrupt()).toBe('abort');
  });

  it('marks a failed run and still closes its display', async () => {
    const { model, loader, optimizer } = problem();
    const messages = capture();
    await expect(liveFit(model, { trainLoader: loader, optimizer, lossFn: () => randn([]).mul(NaN) })).rejects.toThrow(/the loss became NaN at step 1/);
    const last = messages[messages.length - 1][0].data[MIME.run] as RunPayload;
    expect(last.status).toBe('failed');
    expect(last.error).toMatch(/NaN/);
  });
});
