/**
 * Convolution and pooling layers, as `torch.nn.Conv2d`, `Conv1d`, `MaxPool2d`,
 * `AvgPool2d`, `AdaptiveAvgPool2d`: each holds its settings (and weights) and
 * calls `F.conv2d`, `F.maxPool2d`, ... in its forward. Inputs are NCHW.
 *
 * Errors name the layer and both shapes:
 *   `Conv2d(features.0): expected input with 3 channels, got shape [64, 1, 28, 28]`
 *
 * `filters` holds hand-made 3×3 kernels (Sobel, blur, sharpen, ...) and
 * `Conv2d.fromKernels` builds a frozen layer from them, to show a conv layer
 * as a feature extractor before any training.
 */
import { Tensor, tensor, zeros, type DType } from '../tensor';
import { Generator } from '../random';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import * as F from '../functional';
import { toPair, type Pair } from '../ops/conv';
import { Module, Parameter, reprBool } from './module';
import { defaultParameters } from './defaults';

export type { Pair };

// ---- Shared checks and printing -------------------------------------------------

/** `(5, 5)` for a pair, `(3,)` for one value: PyTorch's tuple spelling. */
function reprTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

/** A setting as the user gave it: `2` or `(3, 2)`. */
function reprPair(v: Pair): string {
  return typeof v === 'number' ? String(v) : reprTuple(v);
}

function checkCount(layer: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new ArgumentError(`${layer}: ${name} must be an integer ≥ ${min}, got ${v}`);
}

/** Checks the channel counts and groups of a convolution layer (each ≥ 1, both counts divisible by groups); returns groups. */
function checkChannelGroups(layer: string, inChannels: number, outChannels: number, groups: number): number {
  checkCount(layer, 'inChannels', inChannels, 1);
  checkCount(layer, 'outChannels', outChannels, 1);
  checkCount(layer, 'groups', groups, 1);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ArgumentError(`${layer}: inChannels ${inChannels} and outChannels ${outChannels} must both be divisible by groups ${groups}`);
  }
  return groups;
}

