/**
 * Convolution, PyTorch semantics, NCHW layout. Primitive: conv2d (one op whose
 * backward returns [dx, dweight, dbias]); conv1d is conv2d with H = 1.
 *
 * A convolution is a matrix product with the im2col matrix col [C/groups·kH·kW,
 * oH·oW] of each sample and group: Y = W·col + b. Backward is two more
 * products with the same matrix:
 *
 *   dW = Σ_n dY·colᵀ      dX = col2im(Wᵀ·dY)      db = Σ over n, oh, ow of dY
 *
 * The kernels in `kernels/im2col.ts` read col through offset tables into a
 * zero-padded copy of the input instead of writing it out, with the 4×4
 * register tiles of the matmul kernel (col2im is fused into the dX product).
 */
import { Tensor, allocate, type DType } from '../tensor';
import { record, type BackwardRule } from '../autograd';
import {
  convForwardKernel, convInputGradKernel, convPositions, convTaps, convWeightGradKernel,
  packWeights, padPlanes, paddedSize, unpadPlanes, type Window2D,
} from '../kernels/im2col';
import type { Storage } from '../kernels/elementwise';
import { activeWasm, WASM_MIN_MACS } from '../kernels/backend';
import { wasmConvBackward, wasmConvForward } from '../kernels/wasm/conv';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';

/** A size given once for both axes, or as [height, width]. */
export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  /** Step between windows: a number or [sh, sw]. Default 1. */
  stride?: Pair;
  /**
   * Zeros added on each side: a number, [ph, pw], 'valid' (= 0) or 'same'
   * (output size = input size; stride must be 1; when the total d·(k−1) is
   * odd the extra row/column goes at the bottom/right, as in PyTorch). Default 0.
   */
  padding?: Pair | 'same' | 'valid';
  /** Spacing between kernel taps: a number or [dh, dw]. Default 1. */
  dilation?: Pair;
  /** Input and output channels are split into `groups` independent groups. Default 1. */
  groups?: number;
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
}

// ---- Sizes ----------------------------------------------------------------

function checkInt(op: string, name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) {
    throw new ArgumentError(`${op}: ${name} must be an integer ≥ ${min}, got ${v}`);
  }
  return v;
}

/** [h, w] from a number or a pair, each an integer ≥ min. */
export function toPair(op: string, name: string, v: Pair, min: number): [number, number] {
  if (typeof v === 'number') return [checkInt(op, name, v, min), checkInt(op, name, v, min)];
  if (!Array.isArray(v) || v.length !== 2) throw new ArgumentError(`${op}: ${name} must be a number or [height, width], got ${JSON.stringify(v)}`);
  return [checkInt(op, name, v[0], min), checkInt(op, name, v[1], min)];
}

/**
 * Output length of a convolution along one axis, with `before` and `after`
 * zeros of padding: ⌊(W + before + after − D·(K−1) − 1) / S⌋ + 1.
 * Throws a ShapeError starting with `context` when the padded input is shorter
 * than the dilated kernel (the output would be empty).
 */
function convAxisSize(
  context: string, axis: string, inputSize: number, kernel: number, before: number, after: number, stride: number, dilation: number,
): number {
  const padded = inputSize + before + after;
  const span = dilation * (kernel - 1) + 1;
  if (padded < span) {
    const pad = before === after ? `padding ${before}` : `padding ${before}+${after}`;
    throw new ShapeError(
      `${context}${axis} ${inputSize} with ${pad} is ${padded}, smaller than the kernel ${kernel}` +
        (dilation > 1 ? ` (dilation ${dilation} spans ${span})` : '') + ': the output would be empty',
    );
  }
  return Math.floor((padded - span) / stride) + 1;
}

/**
 * Output size of a convolution along one axis, as in PyTorch's Conv2d docs:
 *
 *   O = ⌊(W + 2P − D·(K − 1) − 1) / S⌋ + 1       (= (W − K + 2P)/S + 1 for D = 1 when it divides)
 *
 * Throws an ArgumentError for a non-integer or out-of-range argument and a
 * ShapeError when the output would be empty.
 * @example convOutputSize(28, 5, 2, 1)  // 28  (LeNet's first conv keeps 28×28)
 * @example convOutputSize(7, 3, 0, 2)   // 3   (⌊4/2⌋ + 1)
 */
