/**
 * Support vector machines: the soft-margin classifier that maximises the gap
 * between two classes.
 *
 * - `SVC`: the kernel SVM, trained on the dual problem by sequential minimal
 *   optimisation (SMO) with LIBSVM's second-order working-set selection.
 * - `OneVsRestSVC`: one `SVC` per class against the rest, for C classes.
 * - `LinearSVM`: the primal linear SVM (binary hinge, or the Crammer–Singer /
 *   Weston–Watkins multi-class hinge) trained by subgradient descent with autograd.
 */
import { inspect } from 'node:util';
import { Tensor, allocate, tensor, zeros, type DType } from '../tensor';
import { noGrad } from '../autograd';
import { Generator, globalGenerator } from '../random';
import { oneHot } from '../ops/indexing';
import { ArgumentError, NonFiniteError, ShapeError, fmtShape } from '../errors';
import {
  accuracyOf, asMatrix, asSamples, binarySigns, binaryTargets, checkClassLabels, checkPositive, labelValues,
  type BinaryLabelStyle, type LabelsLike, type MatrixLike,
} from './common';
import { linearKernel, polynomialKernel, rbfKernel, type SVMKernelFunction } from './kernels';

// ---------------------------------------------------------------------------
// SVC: the dual problem and SMO
// ---------------------------------------------------------------------------

export interface SVCOptions {
  /** Penalty C on margin violations (default 1); large C approaches the hard margin. */
  C?: number;
  /** 'linear', 'poly', 'rbf' (default), or any `(X [N, D], Y [M, D]) => K [N, M]`, e.g. `rbfKernel({ gamma: 2 })`. */
  kernel?: 'linear' | 'poly' | 'rbf' | SVMKernelFunction;
  /** γ of 'poly' and 'rbf': 'scale' (default) = 1 / (D · var(X)), 'auto' = 1 / D, or a number. */
  gamma?: 'scale' | 'auto' | number;
  /** Degree of 'poly' (default 3). */
  degree?: number;
  /** c₀ of 'poly' (default 1, as `polynomialKernel`; scikit-learn's SVC uses 0). */
  coef0?: number;
  /** Stopping tolerance on the KKT conditions (default 1e-3, as LIBSVM). */
  tol?: number;
  /** Most SMO steps (default max(10⁷, 100·N), as LIBSVM); see `converged`. */
  maxIter?: number;
  /** Memory for kernel rows in MB (default 200); when the N×N Gram matrix fits, no row is computed twice. */
  cacheSize?: number;
}

interface SMOResult {
  alpha: Float64Array;
  rho: number;
  iterations: number;
  converged: boolean;
  objective: number;
}

const TAU = 1e-12;

/**
 * SMO for the C-SVC dual, after LIBSVM's `Solver` (Chang & Lin) without shrinking:
 *
 *   min_α ½ αᵀQα − Σα   s.t. 0 ≤ α_i ≤ C, Σ y_i α_i = 0,   Q_ij = y_i y_j K_ij.
 *
 * With G = Qα − 1, each step takes i = argmax_{t ∈ I_up} −y_t G_t and the j in
 * I_low that most decreases the objective by the second-order rule of Fan, Chen
 * & Lin (2005): min −b²/a with b = −y_i G_i + y_j G_j > 0, a = K_ii + K_jj − 2K_ij.
 * It stops when the maximal violation m(α) − M(α) < tol.
 */
