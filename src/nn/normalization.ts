/**
 * Normalisation layers: BatchNorm1d/2d (running statistics, train/eval),
 * LocalResponseNorm (AlexNet's cross-channel normalisation) and
 * LocalContrastNorm (per-pixel centring and scaling by a window's statistics).
 *
 * The functional forms (`batchNorm`, `localResponseNorm`, `localContrastNorm`,
 * also on `F`) are composed from primitive ops (mean, mul, sqrt, pad,
 * avgPool2d, ...), so none needs a backward rule of its own.
 */
import { Tensor, ones, zeros, type DType } from '../tensor';
import { noGrad } from '../autograd';
import { pad } from '../ops/movement';
import { avgPool2d } from '../ops/pool';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { Module, Parameter, reprBool } from './module';

// ---- Functional forms ------------------------------------------------------------

/** [1, C, 1, ...] for broadcasting a per-channel vector against x [N, C, ...]. */
function channelShape(x: Tensor): number[] {
  return x.shape.map((d, i) => (i === 1 ? d : 1));
}

function checkChannelVector(op: string, name: string, t: Tensor | null | undefined, x: Tensor): void {
  if (t && (t.ndim !== 1 || t.shape[0] !== x.shape[1])) {
    throw new ShapeError(`${op}: expected ${name} of shape [${x.shape[1]}] for input of shape ${fmtShape(x.shape)}, got shape ${fmtShape(t.shape)}`);
  }
}

/**
 * Batch normalisation over every axis but the channel axis 1, as
 * `torch.nn.functional.batch_norm`. For x [N, C, ...], per channel c:
 *
 *   y = (x − μ_c) / √(σ²_c + eps) · weight_c + bias_c
 *
 * In training μ and σ² are the batch's mean and biased variance (divide by
 * n = N·H·W...), and the running statistics, when given, are updated in place:
 *
 *   running_mean ← (1 − momentum)·running_mean + momentum·μ
 *   running_var  ← (1 − momentum)·running_var  + momentum·σ²·n/(n − 1)   (unbiased, as PyTorch)
 *
 * Otherwise μ and σ² are the running statistics.
 * @example F.batchNorm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, true)
 */
export function batchNorm(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null = null, bias: Tensor | null = null,
  training = false, momentum = 0.1, eps = 1e-5,
): Tensor {
  const op = 'batchNorm';
  if (x.ndim < 2) throw new ShapeError(`${op}: expected an input [N, C, ...] with at least 2 axes, got shape ${fmtShape(x.shape)}`);
  checkChannelVector(op, 'running_mean', runningMean, x);
  checkChannelVector(op, 'running_var', runningVar, x);
  checkChannelVector(op, 'weight', weight, x);
  checkChannelVector(op, 'bias', bias, x);
  if ((runningMean === null) !== (runningVar === null)) throw new ArgumentError(`${op}: pass both running_mean and running_var, or neither`);
  const stats = channelShape(x);
  let y: Tensor;
  if (training) {
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const n = x.size / x.shape[1];
    if (n <= 1) throw new ShapeError(`${op}: expected more than 1 value per channel in training mode, got input of shape ${fmtShape(x.shape)}`);
    const mean = x.mean(axes, true);
    const centered = x.sub(mean);
    const variance = centered.mul(centered).mean(axes, true);
    y = centered.div(variance.add(eps).sqrt());
    if (runningMean && runningVar) {
      noGrad(() => {
        updateRunning(op, runningMean, mean.values(), momentum, 1);
        updateRunning(op, runningVar, variance.values(), momentum, n / (n - 1));
      });
    }
  } else {
    if (!runningMean || !runningVar) throw new ArgumentError(`${op}: evaluation mode needs running_mean and running_var (or pass training = true to use batch statistics)`);
    y = x.sub(runningMean.reshape(stats)).div(runningVar.reshape(stats).add(eps).sqrt());
  }
  if (weight) y = y.mul(weight.reshape(stats));
  if (bias) y = y.add(bias.reshape(stats));
  return y;
}

/** running ← (1 − m)·running + m·scale·batch, in place. */
function updateRunning(op: string, running: Tensor, batch: ArrayLike<number>, momentum: number, scale: number): void {
  if (!running.isContiguous()) throw new ArgumentError(`${op}: running statistics must be contiguous to be updated in place`);
  const d = running.data, o = running.offset;
  for (let c = 0; c < batch.length; c++) d[o + c] = (1 - momentum) * d[o + c] + momentum * scale * batch[c];
}

