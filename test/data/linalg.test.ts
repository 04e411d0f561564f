import { describe, it, expect } from 'vitest';
import { Generator, tensor, data } from '../../src';
import { symmetricEigen } from '../../src/data/linalg';

/** A random symmetric n×n matrix (B + Bᵀ)/2 with standard normal B. */
function randomSymmetric(n: number, seed: number): Float64Array {
  const g = new Generator(seed);
  const b = Float64Array.from({ length: n * n }, () => g.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (b[i * n + j] + b[j * n + i]) / 2;
  return a;
}

/** max |A v − λ v| over all pairs, and max |V Vᵀ − I|. */
function residuals(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array) {
  let eig = 0, orth = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k * n + j];
      eig = Math.max(eig, Math.abs(av - values[k] * vectors[k * n + i]));
    }
    for (let l = 0; l < n; l++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += vectors[k * n + j] * vectors[l * n + j];
      orth = Math.max(orth, Math.abs(dot - (k === l ? 1 : 0)));
    }
  }
  return { eig, orth };
}

describe('symmetricEigen', () => {
  it('solves a 2×2 by hand: [[2, 1], [1, 2]] has λ = 3, 1 with axes (1, 1)/√2, (−1, 1)/√2', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(values).toBeAllClose([3, 1], { atol: 1e-12 });
    // Sign convention: the largest-|x| entry is positive (the first one on ties).
    expect(vectors).toBeAllClose([Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, -Math.SQRT1_2], { atol: 1e-12 });
  });

  it('handles diagonal, zero, 1×1 and repeated-eigenvalue matrices', () => {
    expect(symmetricEigen(Float64Array.from([4, 0, 0, 9]), 2).values).toBeAllClose([9, 4]);
    expect(symmetricEigen(Float64Array.from([4, 0, 0, 9]), 2).vectors).toBeAllClose([0, 1, 1, 0]);
    expect(symmetricEigen(new Float64Array(9), 3).values).toBeAllClose([0, 0, 0]);
    expect(symmetricEigen(Float64Array.from([-2.5]), 1).values).toBeAllClose([-2.5]);
    const eye = symmetricEigen(Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3);
    expect(eye.values).toBeAllClose([1, 1, 1]);
    const r = residuals(Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3, eye.values, eye.vectors);
    expect(r.orth).toBeLessThan(1e-12);
  });

  it.each([[5, 1], [17, 2], [64, 3], [150, 4]])('random symmetric n = %i (seed %i): A v = λ v to 1e-9, V orthonormal, λ descending', (n, seed) => {
    const a = randomSymmetric(n, seed);
    const { values, vectors } = symmetricEigen(a, n);
    const r = residuals(a, n, values, vectors);
    expect(r.eig).toBeLessThan(1e-9);
    expect(r.orth).toBeLessThan(1e-9);
    for (let k = 1; k < n; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
    // Trace is preserved.
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 9);
    // Each vector's largest-|x| entry is positive.
    for (let k = 0; k < n; k++) {
      const row = Array.from(vectors.subarray(k * n, (k + 1) * n));
      const big = row.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
      expect(big).toBeGreaterThan(0);
    }
  });

  it('784×784 (the size of a Fashion-MNIST covariance) is accurate and takes seconds', () => {
    const n = 784;
    const a = randomSymmetric(n, 7);
    const t0 = performance.now();
    const { values, vectors } = symmetricEigen(a, n);
    const ms = performance.now() - t0;
    console.log(`symmetricEigen 784×784: ${(ms / 1000).toFixed(2)} s`);
    // Check a few pairs (the full O(n³) check is as slow as the solver).
    for (const k of [0, 1, 391, 782, 783]) {
      let worst = 0;
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k * n + j];
        worst = Math.max(worst, Math.abs(av - values[k] * vectors[k * n + i]));
      }
      expect(worst).toBeLessThan(1e-9);
    }
    let dot = 0;
    for (let j = 0; j < n; j++) dot += vectors[j] * vectors[500 * n + j];
    expect(Math.abs(dot)).toBeLessThan(1e-12);
  });

  it('rejects a non-square buffer and non-finite entries, naming the op', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/symmetricEigen: 5 values do not make an 2×2 matrix/);
    expect(() => symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2)).toThrow(/symmetricEigen: entry \(1, 0\) is NaN/);
  });
});

describe('eigh', () => {
  it('follows torch.linalg.eigh: ascending eigenvalues, eigenvectors in columns, A = V diag(λ) Vᵀ', () => {
    const a = tensor([[4, 1, 2], [1, 3, 0], [2, 0, 5]], { dtype: 'float64' });
    const { eigenvalues, eigenvectors } = data.eigh(a);
    const lam = eigenvalues.toFlatArray();
    expect(lam[0]).toBeLessThan(lam[1]);
    expect(lam[1]).toBeLessThan(lam[2]);
    const rebuilt = eigenvectors.mul(eigenvalues).matmul(eigenvectors.T);
    expect(rebuilt).toBeAllClose(a, { atol: 1e-12 });
    // numpy.linalg.eigvalsh([[4,1,2],[1,3,0],[2,0,5]]) = [1.8548973088, 3.476023602918, 6.669079088282]
    expect(eigenvalues).toBeAllClose([1.8548973088, 3.476023602918, 6.669079088282], { atol: 1e-10 });
    expect(data.eigh(a.float()).eigenvalues.dtype).toBe('float32');
    expect(() => data.eigh(tensor([[1, 2, 3]]))).toThrow(/eigh: expected a square 2-D matrix, got shape \[1, 3\]/);
  });
});
