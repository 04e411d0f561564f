import { describe, it, expect, vi } from 'vitest';
import * as nn from '../../src';

function xorLoader() {
  const x = nn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = nn.tensor([0, 1, 1, 0], { dtype: 'int32' });
  return new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 4 });
}

describe('fit', () => {
  it('trains, records every step and every epoch, and marks the run completed', async () => {
    nn.manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
    const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });
    const batches: number[] = [];
    const run = await nn.fit(model, {
      trainLoader: xorLoader(), valLoader: xorLoader(), optimizer, epochs: 200,
      onBatchEnd: (info) => batches.push(info.step),
    });
    expect(run.status).toBe('completed');
    expect(run.stepLosses).toHaveLength(200);
    expect(run.epochs).toHaveLength(200);
    expect(batches).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(run.epochs[199].valAccuracy).toBe(1);
    expect(run.epochs[199].trainLoss).toBeLessThan(run.epochs[0].trainLoss / 10);
    expect(run.bestEpoch()?.valAccuracy).toBe(1);
    expect(nn.runRegistry).toContain(run);
  });

  it('gives runs ids unique across kernels: a per-process random prefix, then a counter', async () => {
    const first = new nn.TrainingRun('a', {}, 1);
    const second = new nn.TrainingRun('b', {}, 1);
    const [, prefix, n] = /^run-([0-9a-z]{4})-(\d+)$/.exec(first.id) ?? [];
    expect(prefix, first.id).toBeDefined();
    expect(second.id).toBe(`run-${prefix}-${Number(n) + 1}`);
    // Another process (a restarted kernel) loads the module afresh: it counts from 1 again, under another prefix.
    vi.resetModules();
    const fresh = await import('../../src/train');
    const other = new fresh.TrainingRun('c', {}, 1).id;
    expect(other).toMatch(/^run-[0-9a-z]{4}-1$/);
    expect(other.slice(0, 8)).not.toBe(first.id.slice(0, 8));
  });

  it('reports a NaN loss with its step and keeps the run, marked failed', async () => {
    nn.manualSeed(2);
    const model = new nn.Sequential(new nn.Linear(2, 2));
    const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.1 });
    let calls = 0;
    const lossFn = (out: nn.Tensor, y: nn.Tensor) => {
      calls++;
      const loss = nn.F.crossEntropy(out, y);
      return calls === 3 ? loss.mul(NaN) : loss;
    };
    const run = new nn.TrainingRun('nan run', {}, 5);
    const promise = nn.fit(model, { trainLoader: xorLoader(), optimizer, epochs: 5, lossFn, run });
    await expect(promise).rejects.toThrow(/loss became NaN at step 3 \(epoch 3, batch 1\)/);
    await promise.catch((err) => {
      expect(err).toBeInstanceOf(nn.NonFiniteError);
      expect((err as nn.NonFiniteError).step).toBe(3);
    });
    expect(run.status).toBe('failed');
    expect(run.stepLosses).toHaveLength(2);
    expect(run.error).toMatch(/step 3/);
  });

  it('stops after the current batch when asked and marks the run interrupted', async () => {
    const model = new nn.Sequential(new nn.Linear(2, 2));
    const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.1 });
    let steps = 0;
    const run = await nn.fit(model, {
      trainLoader: xorLoader(), optimizer, epochs: 10,
      onBatchEnd: () => steps++, shouldStop: () => steps >= 4,
    });
    expect(run.status).toBe('interrupted');
    expect(run.stepLosses).toHaveLength(4);
    expect(run.epochs).toHaveLength(4);
  });

  it('asks registered stop sources after each batch and ends them when training ends', async () => {
    const model = new nn.Sequential(new nn.Linear(2, 2));
    const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.1 });
    let steps = 0, begun = 0, ended = 0;
    const remove = nn.addStopSource({ begin: () => (begun++, { shouldStop: () => steps >= 3, end: () => ended++ }) });
    try {
      const run = await nn.fit(model, { trainLoader: xorLoader(), optimizer, epochs: 10, onBatchEnd: () => steps++ });
      expect(run.status).toBe('interrupted');
      expect(run.stepLosses).toHaveLength(3);
      expect([begun, ended]).toEqual([1, 1]);
    } finally {
      remove();
    }
    const later = await nn.fit(model, { trainLoader: xorLoader(), optimizer, epochs: 4 });
    expect(later.status).toBe('completed');
    expect(begun).toBe(1);
  });

  it('accuracy checks shapes', () => {
    expect(nn.accuracy(nn.tensor([[0, 1], [1, 0], [0, 1]]), nn.tensor([1, 0, 0]))).toBeCloseTo(2 / 3);
    expect(() => nn.accuracy(nn.tensor([[0, 1]]), nn.tensor([1, 0]))).toThrow(/accuracy: expected logits \[N, C\] and labels \[N\], got \[1, 2\] and \[2\]/);
  });
});
