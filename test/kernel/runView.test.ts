import { describe, expect, it } from 'vitest';
import { TrainingRun } from '../../src';
import { MIME, type RunPayload } from '../../kernel/protocol';
import { downsampleSteps, runBundle, runFigure, runPayload, runFraction, LONG_RUN_EPOCHS } from '../../kernel/src/runView';
import { setLiveRunState } from '../../kernel/src/registry';

function makeRun(): TrainingRun {
  const run = new TrainingRun('mlp', { lr: 0.1, epochs: 2, optimizer: { name: 'sgd' } }, 2);
  for (let i = 0; i < 10; i++) run.stepLosses.push(2 - i * 0.1);
  run.epochs.push({ epoch: 1, trainLoss: 1.8, trainAccuracy: 0.5, valLoss: 1.7, valAccuracy: 0.55, lr: 0.1, samplesPerSec: 1000, seconds: 1 });
  run.epochs.push({ epoch: 2, trainLoss: 1.3, trainAccuracy: 0.7, valLoss: NaN, valAccuracy: null, lr: 0.1, samplesPerSec: 1100, seconds: 0.9 });
  run.status = 'completed';
  run.endedAt = new Date();
  return run;
}

describe('downsampleSteps', () => {
  it('bucket-averages to at most maxPoints, x in epochs', () => {
    const d = downsampleSteps([1, 2, 3, 4, 5, 6], 3, 3);
    expect(d.loss).toEqual([1.5, 3.5, 5.5]);
    expect(d.x).toEqual([0.5, 7 / 6, 11 / 6]);
    expect(downsampleSteps([1, NaN, 3], 10, null)).toEqual({ x: [1, 3], loss: [1, 3] });
  });
});

describe('long runs', () => {
  function longRun(epochs: number, perEpoch: number): TrainingRun {
    const run = new TrainingRun('long', {}, epochs);
    for (let i = 0; i < epochs * perEpoch; i++) run.stepLosses.push(2 / Math.sqrt(1 + i));
    for (let e = 1; e <= epochs; e++) run.epochs.push({ epoch: e, trainLoss: 2 / e, trainAccuracy: null, valLoss: null, valAccuracy: null, lr: 0.1, samplesPerSec: 1, seconds: 1 });
    run.status = 'completed';
    return run;
  }

  it('keeps the early epochs readable: log-scaled x and log-spaced step buckets from LONG_RUN_EPOCHS on', () => {
    const p = runPayload(longRun(50, 100));
    expect(p.steps.xScale).toBe('log');
    expect(p.steps.x.length).toBeLessThanOrEqual(400);
    const firstEpoch = p.steps.x.filter((x) => x <= 1).length;
    expect(firstEpoch).toBeGreaterThanOrEqual(50); // linear buckets would give 400 / 50 = 8
    expect(downsampleSteps(longRun(50, 100).stepLosses, 400, 100).x.filter((x) => x <= 1).length).toBe(8);
    // bucket centres strictly increase (no step counted twice)
    const edges = p.steps.x.map((x) => x * 100);
    expect(edges.every((x, i) => i === 0 || x > edges[i - 1])).toBe(true);
    const fig = runFigure(p);
    expect(fig.layout!.xaxis).toMatchObject({ type: 'log', title: 'epoch (log scale)' });
    expect(fig.layout!.yaxis2).toBeUndefined(); // no accuracy: no accuracy axis
    expect(runBundle(longRun(50, 100))['text/html']).toContain('data:image/svg+xml');
    const short = runPayload(longRun(LONG_RUN_EPOCHS - 1, 10));
    expect(short.steps.xScale).toBe('linear');
    expect(runFigure(short).layout!.xaxis!.type).toBeUndefined();
  });

  it('headlines the epoch mean of a live run, the last batch in brackets', () => {
    const run = new TrainingRun('live', {}, 3);
    setLiveRunState(run, {
      progress: { epoch: 2, totalEpochs: 3, batch: 5, batchesPerEpoch: 10, samplesSeen: 480, samplesPerSec: 320, elapsedSec: 1.5, etaSec: 1, loss: 1.024, epochLoss: 0.45 },
      stepsPerEpoch: 10, updates: 3, displayMs: 4, startedMs: performance.now() - 200, endedMs: null,
    });
    expect(runBundle(run)['text/plain']).toContain('· loss 0.45 (epoch mean; last batch 1.024)');
  });
});

