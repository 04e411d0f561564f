/**
 * Dense float64 linear algebra for the preprocessing layer: the symmetric
 * eigendecomposition behind PCA and whitening, and the row-chunked products
 * that compute a covariance or project data without a float64 copy of X.
 *
 * The eigen solver is the classic two-step method (EISPACK tred2/tql2, as in
 * JAMA and Numerical Recipes), O(n³):
 *   1. Householder reflections reduce A to a tridiagonal T = Qᵀ A Q;
 *   2. implicit QL iterations with Wilkinson-like shifts diagonalise T,
 *      rotating Q into the eigenvectors.
 *
 * @example
 *   const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
 *   // values [3, 1]; vectors row 0 = [0.707, 0.707], row 1 = [0.707, -0.707] (sign: first largest entry positive)
 */
import { Tensor, allocate } from '../tensor';
import { matmulKernel } from '../kernels/matmul';
import type { Storage } from '../kernels/elementwise';
import { ArgumentError, ShapeError, fmtShape } from '../errors';

export interface SymmetricEigen {
  /** Eigenvalues, in descending order. */
  values: Float64Array;
  /** n×n row-major; row k is the unit eigenvector of `values[k]`, its largest-|x| entry made positive. */
  vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric n×n matrix (row-major; only
 * the lower triangle is read). A vᵏ = λₖ vᵏ with λ₀ ≥ λ₁ ≥ ... and V
 * orthonormal. Each eigenvector's sign is fixed so its entry of largest
 * magnitude (the first one, on ties) is positive: results are deterministic.
 *
 * @example symmetricEigen(Float64Array.from([4, 0, 0, 9]), 2).values  // [9, 4]
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0 || matrix.length !== n * n) {
    throw new ShapeError(`symmetricEigen: ${matrix.length} values do not make an ${n}×${n} matrix`);
  }
  // NOTE: W holds Vᵀ of the textbook algorithm (W[j*n + k] = V[k][j]) so every
  // inner loop runs over contiguous memory. A is symmetric, so W starts as A.
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = matrix[i * n + j];
      if (!Number.isFinite(v)) throw new ArgumentError(`symmetricEigen: entry (${i}, ${j}) is ${v}`);
      W[i * n + j] = v;
      W[j * n + i] = v;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(W, d, e, n);
    tridiagonalQL(W, d, e, n);
  }
  return sortAndFixSigns(W, d, n);
}

