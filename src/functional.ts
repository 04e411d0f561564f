/**
 * The functional layer (`F`): stateless functions that layers and losses call.
 * Everything here is composed from primitive ops, so none of it needs a
 * backward rule of its own. Names and semantics follow
 * `torch.nn.functional` where they are shared.
 *
 * @example
 *   import { F } from 'nnlab';
 *   const logits = F.linear(x, w, b);            // x Wᵀ + b
 *   const loss = F.crossEntropy(logits, labels);  // mean over the batch
 */
import { Tensor, allocate, type DType } from './tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from './errors';
import { Generator, globalGenerator } from './random';
import { where } from './ops/elementwise';
import { broadcastShapes, normAxis, sameShape, sizeOf } from './shape';

export { relu, sigmoid, tanh, leakyRelu, elu, gelu } from './ops/elementwise';
// Convolution, pooling and normalisation (the CNN issue): primitives in ops/, normalisation composed in nn/normalization.
export { conv2d, conv1d, convOutputSize, type Conv2dOptions, type Conv1dOptions, type Pair } from './ops/conv';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, globalAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './ops/pool';
export { batchNorm, localResponseNorm, localContrastNorm } from './nn/normalization';

// ---- Layers -----------------------------------------------------------------

/**
 * Affine map y = x Wᵀ + b, as `torch.nn.functional.linear`: x [..., in],
 * weight [out, in], bias [out] → y [..., out].
 * @example F.linear(tensor([[1, 2]]), tensor([[1, 0], [0, 1], [1, 1]]))  // [[1, 2, 3]]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [out, in], got shape ${fmtShape(weight.shape)}`);
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new ShapeError(`linear: input of shape ${fmtShape(x.shape)} does not match weight of shape ${fmtShape(weight.shape)} (expected ${weight.shape[1]} features on the last axis)`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError(`linear: bias of shape ${fmtShape(bias.shape)} does not match weight of shape ${fmtShape(weight.shape)} (expected [${weight.shape[0]}])`);
  }
  const y = x.matmul(weight.T);
  return bias ? y.add(bias) : y;
}

/**
 * Softmax along `axis`: exp(xᵢ − m) / Σⱼ exp(xⱼ − m), with m = max(x) so that
 * large logits do not overflow (the shift cancels, so it is cut from the graph).
 * @example F.softmax(tensor([1, 2, 3]))  // [0.0900, 0.2447, 0.6652]
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const z = shifted('softmax', x, axis);
  const e = z.exp();
  return e.div(e.sum(axis, true));
}

/**
 * log(softmax(x)) along `axis`, computed as (x − m) − log Σⱼ exp(xⱼ − m):
 * finite even where softmax underflows to 0.
 * @example F.logSoftmax(tensor([1, 2, 3]))  // [-2.4076, -1.4076, -0.4076]
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const z = shifted('logSoftmax', x, axis);
  return z.sub(z.exp().sum(axis, true).log());
}

/** x − max(x) along `axis` (the max detached; a float copy of int input). */
function shifted(op: string, x: Tensor, axis: number): Tensor {
  if (x.ndim === 0) throw new ShapeError(`${op}: needs at least one axis, got a 0-d tensor`);
  normAxis(op, axis, x.ndim);
  const xf = x.dtype === 'int32' ? x.float() : x;
  return xf.sub(xf.max(axis, true).detach());
}

