import { describe, it, expect } from 'vitest';
import {
  SVC, OneVsRestSVC, LinearSVM, rbfKernel, Generator, Tensor, tensor, zeros, ShapeError, ArgumentError, NonFiniteError,
} from '../../src';

interface Data { X: Tensor; y: number[] }

/** Two Gaussian blobs, labels 0/1. */
function twoBlobs(n: number, gap: number, spread: number, seed: number): Data {
  const g = new Generator(seed);
  const rows: number[][] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const c = label ? gap / 2 : -gap / 2;
    rows.push([c + spread * g.normal(), 0.5 * c + spread * g.normal()]);
    y.push(label);
  }
  return { X: tensor(rows, { dtype: 'float64' }), y };
}

/** 90 float32 points in three Gaussian blobs (std 0.6) around (0, 3), (3, −2), (−3, −2), labels 0, 1, 2 in turn. */
function threeBlobs(seed: number): Data {
  const g = new Generator(seed);
  const centers = [[0, 3], [3, -2], [-3, -2]];
  const rows: number[][] = [], y: number[] = [];
  for (let i = 0; i < 90; i++) {
    const c = centers[i % 3];
    rows.push([c[0] + 0.6 * g.normal(), c[1] + 0.6 * g.normal()]);
    y.push(i % 3);
  }
  return { X: tensor(rows), y };
}

/** Two concentric circles like scikit-learn's make_circles (factor 0.5): inner class 1, outer class 0. */
function circles(n: number, noise: number, seed: number): Data {
  const g = new Generator(seed);
  const rows: number[][] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2, r = label ? 0.5 : 1, t = 2 * Math.PI * g.uniform();
    rows.push([r * Math.cos(t) + noise * g.normal(), r * Math.sin(t) + noise * g.normal()]);
    y.push(label);
  }
  return { X: tensor(rows), y };
}

/** XOR-like quadrants: uniform in [−1, 1]², label 1 where x₁x₂ > 0, points near the axes left out. */
function quadrants(n: number, seed: number): Data {
  const g = new Generator(seed);
  const rows: number[][] = [], y: number[] = [];
  while (rows.length < n) {
    const a = 2 * g.uniform() - 1, b = 2 * g.uniform() - 1;
    if (Math.abs(a) < 0.1 || Math.abs(b) < 0.1) continue;
    rows.push([a, b]);
    y.push(a * b > 0 ? 1 : 0);
  }
  return { X: tensor(rows), y };
}

/**
 * Checks the KKT conditions of the soft-margin dual to `tol`: α = 0 ⇒ y f ≥ 1,
 * 0 < α < C ⇒ y f = 1, α = C ⇒ y f ≤ 1, plus 0 ≤ α ≤ C and Σ α y = 0.
 */
function expectKKT(svc: SVC, X: Tensor, y: number[], tol: number): void {
  const alpha = svc.alpha.toFlatArray();
  const f = svc.decisionFunction(X).toFlatArray();
  const C = svc.C;
  let balance = 0;
  alpha.forEach((a, i) => {
    const s = y[i] > 0 ? 1 : -1, yf = s * f[i];
    balance += a * s;
    expect(a, `alpha ${i}`).toBeGreaterThanOrEqual(0);
    expect(a, `alpha ${i}`).toBeLessThanOrEqual(C);
    if (a === 0) expect(yf, `point ${i} (α = 0)`).toBeGreaterThanOrEqual(1 - tol);
    else if (a === C) expect(yf, `point ${i} (α = C)`).toBeLessThanOrEqual(1 + tol);
    else expect(Math.abs(yf - 1), `point ${i} (0 < α < C)`).toBeLessThanOrEqual(tol);
  });
  expect(Math.abs(balance)).toBeLessThan(1e-10);
  // The support vectors are the points with α > 0, and dualCoef = α y on them.
  const support = alpha.flatMap((a, i) => (a > 0 ? [i] : []));
  expect(svc.supportIndices.toFlatArray()).toEqual(support);
  expect(svc.dualCoef).toBeAllClose(support.map((i) => alpha[i] * (y[i] > 0 ? 1 : -1)));
}

/** Primal objective ½‖w‖² + C Σ max(0, 1 − y f) of a linear SVC. */
function primalObjective(svc: SVC, X: Tensor, y: number[]): number {
  const w = svc.coef.toFlatArray(), f = svc.decisionFunction(X).toFlatArray();
  const hinge = f.reduce((s, v, i) => s + Math.max(0, 1 - (y[i] > 0 ? 1 : -1) * v), 0);
  return 0.5 * w.reduce((s, v) => s + v * v, 0) + svc.C * hinge;
}

