/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov
 * momentum and L2 weight decay: `torch.optim.SGD`.
 */
import type { Storage } from '../tensor';
import { ArgumentError } from '../errors';
import { sgdKernel } from '../kernels/optim';
import {
  Optimizer, checkBoolean, checkNonNegative, type FloatStorage, type OptimizerOptions, type ParamGroup, type ParamsInput,
} from './optimizer';

export interface SGDOptions extends OptimizerOptions {
  /** Learning rate η (required, in the options or in every group). */
  lr: number;
  /** Momentum factor μ (0: plain SGD). */
  momentum: number;
  /** Dampening τ of the gradient added to the momentum buffer. */
  dampening: number;
  /** Nesterov momentum (needs momentum > 0 and dampening = 0). */
  nesterov: boolean;
  /** L2 penalty λ, added to the gradient: g + λθ. */
  weightDecay: number;
  /** Ascend instead of descend (use −g). */
  maximize: boolean;
}

export type SGDState = {
  /** The velocity b, created from the first gradient (null until then, or without momentum). */
  momentumBuffer: FloatStorage | null;
};

/**
 * SGD, with PyTorch's update rule. For each parameter θ with gradient g:
 *
 *     g ← −g                              if maximize
 *     g ← g + λθ                          if weightDecay λ ≠ 0
 *     b ← g  (first step),  b ← μb + (1 − τ)g  (later)     if momentum μ ≠ 0
 *     g ← g + μb  (nesterov)   or   g ← b
 *     θ ← θ − ηg
 *
 * @example
 *   const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, { lr: undefined as unknown as number, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false }, options);
  }

  protected validate(group: ParamGroup<SGDOptions>, where: string): void {
    checkNonNegative(this.name, 'momentum', group.momentum, where);
    checkNonNegative(this.name, 'weightDecay', group.weightDecay, where);
    if (typeof group.dampening !== 'number' || !(group.dampening >= 0 && group.dampening <= 1)) {
      throw new ArgumentError(`${this.name}: dampening must be in [0, 1], got ${String(group.dampening)}${where}`);
    }
    checkBoolean(this.name, 'nesterov', group.nesterov, where);
    checkBoolean(this.name, 'maximize', group.maximize, where);
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new ArgumentError(`${this.name}: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum=${group.momentum}, dampening=${group.dampening}${where}`);
    }
  }

  protected initState(): SGDState {
    return { momentumBuffer: null };
  }

  protected update(
    p: FloatStorage, po: number, g: Storage, go: number, n: number, state: SGDState, group: ParamGroup<SGDOptions>, dtype: 'float32' | 'float64',
  ): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = group;
    const sign = group.maximize ? -1 : 1;
    const first = momentum !== 0 && state.momentumBuffer === null;
    const buf = momentum === 0 ? null
      : state.momentumBuffer ?? (state.momentumBuffer = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
    sgdKernel(p, po, g, go, n, buf, first, { lr, momentum, dampening, nesterov, weightDecay, sign });
  }
}

