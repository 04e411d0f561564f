/**
 * The small problem every optimiser test runs, and PyTorch's answers for it.
 *
 * Two parameters, p0 of shape [2, 3] and p1 of shape [2], and the loss
 *   L = Σ C ⊙ (p0 − T)² + 0.1 Σ p0⁴ + Σ exp(p1 / 2) − Σ p1,
 * whose gradient changes from step to step (so momentum, AMSGrad and the
 * running averages all matter). Reference values: five steps of
 * torch.optim.* in Debian's torch 1.13.1 (CPU), float64 and float32, computed
 * once with /usr/bin/python3 and pasted here.
 */
import { expect } from 'vitest';
import { Tensor, tensor, type DType } from '../../src';

export const P0 = [[0.5, -1.2, 2.0], [0.3, 0.8, -0.7]];
export const P1 = [1.5, -0.4];
const C = [[1.0, 2.0, 0.5], [3.0, 1.5, 0.25]];
const T = [[1.0, 0.0, -1.0], [0.5, -0.5, 2.0]];

export function makeParams(dtype: DType = 'float64'): [Tensor, Tensor] {
  return [tensor(P0, { dtype, requiresGrad: true }), tensor(P1, { dtype, requiresGrad: true })];
}

export function loss(p0: Tensor, p1: Tensor): Tensor {
  const c = tensor(C, { dtype: p0.dtype }), t = tensor(T, { dtype: p0.dtype });
  return c.mul(p0.sub(t).square()).sum().add(p0.pow(4).sum().mul(0.1)).add(p1.mul(0.5).exp().sum()).sub(p1.sum());
}

/** `steps` rounds of zeroGrad / backward / step. */
export function run(opt: { zeroGrad(): void; step(): unknown }, p0: Tensor, p1: Tensor, steps = 5): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    loss(p0, p1).backward();
    opt.step();
  }
}

/** [flattened p0, p1] after five steps. */
export type Ref = [number[], number[]];

export function expectParams(p0: Tensor, p1: Tensor, ref: Ref, dtype: DType = 'float64'): void {
  const tol = dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 2e-6, atol: 2e-6 };
  expect(p0.toFlatArray()).toBeAllClose(ref[0], tol);
  expect(p1.toFlatArray()).toBeAllClose(ref[1], tol);
}
