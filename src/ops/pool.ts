/**
 * Pooling over the last two axes of NCHW tensors, PyTorch semantics.
 * Primitives: maxPool2d (saves the argmax of each window; backward routes
 * each gradient to it), avgPool2d and adaptiveAvgPool2d (backward spreads
 * each gradient evenly over its window). globalAvgPool2d is adaptive
 * pooling to 1×1. The loops are in `kernels/im2col.ts`.
 */
import { Tensor, allocate } from '../tensor';
import { record, type BackwardRule } from '../autograd';
import {
  adaptiveAvgPool2dBackwardKernel, adaptiveAvgPool2dKernel, avgPool2dBackwardKernel, avgPool2dKernel,
  maxPool2dBackwardKernel, maxPool2dKernel, type Window2D,
} from '../kernels/im2col';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';
import { toPair, type Pair } from './conv';

export interface MaxPool2dOptions {
  /** Window size: a number or [kH, kW]. */
  kernelSize: Pair;
  /** Step between windows; defaults to kernelSize (non-overlapping windows). */
  stride?: Pair | null;
  /** −∞ added on each side (at most half the kernel). Default 0. */
  padding?: Pair;
  /** Spacing between window taps. Default 1. */
  dilation?: Pair;
  /** Round the output size up instead of down (a last, partial window). Default false. */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  kernelSize: Pair;
  stride?: Pair | null;
  /** Zeros added on each side (at most half the kernel). Default 0. */
  padding?: Pair;
  ceilMode?: boolean;
  /** Divide by the full window including padding (default, as PyTorch) or by the real pixels only. */
  countIncludePad?: boolean;
}

/**
 * PyTorch's pooling output size along one axis:
 * ⌊(W + 2P − D·(K−1) − 1 + (ceil ? S−1 : 0)) / S⌋ + 1, less one when ceil
 * mode would start the last window inside the right padding.
 */
