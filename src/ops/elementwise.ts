/**
 * Elementwise ops with NumPy broadcasting, forward and backward side by side.
 * Primitives: add, sub, mul, div, pow, maximum, minimum, where, neg, exp, log,
 * sqrt, abs, relu, sigmoid, tanh, gelu. Everything else here is composed.
 */
import { Tensor, allocate, scalar, type DType, type TensorLike } from '../tensor';
import { record, type BackwardRule } from '../autograd';
import { binaryKernel, unaryKernel, erf, type BinaryKernel, type UnaryKernel } from '../kernels/elementwise';
import { broadcastShapes, sizeOf } from '../shape';
import { sumTo } from './reduce';

const RANK: Record<DType, number> = { int32: 0, float32: 1, float64: 2 };

/** The dtype of a binary result: the wider operand; a JS number takes the tensor's dtype. */
function resultDType(a: TensorLike, b: TensorLike, op: string): DType {
  const da = typeof a === 'number' ? null : a.dtype;
  const db = typeof b === 'number' ? null : b.dtype;
  let d: DType = da && db ? (RANK[da] >= RANK[db] ? da : db) : (da ?? db ?? 'float32');
  if (d === 'int32') {
    const nonInt = (x: TensorLike) => typeof x === 'number' && !Number.isInteger(x);
    if (op === 'div' || op === 'pow' || nonInt(a) || nonInt(b)) d = 'float32';
  }
  return d;
}

function asTensor(x: TensorLike, dtype: DType): Tensor {
  return typeof x === 'number' ? scalar(x, { dtype }) : x;
}

/** Strides reading `t` as if broadcast to `shape` (0 on broadcast axes). */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  const lead = shape.length - t.ndim;
  for (let i = 0; i < t.ndim; i++) out[lead + i] = t.shape[i] === 1 ? 0 : t.strides[i];
  return out;
}

/** Runs a binary kernel without recording a graph. */
export function binaryRaw(op: BinaryKernel, a: Tensor, b: Tensor, dtype: DType, opName: string = op): Tensor {
  const shape = broadcastShapes(opName, a.shape, b.shape);
  const out = allocate(dtype, sizeOf(shape));
  binaryKernel(op, shape, a.data, a.offset, broadcastStrides(a, shape), b.data, b.offset, broadcastStrides(b, shape), out);
  return new Tensor(out, shape);
}

function binary(op: 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum', a: TensorLike, b: TensorLike): Tensor {
  const dtype = resultDType(a, b, op);
  const ta = asTensor(a, dtype), tb = asTensor(b, dtype);
  return record(binaryRaw(op, ta, tb, dtype), op, [ta, tb]);
}

/** Runs a unary kernel without recording a graph. */
export function unaryRaw(op: UnaryKernel, a: Tensor, dtype: DType = a.dtype === 'int32' ? 'float32' : a.dtype): Tensor {
  const src = a.contiguous();
  const out = allocate(dtype, src.size);
  unaryKernel(op, src.data, src.offset, out, src.size);
  return new Tensor(out, [...a.shape]);
}

function unary(op: 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'sigmoid' | 'tanh', a: Tensor): Tensor {
  const dtype = op === 'neg' || op === 'abs' || op === 'relu' ? a.dtype : a.dtype === 'int32' ? 'float32' : a.dtype;
  return record(unaryRaw(op, a, dtype), op, [a]);
}

/** a + b */
export const add = (a: TensorLike, b: TensorLike) => binary('add', a, b);
/** a − b */
export const sub = (a: TensorLike, b: TensorLike) => binary('sub', a, b);
/** a · b */
export const mul = (a: TensorLike, b: TensorLike) => binary('mul', a, b);
/** a / b (true division: int32 inputs give float32) */
export const div = (a: TensorLike, b: TensorLike) => binary('div', a, b);
/** a^b */
export const pow = (a: TensorLike, b: TensorLike) => binary('pow', a, b);
/** Elementwise max; on ties the gradient is split equally, as in PyTorch. */
export const maximum = (a: TensorLike, b: TensorLike) => binary('maximum', a, b);
/** Elementwise min; on ties the gradient is split equally. */
export const minimum = (a: TensorLike, b: TensorLike) => binary('minimum', a, b);
/** −x */
export const neg = (x: Tensor) => unary('neg', x);
/** e^x */
export const exp = (x: Tensor) => unary('exp', x);
/** natural log */
export const log = (x: Tensor) => unary('log', x);
/** √x */
export const sqrt = (x: Tensor) => unary('sqrt', x);
/** |x|, with gradient sign(x) (0 at 0) */
export const abs = (x: Tensor) => unary('abs', x);
/** max(x, 0) */
export const relu = (x: Tensor) => unary('relu', x);
/** σ(x) = 1 / (1 + e^−x), computed stably for large |x|. */
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
/** tanh(x) */
export const tanh = (x: Tensor) => unary('tanh', x);

/** GELU, exact form: x·Φ(x) = x/2 · (1 + erf(x/√2)), as `torch.nn.functional.gelu`. */
export function gelu(x: Tensor): Tensor {
  const src = x.contiguous();
  const dtype = x.dtype === 'int32' ? 'float32' : x.dtype;
  const out = allocate(dtype, src.size);
  const d = src.data, o = src.offset;
  for (let i = 0; i < out.length; i++) {
    const v = d[o + i];
    out[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
  }
  return record(new Tensor(out, [...x.shape]), 'gelu', [x]);
}

/** Comparison giving a float32 mask of 0 and 1 (no gradient). */
export function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: TensorLike, b: TensorLike): Tensor {
  const dtype = resultDType(a, b, op);
  return binaryRaw(op, asTensor(a, dtype), asTensor(b, dtype), 'float32');
}