/** Householder reduction to tridiagonal form (tred2). On return d is the diagonal, e the sub-diagonal (e[0] = 0), W the rows of Q. */
function tridiagonalize(W: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = W[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = W[j * n + i - 1];
        W[j * n + i] = 0;
        W[i * n + j] = 0;
      }
    } else {
      // The Householder vector, scaled against under/overflow.
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // e = A u (lower triangle of A, stored column-wise in W's rows).
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        W[i * n + j] = f;
        g = e[j] + W[row + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const w = W[row + k];
          g += w * d[k];
          e[k] += w * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      // A ← A − u qᵀ − q uᵀ on the lower triangle.
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) W[row + k] -= f * e[k] + g * d[k];
        d[j] = W[row + i - 1];
        W[row + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the reflections into Q.
  for (let i = 0; i < n - 1; i++) {
    W[i * n + n - 1] = W[i * n + i];
    W[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = W[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += W[next + k] * W[row + k];
        for (let k = 0; k <= i; k++) W[row + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) W[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = W[j * n + n - 1];
    W[j * n + n - 1] = 0;
  }
  W[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e) (tql2); rotations are applied to the rows of W. */
function tridiagonalQL(W: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  const maxIterations = 60;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > maxIterations) {
          throw new ArgumentError(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} of a ${n}×${n} matrix`);
        }
        // Shift from the leading 2×2 block.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // Chase the bulge with Givens rotations from m-1 down to l.
        p = d[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const a = i * n, b = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const wb = W[b + k], wa = W[a + k];
            W[b + k] = s * wa + c * wb;
            W[a + k] = c * wa - s * wb;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

function sortAndFixSigns(W: Float64Array, d: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b] - d[a] || a - b);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const src = order[r] * n;
    values[r] = d[order[r]];
    let big = 0, sign = 1;
    for (let k = 0; k < n; k++) {
      const a = Math.abs(W[src + k]);
      if (a > big) {
        big = a;
        sign = W[src + k] < 0 ? -1 : 1;
      }
    }
    for (let k = 0; k < n; k++) vectors[r * n + k] = sign * W[src + k];
  }
  return { values, vectors };
}

/**
 * Eigendecomposition of a symmetric matrix with `torch.linalg.eigh`'s
 * conventions: eigenvalues ascending, eigenvectors in the columns, so
 * A = V diag(λ) Vᵀ. Computed in float64, returned in A's float dtype.
 *
 * @example
 *   const { eigenvalues, eigenvectors } = eigh(tensor([[2, 1], [1, 2]]));  // [1, 3]
 */
export function eigh(a: Tensor): { eigenvalues: Tensor; eigenvectors: Tensor } {
  if (a.ndim !== 2 || a.shape[0] !== a.shape[1]) throw new ShapeError(`eigh: expected a square 2-D matrix, got shape ${fmtShape(a.shape)}`);
  const n = a.shape[0];
  const { values, vectors } = symmetricEigen(a.values(), n);
  const dtype = a.dtype === 'float64' ? 'float64' : 'float32';
  const lam = allocate(dtype, n);
  const v = allocate(dtype, n * n);
  for (let c = 0; c < n; c++) {
    const r = n - 1 - c;
    lam[c] = values[r];
    for (let k = 0; k < n; k++) v[k * n + c] = vectors[r * n + k];
  }
  return { eigenvalues: new Tensor(lam, [n]), eigenvectors: new Tensor(v, [n, n]) };
}

const CHUNK_ROWS = 512;
const COV_BLOCK = 128;

/** Per-column means of a row-major n×d matrix, in float64. */
export function columnMeans(x: Storage, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const row = r * d;
    for (let j = 0; j < d; j++) mean[j] += x[row + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

/**
 * The d×d covariance of the rows of a row-major n×d matrix:
 *
 *     C = (X − μ)ᵀ (X − μ) / (n − ddof)
 *
 * in float64, a chunk of rows at a time (X itself may be float32).
 */
export function covariance(x: Storage, n: number, d: number, mean: Float64Array, ddof = 1): Float64Array {
  if (n - ddof <= 0) throw new ShapeError(`covariance: needs more than ${ddof} rows, got ${n}`);
  const cov = new Float64Array(d * d);
  const rows = Math.min(CHUNK_ROWS, n);
  const buf = new Float64Array(rows * d);
  const block = Math.min(COV_BLOCK, d);
  const part = new Float64Array(block * block);
  for (let r0 = 0; r0 < n; r0 += rows) {
    const m = Math.min(rows, n - r0);
    for (let r = 0; r < m; r++) {
      const src = (r0 + r) * d, dst = r * d;
      for (let j = 0; j < d; j++) buf[dst + j] = x[src + j] - mean[j];
    }
    // C is symmetric: only the blocks on or above the diagonal are computed (about half the work).
    for (let i0 = 0; i0 < d; i0 += block) {
      const bi = Math.min(block, d - i0);
      for (let j0 = i0; j0 < d; j0 += block) {
        const bj = Math.min(block, d - j0);
        // part = buf[:, i0:i0+bi]ᵀ buf[:, j0:j0+bj]: A(i, k) = buf[k*d + i0 + i], B(k, j) = buf[k*d + j0 + j].
        matmulKernel(bi, bj, m, buf, i0, 1, d, buf, j0, d, 1, part, 0);
        for (let i = 0; i < bi; i++) {
          const o = (i0 + i) * d + j0, p = i * bj;
          for (let j = 0; j < bj; j++) cov[o + j] += part[p + j];
        }
      }
    }
  }
  const scale = 1 / (n - ddof);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = cov[i * d + j] * scale;
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return cov;
}

/**
 * out[r, :] = (x[r, :] − shift) · M + add for every row r of the row-major
 * n×d matrix x, with M d×k; in float64, a chunk of rows at a time, written to
 * `out` (n×k, any dtype). `shift` and `add` may be null.
 */
export function affineRows(
  x: Storage, n: number, d: number,
  shift: Float64Array | null, M: Float64Array, k: number, add: Float64Array | null,
  out: Storage,
): void {
  const rows = Math.min(CHUNK_ROWS, n);
  const buf = new Float64Array(rows * d);
  const res = new Float64Array(rows * k);
  for (let r0 = 0; r0 < n; r0 += rows) {
    const m = Math.min(rows, n - r0);
    for (let r = 0; r < m; r++) {
      const src = (r0 + r) * d, dst = r * d;
      if (shift) for (let j = 0; j < d; j++) buf[dst + j] = x[src + j] - shift[j];
      else for (let j = 0; j < d; j++) buf[dst + j] = x[src + j];
    }
    matmulKernel(m, k, d, buf, 0, d, 1, M, 0, k, 1, res, 0);
    const o = r0 * k;
    if (add) {
      for (let r = 0; r < m; r++) for (let j = 0; j < k; j++) out[o + r * k + j] = res[r * k + j] + add[j];
    } else {
      for (let i = 0; i < m * k; i++) out[o + i] = res[i];
    }
  }
}
