/**
 * The elementwise hot loops, in one place so they can move to WebAssembly or
 * C++ without touching the ops: relu, its gradient, tanh and sigmoid on
 * float32 take the SIMD kernels on the wasm backend; on the native backend
 * the float32 arithmetic, activations, their gradients and the row and
 * column sums run in the addon (`NATIVE_UNARY`, `NATIVE_BINARY`), with the
 * same bits as these loops (see native/nnlab.cc). Every loop is specialised per
 * operation (one generated function each, so V8 compiles a monomorphic loop
 * with the expression inlined): no closure or allocation per element.
 */
import { activeNative, activeWasm } from './backend';
import { wasmReluGrad, wasmUnary, WASM_MIN_ELEMENTS } from './wasm';
import { NATIVE_BINARY, NATIVE_MIN_ELEMENTS, NATIVE_UNARY, type NativeAddon } from './native';

export type Storage = Float32Array | Float64Array | Int32Array;

/** Binary expressions over `x` (left) and `y` (right). */
export const BINARY_EXPRS = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'Math.pow(x, y)',
  maximum: '(x > y || x !== x) ? x : y',
  minimum: '(x < y || x !== x) ? x : y',
  eq: 'x === y ? 1 : 0',
  ne: 'x !== y ? 1 : 0',
  lt: 'x < y ? 1 : 0',
  le: 'x <= y ? 1 : 0',
  gt: 'x > y ? 1 : 0',
  ge: 'x >= y ? 1 : 0',
  // Gradient helpers: x is the incoming gradient, y the saved forward value.
  reluGrad: 'y > 0 ? x : 0',
  sigmoidGrad: 'x * y * (1 - y)',
  tanhGrad: 'x * (1 - y * y)',
  // 1 where x > y, 0.5 on ties, 0 below: the share of a maximum's gradient.
  maxShare: 'x > y ? 1 : (x === y ? 0.5 : 0)',
} as const;
export type BinaryKernel = keyof typeof BINARY_EXPRS;

/** Unary expressions over `x`. */
export const UNARY_EXPRS = {
  neg: '-x',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  sqrt: 'Math.sqrt(x)',
  abs: 'Math.abs(x)',
  sign: 'x > 0 ? 1 : (x < 0 ? -1 : 0)',
  relu: 'x > 0 || x !== x ? x : 0', // NaN propagates, as torch.relu
  sigmoid: 'x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))',
  tanh: 'Math.tanh(x)',
  square: 'x * x',
  reciprocal: '1 / x',
  isNonFinite: '(x - x) === 0 ? 0 : 1',
  isNaN: 'x !== x ? 1 : 0',
  floor: 'Math.floor(x)',
  round: 'Math.round(x)',
} as const;
export type UnaryKernel = keyof typeof UNARY_EXPRS;

type FlatBinary = (a: Storage, b: Storage, out: Storage, n: number) => void;
type Strided2D = (
  a: Storage, ao: number, ars: number, acs: number,
  b: Storage, bo: number, brs: number, bcs: number,
  out: Storage, oo: number, rows: number, cols: number,
) => void;
type FlatUnary = (a: Storage, ao: number, out: Storage, n: number) => void;

function compile<T>(params: string[], body: string): T {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function(...params, body) as T;
}

const flatBinary = {} as Record<BinaryKernel, FlatBinary>;
const stridedBinary = {} as Record<BinaryKernel, Strided2D>;
for (const [name, expr] of Object.entries(BINARY_EXPRS) as [BinaryKernel, string][]) {
  flatBinary[name] = compile<FlatBinary>(['a', 'b', 'out', 'n'],
    `for (let i = 0; i < n; i++) { const x = a[i], y = b[i]; out[i] = ${expr}; }`);
  stridedBinary[name] = compile<Strided2D>(
    ['a', 'ao', 'ars', 'acs', 'b', 'bo', 'brs', 'bcs', 'out', 'oo', 'rows', 'cols'],
    `let oi = oo;
     for (let r = 0; r < rows; r++) {
       let ai = ao + r * ars, bi = bo + r * brs;
       for (let c = 0; c < cols; c++) {
         const x = a[ai], y = b[bi];
         out[oi++] = ${expr};
         ai += acs; bi += bcs;
       }
     }`);
}

