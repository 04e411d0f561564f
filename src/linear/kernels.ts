/**
 * Kernels for support vector machines: functions k(x, y) that are inner
 * products in some feature space, evaluated for whole sets at once as Gram
 * matrices K[i, j] = k(X[i], Y[j]) of shape [N, M].
 *
 * Each factory returns an `SVMKernel`: a function `(X [N, D], Y [M, D]) → K [N, M]`
 * (Y defaults to X) that also carries its name and settings. They are built
 * from the library's tensor ops (one matmul each), so they are differentiable.
 * Any function `(X, Y) => Tensor` of the same shapes can be passed to `SVC`.
 *
 * @example
 *   const k = rbfKernel({ gamma: 0.5 });
 *   k(X, Y);   // [N, M], exp(−0.5 ‖x − y‖²)
 *   k(X);      // [N, N] Gram matrix of X
 */
import { Tensor } from '../tensor';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { checkPositive } from './common';

/** A kernel function on sets of samples: K(X [N, D], Y [M, D]) → [N, M]. */
export type SVMKernelFunction = (X: Tensor, Y: Tensor) => Tensor;

/** A built-in kernel: callable, with its kind and settings for display and reuse. */
export interface SVMKernel {
  (X: Tensor, Y?: Tensor): Tensor;
  readonly kind: 'linear' | 'poly' | 'rbf';
  /** γ, or undefined for 1/D of the data it is called with. */
  readonly gamma?: number;
  readonly degree?: number;
  readonly coef0?: number;
  /** `rbfKernel(gamma=0.5)` */
  toString(): string;
}

export interface PolynomialKernelOptions {
  /** Degree d (default 3), a positive integer. */
  degree?: number;
  /** γ (default 1/D, D the number of features). */
  gamma?: number;
  /** c₀ (default 1); with c₀ > 0 every monomial of degree ≤ d is a feature. */
  coef0?: number;
}

export interface RBFKernelOptions {
  /** γ (default 1/D, D the number of features). */
  gamma?: number;
}

/** Checks both operands are 2-D with the same number of features; int32 becomes float32. */
function operands(op: string, X: Tensor, Y: Tensor | undefined): [Tensor, Tensor] {
  const a = X.dtype === 'int32' ? X.float() : X;
  const b = Y === undefined ? a : Y.dtype === 'int32' ? Y.float() : Y;
  if (a.ndim !== 2 || b.ndim !== 2 || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(`${op}: expected X [N, D] and Y [M, D] with the same D, got shapes ${fmtShape(X.shape)} and ${fmtShape((Y ?? X).shape)}`);
  }
  return [a, b];
}

type KernelProps = Pick<SVMKernel, 'kind' | 'gamma' | 'degree' | 'coef0'>;

function makeKernel(fn: (X: Tensor, Y?: Tensor) => Tensor, props: KernelProps, label: string): SVMKernel {
  return Object.assign(fn, props, { toString: () => label }) as unknown as SVMKernel;
}

function settings(entries: [string, number | undefined][]): string {
  return entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(', ');
}

/**
 * The linear kernel k(x, y) = x·y: K = X Yᵀ.
 * @example linearKernel()(X, Y)  // [N, M]
 */
export function linearKernel(): SVMKernel {
  const fn = (X: Tensor, Y?: Tensor): Tensor => {
    const [a, b] = operands('linearKernel', X, Y);
    return a.matmul(b.T);
  };
  return makeKernel(fn, { kind: 'linear' }, 'linearKernel()');
}

/**
 * The polynomial kernel k(x, y) = (γ x·y + c₀)^d: K = (γ X Yᵀ + c₀)^d.
 * @example polynomialKernel({ degree: 2, gamma: 1, coef0: 1 })(X, Y)  // (x·y + 1)²
 */
export function polynomialKernel(opts: PolynomialKernelOptions = {}): SVMKernel {
  const degree = opts.degree ?? 3, coef0 = opts.coef0 ?? 1, gamma = opts.gamma;
  checkPositive('polynomialKernel', 'degree', degree, true);
  if (gamma !== undefined) checkPositive('polynomialKernel', 'gamma', gamma);
  if (typeof coef0 !== 'number' || !Number.isFinite(coef0)) throw new ArgumentError(`polynomialKernel: coef0 must be a finite number, got ${coef0}`);
  const fn = (X: Tensor, Y?: Tensor): Tensor => {
    const [a, b] = operands('polynomialKernel', X, Y);
    const g = gamma ?? 1 / a.shape[1];
    return a.matmul(b.T).mul(g).add(coef0).pow(degree);
  };
  return makeKernel(fn, { kind: 'poly', degree, gamma, coef0 }, `polynomialKernel(${settings([['degree', degree], ['gamma', gamma], ['coef0', coef0]])})`);
}

/**
 * The Gaussian (radial basis function) kernel k(x, y) = exp(−γ ‖x − y‖²).
 * Squared distances come from one matmul: ‖x − y‖² = ‖x‖² + ‖y‖² − 2 x·y
 * (clipped at 0 against rounding).
 * @example rbfKernel({ gamma: 1 })(X, Y)  // [N, M], 1 on equal rows
 */
export function rbfKernel(opts: RBFKernelOptions = {}): SVMKernel {
  const gamma = opts.gamma;
  if (gamma !== undefined) checkPositive('rbfKernel', 'gamma', gamma);
  const fn = (X: Tensor, Y?: Tensor): Tensor => {
    const [a, b] = operands('rbfKernel', X, Y);
    const g = gamma ?? 1 / a.shape[1];
    const aa = a.square().sum(1, true); // [N, 1]
    const bb = b.square().sum(1).unsqueeze(0); // [1, M]
    const squared = aa.add(bb).sub(a.matmul(b.T).mul(2)).relu();
    return squared.mul(-g).exp();
  };
  return makeKernel(fn, { kind: 'rbf', gamma }, `rbfKernel(${settings([['gamma', gamma]])})`);
}