export function convOutputSize(inputSize: number, kernel: number, padding: number, stride: number, dilation = 1): number {
  const op = 'convOutputSize';
  checkInt(op, 'inputSize', inputSize, 0);
  checkInt(op, 'kernel', kernel, 1);
  checkInt(op, 'padding', padding, 0);
  checkInt(op, 'stride', stride, 1);
  checkInt(op, 'dilation', dilation, 1);
  return convAxisSize(`${op}: `, 'input size', inputSize, kernel, padding, padding, stride, dilation);
}

// ---- conv2d ---------------------------------------------------------------

/**
 * 2-D convolution (cross-correlation, as in PyTorch; the kernel is not flipped):
 *
 *   y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · x[n, g·C/G + c, i·sh − ph + p·dh, j·sw − pw + q·dw]
 *
 * where g = ⌊o / (O/G)⌋ is the output channel's group and c runs over the
 * C/G input channels of that group (zeros outside the input).
 * x is [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or null; the
 * output is [N, O, oH, oW] with oH = ⌊(H + 2ph − dh·(kH − 1) − 1)/sh⌋ + 1.
 * float32 unless an operand is float64.
 * @example
 *   const x = randn([64, 1, 28, 28]), w = randn([6, 1, 5, 5]), b = zeros([6]);
 *   conv2d(x, w, b, { padding: 2 })        // [64, 6, 28, 28]
 *   conv2d(x, w, null, { stride: 2 })      // [64, 6, 12, 12]
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  return conv2dAs('conv2d', x, weight, bias, opts, ['height', 'width']);
}

/** conv2d with the op and axis names used in errors (conv1d runs through here with H = 1). */
function conv2dAs(
  op: string, x: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions, axes: [string, string],
  shownShapes = `input ${fmtShape(x.shape)} is too small for weight ${fmtShape(weight.shape)}`,
): Tensor {
  if (x.ndim !== 4) {
    throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)} (use x.unsqueeze(0) for a single image)`);
  }
  if (weight.ndim !== 4) {
    throw new ShapeError(`${op}: expected a 4-D weight [out channels, in channels / groups, kH, kW], got shape ${fmtShape(weight.shape)}`);
  }
  for (const t of bias ? [x, weight, bias] : [x, weight]) {
    if (t.dtype === 'int32') {
      throw new DTypeError(`${op}: expected float32 or float64 tensors, got input ${x.dtype}, weight ${weight.dtype}${bias ? `, bias ${bias.dtype}` : ''}`);
    }
  }
  const groups = checkInt(op, 'groups', opts.groups ?? 1, 1);
  const [N, C, H, W] = x.shape;
  const [O, Cg, kH, kW] = weight.shape;
  if (O % groups !== 0) {
    throw new ShapeError(`${op}: weight ${fmtShape(weight.shape)} has ${O} output channels, not divisible by groups ${groups}`);
  }
  if (C !== Cg * groups) {
    throw new ShapeError(
      `${op}: expected input with ${Cg * groups} channels (weight ${fmtShape(weight.shape)}, groups ${groups}), got input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) {
    throw new ShapeError(`${op}: expected bias of shape [${O}] for weight ${fmtShape(weight.shape)}, got bias of shape ${fmtShape(bias.shape)}`);
  }
  const [sh, sw] = toPair(op, 'stride', opts.stride ?? 1, 1);
  const [dh, dw] = toPair(op, 'dilation', opts.dilation ?? 1, 1);
  const padding = opts.padding ?? 0;
  let top: number, bottom: number, left: number, right: number;
  if (padding === 'valid') {
    top = bottom = left = right = 0;
  } else if (padding === 'same') {
    if (sh !== 1 || sw !== 1) {
      throw new ArgumentError(`${op}: padding 'same' needs stride 1 (as in PyTorch), got stride [${sh}, ${sw}]`);
    }
    const totalH = dh * (kH - 1), totalW = dw * (kW - 1);
    top = Math.floor(totalH / 2);
    bottom = totalH - top;
    left = Math.floor(totalW / 2);
    right = totalW - left;
  } else {
    [top, left] = toPair(op, 'padding', padding, 0);
    bottom = top;
    right = left;
  }
  const context = `${op}: ${shownShapes}: `;
  const oH = convAxisSize(context, axes[0], H, kH, top, bottom, sh, dh);
  const oW = convAxisSize(context, axes[1], W, kW, left, right, sw, dw);
  const geom: Window2D = { C, H, W, kH, kW, sh, sw, ph: top, pw: left, dh, dw, oH, oW };

  const dtype: DType = x.dtype === 'float64' || weight.dtype === 'float64' || bias?.dtype === 'float64' ? 'float64' : 'float32';
  const out = convForward(x.values(), weight.values(), bias ? bias.values() : null, N, O, groups, geom, dtype);
  return record(new Tensor(out, [N, O, oH, oW]), 'conv2d', bias ? [x, weight, bias] : [x, weight], { geom, groups });
}