const flatUnary = {} as Record<UnaryKernel, FlatUnary>;
for (const [name, expr] of Object.entries(UNARY_EXPRS) as [UnaryKernel, string][]) {
  flatUnary[name] = compile<FlatUnary>(['a', 'ao', 'out', 'n'],
    `for (let i = 0; i < n; i++) { const x = a[ao + i]; out[i] = ${expr}; }`);
}

/** out[i] = f(a[ao + i]) for i < n. */
export function unaryKernel(op: UnaryKernel, a: Storage, ao: number, out: Storage, n: number): void {
  if (n >= NATIVE_MIN_ELEMENTS && a instanceof Float32Array && out instanceof Float32Array) {
    const code = (NATIVE_UNARY as Record<string, number | undefined>)[op];
    const nat = code === undefined ? null : activeNative();
    if (nat) {
      nat.unary(code!, a, ao, out, 0, n);
      return;
    }
  }
  if ((op === 'relu' || op === 'tanh' || op === 'sigmoid') && a instanceof Float32Array && out instanceof Float32Array && n >= WASM_MIN_ELEMENTS) {
    const rt = activeWasm();
    if (rt) {
      wasmUnary(rt, op, a.subarray(ao, ao + n), out);
      return;
    }
  }
  flatUnary[op](a, ao, out, n);
}

/**
 * out = a (op) b over `shape`, where a and b are read through strides
 * (0 on broadcast axes) and out is contiguous. Adjacent axes are merged where
 * every operand allows it, so most calls become one flat or 2-D loop.
 */
