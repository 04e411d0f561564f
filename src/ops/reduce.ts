/**
 * Reductions over axes, with keepdim. Primitives: sum, max. mean, min, var
 * and argmax are composed or gradient-free.
 */
import { Tensor, allocate } from '../tensor';
import { record, type BackwardRule } from '../autograd';
import { argmaxRows, argminRows, maxRows, sumCols, sumRows, type Storage } from '../kernels/elementwise';
import { normAxes, normAxis, sizeOf } from '../shape';
import { ShapeError, fmtShape } from '../errors';
import { binaryRaw } from './elementwise';

type RowKernel = (x: Storage, outer: number, inner: number, out: Storage) => void;

function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function outShape(shape: readonly number[], axes: number[], keepdim: boolean): number[] {
  return keepdim ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

/**
 * Reduces `axes` with a row kernel. Trailing axes of a contiguous tensor are
 * reduced in place; leading axes of a sum use a column kernel; anything else
 * is permuted so the reduced axes come last.
 */
function reduceRaw(x: Tensor, axes: number[], rowKernel: RowKernel, colKernel: RowKernel | null): Storage {
  const nd = x.ndim;
  const reduced = sizeOf(axes.map((a) => x.shape[a]));
  const kept = sizeOf(x.shape.filter((_, i) => !axes.includes(i)));
  const out = allocate(x.dtype, kept);
  if (reduced === 0) {
    // Reducing an empty axis: sum is 0, max has no value.
    if (colKernel === null) throw new ShapeError(`max: cannot reduce an empty axis of a tensor of shape ${fmtShape(x.shape)}`);
    return out;
  }
  const trailing = axes.every((a, i) => a === nd - axes.length + i);
  const leading = axes.every((a, i) => a === i);
  if (trailing) {
    const src = x.contiguous();
    rowKernel(src.offset === 0 ? src.data : src.data.subarray(src.offset), kept, reduced, out);
  } else if (leading && colKernel) {
    const src = x.contiguous();
    colKernel(src.offset === 0 ? src.data : src.data.subarray(src.offset), reduced, kept, out);
  } else {
    const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    rowKernel(x.permute([...rest, ...axes]).values(), kept, reduced, out);
  }
  return out;
}

/**
 * Sum over `axes` (all by default).
 * @example tensor([[1, 2], [3, 4]]).sum(0)  // [4, 6]
 */
export function sum(x: Tensor, axis?: number | readonly number[] | null, keepdim = false): Tensor {
  const axes = normAxes('sum', axis, x.ndim);
  const out = reduceRaw(x, axes, sumRows, sumCols);
  return record(new Tensor(out, outShape(x.shape, axes, keepdim)), 'sum', [x], { axes });
}

/** Max over `axes`; the gradient is shared equally among tied maxima (like `torch.amax`). */
export function max(x: Tensor, axis?: number | readonly number[] | null, keepdim = false): Tensor {
  const axes = normAxes('max', axis, x.ndim);
  const out = reduceRaw(x, axes, maxRows, null);
  return record(new Tensor(out, outShape(x.shape, axes, keepdim)), 'max', [x], { axes });
}

/** Min over `axes`: −max(−x). */
export function min(x: Tensor, axis?: number | readonly number[] | null, keepdim = false): Tensor {
  const axes = normAxes('min', axis, x.ndim);
  if (axes.some((a) => x.shape[a] === 0)) throw new ShapeError(`min: cannot reduce an empty axis of a tensor of shape ${fmtShape(x.shape)}`);
  return max(x.neg(), axes, keepdim).neg();
}

/** Mean over `axes`: sum / count. */
export function mean(x: Tensor, axis?: number | readonly number[] | null, keepdim = false): Tensor {
  const axes = normAxes('mean', axis, x.ndim);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  const s = sum(x.dtype === 'int32' ? x.toDType('float32') : x, axes, keepdim);
  return s.div(count);
}

/**
 * Variance: Σ(x − mean)² / (N − correction). correction = 1 (default) is the
 * unbiased estimate, as `torch.var`; 0 gives the population variance.
 */
export function variance(x: Tensor, axis?: number | readonly number[] | null, keepdim = false, correction = 1): Tensor {
  const axes = normAxes('var', axis, x.ndim);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  const centered = x.sub(mean(x, axes, true));
  return sum(centered.mul(centered), axes, keepdim).div(Math.max(0, count - correction));
}

/** Index of the maximum along `axis` (over the flattened tensor if omitted), int32; the first one on ties, NaN counts as largest. */
export function argmax(x: Tensor, axis?: number, keepdim = false): Tensor {
  return argReduce('argmax', argmaxRows, x, axis, keepdim);
}

/** Index of the minimum along `axis` (over the flattened tensor if omitted), int32; the first one on ties. */
export function argmin(x: Tensor, axis?: number, keepdim = false): Tensor {
  return argReduce('argmin', argminRows, x, axis, keepdim);
}

function argReduce(op: string, rowKernel: RowKernel, x: Tensor, axis: number | undefined, keepdim: boolean): Tensor {
  const a = axis === undefined ? null : normAxis(op, axis, x.ndim);
  if (x.size === 0 || (a !== null && x.shape[a] === 0)) {
    throw new ShapeError(`${op}: cannot reduce an empty axis of a tensor of shape ${fmtShape(x.shape)}`);
  }
  if (a === null) {
    const out = allocate('int32', 1);
    rowKernel(x.values(), 1, x.size, out);
    return new Tensor(out, keepdim ? x.shape.map(() => 1) : []);
  }
  const out = allocate('int32', x.size / x.shape[a]);
  const perm = x.shape.map((_, i) => i).filter((i) => i !== a);
  rowKernel(x.permute([...perm, a]).values(), out.length, x.shape[a], out);
  return new Tensor(out, outShape(x.shape, [a], keepdim));
}

/** Sums `g` down to `shape` (the inverse of broadcasting), for gradients. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = sum(g, axes, true);
  return s.reshape([...shape]);
}

// ---- Backward rules -------------------------------------------------------

export const reduceRules: { [K in 'sum' | 'max']: BackwardRule } = {
  sum: (g, { inputs: [x], saved }) => [g.reshape(keptShape(x.shape, saved.axes as number[])).expand([...x.shape])],
  max: (g, { inputs: [x], saved }, out) => {
    const kept = keptShape(x.shape, saved.axes as number[]);
    const mask = binaryRaw('eq', x, out.reshape(kept), g.dtype);
    const count = sum(mask, saved.axes as number[], true);
    return [mask.mul(g.reshape(kept).div(count))];
  },
};
