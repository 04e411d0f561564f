/**
 * Losses as modules, as `torch.nn.*Loss`: settings in the constructor,
 * `forward(input, target)` calls the function of the same name in `functional`.
 * Class weights are buffers (saved in the state dict), as in PyTorch.
 *
 * @example
 *   const lossFn = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 *   const loss = lossFn.forward(model.forward(x), labels);
 */
import { Tensor } from '../tensor';
import * as F from '../functional';
import type { Reduction } from '../functional';
import { Module } from './module';

/** The base of the loss modules: holds the reduction. */
export abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(reduction: Reduction = 'mean') {
    super();
    this.reduction = reduction;
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Mean squared error: mean of (x − y)². */
export class MSELoss extends Loss {
  constructor(opts: F.LossOptions = {}) {
    super(opts.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, this.reduction);
  }
}

/** Mean absolute error: mean of |x − y|. */
export class L1Loss extends Loss {
  constructor(opts: F.LossOptions = {}) {
    super(opts.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, this.reduction);
  }
}

/** Binary cross-entropy on probabilities (logs clamped at −100); see `F.binaryCrossEntropy`. */
export class BCELoss extends Loss {
  declare weight: Tensor | null;
  constructor(opts: F.WeightedLossOptions = {}) {
    super(opts.reduction);
    this.registerBuffer('weight', opts.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight ?? undefined, reduction: this.reduction });
  }
}

/** Binary cross-entropy on logits, stable for any logit; see `F.binaryCrossEntropyWithLogits`. */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare posWeight: Tensor | null;
  constructor(opts: F.BCEWithLogitsOptions = {}) {
    super(opts.reduction);
    this.registerBuffer('weight', opts.weight ?? null);
    this.registerBuffer('posWeight', opts.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight ?? undefined, posWeight: this.posWeight ?? undefined, reduction: this.reduction,
    });
  }
}

/**
 * Cross-entropy on logits [N, C] (or [N, C, d...]) against class indices [N]
 * (or class probabilities); see `F.crossEntropy` for weights, ignoreIndex and
 * label smoothing.
 */
export class CrossEntropyLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(opts: F.CrossEntropyOptions = {}) {
    super(opts.reduction);
    this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      weight: this.weight ?? undefined, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing, reduction: this.reduction,
    });
  }
}

/** Negative log-likelihood of log-probabilities [N, C] against class indices; see `F.nllLoss`. */
export class NLLLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  constructor(opts: F.NLLLossOptions = {}) {
    super(opts.reduction);
    this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight ?? undefined, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** Multi-class hinge (SVM) loss; see `F.multiMarginLoss`. */
export class MultiMarginLoss extends Loss {
  declare weight: Tensor | null;
  readonly p: 1 | 2;
  readonly margin: number;
  constructor(opts: F.MultiMarginOptions = {}) {
    super(opts.reduction);
    this.registerBuffer('weight', opts.weight ?? null);
    this.p = opts.p ?? 1;
    this.margin = opts.margin ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight ?? undefined, reduction: this.reduction });
  }
}