/**
 * 1-D convolution: x [N, C, L], weight [O, C/groups, K], bias [O] or null →
 * [N, O, ⌊(L + 2P − D·(K − 1) − 1)/S⌋ + 1]. Runs as conv2d with H = 1.
 * @example conv1d(randn([8, 4, 100]), randn([16, 4, 3]), null, { padding: 'same' })  // [8, 16, 100]
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv1dOptions = {}): Tensor {
  if (x.ndim !== 3) throw new ShapeError(`conv1d: expected a 3-D input [N, C, L], got shape ${fmtShape(x.shape)}`);
  if (weight.ndim !== 3) {
    throw new ShapeError(`conv1d: expected a 3-D weight [out channels, in channels / groups, K], got shape ${fmtShape(weight.shape)}`);
  }
  const groups = checkInt('conv1d', 'groups', opts.groups ?? 1, 1);
  if (x.shape[1] !== weight.shape[1] * groups) {
    throw new ShapeError(
      `conv1d: expected input with ${weight.shape[1] * groups} channels (weight ${fmtShape(weight.shape)}, groups ${groups}), got input of shape ${fmtShape(x.shape)}`,
    );
  }
  const padding = opts.padding ?? 0;
  const y = conv2dAs('conv1d', x.unsqueeze(2), weight.unsqueeze(2), bias, {
    stride: [1, opts.stride ?? 1],
    padding: typeof padding === 'number' ? [0, padding] : padding,
    dilation: [1, opts.dilation ?? 1],
    groups,
  }, ['height', 'length'], `input ${fmtShape(x.shape)} is too small for weight ${fmtShape(weight.shape)}`);
  return y.squeeze(2);
}

// ---- Kernel drivers -------------------------------------------------------

// Scratch buffers kept between calls: the padded input, dY in float64, the padded dX.
const scratch = { xp: new Float64Array(0), dy: new Float64Array(0), dxp: new Float64Array(0) };
function buffer(name: keyof typeof scratch, n: number): Float64Array {
  if (scratch[name].length < n) scratch[name] = new Float64Array(Math.max(n, Math.floor(scratch[name].length * 1.5)));
  return scratch[name];
}

/** The padded input, offset tables and per-group sizes shared by forward and backward. */
function layout(xv: Storage | null, N: number, O: number, groups: number, g: Window2D) {
  const [Hp, Wp] = paddedSize(g);
  const xp = buffer('xp', N * g.C * Hp * Wp);
  if (xv) padPlanes(xv, N * g.C, g, Hp, Wp, xp);
  const Cg = g.C / groups;
  return {
    xp, Og: O / groups, K: Cg * g.kH * g.kW, L: g.oH * g.oW,
    sampleSize: g.C * Hp * Wp, groupSize: Cg * Hp * Wp, Hp, Wp,
    taps: convTaps(g, Cg, Hp, Wp), pos: convPositions(g, Wp),
  };
}

/** The wasm runtime when the wasm backend is on, the conv is float32 and big enough; else null. */
function convWasm(dtype: DType, N: number, O: number, groups: number, g: Window2D) {
  if (dtype !== 'float32') return null;
  const rt = activeWasm();
  return rt !== null && N * O * g.oH * g.oW * (g.C / groups) * g.kH * g.kW >= WASM_MIN_MACS ? rt : null;
}

function convForward(xv: Storage, wv: Storage, bv: Storage | null, N: number, O: number, groups: number, g: Window2D, dtype: DType): Storage {
  const rt = convWasm(dtype, N, O, groups, g);
  if (rt) {
    const out = new Float32Array(N * O * g.oH * g.oW);
    wasmConvForward(rt, xv, wv, bv, N, O, groups, g, out);
    return out;
  }
  const { xp, Og, K, L, sampleSize, groupSize, taps, pos } = layout(xv, N, O, groups, g);
  const out = allocate(dtype, N * O * L);
  for (let grp = 0; grp < groups; grp++) {
    const wp = packWeights(wv, grp * Og * K, Og, K, false);
    const bias = new Float64Array(Math.ceil(Og / 4) * 4);
    if (bv) for (let o = 0; o < Og; o++) bias[o] = bv[grp * Og + o];
    for (let n = 0; n < N; n++) {
      convForwardKernel(wp, bias, Og, K, taps, xp, n * sampleSize + grp * groupSize, pos, L, out, (n * O + grp * Og) * L, L);
    }
  }
  return out;
}