/**
 * Inverted dropout, as `torch.nn.functional.dropout`: in training each element
 * is zeroed with probability p and the survivors are scaled by 1/(1 − p), so
 * the expected value is unchanged and evaluation needs no rescaling.
 * `training = false` or p = 0 return x itself; p = 1 gives zeros.
 * @example F.dropout(x, 0.5, model.training, new Generator(0))
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const g = generator ?? globalGenerator;
  const scale = 1 / (1 - p);
  const mask = allocate(floatDType(x.dtype), x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = g.uniform() < p ? 0 : scale;
  return x.mul(new Tensor(mask, [...x.shape]));
}

// ---- Losses -------------------------------------------------------------------

/** 'mean' averages the per-element losses, 'sum' adds them, 'none' returns them. */
export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}
export interface WeightedLossOptions extends LossOptions {
  /** Rescales each element's loss (broadcast against the input). */
  weight?: Tensor;
}
export interface BCEWithLogitsOptions extends WeightedLossOptions {
  /** Weight of the positive term per class (broadcast along the last axis), as torch's `pos_weight`. */
  posWeight?: Tensor;
}
export interface NLLLossOptions extends LossOptions {
  /** A weight per class, shape [C]. */
  weight?: Tensor;
  /** Positions whose label equals this contribute nothing (and are not counted by 'mean'). Default −100. */
  ignoreIndex?: number;
}
export interface CrossEntropyOptions extends NLLLossOptions {
  /** ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/C. Default 0. */
  labelSmoothing?: number;
}
export interface MultiMarginOptions extends LossOptions {
  /** 1 (hinge) or 2 (squared hinge). Default 1. */
  p?: 1 | 2;
  /** Default 1. */
  margin?: number;
  /** A weight per class, shape [C]; each sample's loss is multiplied by weight[label]. */
  weight?: Tensor;
}

function options<T extends LossOptions>(opts: T | Reduction | undefined): T {
  return (typeof opts === 'string' ? { reduction: opts } : opts ?? {}) as T;
}

function reduce(op: string, loss: Tensor, reduction: Reduction | undefined): Tensor {
  switch (reduction ?? 'mean') {
    case 'mean': return loss.mean();
    case 'sum': return loss.sum();
    case 'none': return loss;
    default: throw new ArgumentError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  }
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(`${op}: input of shape ${fmtShape(input.shape)} and target of shape ${fmtShape(target.shape)} differ (reshape one of them: broadcasting here is almost always a bug)`);
  }
}

/** `weight` must broadcast to the input's shape without growing it. */
function checkElementWeight(op: string, name: string, input: Tensor, weight: Tensor | undefined): void {
  if (!weight) return;
  const shape = broadcastShapes(op, input.shape, weight.shape);
  if (!sameShape(shape, input.shape)) {
    throw new ShapeError(`${op}: ${name} of shape ${fmtShape(weight.shape)} does not broadcast to the input of shape ${fmtShape(input.shape)}`);
  }
}

function floatDType(d: DType): DType {
  return d === 'int32' ? 'float32' : d;
}

/**
 * Mean squared error, as `torch.nn.functional.mse_loss`: mean of (x − y)².
 * Input and target must have the same shape (PyTorch broadcasts with a
 * warning; here a mismatch such as [N, 1] vs [N] throws).
 * @example F.mseLoss(tensor([1, 2]), tensor([0, 0]))  // (1 + 4)/2 = 2.5
 */
export function mseLoss(input: Tensor, target: Tensor, opts?: LossOptions | Reduction): Tensor {
  checkSameShape('mseLoss', input, target);
  const d = input.sub(target);
  return reduce('mseLoss', d.mul(d), options(opts).reduction);
}

/**
 * Mean absolute error, as `torch.nn.functional.l1_loss`: mean of |x − y|
 * (gradient sign(x − y), 0 at equality).
 * @example F.l1Loss(tensor([1, -2]), tensor([0, 0]))  // 1.5
 */
export function l1Loss(input: Tensor, target: Tensor, opts?: LossOptions | Reduction): Tensor {
  checkSameShape('l1Loss', input, target);
  return reduce('l1Loss', input.sub(target).abs(), options(opts).reduction);
}