function solveSMO(
  n: number, y: Float64Array, C: number, tol: number, maxIter: number,
  rowOf: (i: number) => Float64Array, diag: Float64Array,
): SMOResult {
  const alpha = new Float64Array(n);
  const G = new Float64Array(n).fill(-1);
  let iterations = 0, converged = false;
  while (iterations < maxIter) {
    // i: the most violating index in I_up = {α < C, y = +1} ∪ {α > 0, y = −1}.
    let gMax = -Infinity, i = -1;
    for (let t = 0; t < n; t++) {
      if (y[t] > 0 ? alpha[t] < C : alpha[t] > 0) {
        const v = -y[t] * G[t];
        if (v >= gMax) {
          gMax = v;
          i = t;
        }
      }
    }
    if (i < 0) {
      converged = true;
      break;
    }
    const Ki = rowOf(i);
    // j: over I_low = {α > 0, y = +1} ∪ {α < C, y = −1}, the largest second-order decrease.
    let gMax2 = -Infinity, j = -1, best = Infinity;
    for (let t = 0; t < n; t++) {
      if (y[t] > 0 ? alpha[t] > 0 : alpha[t] < C) {
        const v = y[t] * G[t];
        if (v >= gMax2) gMax2 = v;
        const b = gMax + v;
        if (b > 0) {
          const a = diag[i] + diag[t] - 2 * Ki[t];
          const decrease = -(b * b) / (a > 0 ? a : TAU);
          if (decrease <= best) {
            best = decrease;
            j = t;
          }
        }
      }
    }
    if (gMax + gMax2 < tol || j < 0) {
      converged = true;
      break;
    }
    iterations++;
    const Kj = rowOf(j);
    const yi = y[i], yj = y[j];
    const oldI = alpha[i], oldJ = alpha[j];
    let quad = diag[i] + diag[j] - 2 * Ki[j];
    if (quad <= 0) quad = TAU;
    // Minimise along the line that keeps Σ yα fixed, then clip to the box (LIBSVM's update).
    if (yi !== yj) {
      const delta = (-G[i] - G[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += delta;
      alpha[j] += delta;
      if (diff > 0) {
        if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = diff; }
      } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = -diff; }
      if (diff > 0) {
        if (alpha[i] > C) { alpha[i] = C; alpha[j] = C - diff; }
      } else if (alpha[j] > C) { alpha[j] = C; alpha[i] = C + diff; }
    } else {
      const delta = (G[i] - G[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= delta;
      alpha[j] += delta;
      if (sum > C) {
        if (alpha[i] > C) { alpha[i] = C; alpha[j] = sum - C; }
      } else if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = sum; }
      if (sum > C) {
        if (alpha[j] > C) { alpha[j] = C; alpha[i] = sum - C; }
      } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = sum; }
    }
    // G_t += Q_ti Δα_i + Q_tj Δα_j
    const di = yi * (alpha[i] - oldI), dj = yj * (alpha[j] - oldJ);
    for (let t = 0; t < n; t++) G[t] += y[t] * (Ki[t] * di + Kj[t] * dj);
  }
  // ρ: the mean of y_t G_t over free vectors (0 < α < C), else the middle of the feasible interval.
  let ub = Infinity, lb = -Infinity, sumFree = 0, numFree = 0, objective = 0;
  for (let t = 0; t < n; t++) {
    const yG = y[t] * G[t];
    if (alpha[t] >= C) {
      if (y[t] < 0) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (alpha[t] <= 0) {
      if (y[t] > 0) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      numFree++;
      sumFree += yG;
    }
    objective += alpha[t] * (G[t] - 1);
  }
  const rho = numFree > 0 ? sumFree / numFree : (ub + lb) / 2;
  return { alpha, rho, iterations, converged, objective: objective / 2 };
}

/**
 * Rows of the Gram matrix K(X, X), computed when SMO first asks for them
 * (SMO often touches only a few hundred rows). When N² doubles fit in
 * `cacheBytes` every row is kept; otherwise the least recently used rows are
 * dropped. The diagonal comes from K on blocks of 64 rows.
 */
function gramRows(kernel: SVMKernelFunction, X: Tensor, cacheBytes: number): { rowOf: (i: number) => Float64Array; diag: Float64Array } {
  const n = X.shape[0];
  const gram = (A: Tensor, B: Tensor): Float64Array => {
    const k = kernel(A, B);
    if (k.ndim !== 2 || k.shape[0] !== A.shape[0] || k.shape[1] !== B.shape[0]) {
      throw new ShapeError(`SVC: the kernel returned shape ${fmtShape(k.shape)} for inputs of shapes ${fmtShape(A.shape)} and ${fmtShape(B.shape)}; expected [${A.shape[0]}, ${B.shape[0]}]`);
    }
    return k.toDType('float64').values() as Float64Array;
  };
  const diag = new Float64Array(n);
  for (let start = 0; start < n; start += 64) {
    const count = Math.min(64, n - start);
    const block = X.narrow(0, start, count);
    const k = gram(block, block);
    for (let i = 0; i < count; i++) diag[start + i] = k[i * count + i];
  }
  const capacity = Math.max(2, Math.floor(cacheBytes / (8 * n)));
  if (capacity >= n) {
    const full = new Float64Array(n * n);
    const done = new Uint8Array(n);
    return {
      diag,
      rowOf: (i) => {
        const row = full.subarray(i * n, (i + 1) * n);
        if (!done[i]) {
          row.set(gram(X.narrow(0, i, 1), X));
          done[i] = 1;
        }
        return row;
      },
    };
  }
  const cache = new Map<number, Float64Array>();
  const rowOf = (i: number): Float64Array => {
    let row = cache.get(i);
    if (row) {
      cache.delete(i);
    } else {
      row = gram(X.narrow(0, i, 1), X);
      if (cache.size >= capacity) cache.delete(cache.keys().next().value as number);
    }
    cache.set(i, row);
    return row;
  };
  return { rowOf, diag };
}

interface SVCFit {
  numFeatures: number;
  labelStyle: BinaryLabelStyle;
  kernel: SVMKernelFunction;
  gamma: number | undefined;
  supportVectors: Tensor;
  supportVectors64: Tensor;
  supportIndices: Tensor;
  dualCoef: Tensor;
  alpha: Float64Array;
  intercept: number;
  nSupport: [number, number];
  iterations: number;
  converged: boolean;
  dualObjective: number;
}

/**
 * Support vector classifier: the soft-margin SVM with a kernel, for two classes.
 *
 * Primal: min ½‖w‖² + C Σ ξ_i  s.t.  y_i (w·φ(x_i) + b) ≥ 1 − ξ_i, ξ_i ≥ 0.
 * Dual, solved here by SMO (Platt 1998, with the working-set selection of
 * Fan, Chen & Lin 2005 as in LIBSVM):
 *
 *   max Σ α_i − ½ Σ_ij α_i α_j y_i y_j K(x_i, x_j)   s.t.  0 ≤ α_i ≤ C,  Σ α_i y_i = 0.
 *
 * The decision function is f(x) = Σ_i α_i y_i K(x_i, x) + b, summed over the
 * support vectors (α_i > 0). At the solution (to `tol`): α_i = 0 ⇒ y_i f(x_i) ≥ 1;
 * 0 < α_i < C ⇒ y_i f(x_i) = 1 (on the margin); α_i = C ⇒ y_i f(x_i) ≤ 1.
 *
 * Labels are {0, 1} or {−1, +1}; `predict` answers in the same convention.
 * For more classes use `OneVsRestSVC`.
 *
 * @example
 *   const svc = new SVC({ kernel: 'linear', C: 10 }).fit(X, y);
 *   svc.supportVectors;  // [S, D]
 *   svc.coef, svc.margin; // w = Σ α_i y_i x_i and 2/‖w‖
 *   new SVC({ kernel: 'rbf', gamma: 'scale' }).fit(X, y).score(Xtest, ytest);
 */
export class SVC {
  readonly C: number;
  readonly kernel: 'linear' | 'poly' | 'rbf' | SVMKernelFunction;
  readonly gamma: 'scale' | 'auto' | number;
  readonly degree: number;
  readonly coef0: number;
  readonly tol: number;
  readonly maxIter: number | undefined;
  readonly cacheSize: number;
  private fitted: SVCFit | null = null;

  constructor(opts: SVCOptions = {}) {
    this.C = opts.C ?? 1;
    this.kernel = opts.kernel ?? 'rbf';
    this.gamma = opts.gamma ?? 'scale';
    this.degree = opts.degree ?? 3;
    this.coef0 = opts.coef0 ?? 1;
    this.tol = opts.tol ?? 1e-3;
    this.maxIter = opts.maxIter;
    this.cacheSize = opts.cacheSize ?? 200;
    checkPositive('SVC', 'C', this.C);
    checkPositive('SVC', 'tol', this.tol);
    checkPositive('SVC', 'degree', this.degree, true);
    checkPositive('SVC', 'cacheSize', this.cacheSize);
    if (this.maxIter !== undefined) checkPositive('SVC', 'maxIter', this.maxIter, true);
    if (typeof this.kernel !== 'function' && !['linear', 'poly', 'rbf'].includes(this.kernel)) {
      throw new ArgumentError(`SVC: unknown kernel '${String(this.kernel)}'; use 'linear', 'poly', 'rbf' or a kernel function`);
    }
    if (typeof this.gamma === 'number') checkPositive('SVC', 'gamma', this.gamma);
    else if (this.gamma !== 'scale' && this.gamma !== 'auto') {
      throw new ArgumentError(`SVC: gamma must be 'scale', 'auto' or a positive number, got ${String(this.gamma)}`);
    }
    if (!Number.isFinite(this.coef0)) throw new ArgumentError(`SVC: coef0 must be a finite number, got ${this.coef0}`);
  }

  /** γ for data X: 'scale' is 1 / (D · var(X)) over all entries (population variance; 1 if var is 0), 'auto' is 1 / D. */
  resolveGamma(X: Tensor): number {
    if (typeof this.gamma === 'number') return this.gamma;
    const d = X.shape[1];
    if (this.gamma === 'auto') return 1 / d;
    const variance = X.toDType('float64').var(null, false, 0).item();
    return variance > 0 ? 1 / (d * variance) : 1;
  }

  /**
   * Solves the dual for X [N, D] and labels y [N] in {0, 1} or {−1, +1}.
   * Returns `this`.
   */
  fit(X: MatrixLike, y: LabelsLike): this {
    const owner = 'SVC.fit';
    const x = asMatrix(owner, X);
    const { signs, style } = binarySigns(owner, labelValues(owner, x, y));
    const n = x.shape[0], d = x.shape[1];
    if (d === 0) throw new ShapeError(`${owner}: X has no features (shape ${fmtShape(x.shape)})`);
    const x64 = x.toDType('float64').contiguous();
    const gamma = typeof this.kernel === 'function' || this.kernel === 'linear' ? undefined : this.resolveGamma(x64);
    const kernel: SVMKernelFunction =
      typeof this.kernel === 'function' ? this.kernel
      : this.kernel === 'linear' ? linearKernel()
      : this.kernel === 'poly' ? polynomialKernel({ degree: this.degree, gamma, coef0: this.coef0 })
      : rbfKernel({ gamma });
    const maxIter = this.maxIter ?? Math.max(10_000_000, 100 * n);
    const result = noGrad(() => {
      const { rowOf, diag } = gramRows(kernel, x64, this.cacheSize * 1024 * 1024);
      return solveSMO(n, signs, this.C, this.tol, maxIter, rowOf, diag);
    });
    const { alpha } = result;
    const support: number[] = [];
    const nSupport: [number, number] = [0, 0];
    for (let i = 0; i < n; i++) {
      if (alpha[i] > 0) {
        support.push(i);
        nSupport[signs[i] > 0 ? 1 : 0]++;
      }
    }
    const supportIndices = tensor(support, { dtype: 'int32' });
    const coef = new Float64Array(support.length);
    support.forEach((i, k) => (coef[k] = alpha[i] * signs[i]));
    this.fitted = {
      numFeatures: d,
      labelStyle: style,
      kernel,
      gamma,
      supportVectors: x.indexSelect(0, supportIndices).detach(),
      supportVectors64: x64.indexSelect(0, supportIndices).detach(),
      supportIndices,
      dualCoef: new Tensor(coef, [support.length]),
      alpha,
      intercept: -result.rho,
      nSupport,
      iterations: result.iterations,
      converged: result.converged,
      dualObjective: -result.objective,
    };
    return this;
  }

  private state(what: string): SVCFit {
    if (!this.fitted) throw new ArgumentError(`SVC: ${what} is not available before fit(X, y)`);
    return this.fitted;
  }

  /** The support vectors x_i (α_i > 0), shape [S, D], in X's dtype. */
  get supportVectors(): Tensor { return this.state('supportVectors').supportVectors; }
  /** Row indices in the training X of the support vectors, int32 [S]. */
  get supportIndices(): Tensor { return this.state('supportIndices').supportIndices; }
  /** α_i y_i for each support vector, float64 [S]. */
  get dualCoef(): Tensor { return this.state('dualCoef').dualCoef; }
  /** Every α_i (0 off the support vectors), float64 [N]: the dual solution. */
  get alpha(): Tensor {
    const { alpha } = this.state('alpha');
    return new Tensor(Float64Array.from(alpha), [alpha.length]);
  }
  /** b in f(x) = Σ α_i y_i K(x_i, x) + b. */
  get intercept(): number { return this.state('intercept').intercept; }
  /** Support vectors per class: [negative class, positive class]. */
  get nSupport(): [number, number] { return [...this.state('nSupport').nSupport]; }
  /** The γ used by the fitted 'poly'/'rbf' kernel (after resolving 'scale'/'auto'); undefined for other kernels. */
  get gammaValue(): number | undefined { return this.state('gammaValue').gamma; }
  /** SMO steps taken. */
  get nIter(): number { return this.state('nIter').iterations; }
  /** False when `maxIter` stopped SMO before the KKT conditions held to `tol`. */
  get converged(): boolean { return this.state('converged').converged; }
  /** The dual objective Σ α_i − ½ αᵀQα at the solution. */
  get dualObjective(): number { return this.state('dualObjective').dualObjective; }

  /** For the linear kernel: w = Σ α_i y_i x_i, float64 [D]. */
  get coef(): Tensor {
    const f = this.state('coef');
    if (this.kernel !== 'linear') {
      throw new ArgumentError(`SVC: coef is only defined for the linear kernel, this SVC uses ${typeof this.kernel === 'function' ? 'a custom kernel' : `kernel '${this.kernel}'`}`);
    }
    return f.dualCoef.matmul(f.supportVectors64);
  }

  /** For the linear kernel: the width of the margin, 2 / ‖w‖. */
  get margin(): number {
    const w = this.coef;
    return 2 / Math.sqrt(w.square().sum().item());
  }

  /** f(x) = Σ α_i y_i K(x_i, x) + b for each row of X [N, D], shape [N] (in X's float dtype). */
  decisionFunction(X: MatrixLike | readonly number[]): Tensor {
    const f = this.state('decisionFunction');
    const x = asSamples('SVC', X, f.numFeatures);
    const n = x.shape[0];
    const out = new Float64Array(n);
    noGrad(() => {
      const x64 = x.toDType('float64');
      const step = Math.max(1, Math.floor(4_194_304 / Math.max(1, f.dualCoef.size)));
      for (let start = 0; start < n; start += step) {
        const count = Math.min(step, n - start);
        const k = f.kernel(x64.narrow(0, start, count), f.supportVectors64).toDType('float64');
        out.set(k.matmul(f.dualCoef).add(f.intercept).values(), start);
      }
    });
    const result = new Tensor(out, [n]);
    return x.dtype === 'float64' ? result : result.toDType(x.dtype);
  }

  /** Class labels, int32 [N]: the positive class (1) where f(x) > 0, else 0 (or −1 after fitting on ±1). */
  predict(X: MatrixLike | readonly number[]): Tensor {
    const f = this.state('predict');
    const z = this.decisionFunction(X).values();
    const low = f.labelStyle === '01' ? 0 : -1;
    return new Tensor(Int32Array.from(z, (v) => (v > 0 ? 1 : low)), [z.length]);
  }

  /** Accuracy on X, y. */
  score(X: MatrixLike, y: LabelsLike): number {
    const f = this.state('score');
    const x = asSamples('SVC.score', asMatrix('SVC.score', X), f.numFeatures);
    const target = binaryTargets('SVC.score', labelValues('SVC.score', x, y));
    const z = this.decisionFunction(x).values();
    return accuracyOf(Float64Array.from(z, (v) => (v > 0 ? 1 : 0)), target);
  }

  toString(): string {
    const k = typeof this.kernel === 'function' ? 'custom' : this.kernel;
    const fit = this.fitted ? `, nSupport=[${this.fitted.nSupport.join(', ')}]` : '';
    return `SVC(C=${this.C}, kernel=${k}${k === 'rbf' || k === 'poly' ? `, gamma=${this.gamma}` : ''}${fit})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * C classes by one binary `SVC` per class (that class against all others);
 * the prediction is the class with the largest decision value.
 *
 * @example
 *   const clf = new OneVsRestSVC({ kernel: 'rbf', C: 10 }).fit(X, y);  // y in 0..C−1
 *   clf.predict(Xtest);  // int32 class indices
 */
export class OneVsRestSVC {
  readonly options: SVCOptions;
  /** The binary classifiers, one per entry of `classes`. */
  estimators: SVC[] = [];
  /** The distinct labels seen by fit, sorted. */
  classes: number[] = [];
  private numFeatures = 0;

  constructor(opts: SVCOptions = {}) {
    new SVC(opts); // validates the options now rather than at fit
    this.options = { ...opts };
  }

  /** Fits one SVC per class on X [N, D], y [N] (integer labels, at least two classes). Returns `this`. */
  fit(X: MatrixLike, y: LabelsLike): this {
    const owner = 'OneVsRestSVC.fit';
    const x = asMatrix(owner, X);
    const labels = labelValues(owner, x, y);
    const classes = [...new Set(labels)].sort((a, b) => a - b);
    if (classes.some((c) => !Number.isInteger(c))) {
      throw new ArgumentError(`${owner}: labels must be integers, got ${classes.filter((c) => !Number.isInteger(c)).slice(0, 3).join(', ')}`);
    }
    if (classes.length < 2) throw new ArgumentError(`${owner}: labels hold only the class ${classes.join(', ')}; at least two classes are needed`);
    this.estimators = classes.map((c) => new SVC(this.options).fit(x, Array.from(labels, (v) => (v === c ? 1 : 0))));
    this.classes = classes;
    this.numFeatures = x.shape[1];
    return this;
  }

  /** One decision value per class, [N, C]. */
  decisionFunction(X: MatrixLike | readonly number[]): Tensor {
    if (this.estimators.length === 0) throw new ArgumentError('OneVsRestSVC: decisionFunction is not available before fit(X, y)');
    const x = asSamples('OneVsRestSVC', X, this.numFeatures).toDType('float64');
    const k = this.estimators.length, n = x.shape[0];
    const out = new Float64Array(n * k);
    this.estimators.forEach((svc, c) => {
      const f = svc.decisionFunction(x).values();
      for (let i = 0; i < n; i++) out[i * k + c] = f[i];
    });
    return new Tensor(out, [n, k]);
  }

  /** The label of the largest decision value, int32 [N]. */
  predict(X: MatrixLike | readonly number[]): Tensor {
    const best = this.decisionFunction(X).argmax(1).values();
    return new Tensor(Int32Array.from(best, (c) => this.classes[c]), [best.length]);
  }

  /** Accuracy on X, y. */
  score(X: MatrixLike, y: LabelsLike): number {
    const x = asSamples('OneVsRestSVC.score', asMatrix('OneVsRestSVC.score', X), this.numFeatures);
    return accuracyOf(this.predict(x).values(), labelValues('OneVsRestSVC.score', x, y));
  }

  toString(): string {
    return `OneVsRestSVC(classes=[${this.classes.join(', ')}], ${new SVC(this.options).toString()})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

// ---------------------------------------------------------------------------
// LinearSVM: the primal problem by subgradient descent
// ---------------------------------------------------------------------------

export interface LinearSVMOptions {
  /** Penalty C on the hinge losses (default 1). */
  C?: number;
  /**
   * Number of classes. Default: 2 when the labels are {0, 1} or {−1, +1}
   * (binary hinge, w [D]), else the largest label + 1 (multi-class hinge, W [C, D]).
   */
  numClasses?: number;
  /** Multi-class hinge: 'crammer-singer' (default) or 'weston-watkins'. */
  multiClass?: 'crammer-singer' | 'weston-watkins';
  /** dtype of the weights (default float32). */
  dtype?: 'float32' | 'float64';
}

export interface LinearSVMFitOptions {
  /** Passes over the data (default 100). */
  epochs?: number;
  /** Step size η (default 0.1). */
  lr?: number;
  /** Step size in epoch e is η / (1 + lrDecay · e) (default 0: constant). */
  lrDecay?: number;
  /** Samples per step (default: all N, plain full-batch subgradient descent). */
  batchSize?: number;
  /** Reshuffle the samples each epoch when batchSize < N (default true). */
  shuffle?: boolean;
  /** Source of the shuffles (default: the global generator). */
  generator?: Generator;
}

export interface LinearSVMHistory {
  /** Mean over each epoch's steps of the objective divided by N: C·mean(hinge) + ½‖w‖²/N. */
  loss: number[];
}

/**
 * The linear SVM in its primal form, trained by subgradient descent with autograd:
 *
 *   binary:       J(w, b) = ½‖w‖² + C Σ_i max(0, 1 − y_i (w·x_i + b)),   y_i ∈ {−1, +1}
 *   Crammer–Singer: J(W, b) = ½‖W‖² + C Σ_i max(0, 1 + max_{k≠y_i} s_ik − s_iy_i)
 *   Weston–Watkins: J(W, b) = ½‖W‖² + C Σ_i Σ_{k≠y_i} max(0, 1 + s_ik − s_iy_i)
 *
 * with scores s_i = W x_i + b. The bias is not penalised. Each step minimises
 * J/N on a batch: C·mean(hinge) + ½‖w‖²/N (the same minimiser as J), then
 * w ← w − η ∂(J/N)/∂w, with the subgradient that autograd gives at the kinks.
 *
 * @example
 *   const svm = new LinearSVM({ C: 1 });
 *   svm.fit(X, y, { epochs: 200, lr: 0.1 });
 *   svm.score(X, y);
 */
export class LinearSVM {
  readonly C: number;
  readonly multiClass: 'crammer-singer' | 'weston-watkins';
  readonly dtype: 'float32' | 'float64';
  private readonly requestedClasses: number | undefined;
  /** w [D] (binary) or W [C, D], created by fit. */
  weight: Tensor | null = null;
  /** b: 0-d (binary) or [C], created by fit. */
  bias: Tensor | null = null;
  /** 2 for the binary hinge, else the number of classes; set by fit. */
  numClasses = 0;
  labelStyle: BinaryLabelStyle = '01';

  constructor(opts: LinearSVMOptions = {}) {
    this.C = opts.C ?? 1;
    this.multiClass = opts.multiClass ?? 'crammer-singer';
    this.dtype = opts.dtype ?? 'float32';
    this.requestedClasses = opts.numClasses;
    checkPositive('LinearSVM', 'C', this.C);
    if (this.requestedClasses !== undefined) {
      checkPositive('LinearSVM', 'numClasses', this.requestedClasses, true);
      if (this.requestedClasses < 2) throw new ArgumentError(`LinearSVM: numClasses must be at least 2, got ${this.requestedClasses}`);
    }
    if (this.multiClass !== 'crammer-singer' && this.multiClass !== 'weston-watkins') {
      throw new ArgumentError(`LinearSVM: multiClass must be 'crammer-singer' or 'weston-watkins', got '${String(this.multiClass)}'`);
    }
    if (this.dtype !== 'float32' && this.dtype !== 'float64') throw new ArgumentError(`LinearSVM: dtype must be float32 or float64, got ${String(this.dtype)}`);
  }

  /** The hinge part of the objective for a batch: one loss per sample, [B]. */
  private hinge(x: Tensor, targets: Tensor): Tensor {
    const w = this.weight!, b = this.bias!;
    if (this.numClasses === 2) {
      // targets: ±1 floats
      return x.matmul(w).add(b).mul(targets).neg().add(1).relu();
    }
    // targets: int32 class indices
    const scores = x.matmul(w.T).add(b); // [B, C]
    const offMargin = oneHot(targets, this.numClasses).neg().add(1).toDType(scores.dtype); // Δ_ik = 1 − [k = y_i]
    const own = scores.gather(1, targets.unsqueeze(1)); // [B, 1]
    if (this.multiClass === 'crammer-singer') return scores.add(offMargin).max(1).sub(own.squeeze(1));
    return scores.add(offMargin).sub(own).relu().sum(1);
  }

  /**
   * Minimises the primal objective on X [N, D] with labels y [N] (binary
   * {0, 1} / ±1, or class indices), starting from zero weights.
   */
  fit(X: MatrixLike, y: LabelsLike, opts: LinearSVMFitOptions = {}): LinearSVMHistory {
    const owner = 'LinearSVM.fit';
    const x = asMatrix(owner, X).toDType(this.dtype).contiguous();
    const labels = labelValues(owner, x, y);
    const n = x.shape[0], d = x.shape[1];
    const epochs = opts.epochs ?? 100, lr = opts.lr ?? 0.1, lrDecay = opts.lrDecay ?? 0;
    const batchSize = Math.min(opts.batchSize ?? n, n);
    checkPositive(owner, 'epochs', epochs, true);
    checkPositive(owner, 'lr', lr);
    checkPositive(owner, 'batchSize', batchSize, true);
    if (!(lrDecay >= 0)) throw new ArgumentError(`${owner}: lrDecay must be ≥ 0, got ${lrDecay}`);
    const generator = opts.generator ?? globalGenerator;
    const shuffle = opts.shuffle ?? true;

    let targets: Tensor;
    const binaryLooking = labels.every((v) => v === 0 || v === 1 || v === -1);
    let largest = 0;
    for (const v of labels) largest = Math.max(largest, v);
    const numClasses = this.requestedClasses ?? (binaryLooking ? 2 : Math.floor(largest) + 1);
    if (numClasses === 2) {
      const { signs, style } = binarySigns(owner, labels);
      this.labelStyle = style;
      targets = new Tensor(allocate(this.dtype, n), [n]);
      targets.data.set(signs);
    } else {
      checkClassLabels(owner, labels, numClasses);
      targets = tensor(Int32Array.from(labels));
    }
    this.numClasses = numClasses;
    const dtype: DType = this.dtype;
    const weight = zeros(numClasses === 2 ? [d] : [numClasses, d], { dtype, requiresGrad: true });
    const bias = zeros(numClasses === 2 ? [] : [numClasses], { dtype, requiresGrad: true });
    this.weight = weight;
    this.bias = bias;
    const params = [weight, bias];

    const loss: number[] = [];
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const rate = lr / (1 + lrDecay * epoch);
      const order = batchSize < n && shuffle ? generator.permutation(n) : null;
      let total = 0, steps = 0;
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        let xb: Tensor, tb: Tensor;
        if (order) {
          const idx = order.subarray(start, start + count);
          xb = x.indexSelect(0, idx);
          tb = targets.indexSelect(0, idx);
        } else {
          xb = x.narrow(0, start, count);
          tb = targets.narrow(0, start, count);
        }
        const objective = this.hinge(xb, tb).mean().mul(this.C).add(weight.square().sum().mul(0.5 / n));
        const value = objective.item();
        if (!Number.isFinite(value)) {
          throw new NonFiniteError(`LinearSVM.fit: the objective became ${value} at step ${step} (epoch ${epoch}); try a smaller lr than ${lr}`, step, value);
        }
        objective.backward();
        for (const p of params) {
          const g = p.grad!.values(), v = p.data;
          for (let i = 0; i < v.length; i++) v[i] -= rate * g[i];
          p.grad = null;
        }
        total += value;
        steps++;
        step++;
      }
      loss.push(total / steps);
    }
    return { loss };
  }

  private state(what: string): { weight: Tensor; bias: Tensor } {
    if (!this.weight || !this.bias) throw new ArgumentError(`LinearSVM: ${what} is not available before fit(X, y)`);
    return { weight: this.weight, bias: this.bias };
  }

  /** Binary: w·x + b, [N]. Multi-class: scores W x + b, [N, C]. */
  decisionFunction(X: MatrixLike | readonly number[]): Tensor {
    const { weight, bias } = this.state('decisionFunction');
    const x = asSamples('LinearSVM', X, weight.shape[weight.ndim - 1]);
    return noGrad(() => (this.numClasses === 2 ? x.matmul(weight) : x.matmul(weight.T)).add(bias));
  }

  /** Labels, int32 [N]: binary in the convention of fit ({0, 1} or ±1), else class indices. */
  predict(X: MatrixLike | readonly number[]): Tensor {
    const f = this.decisionFunction(X);
    if (this.numClasses !== 2) return f.argmax(1);
    const low = this.labelStyle === '01' ? 0 : -1;
    return new Tensor(Int32Array.from(f.values(), (v) => (v > 0 ? 1 : low)), [f.shape[0]]);
  }

  /** Accuracy on X, y. */
  score(X: MatrixLike, y: LabelsLike): number {
    const { weight } = this.state('score');
    const x = asSamples('LinearSVM.score', asMatrix('LinearSVM.score', X), weight.shape[weight.ndim - 1]);
    const labels = labelValues('LinearSVM.score', x, y);
    if (this.numClasses !== 2) return accuracyOf(this.predict(x).values(), labels);
    const z = this.decisionFunction(x).values();
    return accuracyOf(Float64Array.from(z, (v) => (v > 0 ? 1 : 0)), binaryTargets('LinearSVM.score', labels));
  }

  /** Binary only: w [D] (detached). */
  get coef(): Tensor {
    const { weight } = this.state('coef');
    if (this.numClasses !== 2) throw new ArgumentError(`LinearSVM: coef is the binary w; with ${this.numClasses} classes read weight [${weight.shape.join(', ')}]`);
    return weight.detach();
  }

  /** Binary only: b. */
  get intercept(): number {
    const { bias } = this.state('intercept');
    if (this.numClasses !== 2) throw new ArgumentError(`LinearSVM: intercept is the binary b; with ${this.numClasses} classes read bias [${bias.shape.join(', ')}]`);
    return bias.item();
  }

  /** Binary only: 2 / ‖w‖. */
  get margin(): number {
    const w = this.coef;
    return 2 / Math.sqrt(w.square().sum().item());
  }

  toString(): string {
    const kind = this.numClasses > 2 ? `, numClasses=${this.numClasses}, multiClass=${this.multiClass}` : '';
    return `LinearSVM(C=${this.C}${kind})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
