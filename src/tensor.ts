/**
 * The n-dimensional array at the heart of nnlab.
 *
 * A `Tensor` is a view: a typed-array `data` buffer, a `shape`, row-major
 * `strides` and an `offset`. Reshaping a contiguous tensor, transposing,
 * permuting, slicing and expanding make new views of the same buffer; math
 * ops write fresh contiguous outputs. float32 is the default dtype, float64 is
 * there for gradient checks and precise work, int32 holds indices and labels.
 *
 * @example
 *   const x = tensor([[1, 2], [3, 4]]);       // float32, shape [2, 2]
 *   const y = x.matmul(x.T).sum();              // 0-d tensor
 */
import { inspect } from 'node:util';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from './errors';
import { Generator, globalGenerator } from './random';
import { checkShape, contiguousStrides, shapeOfArgs, sizeOf } from './shape';
import { backward as runBackward, type BackwardOptions, type Node } from './autograd';
import { stridedCopy, type Storage } from './kernels/elementwise';
import * as E from './ops/elementwise';
import * as R from './ops/reduce';
import * as M from './ops/movement';
import * as I from './ops/indexing';
import { matmul } from './ops/matmul';
import { formatTensor } from './format';

export type DType = 'float32' | 'float64' | 'int32';
export type { Storage };
export type TensorLike = Tensor | number;
/** A nested array of numbers, e.g. `[[1, 2], [3, 4]]`. */
export type NestedArray = number | NestedArray[];
/** One entry per axis for `slice`: an index (drops the axis), `[start, end?, step?]`, or `null` for all. */
export type SliceSpec = number | null | [number?, number?, number?];

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array } as const;

/**
 * A zeroed buffer of `n` values of `dtype`. An unknown dtype (PyTorch's
 * 'int64', 'long', 'float16'...) throws a `DTypeError` naming `op`.
 */
export function allocate(dtype: DType, n: number, op = 'tensor'): Storage {
  const Array_ = Object.hasOwn(ARRAYS, dtype) ? ARRAYS[dtype] : undefined;
  if (!Array_) {
    const hint = /^(u?int(8|16|64)|long|short|bool)$/.test(String(dtype)) ? "; use 'int32' for labels and indices (where PyTorch uses int64)" : '';
    throw new DTypeError(`${op}: unsupported dtype '${String(dtype)}'; nnlab supports ${Object.keys(ARRAYS).map((d) => `'${d}'`).join(', ')}${hint}`);
  }
  return new Array_(n);
}

export function dtypeOf(data: Storage): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  throw new DTypeError(`tensor: unsupported storage ${(data as object).constructor.name}`);
}

export class Tensor {
  /** The buffer this tensor views (shared with other views). */
  readonly data: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  /** Set on leaves to collect gradients in `.grad`. */
  requiresGrad = false;
  /** Accumulated gradient after `backward()` (leaves, or any tensor after `retainGrad()`). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it is part of a graph. */
  node: Node | null = null;
  retainsGrad = false;

