/**
 * notebooks/02-mlp.ipynb, executed headless: the numerical claims (collapse
 * of linear layers, activation derivatives, XOR, universal approximation,
 * learning rates, backprop by hand) and the MLP run with its live chart,
 * model summary and confusion matrix.
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, bundleWith, type Executed, MIME, notebookSuite, num, nums } from './helpers';

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
});