describe('runPayload', () => {
  it('carries history, hyperparameters (JSON-safe) and steps per epoch', () => {
    const p = runPayload(makeRun());
    expect(p).toMatchObject({ kind: 'run', name: 'mlp', status: 'completed', totalEpochs: 2, progress: null, display: null });
    expect(p.hyperparameters).toEqual({ lr: 0.1, epochs: 2, optimizer: 'Object' });
    expect(p.steps).toMatchObject({ count: 10, stepsPerEpoch: 5 });
    expect(p.epochs[1]).toMatchObject({ valLoss: null, valAccuracy: null, trainAccuracy: 0.7 });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
    expect(runFraction(p)).toBe(1);
  });

  it('uses the live progress when the run is displayed live', () => {
    const run = new TrainingRun('live', {}, 3);
    run.stepLosses.push(1, 0.9);
    setLiveRunState(run, {
      progress: { epoch: 1, totalEpochs: 3, batch: 2, batchesPerEpoch: 10, samplesSeen: 64, samplesPerSec: 320, elapsedSec: 0.2, etaSec: 2.8, loss: 0.9 },
      stepsPerEpoch: 10, updates: 3, displayMs: 4, startedMs: performance.now() - 200, endedMs: null,
    });
    const p = runPayload(run);
    expect(runFraction(p)).toBeCloseTo(2 / 30);
    expect(p.display!.updates).toBe(3);
    expect(p.steps.x).toEqual([0.1, 0.2]);
    const text = runBundle(run)['text/plain'] as string;
    expect(text).toContain('epoch 1/3 · batch 2/10 · 320 samples/s · elapsed 0:00 · ETA 0:03 · loss 0.9');
  });
});

describe('runFigure and runBundle', () => {
  it('plots step losses, epoch losses and accuracies on a second axis', () => {
    const fig = runFigure(runPayload(makeRun()));
    expect(fig.data.map((t) => t.name)).toEqual(['train loss (steps)', 'train loss', 'val loss', 'train acc', 'val acc']);
    expect(fig.data[2].y).toEqual([1.7]);
    expect(fig.data[3]).toMatchObject({ yaxis: 'y2', x: [1, 2], y: [0.5, 0.7] });
    expect(fig.layout!.yaxis2).toMatchObject({ range: [0, 1] });
  });

  it('has text, HTML with a static chart, plotly and run JSON; the static SVG and PNG on request', () => {
    const run = makeRun();
    const b = runBundle(run);
    expect(Object.keys(b).sort()).toEqual([MIME.plotly, MIME.run, 'text/html', 'text/plain'].sort());
    expect(b['text/html']).toContain('data:image/svg+xml;base64,');
    expect(b['text/html']).toContain('completed');
    expect(b['text/plain']).toMatch(/Run 'mlp' \(run-[0-9a-z]{4}-\d+\): completed, 2\/2 epoch\(s\), 10 step\(s\)/);
    expect((b[MIME.run] as RunPayload).epochs).toHaveLength(2);
    const final = runBundle(run, { staticImage: true });
    expect(final['image/svg+xml']).toMatch(/^<svg/);
    expect(Buffer.from(final['image/png'] as string, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(b['image/png']).toBeUndefined();
    expect(JSON.stringify(final).length).toBeLessThan(150_000);
  });

  it('stays small for a long run', () => {
    const run = new TrainingRun('long', {}, 1);
    for (let i = 0; i < 100_000; i++) run.stepLosses.push(Math.exp(-i / 1e4));
    const p = runPayload(run, { maxPoints: 400 });
    expect(p.steps.loss.length).toBeLessThanOrEqual(400);
    expect(JSON.stringify(runBundle(run)).length).toBeLessThan(150_000);
  });
});
