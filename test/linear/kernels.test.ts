import { describe, it, expect } from 'vitest';
import { linearKernel, polynomialKernel, rbfKernel, Generator, randn, tensor, zeros, ShapeError, ArgumentError } from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

const g = new Generator(21);
const X = randn([5, 3], { dtype: 'float64', generator: g });
const Y = randn([4, 3], { dtype: 'float64', generator: g });

/** K[i][j] = k(X[i], Y[j]) by plain loops. */
function naive(k: (a: number[], b: number[]) => number): number[][] {
  const xs = X.toArray() as number[][], ys = Y.toArray() as number[][];
  return xs.map((a) => ys.map((b) => k(a, b)));
}
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const dist2 = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);

describe('kernels', () => {
  it('linearKernel: K = X Yᵀ', () => {
    expect(linearKernel()(tensor([[1, 2]]), tensor([[3, 4], [-1, 1]]))).toBeAllClose([[11, 1]]);
    const K = linearKernel()(X, Y);
    expect(K.shape).toEqual([5, 4]);
    expect(K).toBeAllClose(naive(dot), { rtol: 1e-12, atol: 1e-12 });
    expect(linearKernel().kind).toBe('linear');
  });

  it('polynomialKernel: (γ x·y + c₀)^d', () => {
    // (0.5 · 11 + 1)² = 6.5² = 42.25
    expect(polynomialKernel({ degree: 2, gamma: 0.5, coef0: 1 })(tensor([[1, 2]]), tensor([[3, 4]]))).toBeAllClose([[42.25]]);
    const K = polynomialKernel({ degree: 3, gamma: 0.7, coef0: 2 })(X, Y);
    expect(K).toBeAllClose(naive((a, b) => (0.7 * dot(a, b) + 2) ** 3), { rtol: 1e-12, atol: 1e-12 });
    // Defaults: degree 3, γ = 1/D, c₀ = 1.
    expect(polynomialKernel()(X, Y)).toBeAllClose(naive((a, b) => (dot(a, b) / 3 + 1) ** 3), { rtol: 1e-12, atol: 1e-12 });
  });

  it('rbfKernel: exp(−γ‖x − y‖²) through ‖x‖² + ‖y‖² − 2x·y', () => {
    expect(rbfKernel({ gamma: 0.25 })(tensor([[0, 0]]), tensor([[1, 1], [0, 2], [0, 0]]))).toBeAllClose([[Math.exp(-0.5), Math.exp(-1), 1]]);
    expect(rbfKernel({ gamma: 0.4 })(X, Y)).toBeAllClose(naive((a, b) => Math.exp(-0.4 * dist2(a, b))), { rtol: 1e-12, atol: 1e-12 });
    expect(rbfKernel()(X, Y)).toBeAllClose(naive((a, b) => Math.exp(-dist2(a, b) / 3)), { rtol: 1e-12, atol: 1e-12 });
    // The Gram matrix of X with itself: symmetric, ones on the diagonal.
    const K = rbfKernel({ gamma: 2 })(X);
    expect(K.shape).toEqual([5, 5]);
    expect(K).toBeAllClose(K.T);
    for (let i = 0; i < 5; i++) expect(K.slice(i, i).item()).toBeCloseTo(1, 12);
    expect(String(rbfKernel({ gamma: 2 }))).toBe('rbfKernel(gamma=2)');
  });

  it('float32 inputs give float32 Gram matrices', () => {
    const K = rbfKernel({ gamma: 0.4 })(X.float(), Y.float());
    expect(K.dtype).toBe('float32');
    expect(K).toBeAllClose(rbfKernel({ gamma: 0.4 })(X, Y), { rtol: 1e-5, atol: 1e-6 });
  });

  it('kernels are differentiable (built from tensor ops)', () => {
    gradcheck('rbfKernel', (a, b) => rbfKernel({ gamma: 0.3 })(a, b), [leaf([3, 2], 1), leaf([4, 2], 2)]);
    gradcheck('polynomialKernel', (a, b) => polynomialKernel({ degree: 2, gamma: 0.5 })(a, b), [leaf([3, 2], 3), leaf([4, 2], 4)]);
  });

  it('throws on feature mismatches and bad settings', () => {
    expect(() => rbfKernel()(zeros([5, 3]), zeros([4, 2]))).toThrow(ShapeError);
    expect(() => rbfKernel()(zeros([5, 3]), zeros([4, 2]))).toThrow(/rbfKernel: .*got shapes \[5, 3\] and \[4, 2\]/);
    expect(() => linearKernel()(zeros([5]), zeros([4, 5]))).toThrow(/linearKernel: .*\[5\] and \[4, 5\]/);
    expect(() => polynomialKernel({ degree: 1.5 })).toThrow(ArgumentError);
    expect(() => rbfKernel({ gamma: -1 })).toThrow(/rbfKernel: gamma must be a positive number, got -1/);
  });
});