  constructor(data: Storage, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.data = data;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    this.dtype = dtypeOf(data);
    if (!strides && offset === 0 && sizeOf(shape) !== data.length) {
      throw new ShapeError(`tensor: ${data.length} values cannot have shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
  }

  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Transpose of a 2-D tensor (reverses the axes of any tensor). */
  get T(): Tensor {
    return M.permute(this, this.shape.map((_, i) => this.ndim - 1 - i));
  }
  get isLeaf(): boolean {
    return this.node === null;
  }

  isContiguous(): boolean {
    let s = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== s) return false;
      s *= this.shape[i];
    }
    return true;
  }

  /** This tensor if it is contiguous, else a contiguous copy (which keeps the graph). */
  contiguous(): Tensor {
    if (this.isContiguous()) return this;
    return M.reshape(this, this.shape);
  }

  /**
   * The values in row-major order. Without a copy when the tensor is a
   * contiguous view (then the result shares memory with the tensor).
   */
  values(): Storage {
    const n = this.size;
    if (this.isContiguous()) {
      return this.offset === 0 && n === this.data.length ? this.data : this.data.subarray(this.offset, this.offset + n);
    }
    const out = allocate(this.dtype, n);
    stridedCopy(this.shape, this.data, this.offset, this.strides, out);
    return out;
  }

  /** Nested JavaScript arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const flat = this.values();
    if (this.ndim === 0) return flat[0];
    const build = (axis: number, start: number): NestedArray[] => {
      const n = this.shape[axis];
      const step = sizeOf(this.shape.slice(axis + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(axis === this.ndim - 1 ? flat[start + i] : build(axis + 1, start + i * step));
      }
      return out;
    };
    return build(0, 0);
  }

  /** PyTorch's name for `toArray()`: nested JavaScript arrays (a number for a 0-d tensor). */
  tolist(): NestedArray {
    return this.toArray();
  }

  /** The values as a flat number[]. */
  toFlatArray(): number[] {
    return Array.from(this.values());
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: only one-element tensors have an item, got shape ${fmtShape(this.shape)}`);
    return this.data[this.offset];
  }

  /** A tensor sharing data but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset);
  }

  /** A contiguous copy with its own buffer (in the graph, like torch's `clone`). */
  clone(): Tensor {
    return M.copy(this);
  }

  /** Marks this tensor as a leaf that collects gradients. Returns `this`. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) throw new ArgumentError('requiresGrad_: only leaves can stop requiring grad; use detach()');
    this.requiresGrad = flag;
    return this;
  }

  /** Keep `.grad` on this non-leaf tensor after backward (for gradient-norm studies). */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /**
   * Backpropagates from this tensor (a scalar, or pass the gradient of the same
   * shape). A second backward through the same graph throws unless the first
   * had `{ retainGraph: true }`, as in PyTorch.
   * @example loss.backward({ retainGraph: true }); loss.backward();
   */
  backward(gradient?: Tensor | BackwardOptions, opts?: BackwardOptions): void {
    if (gradient !== undefined && !(gradient instanceof Tensor)) runBackward(this, undefined, gradient);
    else runBackward(this, gradient, opts);
  }

  toDType(dtype: DType): Tensor {
    return dtype === this.dtype ? this : M.cast(this, dtype);
  }
  float(): Tensor {
    return this.toDType('float32');
  }
  double(): Tensor {
    return this.toDType('float64');
  }
  int(): Tensor {
    return this.toDType('int32');
  }

  zerosLike(): Tensor {
    return zeros(this.shape, { dtype: this.dtype });
  }
  onesLike(): Tensor {
    return ones(this.shape, { dtype: this.dtype });
  }

  // Elementwise (broadcasting).
  add(other: TensorLike): Tensor { return E.add(this, other); }
  sub(other: TensorLike): Tensor { return E.sub(this, other); }
  mul(other: TensorLike): Tensor { return E.mul(this, other); }
  div(other: TensorLike): Tensor { return E.div(this, other); }
  pow(exponent: TensorLike): Tensor { return E.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return E.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return E.minimum(this, other); }
  neg(): Tensor { return E.neg(this); }
  exp(): Tensor { return E.exp(this); }
  log(): Tensor { return E.log(this); }
  sqrt(): Tensor { return E.sqrt(this); }
  abs(): Tensor { return E.abs(this); }
  square(): Tensor { return E.mul(this, this); }
  clamp(min?: number, max?: number): Tensor { return E.clamp(this, min, max); }
  relu(): Tensor { return E.relu(this); }
  sigmoid(): Tensor { return E.sigmoid(this); }
  tanh(): Tensor { return E.tanh(this); }
  eq(other: TensorLike): Tensor { return E.compare('eq', this, other); }
  ne(other: TensorLike): Tensor { return E.compare('ne', this, other); }
  lt(other: TensorLike): Tensor { return E.compare('lt', this, other); }
  le(other: TensorLike): Tensor { return E.compare('le', this, other); }
  gt(other: TensorLike): Tensor { return E.compare('gt', this, other); }
  ge(other: TensorLike): Tensor { return E.compare('ge', this, other); }

  // Reductions.
  sum(axis?: number | number[] | null, keepdim = false): Tensor { return R.sum(this, axis, keepdim); }
  mean(axis?: number | number[] | null, keepdim = false): Tensor { return R.mean(this, axis, keepdim); }
  max(axis?: number | number[] | null, keepdim = false): Tensor { return R.max(this, axis, keepdim); }
  min(axis?: number | number[] | null, keepdim = false): Tensor { return R.min(this, axis, keepdim); }
  var(axis?: number | number[] | null, keepdim = false, correction = 1): Tensor { return R.variance(this, axis, keepdim, correction); }
  std(axis?: number | number[] | null, keepdim = false, correction = 1): Tensor { return R.variance(this, axis, keepdim, correction).sqrt(); }
  argmax(axis?: number, keepdim = false): Tensor { return R.argmax(this, axis, keepdim); }
  argmin(axis?: number, keepdim = false): Tensor { return R.argmin(this, axis, keepdim); }

  matmul(other: Tensor): Tensor { return matmul(this, other); }

  // Movement.
  reshape(...shape: number[] | [readonly number[]]): Tensor { return M.reshape(this, shapeOfArgs(shape)); }
  /** Like reshape, but throws instead of copying when the tensor is not contiguous. */
  view(...shape: number[] | [readonly number[]]): Tensor { return M.view(this, shapeOfArgs(shape)); }
  permute(...axes: number[] | [readonly number[]]): Tensor { return M.permute(this, shapeOfArgs(axes)); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return M.transpose(this, axis0, axis1); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return M.expand(this, shapeOfArgs(shape)); }
  squeeze(axis?: number): Tensor { return M.squeeze(this, axis); }
  unsqueeze(axis: number): Tensor { return M.unsqueeze(this, axis); }
  flatten(startAxis = 0, endAxis = -1): Tensor { return M.flatten(this, startAxis, endAxis); }
  /** NumPy-style basic indexing: `x.slice(0, [1, 3], null)` is `x[0, 1:3, :]`. */
  slice(...specs: SliceSpec[]): Tensor { return M.slice(this, specs); }
  /** `narrow(axis, start, length)`, as in PyTorch. */
  narrow(axis: number, start: number, length: number): Tensor { return M.narrow(this, axis, start, length); }
  /** The sub-tensor at `index` along `axis` (the axis is dropped). */
  select(axis: number, index: number): Tensor { return M.select(this, axis, index); }
  gather(axis: number, index: Tensor): Tensor { return I.gather(this, axis, index); }
  indexSelect(axis: number, index: Tensor | ArrayLike<number>): Tensor { return I.indexSelect(this, axis, index); }

  toString(): string {
    return formatTensor(this);
  }
  [inspect.custom](): string {
    return formatTensor(this);
  }
}

function fromStorage(data: Storage, shape: readonly number[], opts: TensorOptions): Tensor {
  const t = new Tensor(data, shape);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from nested arrays, a flat typed array or a number. A typed array
 * of the requested dtype is used as the buffer without a copy.
 * @example tensor([[1, 2], [3, 4]], { dtype: 'float64' })
 */
export function tensor(values: NestedArray | Storage | readonly number[], opts: TensorOptions & { shape?: number[] } = {}): Tensor {
  if (ArrayBuffer.isView(values)) {
    const dtype = opts.dtype ?? dtypeOf(values as Storage);
    const data = dtype === dtypeOf(values as Storage) ? (values as Storage) : allocate(dtype, (values as Storage).length, 'tensor');
    if (data !== values) data.set(values as Storage);
    return fromStorage(data, opts.shape ?? [data.length], opts);
  }
  const shape: number[] = [];
  let probe: NestedArray = values as NestedArray;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe.length > 0 ? probe[0] : 0;
  }
  const n = sizeOf(shape);
  const data = allocate(opts.dtype ?? 'float32', n, 'tensor');
  let p = 0;
  const fill = (v: NestedArray, axis: number): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') throw new ShapeError(`tensor: ragged nested array (expected a number at depth ${axis}, shape ${fmtShape(shape)})`);
      data[p++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new ShapeError(`tensor: ragged nested array (expected ${shape[axis]} entries at depth ${axis}, shape ${fmtShape(shape)})`);
    }
    for (const x of v) fill(x, axis + 1);
  };
  fill(values as NestedArray, 0);
  return fromStorage(data, opts.shape ? checkReshape(shape, opts.shape) : shape, opts);
}