/** Throws unless x has `rank` axes (`layout` names them, e.g. '[N, C, H, W]'). */
function checkRank(layer: Module, x: Tensor, rank: number, layout: string): void {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${layer.displayName}: expected a Tensor input, got ${typeof x}`);
  if (x.ndim !== rank) {
    const hint = rank === 4 && x.ndim === 3 ? ' (use x.unsqueeze(0) for a single image)' : '';
    throw new ShapeError(`${layer.displayName}: expected a ${rank}-D input ${layout}, got shape ${fmtShape(x.shape)}${hint}`);
  }
}

function checkChannels(layer: Module, x: Tensor, channels: number): void {
  if (x.shape[1] !== channels) {
    throw new ShapeError(`${layer.displayName}: expected input with ${channels} channels, got shape ${fmtShape(x.shape)}`);
  }
}

/**
 * Throws when a window of `kernel` taps (spaced by `dilation`) does not fit
 * in axis `axis` of x plus `before` + `after` zeros of padding: the output
 * would be empty.
 */
function checkFits(
  layer: Module, x: Tensor, axis: number, axisName: string, kernel: number, before: number, after: number, dilation: number,
): void {
  const size = x.shape[axis];
  const span = dilation * (kernel - 1) + 1;
  if (size + before + after < span) {
    const pad = before === after ? `padding ${before} on each side` : `padding ${before}+${after}`;
    throw new ShapeError(
      `${layer.displayName}: input of shape ${fmtShape(x.shape)} is too small: ${axisName} ${size} with ${pad} ` +
        `is smaller than the kernel size ${kernel}${dilation > 1 ? ` (dilation ${dilation} spans ${span})` : ''}`,
    );
  }
}

// ---- Conv2d ----------------------------------------------------------------------

export interface Conv2dLayerOptions {
  /** Step between windows: a number or [sh, sw]. Default 1. */
  stride?: Pair;
  /** Zeros on each side: a number, [ph, pw], 'valid' (none) or 'same' (output size = input size, stride 1). Default 0. */
  padding?: Pair | 'same' | 'valid';
  /** Spacing between kernel taps. Default 1. */
  dilation?: Pair;
  /** Split input and output channels into `groups` independent convolutions. Default 1. */
  groups?: number;
  /** Learn a bias per output channel. Default true. */
  bias?: boolean;
  /** Source of the initial weights (default the global generator). */
  generator?: Generator;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/** A hand-made 2-D kernel, rows of numbers. */
export type Kernel2d = readonly (readonly number[])[];

/**
 * Classic hand-made 3×3 image kernels (cross-correlation orientation, as
 * conv2d applies them without flipping):
 * - `sobelX` responds positively where brightness increases to the right
 *   (vertical edges), `sobelY` where it increases downwards (horizontal edges);
 * - `boxBlur` averages the 3×3 neighbourhood (weights 1/9);
 * - `sharpen` is 5·centre − the 4 neighbours (identity + negative Laplacian);
 * - `laplacian` is the 4-neighbour Laplacian (sum of neighbours − 4·centre);
 * - `identity` copies the centre pixel.
 * @example Conv2d.fromKernels({ sobelX: filters.sobelX, sobelY: filters.sobelY })
 */
export const filters: Readonly<Record<'sobelX' | 'sobelY' | 'boxBlur' | 'sharpen' | 'laplacian' | 'identity', Kernel2d>> = Object.freeze({
  sobelX: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
  sobelY: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
  boxBlur: [[1 / 9, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 1 / 9]],
  sharpen: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
  laplacian: [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
  identity: [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
});

export interface FromKernelsOptions {
  /** Input channels; a 2-D kernel is applied to each and the results summed. Default 1. */
  inChannels?: number;
  /** Default 'same' (the maps keep the image size). */
  padding?: Pair | 'same' | 'valid';
  stride?: Pair;
  dilation?: Pair;
  /** Add a (zero, frozen with the weights) bias. Default false. */
  bias?: boolean;
  /** requiresGrad = false on the weights, so training leaves them as made. Default true. */
  freeze?: boolean;
  dtype?: DType;
}

/**
 * 2-D convolution layer, as `torch.nn.Conv2d`: weight [out, in/groups, kH, kW],
 * bias [out]; y = F.conv2d(x, weight, bias, {stride, padding, dilation, groups}),
 *
 *   y[n, o] = bias[o] + Σ_c weight[o, c] ⋆ x[n, c]        (⋆: cross-correlation)
 *
 * so each of the `out` kernels spans all input channels (of its group) and
 * gives one output map: 6 kernels of 5×5 make 6 maps. Output size per axis
 * ⌊(W + 2P − D·(K − 1) − 1)/S⌋ + 1 (see `F.convOutputSize`).
 * Initialised as PyTorch: weight kaiming-uniform with a = √5, i.e.
 * U(−1/√fanIn, 1/√fanIn), bias U(−1/√fanIn, 1/√fanIn), fanIn = in/groups·kH·kW.
 * @example
 *   const conv = new Conv2d(1, 6, 5, { padding: 2 });
 *   conv.forward(randn([64, 1, 28, 28])).shape   // [64, 6, 28, 28]
 *   String(conv)                                 // Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  /** Names of hand-made kernels, one per output channel, when built by `fromKernels` with a record. */
  kernelNames: string[] | null = null;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: Conv2dLayerOptions = {}) {
    super();
    const groups = checkChannelGroups('Conv2d', inChannels, outChannels, opts.groups ?? 1);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = toPair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = toPair('Conv2d', 'stride', opts.stride ?? 1, 1);
    const padding = opts.padding ?? 0;
    this.padding = padding === 'same' || padding === 'valid' ? padding : toPair('Conv2d', 'padding', padding, 0);
    this.dilation = toPair('Conv2d', 'dilation', opts.dilation ?? 1, 1);
    this.groups = groups;
    if (this.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new ArgumentError(`Conv2d: padding 'same' needs stride 1 (as in PyTorch), got stride ${reprTuple(this.stride)}`);
    }
    const shape = [outChannels, inChannels / groups, ...this.kernelSize];
    ({ weight: this.weight, bias: this.bias } = defaultParameters(shape, opts.bias ?? true, opts.dtype ?? 'float32', opts.generator));
  }

  /**
   * A layer whose kernels are given, one per output channel, frozen by
   * default: a fixed feature extractor. Kernels are 2-D [kH, kW] (applied to
   * every input channel and summed) or 3-D [inChannels, kH, kW]; pass a
   * record to name them (`kernelNames`). Padding defaults to 'same'.
   * @example
   *   const edges = Conv2d.fromKernels({ sobelX: filters.sobelX, sobelY: filters.sobelY });
   *   edges.forward(images)    // [N, 2, 28, 28]: vertical and horizontal edge maps
   */
  static fromKernels(kernels: Record<string, Kernel2d | Tensor> | readonly (Kernel2d | Tensor)[], opts: FromKernelsOptions = {}): Conv2d {
    const named = !Array.isArray(kernels);
    const entries: [string, Kernel2d | Tensor][] = named
      ? Object.entries(kernels as Record<string, Kernel2d | Tensor>)
      : (kernels as readonly (Kernel2d | Tensor)[]).map((k, i) => [String(i), k]);
    if (entries.length === 0) throw new ArgumentError('Conv2d.fromKernels: needs at least one kernel');
    const inChannels = opts.inChannels ?? 1;
    checkCount('Conv2d.fromKernels', 'inChannels', inChannels, 1);
    const dtype = opts.dtype ?? 'float32';
    const tensors = entries.map(([name, k]) => {
      const t = k instanceof Tensor ? k.toDType(dtype) : tensor(k as number[][], { dtype });
      if (t.ndim === 2) return t.unsqueeze(0).expand([inChannels, t.shape[0], t.shape[1]]);
      if (t.ndim === 3 && t.shape[0] === inChannels) return t;
      throw new ShapeError(`Conv2d.fromKernels: kernel '${name}' must be [kH, kW] or [${inChannels}, kH, kW], got shape ${fmtShape(t.shape)}`);
    });
    const [, kH, kW] = tensors[0].shape;
    for (const [i, t] of tensors.entries()) {
      if (t.shape[1] !== kH || t.shape[2] !== kW) {
        throw new ShapeError(`Conv2d.fromKernels: kernel '${entries[i][0]}' has shape ${fmtShape(t.shape.slice(1))}, the first has [${kH}, ${kW}]; all kernels must have the same size`);
      }
    }
    const conv = new Conv2d(inChannels, entries.length, [kH, kW], {
      padding: opts.padding ?? 'same', stride: opts.stride, dilation: opts.dilation, bias: opts.bias ?? false, dtype,
    });
    tensors.forEach((t, o) => conv.weight.data.set(t.contiguous().values(), o * inChannels * kH * kW));
    if (conv.bias) conv.bias.data.fill(0);
    if (named) conv.kernelNames = entries.map(([name]) => name);
    if (opts.freeze ?? true) conv.requiresGrad_(false);
    return conv;
  }

  /** The zeros added [top, bottom, left, right]. */
  paddingAmounts(): [number, number, number, number] {
    if (this.padding === 'valid') return [0, 0, 0, 0];
    if (this.padding === 'same') {
      const th = this.dilation[0] * (this.kernelSize[0] - 1), tw = this.dilation[1] * (this.kernelSize[1] - 1);
      return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
    }
    return [this.padding[0], this.padding[0], this.padding[1], this.padding[1]];
  }

  forward(x: Tensor): Tensor {
    this.check(x);
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  private check(x: Tensor): void {
    checkRank(this, x, 4, '[N, C, H, W]');
    checkChannels(this, x, this.inChannels);
    const [top, bottom, left, right] = this.paddingAmounts();
    checkFits(this, x, 2, 'height', this.kernelSize[0], top, bottom, this.dilation[0]);
    checkFits(this, x, 3, 'width', this.kernelSize[1], left, right, this.dilation[1]);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${reprTuple(this.kernelSize)}, stride=${reprTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${reprTuple(this.padding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${reprTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${reprBool(false)}`;
    return s;
  }
}