function poolAxisSize(op: string, x: Tensor, axis: string, size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  if (p > Math.floor(k / 2)) {
    throw new ArgumentError(`${op}: padding ${p} must be at most half the kernel size ${k} (input ${fmtShape(x.shape)})`);
  }
  const span = d * (k - 1) + 1;
  let out = Math.floor((size + 2 * p - span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  if (out < 1) {
    throw new ShapeError(
      `${op}: input ${axis} ${size} (shape ${fmtShape(x.shape)}) with padding ${p} is smaller than the kernel ${k}` +
        (d > 1 ? ` (dilation ${d} spans ${span})` : '') + ': the output would be empty',
    );
  }
  return out;
}

function check4d(op: string, x: Tensor): void {
  if (x.ndim !== 4) {
    throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)} (use x.unsqueeze(0) for a single image)`);
  }
  if (x.dtype === 'int32') throw new DTypeError(`${op}: expected a float32 or float64 input, got int32 (shape ${fmtShape(x.shape)})`);
}

function poolWindow(
  op: string, x: Tensor, kernelSize: Pair, stride: Pair | null | undefined, padding: Pair, dilation: Pair, ceil: boolean,
): Window2D {
  const [kH, kW] = toPair(op, 'kernelSize', kernelSize, 1);
  const [sh, sw] = stride === null || stride === undefined ? [kH, kW] : toPair(op, 'stride', stride, 1);
  const [ph, pw] = toPair(op, 'padding', padding, 0);
  const [dh, dw] = toPair(op, 'dilation', dilation, 1);
  const [, C, H, W] = x.shape;
  const oH = poolAxisSize(op, x, 'height', H, kH, sh, ph, dh, ceil);
  const oW = poolAxisSize(op, x, 'width', W, kW, sw, pw, dw, ceil);
  return { C, H, W, kH, kW, sh, sw, ph, pw, dh, dw, oH, oW };
}

function poolOptions<T extends { kernelSize: Pair }>(opts: T | Pair): T {
  return typeof opts === 'number' || Array.isArray(opts) ? ({ kernelSize: opts } as T) : (opts as T);
}

/**
 * Max pooling: y[n, c, i, j] = max over the window of x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw]
 * for p < kH, q < kW. Padding counts as −∞ (it never wins), the first maximum
 * in row-major window order wins ties, NaN propagates (the gradient goes to
 * the last NaN of a window, as in PyTorch 1.13's CPU kernel). The gradient
 * goes to the winning input of each window (summed where windows overlap).
 * Windows inside the input (no padding, dilation 1) take a fast path.
 * Output size: ⌊(H + 2P − D·(K−1) − 1)/S⌋ + 1 (rounded up in ceilMode).
 * @example maxPool2d(x, 2)                                   // [N, C, 28, 28] → [N, C, 14, 14]
 * @example maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 })
 */
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions | Pair): Tensor {
  const op = 'maxPool2d';
  check4d(op, x);
  const o = poolOptions(opts);
  const g = poolWindow(op, x, o.kernelSize, o.stride, o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false);
  const planes = x.shape[0] * g.C;
  const out = allocate(x.dtype, planes * g.oH * g.oW);
  const argmax = new Int32Array(out.length);
  maxPool2dKernel(x.values(), planes, g, out, argmax);
  return record(new Tensor(out, [x.shape[0], g.C, g.oH, g.oW]), 'maxPool2d', [x], { argmax });
}

/**
 * Average pooling: each output is the mean of its window. With padding, the
 * divisor is the window clipped to the padded input when `countIncludePad`
 * (default, as PyTorch), else the number of real pixels in the window.
 * Backward spreads each gradient evenly (÷ the same divisor) over its window.
 * @example avgPool2d(x, 2)                                             // halves H and W
 * @example avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1, countIncludePad: false })
 */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions | Pair): Tensor {
  const op = 'avgPool2d';
  check4d(op, x);
  const o = poolOptions(opts);
  const g = poolWindow(op, x, o.kernelSize, o.stride, o.padding ?? 0, 1, o.ceilMode ?? false);
  const countIncludePad = o.countIncludePad ?? true;
  const planes = x.shape[0] * g.C;
  const out = allocate(x.dtype, planes * g.oH * g.oW);
  avgPool2dKernel(x.values(), planes, g, countIncludePad, out);
  return record(new Tensor(out, [x.shape[0], g.C, g.oH, g.oW]), 'avgPool2d', [x], { geom: g, countIncludePad });
}

/**
 * Adaptive average pooling to a fixed output size, PyTorch's windows: output
 * row i averages input rows [⌊i·H/oH⌋, ⌈(i+1)·H/oH⌉) (columns alike), so
 * windows may differ in size and overlap when H is not a multiple of oH.
 * `null` for an axis keeps its input size.
 * @example adaptiveAvgPool2d(randn([2, 3, 5, 5]), 3)  // [2, 3, 3, 3]: rows {0,1}, {1,2,3}, {3,4}
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const op = 'adaptiveAvgPool2d';
  check4d(op, x);
  const [N, C, H, W] = x.shape;
  if (typeof outputSize !== 'number' && (!Array.isArray(outputSize) || outputSize.length !== 2)) {
    throw new ArgumentError(`${op}: output size must be a number or [height, width], got ${JSON.stringify(outputSize)} (input ${fmtShape(x.shape)})`);
  }
  const [rh, rw] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const oH = rh ?? H, oW = rw ?? W;
  for (const s of [oH, oW]) {
    if (!Number.isInteger(s) || s < 1) {
      throw new ArgumentError(`${op}: output size must be positive integers, got ${JSON.stringify(outputSize)} (input ${fmtShape(x.shape)})`);
    }
  }
  if (H === 0 || W === 0) throw new ShapeError(`${op}: cannot pool an empty input of shape ${fmtShape(x.shape)}`);
  const planes = N * C;
  const out = allocate(x.dtype, planes * oH * oW);
  adaptiveAvgPool2dKernel(x.values(), planes, H, W, oH, oW, out);
  return record(new Tensor(out, [N, C, oH, oW]), 'adaptiveAvgPool2d', [x]);
}

/**
 * Global average pooling: the mean over H and W of each channel,
 * [N, C, H, W] → [N, C] ([N, C, 1, 1] with keepdim). Same as adaptiveAvgPool2d(x, 1).
 * @example globalAvgPool2d(features)  // [64, 512, 7, 7] → [64, 512]
 */
export function globalAvgPool2d(x: Tensor, keepdim = false): Tensor {
  check4d('globalAvgPool2d', x);
  const y = adaptiveAvgPool2d(x, 1);
  return keepdim ? y : y.reshape([x.shape[0], x.shape[1]]);
}

// ---- Backward rules -------------------------------------------------------

type PoolOp = 'maxPool2d' | 'avgPool2d' | 'adaptiveAvgPool2d';

export const poolRules: { [K in PoolOp]: BackwardRule } = {
  maxPool2d: (g, { inputs: [x], saved }, out) => {
    const dx = allocate(g.dtype, x.size);
    const planes = x.shape[0] * x.shape[1];
    maxPool2dBackwardKernel(g.values(), saved.argmax as Int32Array, planes, x.shape[2] * x.shape[3], out.shape[2] * out.shape[3], dx);
    return [new Tensor(dx, [...x.shape])];
  },
  avgPool2d: (g, { inputs: [x], saved }) => {
    const dx = allocate(g.dtype, x.size);
    avgPool2dBackwardKernel(g.values(), x.shape[0] * x.shape[1], saved.geom as Window2D, saved.countIncludePad as boolean, dx);
    return [new Tensor(dx, [...x.shape])];
  },
  adaptiveAvgPool2d: (g, { inputs: [x] }, out) => {
    const dx = allocate(g.dtype, x.size);
    const [N, C, H, W] = x.shape;
    adaptiveAvgPool2dBackwardKernel(g.values(), N * C, H, W, out.shape[2], out.shape[3], dx);
    return [new Tensor(dx, [...x.shape])];
  },
};