describe('SVC', () => {
  it('linear, hand-made case: support vectors (±1, 0), w = [1, 0], b = 0, margin 2', () => {
    const X = tensor([[1, 0], [2, 1], [2, -1], [3, 0], [-1, 0], [-2, 1], [-2, -1], [-3, 0]]);
    const y = [1, 1, 1, 1, 0, 0, 0, 0];
    const svc = new SVC({ kernel: 'linear', C: 1000, tol: 1e-8 }).fit(X, y);
    expect(svc.converged).toBe(true);
    expect(svc.supportIndices.toFlatArray()).toEqual([0, 4]);
    expect(svc.supportVectors).toBeAllClose([[1, 0], [-1, 0]]);
    expect(svc.supportVectors.dtype).toBe('float32');
    // w = Σ α_i y_i x_i = α(1, 0) + α(1, 0) = (1, 0) → α = 1/2.
    expect(svc.dualCoef).toBeAllClose([0.5, -0.5], { atol: 1e-7 });
    expect(svc.coef).toBeAllClose([1, 0], { atol: 1e-7 });
    expect(svc.intercept).toBeCloseTo(0, 7);
    expect(svc.margin).toBeCloseTo(2, 6);
    expect(svc.nSupport).toEqual([1, 1]);
    // Dual objective Σα − ½‖w‖² = 1 − 1/2.
    expect(svc.dualObjective).toBeCloseTo(0.5, 7);
    expect(svc.decisionFunction(tensor([[0.5, 3], [-2, 7]]))).toBeAllClose([0.5, -2], { atol: 1e-6 });
    expect(svc.predict(X).toFlatArray()).toEqual(y);
  });

  it('separable 2-D set: the support vectors are exactly the points on the margin; KKT holds', () => {
    const { X, y } = twoBlobs(60, 4, 0.7, 3);
    const svc = new SVC({ kernel: 'linear', C: 1e4, tol: 1e-6 }).fit(X, y);
    expect(svc.score(X, y)).toBe(1);
    expectKKT(svc, X, y, 1e-6);
    const f = svc.decisionFunction(X).toFlatArray();
    const onMargin = f.flatMap((v, i) => (Math.abs((y[i] ? 1 : -1) * v - 1) < 1e-4 ? [i] : []));
    expect(onMargin.length).toBeGreaterThanOrEqual(2);
    expect(svc.supportIndices.toFlatArray()).toEqual(onMargin);
    // Hard margin: no point inside, so the margin is the gap 2/‖w‖ between the two hyperplanes y f = 1.
    expect(Math.min(...f.map((v, i) => (y[i] ? 1 : -1) * v))).toBeGreaterThan(1 - 1e-6);
    // Strong duality with no slack: ½‖w‖² = 2 / margin² equals the dual objective.
    expect(2 / svc.margin ** 2).toBeCloseTo(svc.dualObjective, 4);
  });

  it('soft margin on overlapping classes: some α at C, KKT to tol, strong duality', () => {
    const { X, y } = twoBlobs(80, 2, 1, 4);
    const svc = new SVC({ kernel: 'linear', C: 0.5 }).fit(X, y);
    const alpha = svc.alpha.toFlatArray();
    expect(alpha.filter((a) => a === 0.5).length).toBeGreaterThan(3);
    expect(alpha.filter((a) => a > 0 && a < 0.5).length).toBeGreaterThanOrEqual(1);
    expectKKT(svc, X, y, 1e-3 + 1e-9);
    expect(Math.abs(primalObjective(svc, X, y) - svc.dualObjective) / svc.dualObjective).toBeLessThan(1e-2);
  });

  it('kernel rows from a small cache give the same solution as the full Gram matrix', () => {
    const { X, y } = circles(120, 0.1, 8);
    const full = new SVC({ kernel: 'rbf', C: 2, tol: 1e-6 }).fit(X, y);
    const cached = new SVC({ kernel: 'rbf', C: 2, tol: 1e-6, cacheSize: 0.01 }).fit(X, y);
    expect(cached.alpha).toBeAllClose(full.alpha, { atol: 1e-8, rtol: 1e-6 });
    expect(cached.intercept).toBeCloseTo(full.intercept, 8);
    expectKKT(cached, X, y, 1e-6);
  });

  it('RBF separates two concentric circles (≥ 95% held out); linear cannot (≤ 70%)', () => {
    const train = circles(200, 0.08, 1), test = circles(200, 0.08, 2);
    const rbf = new SVC({ kernel: 'rbf', C: 1 }).fit(train.X, train.y);
    expect(rbf.score(test.X, test.y)).toBeGreaterThanOrEqual(0.95);
    expectKKT(rbf, train.X, train.y, 1e-3 + 1e-9);
    const linear = new SVC({ kernel: 'linear', C: 1 }).fit(train.X, train.y);
    expect(linear.score(test.X, test.y)).toBeLessThanOrEqual(0.7);
  });

  it('polynomial kernel (degree 2) solves XOR-like quadrants; linear does not', () => {
    const train = quadrants(150, 5), test = quadrants(150, 6);
    const poly = new SVC({ kernel: 'poly', degree: 2, C: 10 }).fit(train.X, train.y);
    expect(poly.score(test.X, test.y)).toBeGreaterThanOrEqual(0.95);
    const linear = new SVC({ kernel: 'linear', C: 10 }).fit(train.X, train.y);
    expect(linear.score(test.X, test.y)).toBeLessThanOrEqual(0.7);
  });

  it("gamma 'scale' is 1 / (D · var(X)), 'auto' is 1 / D; a kernel function works the same", () => {
    const { X, y } = circles(50, 0.1, 9);
    const values = X.toFlatArray();
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    const svc = new SVC({ kernel: 'rbf' }).fit(X, y);
    expect(svc.gammaValue).toBeCloseTo(1 / (2 * variance), 10);
    expect(new SVC({ gamma: 'auto' }).fit(X, y).gammaValue).toBe(0.5);
    const custom = new SVC({ kernel: rbfKernel({ gamma: svc.gammaValue }) }).fit(X, y);
    expect(custom.decisionFunction(X)).toBeAllClose(svc.decisionFunction(X), { atol: 1e-5 });
    expect(custom.gammaValue).toBeUndefined();
    expect(() => custom.coef).toThrow(/SVC: coef is only defined for the linear kernel, this SVC uses a custom kernel/);
  });

  it('±1 labels give ±1 predictions; decision values take X dtype', () => {
    const { X, y } = twoBlobs(40, 4, 0.5, 12);
    const signs = y.map((v) => 2 * v - 1);
    const svc = new SVC({ kernel: 'linear' }).fit(X, signs);
    expect(svc.predict(X).toFlatArray()).toEqual(signs);
    expect(svc.score(X, signs)).toBe(1);
    expect(svc.decisionFunction(X.float()).dtype).toBe('float32');
    expect(svc.decisionFunction(X).dtype).toBe('float64');
  });

  it('throws on mismatched lengths, non-binary labels, wrong feature counts and use before fit', () => {
    const X = zeros([5, 2]);
    expect(() => new SVC().fit(X, [0, 1, 0, 1])).toThrow(ShapeError);
    expect(() => new SVC().fit(X, [0, 1, 0, 1])).toThrow(/SVC\.fit: X has shape \[5, 2\] but y has shape \[4\]/);
    expect(() => new SVC().fit(X, [0, 1, 2, 1, 0])).toThrow(ArgumentError);
    expect(() => new SVC().fit(X, [0, 1, 2, 1, 0])).toThrow(/SVC\.fit: labels must be binary, \{0, 1\} or \{-1, \+1\}; got 3 distinct values \(0, 1, 2\)/);
    const svc = new SVC({ kernel: 'linear' }).fit(tensor([[0, 0], [1, 1], [2, 2], [3, 3]]), [0, 0, 1, 1]);
    expect(() => svc.predict(zeros([3, 3]))).toThrow(ShapeError);
    expect(() => svc.predict(zeros([3, 3]))).toThrow(/SVC: expected X of shape \[N, 2\] \(2 features\), got shape \[3, 3\]/);
    expect(() => new SVC().predict(X)).toThrow(/SVC: predict is not available before fit/);
    expect(() => new SVC({ kernel: 'sigmoid' as 'rbf' })).toThrow(/SVC: unknown kernel 'sigmoid'/);
    expect(() => new SVC({ C: 0 })).toThrow(/SVC: C must be a positive number, got 0/);
    expect(() => new SVC({ kernel: (a: Tensor) => a }).fit(tensor([[0], [1]]), [0, 1])).toThrow(/SVC: the kernel returned shape \[2, 1\]/);
  });
});

