/**
 * notebooks/05-rnn.ipynb, executed headless: feedback vs feed-forward, the
 * unrolled U/V/W step by hand, BPTT as a sum over steps, vanishing gradients
 * (vanilla RNN vs LSTM), the character LM with its live chart and samples,
 * and the recursive network.
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, bundleWith, type Executed, MIME, notebookSuite, num, nums } from './helpers';

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
    expect(num(text, /max \|by hand − run\(\)\| over h₁, h₂: ([\d.e+-]+)/)).toBeLessThan(1e-6);
    expect(num(text, /∂L\/∂W: max \|Σ_t δ_t h_\{t−1\}ᵀ − autograd\| = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    expect(num(text, /∂L\/∂U: max \|Σ_t δ_t x_tᵀ − autograd\| = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    const truncated = /truncate: 3 +‖∂L\/∂h_t‖, t = 1…6: ([\d.e+, -]+)/.exec(text)![1].split(', ').map(Number);
    expect(truncated.slice(0, 3)).toEqual([0, 0, 0]);
    for (const v of truncated.slice(3)) expect(v).toBeGreaterThan(0);
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
});
