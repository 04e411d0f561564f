import { describe, it, expect } from 'vitest';
import {
  Perceptron, MultiClassPerceptron, Generator, Tensor, tensor, randn, zeros, noGrad,
  ShapeError, ArgumentError,
} from '../../src';

const inputs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const nandTruth = [1, 1, 1, 0];
const xorTruth = [0, 1, 1, 0];

/** `perClass` points around each center (Gaussian, std `spread`), labels 0..K−1. */
function blobs(centers: number[][], perClass: number, spread: number, seed: number): { X: Tensor; y: Tensor } {
  const g = new Generator(seed);
  const rows: number[][] = [], labels: number[] = [];
  centers.forEach((c, k) => {
    for (let i = 0; i < perClass; i++) {
      rows.push(c.map((v) => v + spread * g.normal()));
      labels.push(k);
    }
  });
  return { X: tensor(rows), y: tensor(labels, { dtype: 'int32' }) };
}

describe('Perceptron', () => {
  it('NAND from hand weights w = [-2, -2], b = 3 (Nielsen)', () => {
    const nand = Perceptron.fromWeights([-2, -2], 3);
    expect(nand.decisionFunction(inputs)).toBeAllClose([3, 1, 1, -1]);
    expect(nand.predict(inputs).toFlatArray()).toEqual(nandTruth);
    expect(nand.predict(inputs).dtype).toBe('int32');
    expect(nand.predict([1, 1]).item()).toBe(0);
    expect(nand.score(inputs, nandTruth)).toBe(1);
  });

  it('applies w ← w + η(y − ŷ)x, b ← b + η(y − ŷ), with step(0) = 0', () => {
    const p = new Perceptron(2, { dtype: 'float64' });
    // z = 0 → ŷ = 0, y = 1: w = 0.5·[1, 2], b = 0.5. Then [3, −1] with y = 0: z = 0.5·3 − 1 + 0.5 = 1 > 0
    // → ŷ = 1: w = [0.5, 1] − 0.5·[3, −1] = [−1, 1.5], b = 0.
    const history = p.fit([[1, 2], [3, -1]], [1, 0], { epochs: 1, lr: 0.5, shuffle: false });
    expect(p.weight).toBeAllClose([-1, 1.5]);
    expect(p.bias.item()).toBe(0);
    expect(history).toEqual({ mistakes: [2], converged: false });
  });

  it('learns NAND from zero weights and matches the truth table', () => {
    const p = new Perceptron(2);
    const history = p.fit(inputs, nandTruth, { epochs: 100, generator: new Generator(3) });
    expect(history.converged).toBe(true);
    expect(history.mistakes[history.mistakes.length - 1]).toBe(0);
    expect(history.mistakes[0]).toBeGreaterThan(0);
    expect(p.predict(inputs).toFlatArray()).toEqual(nandTruth);
    // Any separating line: w₁, w₂ < 0 and b > 0 with w₁ + w₂ + b ≤ 0.
    const [w1, w2] = p.weight.toFlatArray(), b = p.bias.item();
    expect(w1).toBeLessThan(0);
    expect(w2).toBeLessThan(0);
    expect(b).toBeGreaterThan(0);
  });

  it('accepts ±1 labels and then predicts ±1', () => {
    const p = new Perceptron(2);
    const signs = nandTruth.map((v) => 2 * v - 1);
    expect(p.fit(inputs, signs, { epochs: 100, generator: new Generator(1) }).converged).toBe(true);
    expect(p.predict(inputs).toFlatArray()).toEqual(signs);
    expect(p.score(inputs, signs)).toBe(1);
  });

  it('never converges on XOR: every one of 100 epochs makes mistakes', () => {
    const p = new Perceptron(2);
    const history = p.fit(inputs, xorTruth, { epochs: 100, generator: new Generator(0) });
    expect(history.converged).toBe(false);
    expect(history.mistakes).toHaveLength(100);
    expect(Math.min(...history.mistakes)).toBeGreaterThan(0);
    expect(p.score(inputs, xorTruth)).toBeLessThan(1);
  });

  it('throws on mismatched lengths, non-binary labels and wrong feature counts', () => {
    const p = new Perceptron(2);
    expect(() => p.fit(inputs, [1, 0, 1])).toThrow(ShapeError);
    expect(() => p.fit(inputs, [1, 0, 1])).toThrow(/Perceptron\.fit: X has shape \[4, 2\] but y has shape \[3\]/);
    expect(() => p.fit(inputs, [0, 1, 2, 1])).toThrow(ArgumentError);
    expect(() => p.fit(inputs, [0, 1, 2, 1])).toThrow(/Perceptron\.fit: labels must be binary.*0, 1, 2/);
    expect(() => p.fit(inputs, [1, 1, 1, 1])).toThrow(/only the class 1/);
    expect(() => p.predict(zeros([4, 3]))).toThrow(/Perceptron: expected X of shape \[N, 2\].*got shape \[4, 3\]/);
    expect(() => p.fit(inputs, nandTruth, { lr: -1 })).toThrow(/Perceptron\.fit: lr must be a positive number, got -1/);
    expect(() => Perceptron.fromWeights(zeros([2, 2]), 0)).toThrow(ShapeError);
  });
});