// ---- Conv1d ----------------------------------------------------------------------

export interface Conv1dLayerOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: boolean;
  generator?: Generator;
  dtype?: DType;
}

/**
 * 1-D convolution layer, as `torch.nn.Conv1d`: x [N, C, L], weight
 * [out, in/groups, K], bias [out]; same init and semantics as Conv2d along one axis.
 * @example new Conv1d(4, 16, 3, { padding: 'same' }).forward(randn([8, 4, 100])).shape  // [8, 16, 100]
 */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: Conv1dLayerOptions = {}) {
    super();
    const groups = checkChannelGroups('Conv1d', inChannels, outChannels, opts.groups ?? 1);
    checkCount('Conv1d', 'kernelSize', kernelSize, 1);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? 1;
    checkCount('Conv1d', 'stride', this.stride, 1);
    this.padding = opts.padding ?? 0;
    if (typeof this.padding === 'number') checkCount('Conv1d', 'padding', this.padding, 0);
    else if (this.padding !== 'same' && this.padding !== 'valid') throw new ArgumentError(`Conv1d: padding must be a number, 'same' or 'valid', got ${JSON.stringify(this.padding)}`);
    this.dilation = opts.dilation ?? 1;
    checkCount('Conv1d', 'dilation', this.dilation, 1);
    this.groups = groups;
    if (this.padding === 'same' && this.stride !== 1) throw new ArgumentError(`Conv1d: padding 'same' needs stride 1 (as in PyTorch), got stride ${this.stride}`);
    const shape = [outChannels, inChannels / groups, kernelSize];
    ({ weight: this.weight, bias: this.bias } = defaultParameters(shape, opts.bias ?? true, opts.dtype ?? 'float32', opts.generator));
  }

  forward(x: Tensor): Tensor {
    this.check(x);
    return F.conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  private check(x: Tensor): void {
    checkRank(this, x, 3, '[N, C, L]');
    checkChannels(this, x, this.inChannels);
    const total = this.dilation * (this.kernelSize - 1);
    const [before, after] = this.padding === 'valid' ? [0, 0] : this.padding === 'same'
      ? [Math.floor(total / 2), total - Math.floor(total / 2)] : [this.padding, this.padding];
    checkFits(this, x, 2, 'length', this.kernelSize, before, after, this.dilation);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${reprTuple([this.kernelSize])}, stride=${reprTuple([this.stride])}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding !== 0) s += `, padding=${reprTuple([this.padding])}`;
    if (this.dilation !== 1) s += `, dilation=${reprTuple([this.dilation])}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${reprBool(false)}`;
    return s;
  }
}