export function binaryKernel(
  op: BinaryKernel, shape: readonly number[],
  a: Storage, aOffset: number, aStrides: readonly number[],
  b: Storage, bOffset: number, bStrides: readonly number[],
  out: Storage,
): void {
  const dims = collapse(shape, aStrides, bStrides);
  const n = dims.shape.length;
  if (n === 0) {
    stridedBinary[op](a, aOffset, 0, 0, b, bOffset, 0, 0, out, 0, 1, 1);
    return;
  }
  const [as, bs] = dims.strides;
  const nat = out.length >= NATIVE_MIN_ELEMENTS && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array
    ? nativeBinary(op) : null;
  if (n === 1 && as[0] === 1 && bs[0] === 1 && aOffset === 0 && bOffset === 0 && !nat) {
    if (op === 'reluGrad' && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && dims.shape[0] >= WASM_MIN_ELEMENTS) {
      const rt = activeWasm();
      if (rt) {
        wasmReluGrad(rt, a.subarray(0, dims.shape[0]), b.subarray(0, dims.shape[0]), out);
        return;
      }
    }
    flatBinary[op](a, b, out, dims.shape[0]);
    return;
  }
  const cols = dims.shape[n - 1];
  const rows = n >= 2 ? dims.shape[n - 2] : 1;
  const acs = as[n - 1], bcs = bs[n - 1];
  const ars = n >= 2 ? as[n - 2] : 0, brs = n >= 2 ? bs[n - 2] : 0;
  const kernel = nat ? nat : stridedBinary[op];
  if (n <= 2) {
    kernel(a, aOffset, ars, acs, b, bOffset, brs, bcs, out, 0, rows, cols);
    return;
  }
  // Outer axes: an odometer over shape[0 .. n-3].
  const outer = n - 2;
  const idx = new Array<number>(outer).fill(0);
  const block = rows * cols;
  let outerCount = 1;
  for (let i = 0; i < outer; i++) outerCount *= dims.shape[i];
  let ao = aOffset, bo = bOffset;
  for (let k = 0; k < outerCount; k++) {
    kernel(a, ao, ars, acs, b, bo, brs, bcs, out, k * block, rows, cols);
    for (let d = outer - 1; d >= 0; d--) {
      idx[d]++;
      ao += as[d];
      bo += bs[d];
      if (idx[d] < dims.shape[d]) break;
      ao -= as[d] * idx[d];
      bo -= bs[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/** The native 2-D strided loop for `op` when the native backend runs and has it, else null. */
function nativeBinary(op: BinaryKernel): Strided2D | null {
  const code = (NATIVE_BINARY as Record<string, number | undefined>)[op];
  const nat = code === undefined ? null : activeNative();
  if (!nat) return null;
  return (a, ao, ars, acs, b, bo, brs, bcs, out, oo, rows, cols) =>
    nat.binary(code!, a as Float32Array, ao, ars, acs, b as Float32Array, bo, brs, bcs, out as Float32Array, oo, rows, cols);
}

/** Copies a strided view into a contiguous array (row-major). */
export function stridedCopy(
  shape: readonly number[], src: Storage, offset: number, strides: readonly number[], out: Storage,
): void {
  const zero = new Array<number>(shape.length).fill(0);
  const dims = collapse(shape, strides, zero);
  const n = dims.shape.length;
  const s = dims.strides[0];
  if (n === 0) {
    out[0] = src[offset];
    return;
  }
  if (n === 1 && s[0] === 1) {
    if (src.constructor === out.constructor) {
      (out as Float32Array).set((src as Float32Array).subarray(offset, offset + dims.shape[0]));
    } else {
      for (let i = 0; i < dims.shape[0]; i++) out[i] = src[offset + i];
    }
    return;
  }
  const cols = dims.shape[n - 1];
  const cs = s[n - 1];
  const outerCount = sizeOfDims(dims.shape, n - 1);
  const idx = new Array<number>(Math.max(0, n - 1)).fill(0);
  let o = 0, base = offset;
  for (let k = 0; k < outerCount; k++) {
    let si = base;
    for (let c = 0; c < cols; c++) {
      out[o++] = src[si];
      si += cs;
    }
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      base += s[d];
      if (idx[d] < dims.shape[d]) break;
      base -= s[d] * idx[d];
      idx[d] = 0;
    }
  }
}

function sizeOfDims(shape: readonly number[], count: number): number {
  let n = 1;
  for (let i = 0; i < count; i++) n *= shape[i];
  return n;
}

/** Drops size-1 axes and merges adjacent axes that are contiguous for every operand. */
function collapse(shape: readonly number[], ...strides: (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[i] * shape[i])) {
      outShape[last] *= shape[i];
      strides.forEach((s, k) => (outStrides[k][last] = s[i]));
    } else {
      outShape.push(shape[i]);
      strides.forEach((s, k) => outStrides[k].push(s[i]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** The addon when a float32 sum of n elements runs natively (same bits: both accumulate in double, in order). */
function nativeSums(x: Storage, n: number, out: Storage): NativeAddon | null {
  return n >= NATIVE_MIN_ELEMENTS && x instanceof Float32Array && out instanceof Float32Array ? activeNative() : null;
}

/** Sums of each run of `inner` elements: x viewed as [outer, inner] -> out[outer]. */
export function sumRows(x: Storage, outer: number, inner: number, out: Storage): void {
  const nat = nativeSums(x, outer * inner, out);
  if (nat) return nat.sumRows(x as Float32Array, 0, outer, inner, out as Float32Array);
  let p = 0;
  for (let r = 0; r < outer; r++) {
    let s = 0;
    for (let c = 0; c < inner; c++) s += x[p++];
    out[r] = s;
  }
}

/** Column sums: x viewed as [outer, inner] -> out[inner]. */
export function sumCols(x: Storage, outer: number, inner: number, out: Storage): void {
  const nat = nativeSums(x, outer * inner, out);
  if (nat) return nat.sumCols(x as Float32Array, 0, outer, inner, out as Float32Array);
  const acc = new Float64Array(inner);
  let p = 0;
  for (let r = 0; r < outer; r++) {
    for (let c = 0; c < inner; c++) acc[c] += x[p++];
  }
  for (let c = 0; c < inner; c++) out[c] = acc[c];
}

/** Max of each run of `inner` elements (NaN propagates, as in PyTorch). */
export function maxRows(x: Storage, outer: number, inner: number, out: Storage): void {
  let p = 0;
  for (let r = 0; r < outer; r++) {
    let m = -Infinity;
    for (let c = 0; c < inner; c++) {
      const v = x[p++];
      if (v > m || v !== v) m = v;
      if (m !== m) { p += inner - c - 1; break; }
    }
    out[r] = m;
  }
}

/** Index of the max of each run of `inner` elements (first one on ties). */
export function argmaxRows(x: Storage, outer: number, inner: number, out: Storage): void {
  let p = 0;
  for (let r = 0; r < outer; r++) {
    let m = -Infinity, best = 0;
    for (let c = 0; c < inner; c++) {
      const v = x[p + c];
      if (v > m || (v !== v && m === m)) { m = v; best = c; if (v !== v) break; }
    }
    out[r] = best;
    p += inner;
  }
}

/** Index of the min of each run of `inner` elements (first one on ties, NaN counts as smallest, as torch.argmin). */
export function argminRows(x: Storage, outer: number, inner: number, out: Storage): void {
  let p = 0;
  for (let r = 0; r < outer; r++) {
    let m = Infinity, best = 0;
    for (let c = 0; c < inner; c++) {
      const v = x[p + c];
      if (v < m || (v !== v && m === m)) { m = v; best = c; if (v !== v) break; }
    }
    out[r] = best;
    p += inner;
  }
}

/**
 * General strided copy: dst view (dOff, dStrides) <- src view (sOff, sStrides), both of `shape`.
 * Used to write into a region of a larger tensor (slice backward, concat, pad).
 */
export function stridedAssign(
  shape: readonly number[],
  src: Storage, sOff: number, sStrides: readonly number[],
  dst: Storage, dOff: number, dStrides: readonly number[],
): void {
  const dims = collapse(shape, sStrides, dStrides);
  const n = dims.shape.length;
  if (n === 0) {
    dst[dOff] = src[sOff];
    return;
  }
  const [ss, ds] = dims.strides;
  const cols = dims.shape[n - 1];
  const scs = ss[n - 1], dcs = ds[n - 1];
  const outerCount = sizeOfDims(dims.shape, n - 1);
  const idx = new Array<number>(n - 1).fill(0);
  let sb = sOff, db = dOff;
  for (let k = 0; k < outerCount; k++) {
    let si = sb, di = db;
    for (let c = 0; c < cols; c++) {
      dst[di] = src[si];
      si += scs;
      di += dcs;
    }
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      sb += ss[d];
      db += ds[d];
      if (idx[d] < dims.shape[d]) break;
      sb -= ss[d] * idx[d];
      db -= ds[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/**
 * The error function, to float64 precision for |x| < 6 (W. J. Cody's rational
 * approximations as given in many numerical libraries; written out here).
 */
export function erf(x: number): number {
  // Abramowitz-Stegun style continued via erfc for the tails, series near 0.
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x, sum = x;
    for (let n = 1; n < 30; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  const r = 1 - erfcContinuedFraction(ax);
  return x < 0 ? -r : r;
}

/** erfc(x) for x >= 0.5 by Lentz's continued fraction. */
function erfcContinuedFraction(x: number): number {
  if (x > 27) return 0;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  const tiny = 1e-300;
  let f = x, C = x, D = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    D = x + an * D;
    D = D === 0 ? tiny : D;
    C = x + an / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