describe('a two-layer network learns XOR where one perceptron cannot', () => {
  it('W1 [2, 4], tanh, W2 [4, 1], sigmoid, plain gradient descent: 100%', () => {
    const g = new Generator(7);
    const opts = { dtype: 'float64' as const, generator: g };
    const W1 = randn([2, 4], opts).requiresGrad_(), b1 = zeros([4], { dtype: 'float64', requiresGrad: true });
    const W2 = randn([4, 1], opts).requiresGrad_(), b2 = zeros([1], { dtype: 'float64', requiresGrad: true });
    const params = [W1, b1, W2, b2];
    const x = inputs.double(), target = tensor(xorTruth, { dtype: 'float64' }).unsqueeze(1);
    const forward = () => x.matmul(W1).add(b1).tanh().matmul(W2).add(b2).sigmoid();
    let first = 0, last = 0;
    for (let step = 0; step < 2000; step++) {
      const p = forward();
      // Binary cross-entropy: −mean(y log p + (1 − y) log(1 − p)).
      const loss = target.mul(p.log()).add(target.neg().add(1).mul(p.neg().add(1).log())).mean().neg();
      if (step === 0) first = loss.item();
      last = loss.item();
      loss.backward();
      noGrad(() => {
        for (const w of params) {
          const v = w.data, gv = w.grad!.values();
          for (let i = 0; i < v.length; i++) v[i] -= 0.5 * gv[i];
          w.grad = null;
        }
      });
    }
    const predicted = noGrad(() => forward()).toFlatArray().map((v) => (v > 0.5 ? 1 : 0));
    expect(predicted).toEqual(xorTruth);
    expect(last).toBeLessThan(0.05);
    expect(first).toBeGreaterThan(0.5);
  });
});

describe('MultiClassPerceptron', () => {
  it('applies W[y] += ηx, W[ŷ] −= ηx on a mistake (first class wins ties)', () => {
    const p = new MultiClassPerceptron(2, 3, { dtype: 'float64' });
    // All scores 0 → ŷ = 0 ≠ 2: W[2] = [1, 2], W[0] = −[1, 2], b = [−1, 0, 1].
    p.fit([[1, 2]], [2], { epochs: 1, shuffle: false });
    expect(p.weight).toBeAllClose([[-1, -2], [0, 0], [1, 2]]);
    expect(p.bias).toBeAllClose([-1, 0, 1]);
    expect(p.predict([[1, 2]]).toFlatArray()).toEqual([2]);
  });

  it('averaged: the mean of the weights over the steps (W − U/c)', () => {
    const p = new MultiClassPerceptron(1, 2, { dtype: 'float64', averaged: true });
    // One sample, one mistake: weights go 0 → (−1, +1); the mean of the two is (−0.5, 0.5).
    p.fit([[1]], [1], { epochs: 1, shuffle: false });
    expect(p.weight).toBeAllClose([[-0.5], [0.5]]);
    expect(p.bias).toBeAllClose([-0.5, 0.5]);
  });

  it('reaches 100% training accuracy on a separable 3-class set', () => {
    const { X, y } = blobs([[0, 4], [4, -2], [-4, -2]], 40, 0.8, 11);
    const p = new MultiClassPerceptron(2, 3);
    const history = p.fit(X, y, { epochs: 100, generator: new Generator(2) });
    expect(history.converged).toBe(true);
    expect(p.score(X, y)).toBe(1);
    expect(p.decisionFunction(X).shape).toEqual([120, 3]);
    expect(p.predict(X).dtype).toBe('int32');
  });

  it('works on flattened 28×28 inputs: W is [10, 784]', () => {
    const g = new Generator(5);
    const prototypes = randn([10, 784], { generator: g });
    const labels = Int32Array.from({ length: 300 }, (_, i) => i % 10);
    const noise = randn([300, 784], { generator: g, std: 1.5 });
    const images = prototypes.indexSelect(0, labels).add(noise).reshape(300, 28, 28);
    const flat = images.reshape(300, 784);
    for (const averaged of [false, true]) {
      const p = new MultiClassPerceptron(784, 10, { averaged });
      expect(p.weight.shape).toEqual([10, 784]);
      p.fit(flat, tensor(labels), { epochs: 5, generator: new Generator(1) });
      expect(p.score(flat, tensor(labels))).toBe(1);
    }
  });

  it('throws on bad labels and shapes, naming the class', () => {
    const p = new MultiClassPerceptron(2, 3);
    expect(() => p.fit([[0, 1], [1, 0]], [0, 3])).toThrow(/MultiClassPerceptron\.fit: label 3 at position 1 is not a class index in \[0, 3\)/);
    expect(() => p.fit([[0, 1], [1, 0]], [0])).toThrow(ShapeError);
    expect(() => p.predict(zeros([5, 4]))).toThrow(/MultiClassPerceptron: expected X of shape \[N, 2\].*\[5, 4\]/);
    expect(() => new MultiClassPerceptron(2, 1)).toThrow(ArgumentError);
  });
});