function checkReshape(from: number[], to: number[]): number[] {
  if (sizeOf(from) !== sizeOf(to)) throw new ShapeError(`tensor: ${sizeOf(from)} values cannot have shape ${fmtShape(to)}`);
  return to;
}

/** A 0-d tensor. */
export function scalar(value: number, opts: TensorOptions = {}): Tensor {
  const data = allocate(opts.dtype ?? 'float32', 1, 'scalar');
  data[0] = value;
  return fromStorage(data, [], opts);
}

export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  const s = checkShape('full', shape);
  const data = allocate(opts.dtype ?? 'float32', sizeOf(s), 'full');
  if (value !== 0) data.fill(value);
  return fromStorage(data, s, opts);
}
/**
 * The shape and options of a creation function called either way PyTorch
 * allows: `f([2, 3], opts?)` or `f(2, 3, opts?)`.
 */
function shapeArgs<O>(args: readonly unknown[]): [readonly number[], O] {
  if (Array.isArray(args[0])) return [args[0] as number[], (args[1] ?? {}) as O];
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object') return [args.slice(0, -1) as number[], last as O];
  return [args as number[], {} as O];
}

/**
 * Zeros of the given shape, as `torch.zeros`: `zeros([2, 3])` or `zeros(2, 3)`.
 * @example zeros(2, 3, { dtype: 'int32' })
 */