// ---- Backward rule --------------------------------------------------------

/** The conv2d backward rule on the wasm backend (float32): [dx, dweight, dbias?]. */
function convBackwardWasm(
  rt: NonNullable<ReturnType<typeof activeWasm>>, grad: Tensor, x: Tensor, weight: Tensor, bias: Tensor | undefined,
  needX: boolean, needW: boolean, needB: boolean, groups: number, g: Window2D,
): (Tensor | null)[] {
  const N = x.shape[0], O = weight.shape[0];
  const dx = needX ? new Float32Array(x.size) : null;
  const dw = needW ? new Float32Array(weight.size) : null;
  const db = bias && needB ? new Float32Array(O) : null;
  wasmConvBackward(rt, needW ? x.values() : null, needX ? weight.values() : null, grad.values(), N, O, groups, g, dx, dw, db);
  const result: (Tensor | null)[] = [dx && new Tensor(dx, [...x.shape]), dw && new Tensor(dw, [...weight.shape])];
  if (bias) result.push(db && new Tensor(db, [O]));
  return result;
}

export const convRules: { [K in 'conv2d']: BackwardRule } = {
  conv2d: (grad, { inputs, saved }) => {
    const [x, weight, bias] = inputs;
    const g = saved.geom as Window2D, groups = saved.groups as number;
    const N = x.shape[0], O = weight.shape[0];
    const needX = x.requiresGrad, needW = weight.requiresGrad, needB = bias !== undefined && bias.requiresGrad;
    const f64 = x.dtype === 'float64' || weight.dtype === 'float64' || bias?.dtype === 'float64';
    const rt = convWasm(f64 ? 'float64' : 'float32', N, O, groups, g);
    if (rt) return convBackwardWasm(rt, grad, x, weight, bias, needX, needW, needB, groups, g);
    const { xp, Og, K, L, sampleSize, groupSize, Hp, Wp, taps, pos } = layout(needW ? x.values() : null, N, O, groups, g);
    const gv = grad.values();
    const dy = buffer('dy', gv.length);
    for (let i = 0; i < gv.length; i++) dy[i] = gv[i];
    const result: (Tensor | null)[] = [null, null];
    if (needX) {
      const wv = weight.values();
      const dxp = buffer('dxp', N * sampleSize);
      dxp.fill(0, 0, N * sampleSize);
      for (let grp = 0; grp < groups; grp++) {
        const wt = packWeights(wv, grp * Og * K, Og, K, true);
        for (let n = 0; n < N; n++) {
          convInputGradKernel(wt, Og, K, taps, dy, (n * O + grp * Og) * L, L, dxp, n * sampleSize + grp * groupSize, pos, L);
        }
      }
      const dx = allocate(x.dtype, x.size);
      unpadPlanes(dxp, N * g.C, g, Hp, Wp, dx);
      result[0] = new Tensor(dx, [...x.shape]);
    }
    if (needW) {
      const dw = new Float64Array(O * K);
      for (let grp = 0; grp < groups; grp++) {
        for (let n = 0; n < N; n++) {
          convWeightGradKernel(dy, (n * O + grp * Og) * L, L, Og, K, taps, xp, n * sampleSize + grp * groupSize, pos, L, dw, grp * Og * K);
        }
      }
      result[1] = new Tensor(weight.dtype === 'float64' ? dw : Float32Array.from(dw), [...weight.shape]);
    }
    if (bias) {
      let db: Tensor | null = null;
      if (needB) {
        const sums = new Float64Array(O);
        for (let n = 0; n < N; n++) {
          for (let o = 0; o < O; o++) {
            let s = 0;
            for (let p = (n * O + o) * L, end = p + L; p < end; p++) s += dy[p];
            sums[o] += s;
          }
        }
        db = new Tensor(bias.dtype === 'float64' ? sums : Float32Array.from(sums), [O]);
      }
      result.push(db);
    }
    return result;
  },
};
