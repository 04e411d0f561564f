/**
 * notebooks/05-rnn.ipynb, executed headless: feedback vs feed-forward, the
 * unrolled U/V/W step by hand, BPTT as a sum over steps, vanishing gradients
 * (vanilla RNN vs LSTM), the character LM with its live chart and samples,
 * and the recursive network.
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, bundleWith, checkExercises, type Executed, isPng, MIME, notebookSuite, num, nums, textOf } from './helpers';

const NAME = '05-rnn';
let run: Executed;
let text: string;

describe(NAME, () => {
  notebookSuite(NAME, (r, t) => {
    run = r;
    text = t;
  });

  it('gives the same input the same output feed-forward, different ones with feedback', () => {
    const ffn = /feed-forward at the last step: A (\[.*?\]) +B (\[.*?\])/.exec(text)!;
    expect(ffn[1]).toBe(ffn[2]);
    const rnn = /RNN at the last step: +A (\[.*?\]) +B (\[.*?\])/.exec(text)!;
    expect(rnn[1]).not.toBe(rnn[2]);
  });

  it('computes the unrolled steps by hand as run() does, and BPTT as a sum over steps', () => {
    expect(text).toContain('42 parameters for sequences of 3 steps, and the same 42 for 100');
    // the unrolled RNN drawn, with the weights' shapes of this RNN and the same count
    const [diagram] = bundlesOf(run.nb, 'unrolledRNNDiagram(');
    expect(isPng(diagram['image/png'])).toBe(true);
    expect(diagram[MIME.images]).toMatchObject({ kind: 'images', sourceShape: [3] });
    const drawn = String(diagram['text/plain']);
    expect(drawn).toContain('U [4×3], W [4×4]');
    expect(drawn).toContain('V [2×4]');
    expect(drawn).toContain('42 parameters, for any number of steps');
    // and the many-to-one RNN: one output, at the last step
    const [last] = bundlesOf(run.nb, "unrolledRNNDiagram({ steps: 4");
    expect(isPng(last['image/png'])).toBe(true);
    expect(String(last['text/plain'])).toContain('o_t = V h_t + c (the last step only)    V [4×16]');
    expect(last['image/png']).not.toBe(diagram['image/png']);
    expect(num(text, /max \|by hand − run\(\)\| over h₁, h₂: ([\d.e+-]+)/)).toBeLessThan(1e-6);
    expect(num(text, /∂L\/∂W: max \|Σ_t δ_t h_\{t−1\}ᵀ − autograd\| = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    expect(num(text, /∂L\/∂U: max \|Σ_t δ_t x_tᵀ − autograd\| = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    const truncated = /truncate: 3 +‖∂L\/∂h_t‖, t = 1…6: ([\d.e+, -]+)/.exec(text)![1].split(', ').map(Number);
    expect(truncated.slice(0, 3)).toEqual([0, 0, 0]);
    for (const v of truncated.slice(3)) expect(v).toBeGreaterThan(0);
  });

  it('emits o_t = softmax(V h_t + c) at every step with the loss summed over time, and trains a many-to-many and a last-output-only task', () => {
    const steps = [...text.matchAll(/t = (\d): o_t = softmax\(V h_t \+ c\) = \[([\d.,]+)\], target (\d), −log o_t\[y_t\] = ([\d.]+)/g)];
    expect(steps.map((m) => m[1])).toEqual(['1', '2', '3']);
    for (const m of steps) {
      const o = m[2].split(',').map(Number);
      expect(o[0] + o[1]).toBeCloseTo(1, 3);
      expect(Number(m[4])).toBeCloseTo(-Math.log(o[Number(m[3])]), 3);
    }
    const [hand, lib] = /by hand ([\d.]+), crossEntropy\(…, 'sum'\) ([\d.]+)/.exec(text)!.slice(1).map(Number);
    expect(lib).toBeCloseTo(hand, 4);
    expect(hand).toBeCloseTo(steps.reduce((a, m) => a + Number(m[4]), 0), 3);
    expect(num(text, /∂L\/∂V: max \|Σ_t \(o_t − onehot\(y_t\)\) h_tᵀ − autograd\| = ([\d.e+-]+)/)).toBeLessThan(1e-6);
    const every = /every step: y_t = x_\{t−1\} +outputs \[500,20,4\]: accuracy ([\d.]+)% .*symbol 0: ([\d.]+)%/.exec(text)!.slice(1).map(Number);
    const last = /last step only: most frequent +outputs \[500,4\]: accuracy ([\d.]+)% .*symbol 0: ([\d.]+)%/.exec(text)!.slice(1).map(Number);
    expect(every[0]).toBeGreaterThan(90);
    expect(last[0]).toBeGreaterThan(last[1] + 15);
  });

  it('explodes the gradient with W = 1.15·I and ReLU, and clipGradNorm bounds it so the loss comes down', () => {
    expect(num(text, /‖∂L\/∂h₁‖ \/ ‖∂L\/∂h₅₀‖ with W = 1\.15·I and ReLU: ([\d.e+-]+)/)).toBeGreaterThan(10);
    const unclipped = /no clipping +loss, steps 1-5: ([^…]+) … step 30: (\S+)/.exec(text)!;
    expect(unclipped[1].split(', ')).toContain('NaN');
    expect(unclipped[2]).toBe('NaN');
    const clipped = /clipped at 1 +loss, steps 1-5: ([^…]+) … step 30: (\S+)/.exec(text)!;
    const first = Number(clipped[1].split(', ')[0]), lastLoss = Number(clipped[2]);
    expect(Number.isFinite(lastLoss)).toBe(true);
    expect(lastLoss).toBeLessThan(first / 2);
    const [beforeClip, afterClip] = /clipped at 1 .*\s+‖∇‖ before clipping, steps 1-5: ([\d.e+, -]+); largest ‖∇‖ the step used: ([\d.e+-]+)/.exec(text)!.slice(1);
    expect(Math.max(...beforeClip.split(', ').map(Number))).toBeGreaterThan(100);
    expect(Number(afterClip)).toBeLessThanOrEqual(1 + 1e-5);
    const [fig] = bundlesOf(run.nb, 'function explodingRnn');
    expect((fig[MIME.plotly] as { layout: { yaxis: { type: string } } }).layout.yaxis.type).toBe('log');
  });

  it('shows the gradient vanishing through a vanilla RNN but not an LSTM, which alone learns the task', () => {
    const rnnRatio = num(text, /at initialisation: vanilla RNN ([\d.e+-]+)/), lstmRatio = num(text, /at initialisation: vanilla RNN [\d.e+-]+, LSTM ([\d.e+-]+)/);
    expect(rnnRatio).toBeLessThan(1e-8);
    expect(lstmRatio).toBeGreaterThan(1e-5);
    const [fig] = bundlesOf(run.nb, 'const T = 50');
    expect((fig[MIME.plotly] as { layout: { yaxis: { type: string } } }).layout.yaxis.type).toBe('log');
    expect(num(text, /remember the first of 50 steps: vanilla RNN ([\d.]+)%/)).toBeLessThan(40);
    expect(num(text, /, LSTM ([\d.]+)% on 256 test sequences/)).toBeGreaterThanOrEqual(90);
  });

  it('trains the character LM with a live chart and samples more real words after training', () => {
    const live = bundleWith(run.nb, 'await liveFit(lm', MIME.run);
    expect(Object.keys(live)).toEqual(expect.arrayContaining([MIME.run, MIME.plotly, 'image/svg+xml']));
    expect(live[MIME.run]).toMatchObject({ status: 'completed', totalEpochs: 8 });
    expect(num(text, /, ([\d.]+) in the last epoch/)).toBeLessThan(2.2);
    const [before, cool] = nums(text, /words that occur in the text: (\d+)%/);
    expect(cool).toBeGreaterThan(before + 30);
  });

  it('composes a tree by hand as encode() does, and evaluates unseen and deeper boolean expressions', () => {
    expect(num(text, /max \|by hand − encode\| = ([\d.e+-]+)/)).toBeLessThan(1e-6);
    expect(num(text, /held-out accuracy: ([\d.]+)% \(depth ≤ 3/)).toBeGreaterThanOrEqual(90);
    expect(num(text, /% \(depth ≤ 3, \d+ expressions\), ([\d.]+)% \(depth ≤ 5/)).toBeGreaterThanOrEqual(80);
  });

  it('drops the last partial batch of the language model and ends with exercises whose collapsed solutions ran', () => {
    expect(text).toMatch(/624 windows of 32 characters: 19 batches of 32 per epoch \(dropLast: the last 16 windows/);
    const solutions = textOf(checkExercises(run.nb));
    const ratios = nums(solutions, /W = [\d.]+·I: ‖∂L\/∂h₁‖ \/ ‖∂L\/∂h₅₀‖ = ([\d.e+-]+)/);
    expect(ratios).toHaveLength(4);
    expect(ratios[0]).toBeLessThan(1);
    expect(ratios[3]).toBeGreaterThan(1);
    for (let i = 1; i < 4; i++) expect(ratios[i]).toBeGreaterThan(ratios[i - 1]);
    expect(solutions).toMatch(/clipGradValue 0\.01: loss at steps 1, 10, 20, 30: /);
    const words = nums(solutions, /temperature [\d.]+: words that occur in the text (\d+)%/);
    expect(words).toHaveLength(2);
    expect(words[0]).toBeGreaterThan(words[1]);
  });
});