// ---- Pooling ---------------------------------------------------------------------

export interface MaxPool2dLayerOptions {
  /** Default: the kernel size (non-overlapping windows). */
  stride?: Pair | null;
  /** −∞ on each side, at most half the kernel. Default 0. */
  padding?: Pair;
  dilation?: Pair;
  /** Round the output size up (keep a last partial window). Default false. */
  ceilMode?: boolean;
}

/**
 * Max pooling over H and W, as `torch.nn.MaxPool2d`: each output is the
 * maximum of its kernelSize window; the gradient goes to that maximum.
 * @example new MaxPool2d(2).forward(randn([64, 6, 28, 28])).shape  // [64, 6, 14, 14]
 */
export class MaxPool2d extends Module {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;

  constructor(readonly kernelSize: Pair, opts: MaxPool2dLayerOptions = {}) {
    super();
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
    const [kH, kW] = toPair('MaxPool2d', 'kernelSize', kernelSize, 1);
    const [pH, pW] = toPair('MaxPool2d', 'padding', this.padding, 0);
    toPair('MaxPool2d', 'stride', this.stride, 1);
    toPair('MaxPool2d', 'dilation', this.dilation, 1);
    if (pH > kH / 2 || pW > kW / 2) {
      throw new ArgumentError(`MaxPool2d: padding ${reprPair(this.padding)} must be at most half the kernel size ${reprPair(kernelSize)}`);
    }
  }