/**
 * Local response normalisation across channels, as
 * `torch.nn.functional.local_response_norm` (AlexNet): for x [N, C, ...],
 *
 *   b_c = a_c · (k + α/n · Σ_{c'} a_{c'}²)^(−β),   c' from c − ⌊n/2⌋ to c + ⌊(n−1)/2⌋ (clipped to [0, C))
 *
 * with n = `size`. Like PyTorch, the sum is divided by n even at the edges
 * (the missing channels count as zeros).
 * @example F.localResponseNorm(x, 5)   // AlexNet: size 5, α 1e-4, β 0.75, k 1 (PyTorch defaults; AlexNet used k = 2)
 */
export function localResponseNorm(x: Tensor, size: number, alpha = 1e-4, beta = 0.75, k = 1): Tensor {
  const op = 'localResponseNorm';
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`${op}: size must be a positive integer, got ${size}`);
  if (x.ndim < 3) throw new ShapeError(`${op}: expected an input [N, C, ...] with at least 3 axes, got shape ${fmtShape(x.shape)}`);
  const [N, C] = x.shape;
  const rest = x.size / Math.max(N * C, 1);
  // Squares as N planes of C × (H·W); zero channels padded before and after; a [size, 1] window averages them.
  const squares = x.mul(x).reshape([N, 1, C, rest]);
  const padded = pad(squares, [[0, 0], [0, 0], [Math.floor(size / 2), Math.floor((size - 1) / 2)]]);
  const windowMean = avgPool2d(padded, { kernelSize: [size, 1], stride: 1 }).reshape([...x.shape]);
  return x.div(windowMean.mul(alpha).add(k).pow(beta));
}

/**
 * Local contrast normalisation with a box window, per channel of each image:
 *
 *   y = (x − μ_w) / max(σ_w, eps)
 *
 * μ_w and σ_w (population std) over the windowSize × windowSize box centred
 * on each pixel, shrunk at the borders to the pixels inside the image. The
 * same values as `preprocess.localContrastNormalize` (up to rounding), but
 * composed from avgPool2d (stride 1, padding ⌊windowSize/2⌋, not counting
 * the padding), so it has a gradient and can sit inside a model.
 * @example F.localContrastNorm(images, 7)   // images [N, 1, 28, 28]
 */
export function localContrastNorm(x: Tensor, windowSize = 9, eps = 1e-2): Tensor {
  const op = 'localContrastNorm';
  if (!Number.isInteger(windowSize) || windowSize < 1 || windowSize % 2 === 0) {
    throw new ArgumentError(`${op}: windowSize must be a positive odd integer, got ${windowSize}`);
  }
  if (!(eps > 0) || !Number.isFinite(eps)) throw new ArgumentError(`${op}: eps must be a finite number > 0, got ${eps}`);
  if (x.ndim !== 4) throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  const window = { kernelSize: windowSize, stride: 1, padding: (windowSize - 1) / 2, countIncludePad: false };
  // NOTE: y does not change when a constant is added to a plane; removing the (detached) plane
  // mean first keeps E[x²] − E[x]² from cancelling badly, as the preprocessing version does.
  const centred = x.sub(x.mean([2, 3], true).detach());
  const mean = avgPool2d(centred, window);
  const variance = avgPool2d(centred.mul(centred), window).sub(mean.mul(mean));
  return centred.sub(mean).div(variance.maximum(eps * eps).sqrt());
}

// ---- BatchNorm ---------------------------------------------------------------------

/** Python's repr of a float: 1 → '1.0', 1e-5 → '1e-05', 0.001 → '0.001'. */
function pyFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e16)) {
    return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(x);
}

export interface BatchNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Weight of the batch in the running statistics; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel scale (`weight`, ones) and shift (`bias`, zeros). Default true. */
  affine?: boolean;
  /** Keep running statistics for evaluation; without, batch statistics are used in both modes. Default true. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

/**
 * Shared by BatchNorm1d and BatchNorm2d, as PyTorch's `_BatchNorm`.
 *
 * Parameters `weight`, `bias` and buffers `running_mean`, `running_var`,
 * `num_batches_tracked` carry PyTorch's names, so state-dict keys match
 * (`features.1.running_mean`); `num_batches_tracked` is an int32 scalar
 * (int64 in PyTorch).
 */