/**
 * Binary cross-entropy on probabilities, as `torch.nn.functional.binary_cross_entropy`:
 * −w·[y·log p + (1 − y)·log(1 − p)], with each log clamped at −100 as PyTorch
 * does, so p = 0 or 1 gives a finite loss. Inputs must lie in [0, 1]; pass
 * logits to `binaryCrossEntropyWithLogits` instead (it is also more stable).
 * Inside (0, 1) the gradient is PyTorch's (p − y)/(p(1 − p)); where a log is
 * clamped it is 0.
 * @example F.binaryCrossEntropy(tensor([0.8]), tensor([1]))  // −log 0.8 = 0.2231
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: WeightedLossOptions | Reduction): Tensor {
  const op = 'binaryCrossEntropy';
  const { weight, reduction } = options<WeightedLossOptions>(opts);
  checkSameShape(op, input, target);
  checkElementWeight(op, 'weight', input, weight);
  const v = input.values();
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] <= 1)) {
      throw new ArgumentError(`${op}: input must hold probabilities in [0, 1], got ${v[i]} at position ${i} (input of shape ${fmtShape(input.shape)}); for logits use binaryCrossEntropyWithLogits`);
    }
  }
  const positive = target.mul(clampedLog(input));
  const negative = target.neg().add(1).mul(clampedLog(input.neg().add(1)));
  let loss = positive.add(negative).neg();
  if (weight) loss = loss.mul(weight);
  return reduce(op, loss, reduction);
}

/** max(log q, −100), with log 0 = −100 and a finite (zero) gradient there. */
function clampedLog(q: Tensor): Tensor {
  const positive = q.gt(0);
  // NOTE: log(1) stands in where q = 0, so the unused branch's gradient is 0·1 rather than 0/0.
  const logq = where(positive, q, 1).log().clamp(-100);
  return where(positive, logq, -100);
}

/**
 * Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`:
 * the stable form of −[y·log σ(x) + (1 − y)·log(1 − σ(x))] = max(x, 0) − x·y + log(1 + e^−|x|).
 * The softplus term is split at x = 0 into two branches that never overflow,
 * so the gradient is σ(x) − y everywhere, including x = 0.
 * With `posWeight` pw: (1 − y)·x + (1 + (pw − 1)·y)·log(1 + e^−x).
 * @example F.binaryCrossEntropyWithLogits(tensor([0]), tensor([1]))  // log 2 = 0.6931
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts?: BCEWithLogitsOptions | Reduction): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const { weight, posWeight, reduction } = options<BCEWithLogitsOptions>(opts);
  checkSameShape(op, input, target);
  checkElementWeight(op, 'weight', input, weight);
  checkElementWeight(op, 'posWeight', input, posWeight);
  const x = input.dtype === 'int32' ? input.float() : input;
  const softplusX = softplus(x);
  let loss: Tensor;
  if (posWeight) {
    // log(1 + e^−x) = softplus(x) − x
    const logWeight = target.mul(posWeight.sub(1)).add(1);
    loss = target.neg().add(1).mul(x).add(logWeight.mul(softplusX.sub(x)));
  } else {
    loss = softplusX.sub(x.mul(target));
  }
  if (weight) loss = loss.mul(weight);
  return reduce(op, loss, reduction);
}

/** log(1 + eˣ) = x + log(1 + e^−x) for x ≥ 0, log(1 + eˣ) for x < 0. */
function softplus(x: Tensor): Tensor {
  const nonNegative = x.ge(0);
  const pos = where(nonNegative, x, 0);
  const negPart = where(nonNegative, 0, x);
  return where(nonNegative, pos.add(pos.neg().exp().add(1).log()), negPart.exp().add(1).log());
}

/**
 * Cross-entropy on logits, as `torch.nn.functional.cross_entropy`:
 * logSoftmax over the class axis (axis 1), then the negative log-likelihood of
 * each sample's label. Input [N, C] or [N, C, d1, ...] (or [C] unbatched);
 * labels are class indices of shape [N] (or [N, d1, ...]), int32 or a float
 * tensor of whole numbers — or class probabilities of the input's shape.
 *
 * With class weights w, ignoreIndex and label smoothing ε, a sample with label y
 * costs ℓ = −(1 − ε)·w_y·log p_y − (ε/C)·Σ_c w_c·log p_c ('none' gives ℓ per
 * sample, 0 where ignored); 'mean' is Σℓ / Σ w_y over non-ignored samples (the
 * weighted mean PyTorch uses); 'sum' is Σℓ. With probabilities t:
 * ℓ = −Σ_c w_c·((1 − ε)·t_c + ε/C)·log p_c and 'mean' divides by the number of samples.
 *
 * @example F.crossEntropy(tensor([[1, 2, 3], [1, 0, -1]]), tensor([2, 0], { dtype: 'int32' }))  // 0.4076
 */