  forward(x: Tensor): Tensor {
    checkPool(this, x, this.kernelSize, this.padding, this.dilation);
    return F.maxPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernel_size=${reprPair(this.kernelSize)}, stride=${reprPair(this.stride)}, padding=${reprPair(this.padding)}, ` +
      `dilation=${reprPair(this.dilation)}, ceil_mode=${reprBool(this.ceilMode)}`;
  }
}

export interface AvgPool2dLayerOptions {
  /** Default: the kernel size. */
  stride?: Pair | null;
  /** Zeros on each side, at most half the kernel. Default 0. */
  padding?: Pair;
  ceilMode?: boolean;
  /** Divide by the whole window, padding included (default, as PyTorch), or by the real pixels only. */
  countIncludePad?: boolean;
}

/**
 * Average pooling over H and W, as `torch.nn.AvgPool2d`.
 * @example new AvgPool2d(2).forward(randn([1, 3, 8, 8])).shape  // [1, 3, 4, 4]
 */
export class AvgPool2d extends Module {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(readonly kernelSize: Pair, opts: AvgPool2dLayerOptions = {}) {
    super();
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    const [kH, kW] = toPair('AvgPool2d', 'kernelSize', kernelSize, 1);
    const [pH, pW] = toPair('AvgPool2d', 'padding', this.padding, 0);
    toPair('AvgPool2d', 'stride', this.stride, 1);
    if (pH > kH / 2 || pW > kW / 2) {
      throw new ArgumentError(`AvgPool2d: padding ${reprPair(this.padding)} must be at most half the kernel size ${reprPair(kernelSize)}`);
    }
  }

  forward(x: Tensor): Tensor {
    checkPool(this, x, this.kernelSize, this.padding, 1);
    return F.avgPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  override extraRepr(): string {
    return `kernel_size=${reprPair(this.kernelSize)}, stride=${reprPair(this.stride)}, padding=${reprPair(this.padding)}`;
  }
}

function checkPool(layer: Module, x: Tensor, kernelSize: Pair, padding: Pair, dilation: Pair): void {
  checkRank(layer, x, 4, '[N, C, H, W]');
  const [kH, kW] = toPair(layer.displayName, 'kernelSize', kernelSize, 1);
  const [pH, pW] = toPair(layer.displayName, 'padding', padding, 0);
  const [dH, dW] = toPair(layer.displayName, 'dilation', dilation, 1);
  checkFits(layer, x, 2, 'height', kH, pH, pH, dH);
  checkFits(layer, x, 3, 'width', kW, pW, pW, dW);
}

/**
 * Adaptive average pooling to a fixed output size, as `torch.nn.AdaptiveAvgPool2d`
 * (`null` keeps that axis): a classifier head that takes any image size.
 * @example new AdaptiveAvgPool2d([null, 7])
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number | null, number | null]) {
    super();
    const sizes = typeof outputSize === 'number' ? [outputSize] : outputSize;
    if (!Array.isArray(sizes) || (typeof outputSize !== 'number' && sizes.length !== 2) || sizes.some((s) => s !== null && (!Number.isInteger(s) || s < 1))) {
      throw new ArgumentError(`AdaptiveAvgPool2d: outputSize must be a positive integer or [height, width] (null keeps an axis), got ${JSON.stringify(outputSize)}`);
    }
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 4, '[N, C, H, W]');
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === 'number' ? o : `(${o.map((s) => (s === null ? 'None' : s)).join(', ')})`}`;
  }
}

/**
 * Global average pooling: the mean of each channel over H and W,
 * [N, C, H, W] → [N, C] (or [N, C, 1, 1] with `keepdim`). PyTorch spells it
 * `AdaptiveAvgPool2d(1)` followed by `Flatten()`.
 * @example new GlobalAvgPool2d().forward(randn([8, 512, 7, 7])).shape  // [8, 512]
 */
export class GlobalAvgPool2d extends Module {
  constructor(readonly keepdim = false) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 4, '[N, C, H, W]');
    return F.globalAvgPool2d(x, this.keepdim);
  }

  override extraRepr(): string {
    return this.keepdim ? `keepdim=${reprBool(true)}` : '';
  }
}
