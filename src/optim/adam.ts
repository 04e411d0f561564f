/**
 * Adam and AdamW: `torch.optim.Adam` (L2 weight decay added to the gradient)
 * and `torch.optim.AdamW` (decoupled weight decay), with optional AMSGrad.
 */
import type { Tensor, Storage } from '../tensor';
import { ArgumentError } from '../errors';
import { adamKernel } from '../kernels/optim';
import {
  Optimizer, checkBoolean, checkNonNegative, checkUnitInterval, zerosLikeParam,
  type FloatStorage, type OptimizerOptions, type ParamGroup, type ParamsInput,
} from './optimizer';

export interface AdamOptions extends OptimizerOptions {
  /** Learning rate η. */
  lr: number;
  /** Decay rates [β₁, β₂] of the first and second moment estimates, each in [0, 1). */
  betas: [number, number];
  /** ε added to the denominator. */
  eps: number;
  /** Weight decay λ: an L2 term added to the gradient (Adam) or a decoupled shrink of θ (AdamW). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
  /** Ascend instead of descend (use −g). */
  maximize: boolean;
}

export type AdamState = {
  /** Number of updates t of this parameter. */
  step: number;
  /** First moment m. */
  expAvg: FloatStorage;
  /** Second moment v. */
  expAvgSq: FloatStorage;
  /** max of v over steps (AMSGrad only). */
  maxExpAvgSq: FloatStorage | null;
};

/** The shared update; `decoupled` chooses AdamW's weight decay. */
abstract class AdamBase extends Optimizer<AdamOptions, AdamState> {
  protected abstract readonly decoupled: boolean;

  protected validate(group: ParamGroup<AdamOptions>, where: string): void {
    const betas = group.betas;
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new ArgumentError(`${this.name}: betas must be a pair [beta1, beta2], got ${Array.isArray(betas) ? `[${betas.join(', ')}]` : String(betas)}${where}`);
    }
    checkUnitInterval(this.name, 'betas[0]', betas[0], where);
    checkUnitInterval(this.name, 'betas[1]', betas[1], where);
    checkNonNegative(this.name, 'eps', group.eps, where);
    checkNonNegative(this.name, 'weightDecay', group.weightDecay, where);
    checkBoolean(this.name, 'amsgrad', group.amsgrad, where);
    checkBoolean(this.name, 'maximize', group.maximize, where);
  }

  protected initState(param: Tensor, group: ParamGroup<AdamOptions>): AdamState {
    return { step: 0, expAvg: zerosLikeParam(param), expAvgSq: zerosLikeParam(param), maxExpAvgSq: group.amsgrad ? zerosLikeParam(param) : null };
  }

  protected update(
    p: FloatStorage, po: number, g: Storage, go: number, n: number, state: AdamState, group: ParamGroup<AdamOptions>, dtype: 'float32' | 'float64',
  ): void {
    const { lr, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = group.betas;
    const sign = group.maximize ? -1 : 1;
    const t = ++state.step;
    const stepSize = lr / (1 - beta1 ** t);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** t);
    const l2 = this.decoupled ? 0 : weightDecay;
    const shrink = this.decoupled ? 1 - lr * weightDecay : 1;
    let vmax = state.maxExpAvgSq;
    if (amsgrad && vmax === null) vmax = state.maxExpAvgSq = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
    adamKernel(p, po, g, go, n, state.expAvg, state.expAvgSq, amsgrad ? vmax : null, { beta1, beta2, stepSize, bias2Sqrt, eps, l2, shrink, sign });
  }
}

/**
 * Adam (Kingma & Ba), PyTorch's rule. At step t, for θ with gradient g:
 *
 *     g ← −g  if maximize;   g ← g + λθ  if weightDecay λ ≠ 0
 *     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
 *     v̂ ← max(v̂, v)  (amsgrad, else v̂ = v)
 *     θ ← θ − η/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
 *
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, amsgrad false.
 *
 * @example
 *   const opt = new optim.Adam(model.parameters(), { lr: 3e-4 });
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, options);
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, PyTorch's rule.
 * The parameter is first shrunk, θ ← θ·(1 − ηλ), then updated by Adam's rule
 * with the raw gradient (no λθ term in g).
 *
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2, amsgrad false.
 *
 * @example
 *   const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, options);
  }
}
