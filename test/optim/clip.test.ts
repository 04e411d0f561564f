import { describe, it, expect } from 'vitest';
import { optim, tensor, zeros, ArgumentError } from '../../src';

// torch.nn.utils.clip_grad_norm_ (torch 1.13.1) on grads g0 = [[3, -4], [1, 2]], g1 = [-6, 0.5]:
// [total norm returned, clipped g0 (flat), clipped g1].
const TORCH: Record<string, [number, number[], number[]]> = {
  clip2: [8.139410298049853, [0.36857702481735743, -0.49143603308980993, 0.12285900827245248, 0.24571801654490497], [-0.7371540496347149, 0.06142950413622624]],
  clipinf: [6.0, [1.2499997916667014, -1.6666663888889353, 0.4166665972222338, 0.8333331944444676], [-2.4999995833334028, 0.2083332986111169]],
  clip1: [16.5, [0.9090908539944937, -1.212121138659325, 0.30303028466483123, 0.6060605693296625], [-1.8181817079889875, 0.15151514233241561]],
  clip2_noop: [8.139410298049853, [3.0, -4.0, 1.0, 2.0], [-6.0, 0.5]],
};

function params(dtype: 'float32' | 'float64' = 'float64') {
  const a = zeros([2, 2], { dtype, requiresGrad: true }), b = zeros([2], { dtype, requiresGrad: true });
  a.grad = tensor([[3, -4], [1, 2]], { dtype });
  b.grad = tensor([-6, 0.5], { dtype });
  return [a, b] as const;
}

describe('clipGradNorm', () => {
  for (const [name, normType, maxNorm] of [['clip2', 2, 1], ['clipinf', Infinity, 2.5], ['clip1', 1, 5], ['clip2_noop', 2, 100]] as const) {
    it(`matches torch for normType ${normType}, maxNorm ${maxNorm}`, () => {
      const [a, b] = params();
      const total = optim.clipGradNorm([a, b], maxNorm, normType);
      const [refTotal, refA, refB] = TORCH[name];
      expect(total).toBeAllClose(refTotal, { rtol: 1e-14, atol: 0 });
      expect(a.grad!.toFlatArray()).toBeAllClose(refA, { rtol: 1e-14, atol: 0 });
      expect(b.grad!.toFlatArray()).toBeAllClose(refB, { rtol: 1e-14, atol: 0 });
      expect(a.grad!.shape).toEqual([2, 2]);
    });
  }

  it('returns the norm before clipping (√(9+16+1+4+36+0.25)) and leaves a norm of maxNorm', () => {
    const [a, b] = params('float32');
    const total = optim.clipGradNorm([a, b], 1);
    expect(total).toBeCloseTo(Math.sqrt(66.25), 6);
    expect(optim.clipGradNorm([a, b], 1)).toBeCloseTo(1, 5);
    expect(a.grad!.dtype).toBe('float32');
    expect(optim.clipGradNorm([a, b], 1, 3)).toBeAllClose(Math.cbrt([3, 4, 1, 2, 6, 0.5].reduce((s, v) => s + v ** 3, 0)) / Math.sqrt(66.25), { rtol: 1e-5, atol: 0 });
  });

  it('scales a gradient shared by two parameters once, not twice', () => {
    const a = zeros([2], { requiresGrad: true }), b = zeros([2], { requiresGrad: true });
    const shared = tensor([3, 4]);
    a.grad = shared;
    b.grad = shared;
    const total = optim.clipGradNorm([a, b], 1);
    expect(total).toBeCloseTo(Math.sqrt(50), 5);
    expect(a.grad!.toFlatArray()).toBeAllClose([3 / Math.sqrt(50), 4 / Math.sqrt(50)], { rtol: 1e-5, atol: 0 });
    expect(b.grad!.toFlatArray()).toBeAllClose([3 / Math.sqrt(50), 4 / Math.sqrt(50)], { rtol: 1e-5, atol: 0 });
    expect(shared.toFlatArray()).toEqual([3, 4]);
  });

  it('ignores parameters without gradients, accepts one tensor, and returns 0 when there is nothing', () => {
    const [a] = params();
    const none = zeros([3], { requiresGrad: true });
    expect(optim.clipGradNorm([a, none], 100)).toBeCloseTo(Math.sqrt(30), 14);
    expect(optim.clipGradNorm(a, 100, Infinity)).toBe(4);
    expect(none.grad).toBeNull();
    expect(optim.clipGradNorm([none], 1)).toBe(0);
  });

  it('propagates NaN as torch does', () => {
    const a = zeros([2], { requiresGrad: true });
    a.grad = tensor([NaN, 1]);
    expect(optim.clipGradNorm([a], 1)).toBeNaN();
    expect(Number.isNaN(a.grad!.toFlatArray()[1])).toBe(true);
  });

  it('rejects bad arguments', () => {
    const [a] = params();
    expect(() => optim.clipGradNorm([a], -1)).toThrow(/clipGradNorm: maxNorm must be ≥ 0, got -1/);
    expect(() => optim.clipGradNorm([a], 1, 0)).toThrow(/clipGradNorm: normType must be > 0 or Infinity, got 0/);
    expect(() => optim.clipGradNorm([a, 3] as never, 1)).toThrow(/clipGradNorm: parameter 1 is not a Tensor/);
    expect(() => optim.clipGradNorm(5 as never, 1)).toThrow(ArgumentError);
  });
});

describe('clipGradValue', () => {
  it('clamps every gradient value into [−c, c]', () => {
    const [a, b] = params();
    optim.clipGradValue([a, b], 2.5);
    expect(a.grad!.toArray()).toEqual([[2.5, -2.5], [1, 2]]);
    expect(b.grad!.toFlatArray()).toEqual([-2.5, 0.5]);
    expect(() => optim.clipGradValue([a], -1)).toThrow(/clipGradValue: clipValue must be ≥ 0, got -1/);
  });
});
