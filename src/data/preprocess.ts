/**
 * The data input layer: preprocessing that happens before the first layer of
 * a network (CS231n, "Data Preprocessing").
 *
 * Each transform is a small class in the scikit-learn style: `fit(X)` learns
 * per-feature statistics from training data, `transform(X)` applies them to
 * any data with the same features, `fitTransform(X)` does both. X is [N, D]
 * (N samples of D features) or [N, ...features], e.g. images [N, 1, 28, 28],
 * whose trailing axes are flattened into D features for the statistics.
 * Statistics are computed in float64 and exposed as tensors of the feature
 * shape, in X's float dtype (float32 for int32 input); outputs keep X's
 * float dtype.
 *
 *     MeanSubtraction   x − μ
 *     MinMaxScaler      (x − min) / (max − min)            per feature, to [0, 1]
 *     StandardScaler    (x − μ) / σ                        σ the population std
 *     PCA               (x − μ) Uₖᵀ  [/ sqrt(λ + eps)]     rows of Uₖ the top-k eigenvectors of cov(X)
 *     ZCAWhitening      (x − μ) U diag(1/sqrt(λ + eps)) Uᵀ  whitened, still in the input space
 *     localContrastNormalize(images)  (x − μ_win) / max(σ_win, eps), per pixel
 *
 * @example
 *   const scaler = new StandardScaler().fit(trainX);
 *   const z = scaler.transform(testX);          // train statistics applied to test data
 *   const pca = new PCA({ nComponents: 50 }).fit(trainX);
 *   const codes = pca.transform(trainX);        // [N, 50]
 */
import { Tensor, allocate, type DType } from '../tensor';
import type { Storage } from '../kernels/elementwise';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { sizeOf } from '../shape';
import { affineRows, columnMeans, covariance, symmetricEigen } from './linalg';

type FloatDType = 'float32' | 'float64';

