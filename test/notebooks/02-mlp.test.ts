/**
 * notebooks/02-mlp.ipynb, executed headless: the numerical claims (collapse
 * of linear layers, activation derivatives, XOR, universal approximation,
 * learning rates, backprop by hand) and the MLP run with its live chart,
 * model summary and confusion matrix.
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, bundleWith, checkExercises, type Executed, MIME, notebookSuite, num, nums, textOf } from './helpers';

const NAME = '02-mlp';
let run: Executed;
let text: string;

describe(NAME, () => {
  notebookSuite(NAME, (r, t) => {
    run = r;
    text = t;
  });

  it('collapses three linear layers into one, and not with ReLUs between them', () => {
    expect(num(text, /max \|three layers\(x\) − one layer\(x\)\| over 5 inputs = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    expect(num(text, /max \|with ReLU\(x\) − one layer\(x\)\| = ([\d.]+)/)).toBeGreaterThan(0.01);
  });

  it('plots activations and their autograd derivatives, which match the formulas', () => {
    const diffs = nums(text, /autograd f′ vs formula: max difference ([\d.e+-]+)/);
    expect(diffs).toHaveLength(5);
    for (const d of diffs) expect(d).toBeLessThan(1e-12);
    expect(text).toContain('largest sigmoid derivative: 0.2500');
    const figs = bundlesOf(run.nb, 'const grid1');
    expect(figs).toHaveLength(2);
    for (const f of figs) expect((f[MIME.plotly] as { data: unknown[] }).data).toHaveLength(6);
  });

  it('computes NAND with one perceptron; XOR needs a hidden layer', () => {
    expect(text).toMatch(/1  1  \|   -1    \|  0/);
    expect(text).toContain('perceptron on XOR: converged false');
    expect(text).toMatch(/1  0  \|  1   1   \|  1/);
    expect(text).toContain('MLP 2-4-1:     predictions 0 1 1 0 → accuracy 100%');
    expect(num(text, /Linear\(2, 1\): +predictions [\d ]+ → accuracy (\d+)%/)).toBeLessThan(100);
  });

  it('builds all 16 two-input boolean functions from NAND alone, each checked by evaluating it with the NAND perceptron', () => {
    const rows = [...text.matchAll(/^(.{15}) ([01]{4}) +\| +(\d+) +\| ([01]{4}) (ok|WRONG) \| (.+)$/gm)];
    expect(rows).toHaveLength(16);
    expect(new Set(rows.map((r) => r[2])).size).toBe(16);
    for (const [, , table, , evaluated, verdict, circuit] of rows) {
      expect(evaluated).toBe(table);
      expect(verdict).toBe('ok');
      expect(circuit.replace(/NAND|x1|x2|[(), ]/g, '')).toBe('');   // nothing but NAND gates and the inputs
    }
    expect(rows.find((r) => r[1].trim() === 'XOR')![3]).toBe('5');
    expect(text).toContain('16 of 16 two-input functions built from NAND gates alone and checked on all 4 inputs');
  });

  it('approximates a 1-D function better with more hidden units', () => {
    const mse = nums(text, /hidden units: mean squared error ([\d.e+-]+)/);
    expect(mse).toHaveLength(5);
    for (let i = 1; i < mse.length; i++) expect(mse[i]).toBeLessThan(mse[i - 1]);
    expect(mse[4]).toBeLessThan(1e-3);
  });

  it('diverges only with a learning rate above 2/curvature, and gets stuck in the local minimum from the right start', () => {
    expect(text.match(/\(diverged\)/g)).toHaveLength(1);
    expect(text).toMatch(/γ = 0\.21: loss [\d.]+ → [\d.e+]+ after 30 steps {2}\(diverged\)/);
    expect(text).toMatch(/start \(1\.8, 1\.5\) → w = \(0\.9\d+, [-\d.]+\), L = 0\.4\d+ {2}local minimum: stuck/);
    expect(text.match(/global minimum/g)).toHaveLength(2);
    for (const marker of ['const box', 'const twoValleys']) expect(String(bundlesOf(run.nb, marker)[0]['image/svg+xml'])).toMatch(/^<svg/);
  });

  it('stops gradient descent when ‖∇L‖ < ε or the loss rises, not after a fixed count', () => {
    const stops = [...text.matchAll(/γ = ([\d.]+) from \(([-\d., ]+)\): stopped after +(\d+) steps at w = \(([-\d.]+), ([-\d.]+)\), L = (-?[\d.]+): (.+)/g)];
    expect(stops).toHaveLength(5);
    const [b01, b018, b021, localMin, globalMin] = stops;
    for (const r of [b01, b018, localMin, globalMin]) expect(r[7]).toMatch(/< ε$/);
    expect(Number(b018[3])).toBeLessThan(Number(b01[3]));
    expect(Math.abs(Number(b01[4])) + Math.abs(Number(b01[5]))).toBeLessThan(1e-4);
    expect(b021[7]).toMatch(/^L rose from/);
    expect(Number(b021[3])).toBeLessThan(10);
    expect(Number(localMin[4])).toBeGreaterThan(0.5);
    expect(Number(globalMin[4])).toBeLessThan(-0.5);
  });

  it('checks autograd\'s Jacobian of a layer against diag(σ′(z))·W and the chain rule J₂·J₁', () => {
    expect(num(text, /J of σ\(Wx \+ b\) \[3, 4\]: max \|autograd − diag\(σ′\(z\)\)·W\| = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    expect(num(text, /max \|autograd − J₂·J₁\| = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    expect(num(text, /max \|x\.grad − Jᵀg\| = ([\d.e+-]+)/)).toBeLessThan(1e-12);
  });

  it('matches the library losses by hand, and autograd\'s gradients by backprop by hand', () => {
    for (const [hand, lib] of [...text.matchAll(/by hand ([\d.]+) +F\.\w+ +([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])])) expect(lib).toBe(hand);
    const diffs = nums(text, /max \|autograd − by hand\| = ([\d.e+-]+)/);
    expect(diffs).toHaveLength(4);
    for (const d of diffs) expect(d).toBeLessThan(1e-12);
  });

  it('trains the MLP on Fashion-MNIST to ≥ 80% with a live chart, a model summary and a confusion matrix', () => {
    expect(num(text, /MLP test accuracy: ([\d.]+)%/)).toBeGreaterThanOrEqual(80);
    const [summary] = bundlesOf(run.nb, 'summary(mlp');
    expect(summary[MIME.model]).toMatchObject({ inputShape: [1, 784] });
    expect(String(summary['text/plain'])).toContain('235,146');
    const live = bundleWith(run.nb, 'await liveFit(mlp', MIME.run);
    expect(Object.keys(live)).toEqual(expect.arrayContaining([MIME.run, MIME.plotly, 'image/svg+xml', 'text/html']));
    expect(live[MIME.run]).toMatchObject({ status: 'completed' });
    const [cm] = bundlesOf(run.nb, 'confusionMatrix(');
    expect(cm[MIME.confusion]).toBeTypeOf('object');
  });

  it('drops the last partial batch, and measures why it spiked: the loss of 32 images scatters about √2 times that of 64', () => {
    expect(text).toContain('187 batches of 64 per epoch (dropLast: the last 32 images');
    const live = bundleWith(run.nb, 'await liveFit(mlp', MIME.run) as Record<string, any>;
    expect(live[MIME.run].steps.stepsPerEpoch).toBe(187);
    const ratio = num(text, /batches of 32 std [\d.]+: ratio ([\d.]+)/);
    expect(ratio).toBeGreaterThan(1.2);
    expect(ratio).toBeLessThan(1.65);
  });

  it('measures depth: 2^k pieces from 6k + 1 parameters deep, at most H + 1 shallow; and deep-narrow vs shallow-wide MLPs at equal size', () => {
    expect(text).toContain('deep: 6 layers of width 2, 37 parameters: 64 linear pieces, max |net(x) − sawtooth(x)| = 0.0e+0');
    expect(num(text, /shallow: 1 hidden layer of 12 ReLUs, 37 parameters: \d+ kinks inside \[0, 1\], so at most (\d+) linear pieces/)).toBeLessThanOrEqual(13);
    const [shallowMse, variance] = /trained 3,000 Adam steps on the sawtooth: mean squared error ([\d.]+) \(the constant ½ scores the sawtooth's variance, ([\d.]+)\)/.exec(text)!.slice(1).map(Number);
    expect(shallowMse).toBeGreaterThan(0.9 * variance);
    expect(text).toMatch(/shallow with 64 ReLUs \(weights set by hand\): 193 parameters, 64 linear pieces, max \|net\(x\) − sawtooth\(x\)\| = 0\.0e\+0/);
    const runs = [...text.matchAll(/^(784-[\d-]+) +([\d,]+) parameters: training accuracy ([\d.]+)%, test accuracy ([\d.]+)%/gm)];
    expect(runs.map((r) => r[1])).toEqual(['784-100-100-100-10', '784-126-10']);
    const [deepP, wideP] = runs.map((r) => Number(r[2].replace(/,/g, '')));
    expect(Math.abs(deepP - wideP) / wideP).toBeLessThan(0.01);
    const [deepAcc, wideAcc] = runs.map((r) => Number(r[4]));
    for (const a of [deepAcc, wideAcc]) expect(a).toBeGreaterThan(75);
    // The text says: after 3 epochs the shallow-wide network is as good or better.
    expect(wideAcc).toBeGreaterThanOrEqual(deepAcc - 0.5);
    expect(num(text, /deep − shallow: (-?[\d.]+) points/)).toBeCloseTo(deepAcc - wideAcc, 1);
  });

  it('ends with exercises whose collapsed solutions ran: ReLU XOR, the 2/curvature threshold, softplus, longer depth runs', () => {
    const solutions = textOf(checkExercises(run.nb));
    expect(solutions).toMatch(/ReLU 2-4-1 on XOR, seeds 1-5: .*100% in \d of 5/);
    expect(solutions).toContain('γ = 0.199: loss after 200 steps');
    expect(solutions).toMatch(/γ = 0\.199: .*\(converges\)/);
    expect(solutions).toMatch(/γ = 0\.201: .*\(diverges\)/);
    expect(num(solutions, /max \|d softplus\/dx − σ\(x\)\| over \[−6, 6\] = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    expect(nums(solutions, /^784-[\d-]+ +test accuracy by epoch: ([\d.]+)/gm)).toHaveLength(2);
  });
});