export function zeros(shape: readonly number[], opts?: TensorOptions): Tensor;
export function zeros(...shape: number[]): Tensor;
export function zeros(...args: [...shape: number[], opts: TensorOptions]): Tensor;
export function zeros(...args: unknown[]): Tensor {
  const [shape, opts] = shapeArgs<TensorOptions>(args);
  return full(shape, 0, opts);
}
/** Ones of the given shape, as `torch.ones`: `ones([2, 3])` or `ones(2, 3)`. */
export function ones(shape: readonly number[], opts?: TensorOptions): Tensor;
export function ones(...shape: number[]): Tensor;
export function ones(...args: [...shape: number[], opts: TensorOptions]): Tensor;
export function ones(...args: unknown[]): Tensor {
  const [shape, opts] = shapeArgs<TensorOptions>(args);
  return full(shape, 1, opts);
}
/** The n×n identity matrix. */
export function eye(n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`eye: n must be a non-negative integer, got ${n}`);
  const t = zeros([n, n], opts);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}

/** Values start, start+step, ... below end (like `np.arange`). `arange(5)` is 0..4. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new ArgumentError('arange: step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = allocate(opts.dtype ?? 'float32', n, 'arange');
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromStorage(data, [n], opts);
}

/** `num` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, num: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ArgumentError(`linspace: num must be a non-negative integer, got ${num}`);
  const data = allocate(opts.dtype ?? 'float32', num, 'linspace');
  const step = num > 1 ? (end - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = i === num - 1 && num > 1 ? end : start + i * step;
  return fromStorage(data, [num], opts);
}

/** Uniform in [low, high) from a seedable generator. */
export function uniform(shape: readonly number[], low = 0, high = 1, opts: RandomOptions = {}): Tensor {
  const s = checkShape('uniform', shape);
  const g = opts.generator ?? globalGenerator;
  const data = allocate(opts.dtype ?? 'float32', sizeOf(s), 'uniform');
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * g.uniform();
  if (high > low && !(data instanceof Int32Array)) {
    // NOTE: rounding (to float32 above all) can turn a value just below `high` into `high`; keep [low, high).
    const top = largestBelow(high, data instanceof Float32Array ? 'float32' : 'float64');
    for (let i = 0; i < data.length; i++) if (data[i] >= high) data[i] = top;
  }
  return fromStorage(data, s, opts);
}

/** The largest float32 or float64 value strictly below x. */
function largestBelow(x: number, dtype: 'float32' | 'float64'): number {
  const f = dtype === 'float32' ? Float32Array.of(x) : Float64Array.of(x);
  if (f[0] < x) return f[0];
  if (f[0] === 0) return dtype === 'float32' ? -1.401298464324817e-45 : -Number.MIN_VALUE;
  if (f instanceof Float32Array) new Int32Array(f.buffer)[0] += f[0] > 0 ? -1 : 1;
  else new BigInt64Array(f.buffer)[0] += f[0] > 0 ? -1n : 1n;
  return f[0];
}
/** Uniform in [0, 1), as `torch.rand`: `rand([2, 3])` or `rand(2, 3)`. */
export function rand(shape: readonly number[], opts?: RandomOptions): Tensor;
export function rand(...shape: number[]): Tensor;
export function rand(...args: [...shape: number[], opts: RandomOptions]): Tensor;
export function rand(...args: unknown[]): Tensor {
  const [shape, opts] = shapeArgs<RandomOptions>(args);
  return uniform(shape, 0, 1, opts);
}
type RandnOptions = RandomOptions & { mean?: number; std?: number };
/** Normal with the given mean and std (standard normal by default), as `torch.randn`: `randn([2, 3])` or `randn(2, 3)`. */
export function randn(shape: readonly number[], opts?: RandnOptions): Tensor;
export function randn(...shape: number[]): Tensor;
export function randn(...args: [...shape: number[], opts: RandnOptions]): Tensor;
export function randn(...args: unknown[]): Tensor {
  const [shape, opts] = shapeArgs<RandnOptions>(args);
  const s = checkShape('randn', shape);
  const g = opts.generator ?? globalGenerator;
  const mean = opts.mean ?? 0, std = opts.std ?? 1;
  const data = allocate(opts.dtype ?? 'float32', sizeOf(s), 'randn');
  for (let i = 0; i < data.length; i++) data[i] = mean + std * g.normal();
  return fromStorage(data, s, opts);
}
/** Integers in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const s = checkShape('randint', shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError(`randint: needs integers low < high, got low=${low}, high=${high}`);
  }
  const g = opts.generator ?? globalGenerator;
  const data = allocate(opts.dtype ?? 'int32', sizeOf(s), 'randint');
  for (let i = 0; i < data.length; i++) data[i] = low + g.int(high - low);
  return fromStorage(data, s, opts);
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
