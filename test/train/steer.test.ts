/**
 * Steering a run while `fit` trains it: pause / resume / step / stop, and
 * hyperparameter changes that act on the next step, checked against SGD
 * updates computed by hand (in float32, as the optimiser does).
 */
import { describe, it, expect } from 'vitest';
import * as nn from '../../src';

/** 8 samples of a 3 → 2 regression, in batches of 2 (4 steps an epoch), not shuffled. */
function loader() {
  nn.manualSeed(7);
  const x = nn.randn([8, 3]);
  const y = nn.randn([8, 2]);
  return new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 2 });
}

function model(seed = 3): nn.Sequential {
  nn.manualSeed(seed);
  return new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
}

const mse = (out: nn.Tensor, y: nn.Tensor) => nn.F.mseLoss(out, y);

function weights(m: nn.Module): Float32Array[] {
  return m.parameters().map((p) => Float32Array.from(p.values() as Float32Array));
}
function grads(m: nn.Module): Float32Array[] {
  return m.parameters().map((p) => Float32Array.from(p.grad!.values() as Float32Array));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (giving the event loop turns) until `cond` holds, up to 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('steering a training run', () => {
  it('pause() holds training between batches without blocking the event loop; step() trains one batch; resume() goes on', async () => {
    const m = model();
    const optimizer = new nn.optim.SGD(m.parameters(), { lr: 0.1 });
    const training = nn.fit(m, {
      trainLoader: loader(), optimizer, epochs: 3, lossFn: mse,
      onBatchEnd: (info, run) => {
        if (info.step === 3) run.pause();
      },
    });
    const run = training.run;
    expect(run).toBeInstanceOf(nn.TrainingRun);
    const heard: string[] = [];
    const off = run.onEvent((e, r) => heard.push(`${e.kind}@${e.step}:${r.status}`));
    await until(() => run.status === 'paused' && run.stepLosses.length === 3, 'the pause at step 3');
    // NOTE: timers fire while the loop is paused (it awaits, it does not spin): no step is taken meanwhile.
    await sleep(120);
    expect(run.stepLosses).toHaveLength(3);
    expect(run.state).toBe('paused');
    const before = weights(m);
    run.step();
    await until(() => run.stepLosses.length === 4, 'the single step');
    await sleep(60);
    expect(run.stepLosses).toHaveLength(4);
    expect(run.status).toBe('paused');
    expect(weights(m)).not.toEqual(before);
    run.step();
    run.step();
    await until(() => run.stepLosses.length === 6, 'two more steps');
    await sleep(60);
    expect(run.stepLosses).toHaveLength(6);
    off();
    run.resume();
    const done = await training;
    expect(heard).toEqual(['pause@3:paused', 'step@3:paused', 'step@4:paused', 'step@4:paused']);
    expect(done).toBe(run);
    expect(run.status).toBe('completed');
    expect(run.stepLosses).toHaveLength(12);
    expect(run.epochs).toHaveLength(3);
    expect(run.events.map((e) => [e.kind, e.step, e.epoch])).toEqual([
      ['pause', 3, 1], ['step', 3, 1], ['step', 4, 2], ['step', 4, 2], ['resume', 6, 2],
    ]);
    expect(run.events.every((e) => e.timeMs >= 0 && e.value === undefined)).toBe(true);
    expect(run.finished).toBe(true);
  });

  it('pause and resume called twice are no-ops, recorded once', async () => {
    const m = model();
    const run = new nn.TrainingRun('twice', {}, 1);
    const training = nn.fit(m, { trainLoader: loader(), optimizer: new nn.optim.SGD(m.parameters(), { lr: 0.1 }), lossFn: mse, run });
    run.pause();
    run.pause();
    await sleep(30);
    expect(run.stepLosses).toHaveLength(0);
    run.resume();
    run.resume();
    await training;
    expect(run.events.map((e) => e.kind)).toEqual(['pause', 'resume']);
    expect(run.stepLosses).toHaveLength(4);
  });

  it("stop() ends the run 'stopped' with the weights bit-equal to those after its last completed step", async () => {
    // The reference: the same training ended by shouldStop after step 6.
    const ref = model();
    let refSteps = 0;
    const refRun = await nn.fit(ref, {
      trainLoader: loader(), optimizer: new nn.optim.SGD(ref.parameters(), { lr: 0.1, momentum: 0.9 }), epochs: 5, lossFn: mse,
      onBatchEnd: () => refSteps++, shouldStop: () => refSteps >= 6,
    });
    expect(refRun.status).toBe('interrupted');
    expect(refRun.stepLosses).toHaveLength(6);

    // Stopped from inside a callback at step 6.
    const a = model();
    const runA = await nn.fit(a, {
      trainLoader: loader(), optimizer: new nn.optim.SGD(a.parameters(), { lr: 0.1, momentum: 0.9 }), epochs: 5, lossFn: mse,
      onBatchEnd: (info, run) => info.step === 6 && run.stop(),
    });
    expect(runA.status).toBe('stopped');
    expect(runA.stepLosses).toEqual(refRun.stepLosses);
    expect(weights(a)).toEqual(weights(ref));

    // Stopped from outside (a timer) while paused at step 6.
    const b = model();
    const training = nn.fit(b, {
      trainLoader: loader(), optimizer: new nn.optim.SGD(b.parameters(), { lr: 0.1, momentum: 0.9 }), epochs: 5, lossFn: mse,
      onBatchEnd: (info, run) => info.step === 6 && run.pause(),
    });
    await until(() => training.run.status === 'paused', 'the pause');
    const atPause = weights(b);
    setTimeout(() => training.run.stop(), 20);
    const runB = await training;
    expect(runB.status).toBe('stopped');
    expect(runB.stepLosses).toHaveLength(6);
    expect(weights(b)).toEqual(atPause);
    expect(weights(b)).toEqual(weights(ref));
    expect(runB.events.map((e) => [e.kind, e.step])).toEqual([['pause', 6], ['stop', 6]]);
    // Epoch 2 was cut after 2 of its 4 batches: it is recorded, as shouldStop's run records it.
    expect(runB.epochs.map((e) => e.trainLoss)).toEqual(refRun.epochs.map((e) => e.trainLoss));
    expect(runB.endedAt).not.toBeNull();
  });

  it('a run stopped before its first batch trains nothing', async () => {
    const m = model();
    const before = weights(m);
    const training = nn.fit(m, { trainLoader: loader(), optimizer: new nn.optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 2, lossFn: mse });
    training.run.stop();
    const run = await training;
    expect(run.status).toBe('stopped');
    expect(run.stepLosses).toHaveLength(0);
    expect(run.epochs).toHaveLength(0);
    expect(weights(m)).toEqual(before);
  });

  it('an interrupt (shouldStop) ends a paused run', async () => {
    const m = model();
    let interrupt = false;
    const training = nn.fit(m, {
      trainLoader: loader(), optimizer: new nn.optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 2, lossFn: mse,
      onBatchEnd: (info, run) => info.step === 2 && run.pause(), shouldStop: () => interrupt,
    });
    await until(() => training.run.status === 'paused', 'the pause');
    interrupt = true;
    const run = await training;
    expect(run.status).toBe('interrupted');
    expect(run.stepLosses).toHaveLength(2);
  });

  it('setLearningRate acts on the next step: θ ← θ − η_new·g, in float32 as SGD computes it', async () => {
    const m = model();
    const optimizer = new nn.optim.SGD(m.parameters(), { lr: 0.1 });
    const seen: { w: Float32Array[]; g: Float32Array[] }[] = [];
    const run = await nn.fit(m, {
      trainLoader: loader(), optimizer, epochs: 1, lossFn: mse,
      onBatchEnd: (info, r) => {
        seen.push({ w: weights(m), g: grads(m) });
        if (info.step === 2) r.setLearningRate(0.025);
      },
    });
    const sgd = (w: Float32Array[], g: Float32Array[], lr: number) => w.map((wi, k) => wi.map((v, i) => Math.fround(v - lr * g[k][i])));
    // step 2 still used 0.1; steps 3 and 4 use 0.025.
    expect(seen[1].w).toEqual(sgd(seen[0].w, seen[1].g, 0.1));
    expect(seen[2].w).toEqual(sgd(seen[1].w, seen[2].g, 0.025));
    expect(seen[3].w).toEqual(sgd(seen[2].w, seen[3].g, 0.025));
    expect(seen[2].w).not.toEqual(sgd(seen[1].w, seen[2].g, 0.1));
    expect(optimizer.paramGroups[0].lr).toBe(0.025);
    expect(run.events).toEqual([{ step: 2, epoch: 1, kind: 'lr', from: 0.1, value: 0.025, timeMs: expect.any(Number) }]);
    expect(run.epochs[0].lr).toBe(0.025);
  });

  it('setMomentum acts on the next step: b ← μ_new·b + g, θ ← θ − η·b', async () => {
    const m = model();
    const optimizer = new nn.optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
    const seen: { w: Float32Array[]; g: Float32Array[] }[] = [];
    const w0 = weights(m);
    const run = await nn.fit(m, {
      trainLoader: loader(), optimizer, epochs: 1, lossFn: mse,
      onBatchEnd: (info, r) => {
        seen.push({ w: weights(m), g: grads(m) });
        if (info.step === 2) r.setMomentum(0.3);
      },
    });
    // Replays SGD with momentum by hand (float32 buffers, as the optimiser keeps them).
    let w = w0.map((x) => Float32Array.from(x));
    let buf: Float32Array[] | null = null;
    for (let s = 0; s < 4; s++) {
      const mu = s < 2 ? 0.9 : 0.3;
      const g = seen[s].g;
      buf = buf === null ? g.map((x) => Float32Array.from(x)) : buf.map((b, k) => b.map((v, i) => mu * v + g[k][i]));
      w = w.map((wk, k) => wk.map((v, i) => Math.fround(v - 0.05 * buf![k][i])));
      expect(seen[s].w, `step ${s + 1}`).toEqual(w);
    }
    expect(optimizer.paramGroups[0].momentum).toBe(0.3);
    expect(run.events.map(({ kind, step, from, value }) => ({ kind, step, from, value }))).toEqual([{ kind: 'momentum', step: 2, from: 0.9, value: 0.3 }]);
  });

  it('setWeightDecay acts on the next step: θ ← θ − η(g + λθ)', async () => {
    const m = model();
    const optimizer = new nn.optim.SGD(m.parameters(), { lr: 0.1 });
    const seen: { w: Float32Array[]; g: Float32Array[] }[] = [];
    const run = await nn.fit(m, {
      trainLoader: loader(), optimizer, epochs: 1, lossFn: mse,
      onBatchEnd: (info, r) => {
        seen.push({ w: weights(m), g: grads(m) });
        if (info.step === 1) r.setWeightDecay(0.5);
      },
    });
    const sgdDecay = (w: Float32Array[], g: Float32Array[], lambda: number) => w.map((wk, k) => wk.map((v, i) => Math.fround(v - 0.1 * (g[k][i] + lambda * v))));
    expect(seen[1].w).toEqual(sgdDecay(seen[0].w, seen[1].g, 0.5));
    expect(seen[2].w).toEqual(sgdDecay(seen[1].w, seen[2].g, 0.5));
    expect(seen[1].w).not.toEqual(sgdDecay(seen[0].w, seen[1].g, 0));
    expect(run.events.map(({ kind, step, from, value }) => ({ kind, step, from, value }))).toEqual([{ kind: 'weightDecay', step: 1, from: 0, value: 0.5 }]);
  });

  it('setMomentum on Adam sets β₁ (betas[0]); an equal value records no event', async () => {
    const m = model();
    const optimizer = new nn.optim.Adam(m.parameters(), { lr: 0.01, betas: [0.9, 0.999] });
    const run = await nn.fit(m, {
      trainLoader: loader(), optimizer, epochs: 1, lossFn: mse,
      onBatchEnd: (info, r) => {
        if (info.step === 1) expect(r.currentHyperparameters()).toEqual({ lr: 0.01, momentum: 0.9, weightDecay: 0 });
        if (info.step === 2) expect(r.currentHyperparameters()).toEqual({ lr: 0.01, momentum: 0.8, weightDecay: 0 });
        if (info.step === 1) r.setMomentum(0.8);
        if (info.step === 2) r.setMomentum(0.8);
        if (info.step === 3) r.setLearningRate(0.01);
      },
    });
    expect(optimizer.paramGroups[0].betas).toEqual([0.8, 0.999]);
    expect(run.currentHyperparameters()).toBeNull();
    expect(run.events.map(({ kind, step, from, value }) => ({ kind, step, from, value }))).toEqual([{ kind: 'momentum', step: 1, from: 0.9, value: 0.8 }]);
  });

  it('every param group gets the new rate; with a scheduler the schedule goes on from it', async () => {
    const m = model();
    const [l1, l2] = [m.at(0), m.at(2)];
    const optimizer = new nn.optim.SGD([{ params: l1.parameters(), lr: 0.2 }, { params: l2.parameters() }], { lr: 0.1 });
    const scheduler = new nn.optim.StepLR(optimizer, 1, 0.5);
    const lrs: number[][] = [];
    await nn.fit(m, {
      trainLoader: loader(), optimizer, scheduler, epochs: 3, lossFn: mse,
      onBatchEnd: (info, r) => info.step === 5 && r.setLearningRate(0.04),
      onEpochEnd: () => lrs.push(optimizer.paramGroups.map((g) => g.lr)),
    });
    // epoch 1 ends: 0.2, 0.1 halved; in epoch 2 both groups are set to 0.04 and halved at its end; then halved again.
    expect(lrs[0]).toEqual([0.1, 0.05]);
    expect(lrs[1][0]).toBeCloseTo(0.02, 12);
    expect(lrs[1][1]).toBeCloseTo(0.02, 12);
    expect(lrs[2][0]).toBeCloseTo(0.01, 12);
  });

  it('refuses bad values, naming the run and the value, and changes nothing', async () => {
    const m = model();
    const optimizer = new nn.optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
    const run = new nn.TrainingRun('refusals', {}, 1);
    const errors: string[] = [];
    const attempt = (f: () => void) => {
      try {
        f();
        errors.push('no error');
      } catch (err) {
        expect(err).toBeInstanceOf(nn.ArgumentError);
        errors.push((err as Error).message);
      }
    };
    attempt(() => run.setLearningRate(0.5)); // no optimiser yet
    const training = nn.fit(m, {
      trainLoader: loader(), optimizer, epochs: 1, lossFn: mse, run,
      onBatchEnd: (info, r) => {
        if (info.step !== 1) return;
        attempt(() => r.setLearningRate(-0.1));
        attempt(() => r.setLearningRate(NaN));
        attempt(() => r.setLearningRate(Infinity));
        attempt(() => r.setLearningRate('0.1' as unknown as number));
        attempt(() => r.setMomentum(0)); // Nesterov needs momentum > 0: the optimiser's own check
        attempt(() => r.step()); // running, not paused
      },
    });
    await training;
    attempt(() => run.setWeightDecay(0.1)); // ended
    attempt(() => run.pause());
    expect(errors[0]).toMatch(/TrainingRun 'refusals' \(run-[0-9a-z]{4}-\d+\): setLearningRate\(0\.5\): the run has no optimiser yet/);
    expect(errors[1]).toMatch(/TrainingRun 'refusals' \(run-[0-9a-z]{4}-\d+\): setLearningRate\(-0\.1\) on optimizer SGD: lr must be a finite number ≥ 0, got -0\.1/);
    expect(errors[2]).toMatch(/setLearningRate\(NaN\).*got NaN/);
    expect(errors[3]).toMatch(/setLearningRate\(Infinity\).*got Infinity/);
    expect(errors[4]).toMatch(/setLearningRate\(0\.1\).*got 0\.1/);
    expect(errors[5]).toMatch(/TrainingRun 'refusals'.*setMomentum\(0\) on optimizer SGD: .*Nesterov momentum requires momentum > 0/);
    expect(errors[6]).toMatch(/TrainingRun 'refusals'.*step\(\) trains one batch of a paused run, but the run is running/);
    expect(errors[7]).toMatch(/TrainingRun 'refusals'.*cannot setWeightDecay\(0\.1\): the run has ended \(status 'completed', after 4 step\(s\)\)/);
    expect(errors[8]).toMatch(/cannot pause\(\): the run has ended/);
    expect(errors).toHaveLength(9);
    expect(optimizer.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9 });
    expect(run.events).toEqual([]);
    expect(run.status).toBe('completed');
  });

  it('an optimiser without momentum or weight decay says so', async () => {
    const m = model();
    const optimizer = { paramGroups: [{ lr: 0.1 }], zeroGrad() {}, step() {}, name: 'Plain' };
    const messages: string[] = [];
    await nn.fit(m, {
      trainLoader: loader(), optimizer, epochs: 1, lossFn: mse, maxBatchesPerEpoch: 1,
      onBatchEnd: (_info, r) => {
        for (const f of [() => r.setMomentum(0.5), () => r.setWeightDecay(0.1)]) {
          try {
            f();
          } catch (err) {
            messages.push((err as Error).message);
          }
        }
        r.setLearningRate(0.3);
      },
    });
    expect(messages[0]).toMatch(/setMomentum\(0\.5\) on optimizer Plain: Plain has no momentum .*hyperparameters are lr/);
    expect(messages[1]).toMatch(/setWeightDecay\(0\.1\) on optimizer Plain: Plain has no weight decay/);
    expect(optimizer.paramGroups[0].lr).toBe(0.3);
  });

  it('untilApplied() resolves at the next batch boundary: paused and waiting, about to train, or ended', async () => {
    const m = model();
    expect(await Promise.race([new nn.TrainingRun('idle', {}, 1).untilApplied().then(() => 'now'), sleep(50).then(() => 'late')])).toBe('now');
    const training = nn.fit(m, { trainLoader: loader(), optimizer: new nn.optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 50, lossFn: mse });
    const run = training.run;
    await until(() => run.stepLosses.length >= 3, 'three steps');
    run.pause();
    await run.untilApplied();
    const pausedAt = run.stepLosses.length;
    await sleep(30);
    expect(run.stepLosses).toHaveLength(pausedAt);
    run.step();
    await run.untilApplied();
    await run.untilApplied();
    expect(run.stepLosses).toHaveLength(pausedAt + 1);
    run.stop();
    await run.untilApplied();
    expect(run.finished).toBe(true);
    expect(run.endedAt).not.toBeNull();
    expect((await training).stepLosses).toHaveLength(pausedAt + 1);
  });

  it('events are saved in the run JSON', async () => {
    const m = model();
    const run = await nn.fit(m, {
      trainLoader: loader(), optimizer: new nn.optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 1, lossFn: mse,
      onBatchEnd: (info, r) => info.step === 2 && r.setLearningRate(0.2),
    });
    const json = JSON.parse(JSON.stringify(run));
    expect(json.events).toEqual([expect.objectContaining({ kind: 'lr', step: 2, from: 0.1, value: 0.2 })]);
  });
});
