/**
 * Matrix product with NumPy/PyTorch semantics: 1-D operands are promoted
 * (and the added axis removed), leading batch axes broadcast.
 * Primitive: matmul on ≥2-D operands; the loop is `kernels/matmul.ts`.
 */
import { Tensor, allocate } from '../tensor';
import { record, type BackwardRule } from '../autograd';
import { matmulKernel } from '../kernels/matmul';
import { broadcastShapes, sizeOf } from '../shape';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { broadcastStrides } from './elementwise';
import { sumTo } from './reduce';

/**
 * a @ b. For 2-D: (M×K)(K×N) → M×N. Batched: [..., M, K] @ [..., K, N].
 * @example matmul(x, w.T)  // x [B, in], w [out, in] → [B, out]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both operands need at least one axis, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.ndim === 1 || b.ndim === 1) {
    const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
    const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
    let out = matmul2(a2, b2, a, b);
    if (a.ndim === 1) out = out.squeeze(-2);
    if (b.ndim === 1) out = out.squeeze(-1);
    return out;
  }
  return matmul2(a, b, a, b);
}

/** The most elements a matmul output may have: 2^31 − 1, the longest typed array nnlab allocates. */
export const MAX_MATMUL_OUTPUT_ELEMENTS = 2 ** 31 - 1;

function matmul2(a: Tensor, b: Tensor, origA: Tensor, origB: Tensor): Tensor {
  const M = a.shape[a.ndim - 2], K = a.shape[a.ndim - 1];
  const K2 = b.shape[b.ndim - 2], N = b.shape[b.ndim - 1];
  if (K !== K2) {
    throw new ShapeError(`matmul: inner dimensions differ: a has shape ${fmtShape(origA.shape)}, b has shape ${fmtShape(origB.shape)} (${K} vs ${K2})`);
  }
  const batch = broadcastShapes(`matmul: batch axes of a ${fmtShape(origA.shape)} and b ${fmtShape(origB.shape)}`, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const dtype = a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
  const elements = sizeOf(batch) * M * N;
  if (elements > MAX_MATMUL_OUTPUT_ELEMENTS) {
    const bytes = elements * (dtype === 'float64' ? 8 : 4);
    throw new ArgumentError(
      `matmul: a ${fmtShape(origA.shape)} @ b ${fmtShape(origB.shape)} gives an output of shape ${fmtShape([...batch, M, N])}: ` +
        `${elements} elements (${(bytes / 2 ** 30).toFixed(1)} GiB of ${dtype}), more than the ${MAX_MATMUL_OUTPUT_ELEMENTS} one tensor may hold`,
    );
  }
  const out = allocate(dtype, elements);
  const aBatch = broadcastStrides(new Tensor(a.data, a.shape.slice(0, -2), a.strides.slice(0, -2), 0), batch);
  const bBatch = broadcastStrides(new Tensor(b.data, b.shape.slice(0, -2), b.strides.slice(0, -2), 0), batch);
  const aRs = a.strides[a.ndim - 2], aCs = a.strides[a.ndim - 1];
  const bRs = b.strides[b.ndim - 2], bCs = b.strides[b.ndim - 1];
  const count = sizeOf(batch);
  const idx = new Array<number>(batch.length).fill(0);
  for (let k = 0; k < count; k++) {
    let ao = a.offset, bo = b.offset;
    for (let d = 0; d < batch.length; d++) {
      ao += idx[d] * aBatch[d];
      bo += idx[d] * bBatch[d];
    }
    matmulKernel(M, N, K, a.data, ao, aRs, aCs, b.data, bo, bRs, bCs, out, k * M * N);
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return record(new Tensor(out, [...batch, M, N]), 'matmul', [a, b]);
}

// ---- Backward rule --------------------------------------------------------
// C = A B  ⇒  dA = dC Bᵀ, dB = Aᵀ dC (summed over broadcast batch axes).

// A 2-D operand stored column-major (a transposed view, as the weight in
// x·Wᵀ) gets its gradient computed as (Cᵀ·…)ᵀ, the same products in the same
// order, so the gradient comes out in the operand's own layout: the
// transpose's backward then hands W a contiguous gradient to keep, not a
// strided view to copy.

function columnMajor(t: Tensor): boolean {
  return t.ndim === 2 && t.strides[0] === 1 && t.strides[1] !== 1;
}

export const matmulRules: { [K in 'matmul']: BackwardRule } = {
  matmul: (g, { inputs: [a, b] }) => {
    const flat = a.ndim === 2 && b.ndim === 2;
    return [
      a.requiresGrad
        ? flat && columnMajor(a) ? matmul(b, g.transpose(0, 1)).transpose(0, 1) : sumTo(matmul(g, b.transpose(-2, -1)), a.shape)
        : null,
      b.requiresGrad
        ? flat && columnMajor(b) ? matmul(g.transpose(0, 1), a).transpose(0, 1) : sumTo(matmul(a.transpose(-2, -1), g), b.shape)
        : null,
    ];
  },
};