/**
 * where(cond, a, b): a where cond ≠ 0, else b, all three broadcast together.
 * @example where(x.gt(0), x, x.mul(0.01))  // leaky ReLU
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const dtype = resultDType(a, b, 'where');
  const ta = asTensor(a, dtype), tb = asTensor(b, dtype);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const c = cond.expand(shape).values(), av = ta.expand(shape).values(), bv = tb.expand(shape).values();
  const out = allocate(dtype, c.length);
  for (let i = 0; i < out.length; i++) out[i] = c[i] !== 0 ? av[i] : bv[i];
  return record(new Tensor(out, shape), 'where', [ta, tb], { cond });
}

/** Limits values to [min, max]; the gradient is 1 inside (boundaries included) and 0 outside. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  let y = x;
  if (min !== undefined) y = where(x.lt(min), min, y);
  // NOTE: compare y (not x) so that min > max gives max everywhere, as torch.clamp does.
  if (max !== undefined) y = where(y.gt(max), max, y);
  return y;
}

/** Leaky ReLU: x for x > 0, slope·x otherwise (PyTorch default slope 0.01). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return where(x.gt(0), x, x.mul(negativeSlope));
}

/** ELU: x for x > 0, α(eˣ − 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  const positive = x.gt(0);
  // NOTE: where(x > 0, 0, x) rather than minimum(x, 0), whose tie at 0 would halve the gradient there.
  return where(positive, x, where(positive, 0, x).exp().sub(1).mul(alpha));
}

// ---- Backward rules -------------------------------------------------------

type ElementwiseOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'where'
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'sigmoid' | 'tanh' | 'gelu';

export const elementwiseRules: { [K in ElementwiseOp]: BackwardRule } = {
  add: (g, { inputs: [a, b] }) => [sumTo(g, a.shape), sumTo(g, b.shape)],
  sub: (g, { inputs: [a, b] }) => [sumTo(g, a.shape), b.requiresGrad ? sumTo(neg(g), b.shape) : null],
  mul: (g, { inputs: [a, b] }) => [
    a.requiresGrad ? sumTo(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, a), b.shape) : null,
  ],
  // d(a/b)/da = 1/b, d(a/b)/db = −a/b² = −out/b
  div: (g, { inputs: [a, b] }, out) => [
    a.requiresGrad ? sumTo(div(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(neg(mul(g, div(out, b))), b.shape) : null,
  ],
  // d(a^b)/da = b·a^(b−1) (0 where b = 0), d(a^b)/db = a^b · ln a (0 where a = 0 and b ≥ 0), as in PyTorch.
  pow: (g, { inputs: [a, b] }, out) => [
    a.requiresGrad ? sumTo(mul(g, where(b.eq(0), 0, mul(b, pow(a, sub(b, 1))))), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, where(mul(a.eq(0), b.ge(0)), 0, mul(out, log(a)))), b.shape) : null,
  ],
  maximum: (g, { inputs: [a, b] }) => [
    a.requiresGrad ? sumTo(mul(g, binaryRaw('maxShare', a, b, g.dtype)), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, binaryRaw('maxShare', b, a, g.dtype)), b.shape) : null,
  ],
  minimum: (g, { inputs: [a, b] }) => [
    a.requiresGrad ? sumTo(mul(g, binaryRaw('maxShare', b, a, g.dtype)), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, binaryRaw('maxShare', a, b, g.dtype)), b.shape) : null,
  ],
  where: (g, { inputs: [a, b], saved }) => {
    const cond = saved.cond as Tensor;
    return [
      a.requiresGrad ? sumTo(where(cond, g, 0), a.shape) : null,
      b.requiresGrad ? sumTo(where(cond, 0, g), b.shape) : null,
    ];
  },
  neg: (g) => [neg(g)],
  exp: (g, _n, out) => [mul(g, out)],
  log: (g, { inputs: [a] }) => [div(g, a)],
  sqrt: (g, _n, out) => [div(g, mul(out, 2))],
  abs: (g, { inputs: [a] }) => [mul(g, unaryRaw('sign', a, g.dtype))],
  relu: (g, _n, out) => [binaryRaw('reluGrad', g, out, g.dtype)],
  sigmoid: (g, _n, out) => [binaryRaw('sigmoidGrad', g, out, g.dtype)],
  tanh: (g, _n, out) => [binaryRaw('tanhGrad', g, out, g.dtype)],
  // d/dx x·Φ(x) = Φ(x) + x·φ(x)
  gelu: (g, { inputs: [x] }) => {
    const xv = x.values();
    const d = allocate(g.dtype, xv.length);
    const invSqrt2Pi = 1 / Math.sqrt(2 * Math.PI);
    for (let i = 0; i < d.length; i++) {
      const v = xv[i];
      d[i] = 0.5 * (1 + erf(v * Math.SQRT1_2)) + v * invSqrt2Pi * Math.exp(-0.5 * v * v);
    }
    return [mul(g, new Tensor(d, [...x.shape]))];
  },
};
