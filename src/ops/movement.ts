/**
 * Shape and movement ops. reshape (of a contiguous tensor), permute, expand,
 * slice, squeeze and unsqueeze are views sharing the input's buffer; concat,
 * pad and cast write new buffers. Primitives: reshape, permute, expand,
 * slice, concat, pad, cast.
 */
import { Tensor, allocate, type DType, type SliceSpec } from '../tensor';
import { record, type BackwardRule } from '../autograd';
import { stridedAssign, stridedCopy } from '../kernels/elementwise';
import { contiguousStrides, normAxis, shapeOfArgs, sizeOf } from '../shape';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { sumTo } from './reduce';

/** Resolves one −1 in a target shape. */
function resolveShape(op: string, from: readonly number[], to: readonly number[]): number[] {
  const n = sizeOf(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(`${op}: only one dimension can be -1, got ${fmtShape(to)}`);
  const known = sizeOf(to.filter((d) => d !== -1));
  const out = to.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  if (out.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(out) !== n) {
    throw new ShapeError(`${op}: cannot reshape a tensor of shape ${fmtShape(from)} (${n} elements) to ${fmtShape(to)}`);
  }
  return out;
}

/** A contiguous copy of `x`'s values (no graph). */
function copyRaw(x: Tensor): Tensor {
  const out = allocate(x.dtype, x.size);
  stridedCopy(x.shape, x.data, x.offset, x.strides, out);
  return new Tensor(out, [...x.shape]);
}

/**
 * A tensor with the same elements in row-major order and a new shape (one
 * entry may be −1). A view when `x` is contiguous, a copy otherwise.
 */
export function reshape(x: Tensor, ...shapeArgs: number[] | [readonly number[]]): Tensor {
  const s = resolveShape('reshape', x.shape, shapeOfArgs(shapeArgs));
  const out = x.isContiguous() ? new Tensor(x.data, s, contiguousStrides(s), x.offset) : new Tensor(copyRaw(x).data, s);
  return record(out, 'reshape', [x]);
}

/** reshape that refuses to copy: `view(x, [2, 3])` or `view(x, 2, 3)`. */
export function view(x: Tensor, ...shapeArgs: number[] | [readonly number[]]): Tensor {
  const shape = shapeOfArgs(shapeArgs);
  if (!x.isContiguous()) {
    throw new ShapeError(`view: the tensor of shape ${fmtShape(x.shape)} is not contiguous (use reshape, which copies)`);
  }
  return reshape(x, shape);
}

/** A contiguous copy that stays in the graph. */
export function copy(x: Tensor): Tensor {
  return record(copyRaw(x), 'reshape', [x]);
}

/** Reorders axes (a view). `permute(x, [0, 2, 1])` (or `permute(x, 0, 2, 1)`) swaps the last two of three. */
export function permute(x: Tensor, ...axesArgs: number[] | [readonly number[]]): Tensor {
  const axes = shapeOfArgs(axesArgs);
  const norm = axes.map((a) => normAxis('permute', a, x.ndim));
  if (norm.length !== x.ndim || new Set(norm).size !== x.ndim) {
    throw new ArgumentError(`permute: axes ${fmtShape(axes)} are not a permutation of the ${x.ndim} axes of a tensor of shape ${fmtShape(x.shape)}`);
  }
  const out = new Tensor(x.data, norm.map((a) => x.shape[a]), norm.map((a) => x.strides[a]), x.offset);
  return record(out, 'permute', [x], { axes: norm });
}

/** Swaps two axes (a view). */
export function transpose(x: Tensor, axis0: number, axis1: number): Tensor {
  const axes = x.shape.map((_, i) => i);
  const a = normAxis('transpose', axis0, x.ndim), b = normAxis('transpose', axis1, x.ndim);
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

/** Broadcasts size-1 axes to `shape` without copying (−1 keeps a size): `expand(x, [2, 3])` or `expand(x, 2, 3)`. */
export function expand(x: Tensor, ...shapeArgs: number[] | [readonly number[]]): Tensor {
  const shape = shapeOfArgs(shapeArgs);
  if (shape.length < x.ndim) throw new ShapeError(`expand: cannot expand shape ${fmtShape(x.shape)} to fewer axes ${fmtShape(shape)}`);
  const lead = shape.length - x.ndim;
  const outShape: number[] = [], strides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const src = i < lead ? 1 : x.shape[i - lead];
    const want = shape[i] === -1 ? src : shape[i];
    if (src !== want && src !== 1) {
      throw new ShapeError(`expand: cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (axis ${i}: ${src} vs ${want})`);
    }
    outShape.push(want);
    strides.push(i < lead || (src === 1 && want !== 1) ? 0 : x.strides[i - lead]);
  }
  if (outShape.length === x.ndim && outShape.every((d, i) => d === x.shape[i])) return x;
  return record(new Tensor(x.data, outShape, strides, x.offset), 'expand', [x]);
}

/** Inserts a size-1 axis (a view). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis('unsqueeze', axis, x.ndim + 1);
  const shape = [...x.shape], strides = [...x.strides];
  shape.splice(a, 0, 1);
  strides.splice(a, 0, a < x.ndim ? x.strides[a] * x.shape[a] : 1);
  return record(new Tensor(x.data, shape, strides, x.offset), 'reshape', [x]);
}

/** Removes size-1 axes (all, or the given one if it has size 1), as a view. */
export function squeeze(x: Tensor, axis?: number): Tensor {
  const a = axis === undefined ? -1 : normAxis('squeeze', axis, x.ndim);
  const keep = x.shape.map((d, i) => !(d === 1 && (a === -1 || a === i)));
  const out = new Tensor(x.data, x.shape.filter((_, i) => keep[i]), x.strides.filter((_, i) => keep[i]), x.offset);
  return record(out, 'reshape', [x]);
}

/** Merges axes start..end into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startAxis, x.ndim), e = normAxis('flatten', endAxis, x.ndim);
  if (e < s) throw new ArgumentError(`flatten: start axis ${startAxis} comes after end axis ${endAxis}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

interface SliceInfo {
  starts: number[];
  steps: number[];
  counts: number[];
  drop: boolean[];
}

function normalizeSlice(x: Tensor, specs: readonly SliceSpec[]): SliceInfo {
  if (specs.length > x.ndim) throw new ShapeError(`slice: ${specs.length} indices for a tensor of shape ${fmtShape(x.shape)}`);
  const info: SliceInfo = { starts: [], steps: [], counts: [], drop: [] };
  for (let i = 0; i < x.ndim; i++) {
    const n = x.shape[i];
    const spec = i < specs.length ? specs[i] : null;
    if (typeof spec === 'number') {
      const idx = spec < 0 ? spec + n : spec;
      if (!Number.isInteger(idx) || idx < 0 || idx >= n) {
        throw new ShapeError(`slice: index ${spec} is out of range for axis ${i} of size ${n} (shape ${fmtShape(x.shape)})`);
      }
      info.starts.push(idx); info.steps.push(1); info.counts.push(1); info.drop.push(true);
      continue;
    }
    const [rawStart, rawEnd, rawStep] = spec ?? [];
    const step = rawStep ?? 1;
    if (!Number.isInteger(step) || step <= 0) throw new ArgumentError(`slice: step must be a positive integer, got ${step} on axis ${i}`);
    const clampIdx = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
    // NOTE: `== null`, so that [1, null] means "from 1 to the end", like Python's 1:None.
    const start = rawStart == null ? 0 : clampIdx(rawStart);
    const end = rawEnd == null ? n : clampIdx(rawEnd);
    info.starts.push(start); info.steps.push(step);
    info.counts.push(Math.max(0, Math.ceil((end - start) / step))); info.drop.push(false);
  }
  return info;
}

function sliceView(data: Tensor, info: SliceInfo): Tensor {
  let offset = data.offset;
  const shape: number[] = [], strides: number[] = [];
  for (let i = 0; i < data.ndim; i++) {
    offset += info.starts[i] * data.strides[i];
    if (info.drop[i]) continue;
    shape.push(info.counts[i]);
    strides.push(data.strides[i] * info.steps[i]);
  }
  return new Tensor(data.data, shape, strides, offset);
}

/** Basic indexing as a view: a number picks (and drops) an axis, `[start, end, step]` slices, null keeps all. */
export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  const info = normalizeSlice(x, specs);
  return record(sliceView(x, info), 'slice', [x], { info });
}