const floatDType = (t: Tensor): FloatDType => (t.dtype === 'float64' ? 'float64' : 'float32');

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** X as N rows of D features (contiguous values), checked against the fitted feature shape. */
function asRows(op: string, x: Tensor, featureShape: readonly number[] | null): { values: Storage; n: number; d: number } {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: expected a Tensor, got ${typeof x}`);
  if (x.ndim < 2) throw new ShapeError(`${op}: expected X of shape [N, D] (or [N, ...features]), got shape ${fmtShape(x.shape)}`);
  if (featureShape && !sameDims(x.shape.slice(1), featureShape)) {
    throw new ShapeError(`${op}: fitted on samples of shape ${fmtShape(featureShape)}, got X of shape ${fmtShape(x.shape)}`);
  }
  const d = sizeOf(x.shape.slice(1));
  return { values: x.values(), n: x.shape[0], d };
}

function toTensor(values: Float64Array, shape: readonly number[], dtype: FloatDType): Tensor {
  if (dtype === 'float64') return new Tensor(values, [...shape]);
  return new Tensor(Float32Array.from(values), [...shape]);
}

function notFitted(op: string): never {
  throw new ArgumentError(`${op}: not fitted yet; call fit(X) first`);
}

/** Shared bookkeeping of the per-feature transforms. */
abstract class FeatureTransform {
  protected featureShape: number[] | null = null;
  protected dtype: FloatDType = 'float32';

  protected begin(op: string, x: Tensor): { values: Storage; n: number; d: number } {
    const rows = asRows(op, x, null);
    if (rows.n === 0) throw new ShapeError(`${op}: needs at least one sample, got X of shape ${fmtShape(x.shape)}`);
    this.featureShape = x.shape.slice(1);
    this.dtype = floatDType(x);
    return rows;
  }

  protected rows(op: string, x: Tensor): { values: Storage; n: number; d: number } {
    if (!this.featureShape) notFitted(op);
    return asRows(op, x, this.featureShape);
  }

  abstract fit(x: Tensor): this;
  abstract transform(x: Tensor): Tensor;

  /** `fit(x)` then `transform(x)`. */
  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }
}

/** out = (x − shift) · scale per feature, in x's float dtype and shape. */
function perFeature(x: Tensor, values: Storage, n: number, d: number, shift: Float64Array, scale: Float64Array, add: Float64Array | null): Tensor {
  const out = allocate(floatDType(x), n * d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    if (add) for (let j = 0; j < d; j++) out[o + j] = (values[o + j] - shift[j]) * scale[j] + add[j];
    else for (let j = 0; j < d; j++) out[o + j] = (values[o + j] - shift[j]) * scale[j];
  }
  return new Tensor(out, [...x.shape]);
}

/**
 * Mean subtraction (centering): x − μ, μ the per-feature mean of the fitted data.
 * @example new MeanSubtraction().fitTransform(tensor([[1, 10], [3, 20]]))  // [[-1, -5], [1, 5]]
 */
export class MeanSubtraction extends FeatureTransform {
  private mu: Float64Array | null = null;

  /** Per-feature mean, shape = the feature shape. */
  get mean(): Tensor {
    if (!this.mu || !this.featureShape) notFitted('MeanSubtraction.mean');
    return toTensor(this.mu, this.featureShape, this.dtype);
  }

  fit(x: Tensor): this {
    const { values, n, d } = this.begin('MeanSubtraction.fit', x);
    this.mu = columnMeans(values, n, d);
    return this;
  }

  transform(x: Tensor): Tensor {
    const { values, n, d } = this.rows('MeanSubtraction.transform', x);
    return perFeature(x, values, n, d, this.mu!, new Float64Array(d).fill(1), null);
  }

  inverseTransform(y: Tensor): Tensor {
    const { values, n, d } = this.rows('MeanSubtraction.inverseTransform', y);
    return perFeature(y, values, n, d, new Float64Array(d), new Float64Array(d).fill(1), this.mu!);
  }
}

/**
 * Scales each feature to [0, 1] by the range seen in `fit`:
 *
 *     y = (x − min) / (max − min)
 *
 * Constant features (max = min) map to 0, never NaN. Data outside the fitted
 * range maps outside [0, 1] (no clipping), as in scikit-learn.
 * @example new MinMaxScaler().fitTransform(tensor([[0, 5], [2, 5], [4, 5]]))  // [[0, 0], [0.5, 0], [1, 0]]
 */
export class MinMaxScaler extends FeatureTransform {
  private lo: Float64Array | null = null;
  private hi: Float64Array | null = null;

  /** Per-feature minimum of the fitted data. */
  get dataMin(): Tensor {
    if (!this.lo || !this.featureShape) notFitted('MinMaxScaler.dataMin');
    return toTensor(this.lo, this.featureShape, this.dtype);
  }
  /** Per-feature maximum of the fitted data. */
  get dataMax(): Tensor {
    if (!this.hi || !this.featureShape) notFitted('MinMaxScaler.dataMax');
    return toTensor(this.hi, this.featureShape, this.dtype);
  }

  fit(x: Tensor): this {
    const { values, n, d } = this.begin('MinMaxScaler.fit', x);
    const lo = new Float64Array(d).fill(Infinity), hi = new Float64Array(d).fill(-Infinity);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let j = 0; j < d; j++) {
        const v = values[o + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  private scale(): Float64Array {
    const lo = this.lo!, hi = this.hi!;
    // NOTE: a constant feature gets scale 0, so it maps to 0 rather than 0/0.
    return lo.map((l, j) => (hi[j] > l ? 1 / (hi[j] - l) : 0));
  }

  transform(x: Tensor): Tensor {
    const { values, n, d } = this.rows('MinMaxScaler.transform', x);
    return perFeature(x, values, n, d, this.lo!, this.scale(), null);
  }

  /** x = y (max − min) + min (a constant feature comes back as its value). */
  inverseTransform(y: Tensor): Tensor {
    const { values, n, d } = this.rows('MinMaxScaler.inverseTransform', y);
    const range = this.hi!.map((h, j) => h - this.lo![j]);
    return perFeature(y, values, n, d, new Float64Array(d), range, this.lo!);
  }
}

export interface StandardScalerOptions {
  /** Features whose std is below eps are only centred (scale 1), as scikit-learn does for zero variance. Default 1e-8. */
  eps?: number;
}

/**
 * Z-scores each feature with the mean and population std (divide by N) of the fitted data:
 *
 *     y = (x − μ) / σ,   σ = sqrt(mean((x − μ)²))
 *
 * Features with σ < eps are only centred, so a constant feature maps to 0.
 * @example new StandardScaler().fitTransform(tensor([[1], [3]]))  // [[-1], [1]]
 */
export class StandardScaler extends FeatureTransform {
  readonly eps: number;
  private mu: Float64Array | null = null;
  private sigma: Float64Array | null = null;

  constructor(opts: StandardScalerOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-8;
    if (!(this.eps >= 0)) throw new ArgumentError(`StandardScaler: eps must be ≥ 0, got ${this.eps}`);
  }

  /** Per-feature mean of the fitted data. */
  get mean(): Tensor {
    if (!this.mu || !this.featureShape) notFitted('StandardScaler.mean');
    return toTensor(this.mu, this.featureShape, this.dtype);
  }
  /** Per-feature population standard deviation of the fitted data. */
  get std(): Tensor {
    if (!this.sigma || !this.featureShape) notFitted('StandardScaler.std');
    return toTensor(this.sigma, this.featureShape, this.dtype);
  }

  fit(x: Tensor): this {
    const { values, n, d } = this.begin('StandardScaler.fit', x);
    const mu = columnMeans(values, n, d);
    const ss = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let j = 0; j < d; j++) {
        const c = values[o + j] - mu[j];
        ss[j] += c * c;
      }
    }
    this.mu = mu;
    this.sigma = ss.map((s) => Math.sqrt(s / n));
    return this;
  }

  private scale(): Float64Array {
    return this.sigma!.map((s) => (s < this.eps || s === 0 ? 1 : 1 / s));
  }

  transform(x: Tensor): Tensor {
    const { values, n, d } = this.rows('StandardScaler.transform', x);
    return perFeature(x, values, n, d, this.mu!, this.scale(), null);
  }

  /** x = y σ + μ. */
  inverseTransform(y: Tensor): Tensor {
    const { values, n, d } = this.rows('StandardScaler.inverseTransform', y);
    const s = this.scale().map((v) => 1 / v);
    return perFeature(y, values, n, d, new Float64Array(d), s, this.mu!);
  }
}

// ---- PCA and whitening ----------------------------------------------------

/** Mean, covariance (divide by N − 1, as scikit-learn's PCA) and its eigendecomposition. */
function fitEigen(op: string, values: Storage, n: number, d: number) {
  if (n < 2) throw new ShapeError(`${op}: needs at least 2 samples to estimate a covariance, got ${n}`);
  const mean = columnMeans(values, n, d);
  const cov = covariance(values, n, d, mean, 1);
  const { values: lambda, vectors } = symmetricEigen(cov, d);
  // NOTE: a covariance is positive semi-definite; rounding can leave tiny negative eigenvalues.
  for (let i = 0; i < d; i++) if (lambda[i] < 0) lambda[i] = 0;
  return { mean, lambda, vectors };
}

function checkEps(op: string, eps: number): number {
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`${op}: eps must be a finite number ≥ 0, got ${eps}`);
  return eps;
}

export interface PCAOptions {
  /**
   * Components to keep: an integer 1..D, or a fraction in (0, 1) to keep the
   * fewest components whose explained variance ratios sum to at least it.
   * Default: all D.
   */
  nComponents?: number;
  /** Divide each projection by sqrt(λ + eps), giving unit variance. Default false. */
  whiten?: boolean;
  /** Added to the eigenvalues before whitening. Default 1e-5. */
  eps?: number;
}

/**
 * Principal component analysis by eigendecomposition of the covariance
 * C = (X − μ)ᵀ(X − μ) / (N − 1):
 *
 *     C = Uᵀ diag(λ) U,   λ₀ ≥ λ₁ ≥ ...    (rows of U are the principal axes)
 *     transform(x) = (x − μ) Uₖᵀ            [/ sqrt(λ + eps) with whiten]
 *     inverseTransform(z) = z Uₖ + μ        [z · sqrt(λ + eps) first with whiten]
 *
 * Each component's largest-|x| entry is positive, so the result is deterministic.
 * @example
 *   const pca = new PCA({ nComponents: 2 }).fit(x);   // x [N, 784]
 *   pca.explainedVarianceRatio                        // [0.29, 0.18] for Fashion-MNIST
 */
export class PCA extends FeatureTransform {
  readonly nComponentsOption: number | undefined;
  readonly whiten: boolean;
  readonly eps: number;
  private mu: Float64Array | null = null;
  private lambda: Float64Array | null = null;
  private vectors: Float64Array | null = null;
  private k = 0;
  private d = 0;

  constructor(opts: PCAOptions = {}) {
    super();
    this.nComponentsOption = opts.nComponents;
    this.whiten = opts.whiten ?? false;
    this.eps = checkEps('PCA', opts.eps ?? 1e-5);
    const k = opts.nComponents;
    if (k !== undefined && !(Number.isInteger(k) && k >= 1) && !(k > 0 && k < 1)) {
      throw new ArgumentError(`PCA: nComponents must be a positive integer or a fraction in (0, 1), got ${k}`);
    }
  }

  /** Number of components kept (after fit). */
  get nComponents(): number {
    if (!this.lambda) notFitted('PCA.nComponents');
    return this.k;
  }
  /** Per-feature mean of the fitted data, shape = the feature shape. */
  get mean(): Tensor {
    if (!this.mu || !this.featureShape) notFitted('PCA.mean');
    return toTensor(this.mu, this.featureShape, this.dtype);
  }
  /** The principal axes, [k, D]: unit rows, orthogonal, by decreasing variance. */
  get components(): Tensor {
    if (!this.vectors) notFitted('PCA.components');
    return toTensor(this.vectors.slice(0, this.k * this.d), [this.k, this.d], this.dtype);
  }
  /** Variance along each kept axis (its eigenvalue λ), [k]. */
  get explainedVariance(): Tensor {
    if (!this.lambda) notFitted('PCA.explainedVariance');
    return toTensor(this.lambda.slice(0, this.k), [this.k], this.dtype);
  }
  /** λᵢ / Σ λ over all D axes, [k]; sums to 1 when every component is kept. */
  get explainedVarianceRatio(): Tensor {
    if (!this.lambda) notFitted('PCA.explainedVarianceRatio');
    const total = this.lambda.reduce((a, b) => a + b, 0);
    return toTensor(this.lambda.slice(0, this.k).map((l) => (total > 0 ? l / total : 0)), [this.k], this.dtype);
  }

  fit(x: Tensor): this {
    const { values, n, d } = this.begin('PCA.fit', x);
    const opt = this.nComponentsOption;
    if (opt !== undefined && opt >= 1 && opt > d) {
      throw new ArgumentError(`PCA.fit: nComponents ${opt} exceeds the ${d} features of X with shape ${fmtShape(x.shape)}`);
    }
    const { mean, lambda, vectors } = fitEigen('PCA.fit', values, n, d);
    let k = d;
    if (opt !== undefined && opt >= 1) k = opt;
    else if (opt !== undefined) {
      const total = lambda.reduce((a, b) => a + b, 0);
      let acc = 0;
      k = 0;
      while (k < d && (total === 0 || acc / total < opt - 1e-12)) acc += lambda[k++];
      k = Math.max(k, 1);
    }
    this.mu = mean;
    this.lambda = lambda;
    this.vectors = vectors;
    this.k = k;
    this.d = d;
    return this;
  }

  /** Per-component scale: 1/sqrt(λ + eps) when whitening, else 1. */
  private scales(): Float64Array {
    const s = new Float64Array(this.k);
    for (let c = 0; c < this.k; c++) {
      const v = this.lambda![c] + this.eps;
      s[c] = !this.whiten ? 1 : v > 0 ? 1 / Math.sqrt(v) : 0;
    }
    return s;
  }

  /** z = (x − μ) Uₖᵀ (/ sqrt(λ + eps) with whiten): [N, k]. */
  transform(x: Tensor): Tensor {
    const { values, n, d } = this.rows('PCA.transform', x);
    const k = this.k, s = this.scales(), U = this.vectors!;
    // M = Uₖᵀ diag(s): d×k.
    const M = new Float64Array(d * k);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) M[j * k + c] = U[c * d + j] * s[c];
    const out = allocate(floatDType(x), n * k);
    affineRows(values, n, d, this.mu!, M, k, null, out);
    return new Tensor(out, [n, k]);
  }

  /** x ≈ z Uₖ + μ (z · sqrt(λ + eps) first with whiten): back to [N, ...features]. Exact when all D components are kept. */
  inverseTransform(z: Tensor): Tensor {
    if (!this.lambda || !this.featureShape) notFitted('PCA.inverseTransform');
    const k = this.k, d = this.d;
    if (z.ndim !== 2 || z.shape[1] !== k) {
      throw new ShapeError(`PCA.inverseTransform: expected codes of shape [N, ${k}], got shape ${fmtShape(z.shape)}`);
    }
    const n = z.shape[0], s = this.scales(), U = this.vectors!;
    // M = diag(1/s) Uₖ: k×d.
    const M = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      const inv = s[c] > 0 ? 1 / s[c] : 0;
      for (let j = 0; j < d; j++) M[c * d + j] = U[c * d + j] * inv;
    }
    const out = allocate(floatDType(z), n * d);
    affineRows(z.values(), n, k, null, M, d, this.mu!, out);
    return new Tensor(out, [n, ...this.featureShape]);
  }
}

export interface ZCAOptions {
  /** Added to the eigenvalues: larger eps whitens less, and amplifies noise less. Default 1e-5. */
  eps?: number;
}

/**
 * ZCA ("zero-phase") whitening: PCA-whiten, then rotate back into the input space.
 *
 *     W = Uᵀ diag(1 / sqrt(λ + eps)) U    (symmetric, D×D)
 *     y = (x − μ) W
 *
 * cov(y) ≈ I like PCA whitening, but of all whitening transforms ZCA keeps y
 * closest to x − μ, so whitened images still look like images (edges stand out).
 * @example const white = new ZCAWhitening({ eps: 1e-2 }).fitTransform(images);  // same shape as images
 */
export class ZCAWhitening extends FeatureTransform {
  readonly eps: number;
  private mu: Float64Array | null = null;
  private lambda: Float64Array | null = null;
  private vectors: Float64Array | null = null;
  private W: Float64Array | null = null;
  private Winv: Float64Array | null = null;
  private d = 0;

  constructor(opts: ZCAOptions = {}) {
    super();
    this.eps = checkEps('ZCAWhitening', opts.eps ?? 1e-5);
  }

  /** Per-feature mean of the fitted data. */
  get mean(): Tensor {
    if (!this.mu || !this.featureShape) notFitted('ZCAWhitening.mean');
    return toTensor(this.mu, this.featureShape, this.dtype);
  }
  /** The eigenvectors of the covariance as rows, [D, D], by decreasing eigenvalue. */
  get components(): Tensor {
    if (!this.vectors) notFitted('ZCAWhitening.components');
    return toTensor(this.vectors, [this.d, this.d], this.dtype);
  }
  /** Eigenvalues of the covariance, descending, [D]. */
  get explainedVariance(): Tensor {
    if (!this.lambda) notFitted('ZCAWhitening.explainedVariance');
    return toTensor(this.lambda, [this.d], this.dtype);
  }
  /** The symmetric whitening matrix W, [D, D]. */
  get whiteningMatrix(): Tensor {
    if (!this.W) notFitted('ZCAWhitening.whiteningMatrix');
    return toTensor(this.W, [this.d, this.d], this.dtype);
  }

  fit(x: Tensor): this {
    const { values, n, d } = this.begin('ZCAWhitening.fit', x);
    const { mean, lambda, vectors } = fitEigen('ZCAWhitening.fit', values, n, d);
    const scale = lambda.map((l) => (l + this.eps > 0 ? 1 / Math.sqrt(l + this.eps) : 0));
    this.mu = mean;
    this.lambda = lambda;
    this.vectors = vectors;
    this.d = d;
    this.W = symmetricProduct(vectors, scale, d);
    this.Winv = symmetricProduct(vectors, scale.map((s) => (s > 0 ? 1 / s : 0)), d);
    return this;
  }

  /** y = (x − μ) W, same shape as x. */
  transform(x: Tensor): Tensor {
    const { values, n, d } = this.rows('ZCAWhitening.transform', x);
    const out = allocate(floatDType(x), n * d);
    affineRows(values, n, d, this.mu!, this.W!, d, null, out);
    return new Tensor(out, [...x.shape]);
  }

  /** x = y W⁻¹ + μ. */
  inverseTransform(y: Tensor): Tensor {
    const { values, n, d } = this.rows('ZCAWhitening.inverseTransform', y);
    const out = allocate(floatDType(y), n * d);
    affineRows(values, n, d, null, this.Winv!, d, this.mu!, out);
    return new Tensor(out, [...y.shape]);
  }
}

/** Uᵀ diag(s) U for U with eigenvectors as rows (d×d, row-major). */
function symmetricProduct(U: Float64Array, s: Float64Array, d: number): Float64Array {
  const scaled = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let j = 0; j < d; j++) scaled[r * d + j] = U[r * d + j] * s[r];
  // out(i, j) = Σ_r U[r, i] · scaled[r, j]; as an affine map of the rows of Uᵀ.
  const out = new Float64Array(d * d);
  const Ut = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let i = 0; i < d; i++) Ut[i * d + r] = U[r * d + i];
  affineRows(Ut, d, d, null, scaled, d, null, out);
  return out;
}

// ---- Functional shortcuts -------------------------------------------------

/** x − mean(x, axis 0). @example center(tensor([[1], [3]]))  // [[-1], [1]] */
export function center(x: Tensor): Tensor {
  return new MeanSubtraction().fitTransform(x);
}
/** Each feature scaled to [0, 1] by its own min and max. */
export function minMaxScale(x: Tensor): Tensor {
  return new MinMaxScaler().fitTransform(x);
}
/** Each feature z-scored by its own mean and population std. */
export function standardize(x: Tensor, opts: StandardScalerOptions = {}): Tensor {
  return new StandardScaler(opts).fitTransform(x);
}
/** The data projected on its top principal components, [N, k]. */
export function pca(x: Tensor, opts: PCAOptions = {}): Tensor {
  return new PCA(opts).fitTransform(x);
}
/** ZCA-whitened data, same shape as x. */
export function zcaWhiten(x: Tensor, opts: ZCAOptions = {}): Tensor {
  return new ZCAWhitening(opts).fitTransform(x);
}

// ---- Local contrast normalisation -----------------------------------------

export interface LocalContrastOptions {
  /** Side of the square window, odd. Default 9. */
  windowSize?: number;
  /** Floor on the local std, so flat regions are not blown up. Default 1e-2. */
  eps?: number;
}

/**
 * Local contrast normalisation (as in Jarrett et al. 2009, with a box window
 * instead of a Gaussian one):
 * each pixel is centred and scaled by the statistics of the window around it,
 *
 *     y = (x − μ_w) / max(σ_w, eps)
 *
 * μ_w and σ_w (population std) are taken over the windowSize × windowSize box
 * centred on the pixel, in each [H, W] plane (each channel of each image)
 * separately. At the borders the window shrinks to the part inside the image
 * (no padding or reflection), so edge pixels use fewer neighbours. Uses
 * summed-area tables (integral images) of x and x²: O(1) per pixel whatever
 * the window size.
 *
 * Accepts [H, W], [C, H, W] or [N, C, H, W]; returns the same shape, in the
 * input's float dtype.
 * @example localContrastNormalize(images, { windowSize: 7 })   // images [N, 1, 28, 28]
 */
export function localContrastNormalize(images: Tensor, opts: LocalContrastOptions = {}): Tensor {
  const size = opts.windowSize ?? 9;
  const eps = opts.eps ?? 1e-2;
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new ArgumentError(`localContrastNormalize: windowSize must be a positive odd integer, got ${size}`);
  }
  if (!(eps > 0) || !Number.isFinite(eps)) throw new ArgumentError(`localContrastNormalize: eps must be a finite number > 0, got ${eps}`);
  if (images.ndim < 2 || images.ndim > 4) {
    throw new ShapeError(`localContrastNormalize: expected images of shape [H, W], [C, H, W] or [N, C, H, W], got shape ${fmtShape(images.shape)}`);
  }
  const H = images.shape[images.ndim - 2], W = images.shape[images.ndim - 1];
  const planes = images.size / Math.max(H * W, 1);
  const src = images.values();
  const dtype: DType = floatDType(images);
  const out = allocate(dtype, images.size);
  const r = (size - 1) / 2;
  const stride = W + 1;
  // Integral images with a zero first row and column: S[(i)(W+1) + j] = Σ over rows < i, cols < j.
  const S = new Float64Array((H + 1) * stride);
  const S2 = new Float64Array((H + 1) * stride);
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    // NOTE: subtracting the plane mean first keeps E[x²] − E[x]² from cancelling badly.
    let m0 = 0;
    for (let i = 0; i < H * W; i++) m0 += src[base + i];
    m0 /= H * W;
    for (let i = 0; i < H; i++) {
      let row = 0, row2 = 0;
      const o = (i + 1) * stride, prev = i * stride;
      for (let j = 0; j < W; j++) {
        const v = src[base + i * W + j] - m0;
        row += v;
        row2 += v * v;
        S[o + j + 1] = S[prev + j + 1] + row;
        S2[o + j + 1] = S2[prev + j + 1] + row2;
      }
    }
    for (let i = 0; i < H; i++) {
      const y0 = Math.max(0, i - r) * stride, y1 = Math.min(H, i + r + 1) * stride;
      const rows = Math.min(H, i + r + 1) - Math.max(0, i - r);
      for (let j = 0; j < W; j++) {
        const x0 = Math.max(0, j - r), x1 = Math.min(W, j + r + 1);
        const count = rows * (x1 - x0);
        const s = S[y1 + x1] - S[y0 + x1] - S[y1 + x0] + S[y0 + x0];
        const s2 = S2[y1 + x1] - S2[y0 + x1] - S2[y1 + x0] + S2[y0 + x0];
        const mu = s / count;
        const variance = Math.max(0, s2 / count - mu * mu);
        const sd = Math.sqrt(variance);
        out[base + i * W + j] = (src[base + i * W + j] - m0 - mu) / (sd > eps ? sd : eps);
      }
    }
  }
  return new Tensor(out, [...images.shape]);
}