export function crossEntropy(logits: Tensor, labels: Tensor, opts?: CrossEntropyOptions | Reduction): Tensor {
  const o = options<CrossEntropyOptions>(opts);
  const op = 'crossEntropy';
  const smoothing = o.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new ArgumentError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  if (logits.ndim === 0) throw new ShapeError(`${op}: logits must have a class axis, got a 0-d tensor`);
  const classAxis = logits.ndim === 1 ? 0 : 1;
  const logProbs = logSoftmax(logits, classAxis);
  if (labels.dtype !== 'int32' && sameShape(labels.shape, logits.shape)) {
    return softTargetLoss(op, logProbs, labels, classAxis, o.weight, smoothing, o.reduction);
  }
  return classIndexLoss(op, logProbs, logits.shape, labels, o, smoothing);
}

/**
 * Negative log-likelihood, as `torch.nn.functional.nll_loss`: the input holds
 * log-probabilities (e.g. from `logSoftmax`) of shape [N, C] or [N, C, d1, ...];
 * ℓ = −w_y·input[n, y]. 'mean' divides by Σ w_y over non-ignored samples.
 * @example F.nllLoss(F.logSoftmax(logits, 1), labels)  // = F.crossEntropy(logits, labels)
 */
export function nllLoss(logProbs: Tensor, labels: Tensor, opts?: NLLLossOptions | Reduction): Tensor {
  if (logProbs.ndim === 0) throw new ShapeError('nllLoss: input must have a class axis, got a 0-d tensor');
  return classIndexLoss('nllLoss', logProbs, logProbs.shape, labels, options<NLLLossOptions>(opts), 0);
}

/** Checks class-index labels against an input of shape [N, C, ...] or [C] and returns them as numbers. */
function readLabels(op: string, inputShape: readonly number[], labels: Tensor, ignoreIndex: number): ArrayLike<number> {
  const C = inputShape.length === 1 ? inputShape[0] : inputShape[1];
  const expected = inputShape.length === 1 ? [] : [inputShape[0], ...inputShape.slice(2)];
  if (!sameShape(labels.shape, expected)) {
    throw new ShapeError(`${op}: labels of shape ${fmtShape(labels.shape)} do not match input of shape ${fmtShape(inputShape)} (expected labels of shape ${fmtShape(expected)}, one class index per sample)`);
  }
  if (labels.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected int32 class-index labels, got ${labels.dtype} labels of shape ${fmtShape(labels.shape)} (input of shape ${fmtShape(inputShape)}); convert them with labels.int() or build them with { dtype: 'int32' }`);
  }
  const v = labels.values();
  for (let i = 0; i < v.length; i++) {
    const y = v[i];
    if (y === ignoreIndex) continue;
    if (!Number.isInteger(y) || y < 0 || y >= C) {
      throw new ShapeError(`${op}: label ${y} at position ${i} is outside [0, ${C}) (input of shape ${fmtShape(inputShape)}, labels of shape ${fmtShape(labels.shape)})`);
    }
  }
  return v;
}

function checkClassWeight(op: string, weight: Tensor | undefined, C: number, inputShape: readonly number[]): void {
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) {
    throw new ShapeError(`${op}: weight of shape ${fmtShape(weight.shape)} does not match the ${C} classes of input of shape ${fmtShape(inputShape)} (expected [${C}])`);
  }
}

/**
 * The loss of class-index labels as −Σ_c T[n, c]·logp[n, c], with T a constant
 * target matrix holding (1 − ε)·w_y at the label and ε/C·w_c everywhere.
 */
function classIndexLoss(
  op: string, logProbs: Tensor, inputShape: readonly number[], labels: Tensor,
  o: NLLLossOptions, smoothing: number,
): Tensor {
  const ignoreIndex = o.ignoreIndex ?? -100;
  const unbatched = inputShape.length === 1;
  const lp = unbatched ? logProbs.unsqueeze(0) : logProbs;
  const [N, C] = lp.shape;
  const S = sizeOf(lp.shape.slice(2));
  checkClassWeight(op, o.weight, C, inputShape);
  const y = readLabels(op, inputShape, labels, ignoreIndex);
  const w = o.weight ? o.weight.values() : null;
  const target = allocate(floatDType(lp.dtype), lp.size);
  let denominator = 0;
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const label = y[n * S + s];
      if (label === ignoreIndex) continue;
      const wy = w ? w[label] : 1;
      denominator += wy;
      target[(n * C + label) * S + s] += (1 - smoothing) * wy;
      if (smoothing > 0) {
        for (let c = 0; c < C; c++) target[(n * C + c) * S + s] += (smoothing / C) * (w ? w[c] : 1);
      }
    }
  }
  let perSample = lp.mul(new Tensor(target, [...lp.shape])).sum(1).neg();
  if (unbatched) perSample = perSample.reshape([]);
  switch (o.reduction ?? 'mean') {
    case 'mean': return perSample.sum().div(denominator);
    case 'sum': return perSample.sum();
    case 'none': return perSample;
    default: throw new ArgumentError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${o.reduction}'`);
  }
}

