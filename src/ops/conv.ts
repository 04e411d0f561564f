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
 * The kernels (`kernels/conv.ts`, which picks the backend) compute these
 * products: OpenBLAS on an explicit im2col matrix (native), SIMD gemms
 * (wasm), or 4×4 register tiles reading col through offset tables (js).
 */
import { Tensor, type DType } from '../tensor';
import { record, type BackwardRule } from '../autograd';
import type { Window2D } from '../kernels/im2col';
import { convBackward, convForward } from '../kernels/conv';
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

// ---- Backward rule --------------------------------------------------------

export const convRules: { [K in 'conv2d']: BackwardRule } = {
  conv2d: (grad, { inputs, saved }) => {
    const [x, weight, bias] = inputs;
    const g = saved.geom as Window2D, groups = saved.groups as number;
    const N = x.shape[0], O = weight.shape[0];
    const needX = x.requiresGrad, needW = weight.requiresGrad, needB = bias !== undefined && bias.requiresGrad;
    const f64 = x.dtype === 'float64' || weight.dtype === 'float64' || bias?.dtype === 'float64';
    const { dx, dw, db } = convBackward(
      needW ? x.values() : x.data, x.dtype, needX ? weight.values() : weight.data, weight.dtype, bias ? bias.dtype : null, grad.values(),
      needX, needW, needB, N, O, groups, g, f64,
    );
    const result: (Tensor | null)[] = [dx && new Tensor(dx, [...x.shape]), dw && new Tensor(dw, [...weight.shape])];
    if (bias) result.push(db && new Tensor(db, [O]));
    return result;
  },
};