describe('OneVsRestSVC', () => {
  it('fits one SVC per class and predicts the largest decision value', () => {
    const { X, y } = threeBlobs(13);
    const clf = new OneVsRestSVC({ kernel: 'linear', C: 10 }).fit(X, y);
    expect(clf.classes).toEqual([0, 1, 2]);
    expect(clf.estimators).toHaveLength(3);
    expect(clf.decisionFunction(X).shape).toEqual([90, 3]);
    expect(clf.score(X, y)).toBe(1);
    expect(clf.predict(tensor([[0, 3], [3, -2], [-3, -2]])).toFlatArray()).toEqual([0, 1, 2]);
    expect(() => new OneVsRestSVC().fit(X, y.map(() => 1))).toThrow(/OneVsRestSVC\.fit: labels hold only the class 1/);
  });
});

describe('LinearSVM', () => {
  it('binary hinge: the objective starts at C (w = 0) and the solution approaches the dual one', () => {
    const { X, y } = twoBlobs(60, 2, 1, 4);
    const svm = new LinearSVM({ C: 1, dtype: 'float64' });
    const { loss } = svm.fit(X, y, { epochs: 3000, lr: 0.5, lrDecay: 0.01 });
    expect(loss[0]).toBeCloseTo(1, 12); // every hinge is 1 at w = 0, b = 0
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    const svc = new SVC({ kernel: 'linear', C: 1, tol: 1e-6 }).fit(X, y);
    expect(svm.coef).toBeAllClose(svc.coef, { atol: 5e-3 });
    expect(svm.intercept).toBeCloseTo(svc.intercept, 2);
    expect(svm.margin).toBeCloseTo(svc.margin, 2);
    // Strong duality: the primal optimum J/N equals the dual optimum / N.
    expect(loss[loss.length - 1]).toBeCloseTo(svc.dualObjective / 60, 4);
    expect(svm.score(X, y)).toBe(svc.score(X, y));
  });

  it('Crammer–Singer and Weston–Watkins hinges separate 3 classes', () => {
    const { X, y } = threeBlobs(17);
    for (const [multiClass, start] of [['crammer-singer', 1], ['weston-watkins', 2]] as const) {
      const svm = new LinearSVM({ C: 1, multiClass });
      const { loss } = svm.fit(X, y, { epochs: 200, lr: 0.1, batchSize: 30, generator: new Generator(1) });
      // At W = 0 the Crammer–Singer hinge is 1, the Weston–Watkins one is (C − 1) = 2 per sample.
      expect(loss[0]).toBeLessThan(start);
      expect(svm.weight!.shape).toEqual([3, 2]);
      expect(svm.decisionFunction(X).shape).toEqual([90, 3]);
      expect(svm.score(X, y)).toBe(1);
      expect(loss[loss.length - 1]).toBeLessThan(0.2 * start);
    }
    const first = new LinearSVM({ multiClass: 'weston-watkins' }).fit(X, y, { epochs: 1, lr: 1e-9 });
    expect(first.loss[0]).toBeCloseTo(2, 6);
  });

  it('throws on bad labels and shapes', () => {
    const svm = new LinearSVM();
    expect(() => svm.predict(zeros([2, 2]))).toThrow(/LinearSVM: decisionFunction is not available before fit/);
    expect(() => svm.fit(zeros([3, 2]), [0, 1])).toThrow(/LinearSVM\.fit: X has shape \[3, 2\] but y has shape \[2\]/);
    expect(() => svm.fit(zeros([3, 2]), [0, 1, 1.5])).toThrow(ArgumentError);
    svm.fit(tensor([[0, 0], [1, 1], [2, 2]]), [0, 0, 1], { epochs: 2 });
    expect(() => svm.predict(zeros([2, 3]))).toThrow(/LinearSVM: expected X of shape \[N, 2\]/);
    expect(() => new LinearSVM({ multiClass: 'ovr' as 'crammer-singer' })).toThrow(/LinearSVM: multiClass must be/);
    expect(() => new LinearSVM().fit(tensor([[0, 1], [1, 0]]), [0, 1], { epochs: 3, lr: 1e300 })).toThrow(NonFiniteError);
    expect(() => new LinearSVM().fit(tensor([[0, 1], [1, 0]]), [0, 1], { epochs: 3, lr: 1e300 })).toThrow(/LinearSVM\.fit: the objective became NaN at step 1/);
  });
});