function softTargetLoss(
  op: string, logProbs: Tensor, probs: Tensor, classAxis: number,
  weight: Tensor | undefined, smoothing: number, reduction: Reduction | undefined,
): Tensor {
  const C = logProbs.shape[classAxis];
  checkClassWeight(op, weight, C, logProbs.shape);
  let target = smoothing > 0 ? probs.mul(1 - smoothing).add(smoothing / C) : probs;
  if (weight) target = target.mul(weight.reshape(logProbs.shape.map((d, i) => (i === classAxis ? C : 1))));
  return reduce(op, logProbs.mul(target).sum(classAxis).neg(), reduction);
}

/**
 * Multi-class hinge (SVM) loss, as `torch.nn.functional.multi_margin_loss`:
 * for scores x [N, C] and label y, ℓ = Σ_{j≠y} w_y·max(0, margin − x_y + x_j)^p / C,
 * then the mean over samples. The hinge has gradient 0 at exactly 0.
 * @example F.multiMarginLoss(tensor([[0.1, 0.2, 0.4, 0.8]]), tensor([3], { dtype: 'int32' }))  // 0.325
 */
export function multiMarginLoss(scores: Tensor, labels: Tensor, opts?: MultiMarginOptions | Reduction): Tensor {
  const op = 'multiMarginLoss';
  const { p = 1, margin = 1, weight, reduction } = options<MultiMarginOptions>(opts);
  if (p !== 1 && p !== 2) throw new ArgumentError(`${op}: p must be 1 or 2, got ${p}`);
  if (scores.ndim !== 1 && scores.ndim !== 2) {
    throw new ShapeError(`${op}: scores must be [N, C] or [C], got shape ${fmtShape(scores.shape)}`);
  }
  const unbatched = scores.ndim === 1;
  const x = unbatched ? scores.unsqueeze(0) : scores;
  const [N, C] = x.shape;
  checkClassWeight(op, weight, C, scores.shape);
  const y = readLabels(op, scores.shape, labels, NaN);
  const dtype = floatDType(x.dtype);
  const others = allocate(dtype, N * C).fill(1);
  const index = new Int32Array(N);
  const rowWeight = allocate(dtype, N);
  const w = weight ? weight.values() : null;
  for (let n = 0; n < N; n++) {
    index[n] = y[n];
    others[n * C + y[n]] = 0;
    rowWeight[n] = w ? w[y[n]] : 1;
  }
  const correct = x.gather(1, new Tensor(index, [N, 1]));
  let hinge = x.sub(correct).add(margin).relu().mul(new Tensor(others, [N, C]));
  if (p === 2) hinge = hinge.mul(hinge);
  if (w) hinge = hinge.mul(new Tensor(rowWeight, [N, 1]));
  let perSample = hinge.sum(1).div(C);
  if (unbatched) perSample = perSample.reshape([]);
  return reduce(op, perSample, reduction);
}