export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normAxis('narrow', axis, x.ndim);
  if (start < 0 || length < 0 || start + length > x.shape[a]) {
    throw new ShapeError(`narrow: [${start}, ${start + length}) is outside axis ${a} of size ${x.shape[a]} (shape ${fmtShape(x.shape)})`);
  }
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[a] = [start, start + length];
  return slice(x, specs);
}

export function select(x: Tensor, axis: number, index: number): Tensor {
  const a = normAxis('select', axis, x.ndim);
  if (!Number.isInteger(index) || index < -x.shape[a] || index >= x.shape[a]) {
    throw new ShapeError(`select: index ${index} is out of range for axis ${a} of size ${x.shape[a]} (shape ${fmtShape(x.shape)})`);
  }
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[a] = index;
  return slice(x, specs);
}

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ArgumentError('concat: needs at least one tensor');
  const first = tensors[0];
  const a = normAxis('concat', axis, first.ndim);
  const dtype = tensors.reduce<DType>((d, t) => (t.dtype === 'float64' || d === 'float64' ? 'float64' : t.dtype === 'float32' ? 'float32' : d), first.dtype);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(`concat: shapes ${tensors.map((u) => fmtShape(u.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  const shape = [...first.shape];
  shape[a] = tensors.reduce((s, t) => s + t.shape[a], 0);
  const out = allocate(dtype, sizeOf(shape));
  const outStrides = contiguousStrides(shape);
  let start = 0;
  for (const t of tensors) {
    stridedAssign(t.shape, t.data, t.offset, t.strides, out, start * outStrides[a], outStrides);
    start += t.shape[a];
  }
  return record(new Tensor(out, shape), 'concat', tensors, { axis: a });
}

/** Joins tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ArgumentError('stack: needs at least one tensor');
  for (const t of tensors) {
    if (t.ndim !== tensors[0].ndim || t.shape.some((d, i) => d !== tensors[0].shape[i])) {
      throw new ShapeError(`stack: all tensors need the same shape, got ${tensors.map((u) => fmtShape(u.shape)).join(', ')}`);
    }
  }
  const a = normAxis('stack', axis, tensors[0].ndim + 1);
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}

/**
 * Pads with a constant: `pads[i] = [before, after]` for axis i, from the first axis (axes without a pair are not padded).
 * @example pad(x, [[0, 0], [0, 0], [2, 2], [2, 2]])  // 2 pixels around an NCHW image
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.ndim) throw new ShapeError(`pad: ${pads.length} pad pairs for a tensor of shape ${fmtShape(x.shape)}`);
  const full = x.shape.map((_, i) => (i < pads.length ? pads[i] : [0, 0] as const));
  if (full.some(([b, e]) => b < 0 || e < 0 || !Number.isInteger(b) || !Number.isInteger(e))) {
    throw new ArgumentError(`pad: pads must be non-negative integers, got ${JSON.stringify(pads)}`);
  }
  const shape = x.shape.map((d, i) => d + full[i][0] + full[i][1]);
  const out = allocate(x.dtype, sizeOf(shape));
  if (value !== 0) out.fill(value);
  const strides = contiguousStrides(shape);
  const offset = full.reduce((o, [b], i) => o + b * strides[i], 0);
  stridedAssign(x.shape, x.data, x.offset, x.strides, out, offset, strides);
  return record(new Tensor(out, shape), 'pad', [x], { pads: full });
}

/** Converts to another dtype (a copy). */
export function cast(x: Tensor, dtype: DType): Tensor {
  const out = allocate(dtype, x.size, 'cast');
  stridedCopy(x.shape, x.data, x.offset, x.strides, out);
  // NOTE: to int32, values truncate toward zero, as torch's .int() does.
  const t = new Tensor(out, [...x.shape]);
  return dtype === 'int32' ? t : record(t, 'cast', [x]);
}

// ---- Backward rules -------------------------------------------------------

type MovementOp = 'reshape' | 'permute' | 'expand' | 'slice' | 'concat' | 'pad' | 'cast';

export const movementRules: { [K in MovementOp]: BackwardRule } = {
  reshape: (g, { inputs: [x] }) => [reshape(g, x.shape)],
  permute: (g, { saved }) => {
    const axes = saved.axes as number[];
    const inverse = new Array<number>(axes.length);
    axes.forEach((a, i) => (inverse[a] = i));
    return [permute(g, inverse)];
  },
  expand: (g, { inputs: [x] }) => [sumTo(g, x.shape)],
  slice: (g, { inputs: [x], saved }) => {
    const out = allocate(g.dtype, x.size);
    const region = sliceView(new Tensor(out, [...x.shape]), saved.info as SliceInfo);
    stridedAssign(g.shape, g.data, g.offset, g.strides, out, region.offset, region.strides);
    return [new Tensor(out, [...x.shape])];
  },
  concat: (g, { inputs, saved }) => {
    const axis = saved.axis as number;
    let start = 0;
    return inputs.map((t) => {
      const part = narrow(g, axis, start, t.shape[axis]);
      start += t.shape[axis];
      return part;
    });
  },
  pad: (g, { saved }) => {
    const pads = saved.pads as [number, number][];
    return [slice(g, pads.map(([b], i) => [b, b + g.shape[i] - pads[i][0] - pads[i][1]] as [number, number]))];
  },
  cast: (g, { inputs: [x] }) => [cast(g, x.dtype)],
};
