/** RMSprop (Hinton), with optional momentum and centring: `torch.optim.RMSprop`. */
import type { Tensor, Storage } from '../tensor';
import { ArgumentError } from '../errors';
import {
  Optimizer, checkBoolean, checkNonNegative, zerosLikeParam,
  type FloatStorage, type OptimizerOptions, type ParamGroup, type ParamsInput,
} from './optimizer';

export interface RMSpropOptions extends OptimizerOptions {
  /** Learning rate η. */
  lr: number;
  /** Smoothing constant α of the running averages, in [0, 1). */
  alpha: number;
  /** ε added to the denominator. */
  eps: number;
  /** L2 penalty λ, added to the gradient. */
  weightDecay: number;
  /** Momentum factor μ (0: none). */
  momentum: number;
  /** Divide by the estimated variance of g instead of its raw second moment. */
  centered: boolean;
  /** Ascend instead of descend (use −g). */
  maximize: boolean;
}

export type RMSpropState = {
  step: number;
  /** Running average v of g². */
  squareAvg: FloatStorage;
  /** Momentum buffer b (momentum > 0 only). */
  momentumBuffer: FloatStorage | null;
  /** Running average ḡ of g (centered only). */
  gradAvg: FloatStorage | null;
};

/**
 * RMSprop, PyTorch's rule. For θ with gradient g:
 *
 *     g ← −g  if maximize;   g ← g + λθ  if weightDecay λ ≠ 0
 *     v ← αv + (1 − α)g²
 *     ḡ ← αḡ + (1 − α)g,  d ← √(v − ḡ²) + ε      (centered)
 *     d ← √v + ε                                  (otherwise)
 *     b ← μb + g/d,  θ ← θ − ηb                   (momentum μ > 0)
 *     θ ← θ − η g/d                               (otherwise)
 *
 * Defaults: lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false.
 *
 * @example
 *   const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options);
  }

  protected validate(group: ParamGroup<RMSpropOptions>, where: string): void {
    if (typeof group.alpha !== 'number' || !(group.alpha >= 0 && group.alpha < 1)) {
      throw new ArgumentError(`${this.name}: alpha must be in [0, 1), got ${String(group.alpha)}${where}`);
    }
    checkNonNegative(this.name, 'eps', group.eps, where);
    checkNonNegative(this.name, 'weightDecay', group.weightDecay, where);
    checkNonNegative(this.name, 'momentum', group.momentum, where);
    checkBoolean(this.name, 'centered', group.centered, where);
    checkBoolean(this.name, 'maximize', group.maximize, where);
  }

  protected initState(param: Tensor, group: ParamGroup<RMSpropOptions>): RMSpropState {
    return {
      step: 0,
      squareAvg: zerosLikeParam(param),
      momentumBuffer: group.momentum > 0 ? zerosLikeParam(param) : null,
      gradAvg: group.centered ? zerosLikeParam(param) : null,
    };
  }

  protected update(
    p: FloatStorage, po: number, g: Storage, go: number, n: number, state: RMSpropState, group: ParamGroup<RMSpropOptions>, dtype: 'float32' | 'float64',
  ): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    const sign = group.maximize ? -1 : 1;
    const zeros = () => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
    state.step++;
    const sq = state.squareAvg;
    const ga = centered ? (state.gradAvg ??= zeros()) : null;
    const buf = momentum > 0 ? (state.momentumBuffer ??= zeros()) : null;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i];
      if (weightDecay !== 0) gi += weightDecay * p[po + i];
      sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
      let denom: number;
      if (ga !== null) {
        ga[i] = alpha * ga[i] + (1 - alpha) * gi;
        denom = Math.sqrt(sq[i] - ga[i] * ga[i]) + eps;
      } else {
        denom = Math.sqrt(sq[i]) + eps;
      }
      if (buf !== null) {
        buf[i] = momentum * buf[i] + gi / denom;
        p[po + i] -= lr * buf[i];
      } else {
        p[po + i] -= (lr * gi) / denom;
      }
    }
  }
}