abstract class BatchNormBase extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null = null;
  bias: Parameter | null = null;
  running_mean: Tensor | null = null;
  running_var: Tensor | null = null;
  num_batches_tracked: Tensor | null = null;

  constructor(readonly numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    const name = new.target.name;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new ArgumentError(`${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (!(this.eps >= 0)) throw new ArgumentError(`${name}: eps must be ≥ 0, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) throw new ArgumentError(`${name}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    const dtype = opts.dtype ?? 'float32';
    if (this.affine) {
      this.weight = new Parameter(ones([numFeatures], { dtype }));
      this.bias = new Parameter(zeros([numFeatures], { dtype }));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }));
    }
  }

  /** The same tensor as `running_mean` (camelCase alias). */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  /** The same tensor as `running_var` (camelCase alias). */
  get runningVar(): Tensor | null {
    return this.running_var;
  }

  /** Running mean 0, variance 1, counter 0 (as `reset_running_stats`). */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    this.running_mean!.data.fill(0);
    this.running_var!.data.fill(1);
    this.num_batches_tracked!.data[0] = 0;
  }

  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, this.batchStats(x), this.factor(), this.eps);
  }

  /** Whether this call uses batch statistics (training, or no running statistics). */
  private batchStats(x: Tensor): boolean {
    const use = this.training || !this.trackRunningStats;
    if (use && x.size / x.shape[1] <= 1) {
      throw new ShapeError(`${this.displayName}: expected more than 1 value per channel in training mode, got input of shape ${fmtShape(x.shape)}`);
    }
    return use;
  }

  /** The momentum of this step; counts the batch (PyTorch's exponential_average_factor). */
  private factor(): number {
    if (!this.training || !this.trackRunningStats) return 0;
    const count = ++this.num_batches_tracked!.data[0];
    return this.momentum === null ? 1 / count : this.momentum;
  }

  protected checkChannels(x: Tensor): void {
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.displayName}: expected input with ${this.numFeatures} channels, got shape ${fmtShape(x.shape)}`);
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, ` +
      `affine=${reprBool(this.affine)}, track_running_stats=${reprBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation of images, as `torch.nn.BatchNorm2d`: x [N, C, H, W],
 * statistics per channel over N, H and W (see `batchNorm` for the formula).
 * Training mode normalises with the batch's statistics and updates the
 * running ones; `eval()` uses the running ones.
 * @example
 *   const bn = new BatchNorm2d(6);
 *   bn.forward(x);         // training: batch statistics, running stats updated
 *   bn.eval().forward(x);  // running statistics
 */
export class BatchNorm2d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new ShapeError(`${this.displayName}: expected a 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
    this.checkChannels(x);
  }
}

/**
 * Batch normalisation of features, as `torch.nn.BatchNorm1d`: x [N, C] or
 * [N, C, L], statistics per channel over N (and L).
 * @example new BatchNorm1d(120).forward(randn([64, 120]))
 */
export class BatchNorm1d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${this.displayName}: expected a 2-D or 3-D input [N, C] or [N, C, L], got shape ${fmtShape(x.shape)}`);
    this.checkChannels(x);
  }
}

// ---- Local normalisations -----------------------------------------------------------

/**
 * Local response normalisation across channels, as `torch.nn.LocalResponseNorm`:
 * b_c = a_c (k + α/n Σ a²)^(−β) over the n = `size` neighbouring channels
 * (see `localResponseNorm`).
 * @example new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 })  // AlexNet's setting
 */
export class LocalResponseNorm extends Module {
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(readonly size: number, opts: { alpha?: number; beta?: number; k?: number } = {}) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`LocalResponseNorm: size must be a positive integer, got ${size}`);
    this.alpha = opts.alpha ?? 1e-4;
    this.beta = opts.beta ?? 0.75;
    this.k = opts.k ?? 1;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 3) throw new ShapeError(`${this.displayName}: expected an input [N, C, ...] with at least 3 axes, got shape ${fmtShape(x.shape)}`);
    return localResponseNorm(x, this.size, this.alpha, this.beta, this.k);
  }

  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}

/**
 * Local contrast normalisation as a layer (see `localContrastNorm`): each
 * pixel centred and scaled by the mean and std of the windowSize² box around
 * it, per channel. Unlike `preprocess.localContrastNormalize` (a fast
 * gradient-free transform of the data), it is composed from pooling ops, so
 * gradients flow through it.
 * @example new Sequential(new LocalContrastNorm(9), new Conv2d(1, 6, 5))
 */
export class LocalContrastNorm extends Module {
  readonly eps: number;

  constructor(readonly windowSize = 9, opts: { eps?: number } = {}) {
    super();
    if (!Number.isInteger(windowSize) || windowSize < 1 || windowSize % 2 === 0) {
      throw new ArgumentError(`LocalContrastNorm: windowSize must be a positive odd integer, got ${windowSize}`);
    }
    this.eps = opts.eps ?? 1e-2;
    if (!(this.eps > 0)) throw new ArgumentError(`LocalContrastNorm: eps must be > 0, got ${this.eps}`);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new ShapeError(`${this.displayName}: expected a 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
    return localContrastNorm(x, this.windowSize, this.eps);
  }

  override extraRepr(): string {
    return `window_size=${this.windowSize}, eps=${pyFloat(this.eps)}`;
  }
}
