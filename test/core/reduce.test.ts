import { describe, it, expect } from 'vitest';
import * as nn from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

// A [3, 2, 4] tensor; the expected values marked "torch" were computed once with PyTorch 1.13 (float64).
const A = [
  [[1, 5, -2, 0.5], [3, -1, 4, 2]],
  [[0, 2, 2, -3], [7, 1, -6, 0.25]],
  [[-1, -1, 3, 9], [2, 8, 0, -4]],
];
const a = () => nn.tensor(A, { dtype: 'float64' });

describe('sum and mean', () => {
  it('over one axis, several axes, all axes, with keepdim (torch)', () => {
    expect(a().sum(0)).toBeAllClose(nn.tensor([[0, 6, 3, 6.5], [12, 8, -2, -1.75]]));
    expect(a().sum([1, 2])).toBeAllClose(nn.tensor([12.5, 3.25, 16]));
    expect(a().sum(-1, true)).toBeAllClose(nn.tensor([[[4.5], [8]], [[1], [2.25]], [[10], [6]]]));
    expect(a().sum().shape).toEqual([]);
    expect(a().sum().item()).toBeCloseTo(31.75, 12);
    expect(a().sum(null, true).shape).toEqual([1, 1, 1]);
    expect(a().mean([0, 2])).toBeAllClose(nn.tensor([1.2916666666666667, 1.3541666666666667]), { rtol: 1e-12 });
    expect(a().mean().item()).toBeCloseTo(1.3229166666666667, 12);
    expect(a().mean(1, true).shape).toEqual([3, 1, 4]);
    expect(nn.tensor([1, 2], { dtype: 'int32' }).mean().dtype).toBe('float32');
    expect(nn.tensor([1, 2], { dtype: 'int32' }).mean().item()).toBe(1.5);
  });

  it('of an empty axis: sum is 0, mean is NaN', () => {
    expect(nn.zeros([0, 3]).sum(0)).toBeAllClose([0, 0, 0]);
    expect(nn.zeros([0]).sum().item()).toBe(0);
    expect(nn.zeros([0]).mean().item()).toBeNaN();
  });

  it('the same values on non-contiguous inputs', () => {
    const t = a().permute(2, 0, 1); // [4, 3, 2]
    const c = nn.tensor(t.values(), { shape: [4, 3, 2], dtype: 'float64' });
    for (const axes of [0, 1, 2, [0, 1], [0, 2], [1, 2], null] as const) {
      expect(t.sum(axes as number)).toBeAllClose(c.sum(axes as number), { rtol: 1e-12 });
      expect(t.max(axes as number)).toBeAllClose(c.max(axes as number));
      expect(t.var(axes as number)).toBeAllClose(c.var(axes as number), { rtol: 1e-12 });
    }
    const s = a().slice(null, null, [0, 4, 3]); // [3, 2, 2]
    expect(s.sum(2)).toBeAllClose(nn.tensor([[1.5, 5], [-3, 7.25], [8, -2]]));
    expect(s.max(0)).toBeAllClose(nn.tensor([[1, 9], [7, 2]]));
    expect(s.argmax(0).toArray()).toEqual([[0, 2], [1, 0]]);
    const e = nn.tensor([1, -2, 3], { dtype: 'float64' }).unsqueeze(0).expand(4, 3); // stride 0 rows
    expect(e.sum(0)).toBeAllClose([4, -8, 12]);
    expect(e.sum(1)).toBeAllClose([2, 2, 2, 2]);
    expect(e.mean()).toBeAllClose(2 / 3, { rtol: 1e-12 });
    expect(e.var(0)).toBeAllClose([0, 0, 0]);
    expect(e.min(1)).toBeAllClose([-2, -2, -2, -2]);
    expect(e.argmin(1).toArray()).toEqual([1, 1, 1, 1]);
  });

  it('gradients', () => {
    gradcheck('sum all', (x) => x.sum(), [leaf([3, 4, 2], 1)]);
    gradcheck('sum axis', (x) => x.sum(1), [leaf([3, 4, 2], 1)]);
    gradcheck('sum axes keepdim', (x) => x.sum([0, 2], true), [leaf([3, 4, 2], 1)]);
    gradcheck('mean', (x) => x.mean(-1), [leaf([3, 4, 2], 2)]);
    gradcheck('mean all', (x) => x.mean(), [leaf([3, 4, 2], 2)]);
    gradcheck('mean keepdim', (x) => x.mean([0, 1], true), [leaf([3, 4, 2], 2)]);
  });
});

describe('max and min', () => {
  it('values over axes, with keepdim (torch amax/amin)', () => {
    expect(a().max(1)).toBeAllClose(nn.tensor([[3, 5, 4, 2], [7, 2, 2, 0.25], [2, 8, 3, 9]]));
    expect(a().min(2, true)).toBeAllClose(nn.tensor([[[-2], [-1]], [[-3], [-6]], [[-1], [-4]]]));
    expect(a().max([0, 2])).toBeAllClose([9, 8]);
    expect(a().max().item()).toBe(9);
    expect(a().min().item()).toBe(-6);
    expect(nn.tensor([1, NaN, 3]).max().item()).toBeNaN();
    expect(nn.tensor([-Infinity, -Infinity]).max().item()).toBe(-Infinity);
  });

  it('gradients, with ties sharing the gradient equally', () => {
    gradcheck('max axis', (x) => x.max(1), [leaf([3, 4, 2], 3)]);
    gradcheck('max all', (x) => x.max(), [leaf([3, 4], 3)]);
    gradcheck('min axes keepdim', (x) => x.min([0, 2], true), [leaf([3, 4, 2], 4)]);
    const x = nn.tensor([[1, 3, 3], [2, 0, 2]], { requiresGrad: true });
    x.max(1).sum().backward();
    expect(x.grad).toBeAllClose([[0, 0.5, 0.5], [0.5, 0, 0.5]]);
    const y = nn.tensor([4, 1, 1, 1], { requiresGrad: true });
    y.min().backward();
    expect(y.grad).toBeAllClose([0, 1 / 3, 1 / 3, 1 / 3]);
  });

  it('of an empty axis throws a ShapeError naming the op and shape', () => {
    expect(() => nn.zeros([0]).max()).toThrow(nn.ShapeError);
    expect(() => nn.zeros([2, 0]).max(1)).toThrow(/max: cannot reduce an empty axis of a tensor of shape \[2, 0\]/);
    expect(() => nn.zeros([0, 2]).min(0)).toThrow(/min: cannot reduce an empty axis of a tensor of shape \[0, 2\]/);
  });
});

describe('var and std', () => {
  it('default to the unbiased estimate, like torch.var (torch)', () => {
    expect(a().var().item()).toBeCloseTo(12.926517210144926, 12);
    expect(a().var(2)).toBeAllClose(nn.tensor([[8.395833333333332, 4.666666666666667], [5.583333333333333, 28.265624999999996], [22.333333333333332, 25]]), { rtol: 1e-12 });
    expect(a().var(1, true)).toBeAllClose(nn.tensor([[[2, 18, 18, 1.125]], [[24.5, 0.5, 32, 5.28125]], [[4.5, 40.5, 4.5, 84.5]]]), { rtol: 1e-12 });
    expect(a().std().item()).toBeCloseTo(3.5953466050083303, 12);
    expect(a().std([1, 2])).toBeAllClose([2.411838362269388, 3.812426814285845, 4.535573676110727], { rtol: 1e-12 });
    expect(nn.tensor([1, 2, 3, 4]).var().item()).toBeCloseTo(5 / 3, 6);
  });

  it('correction = 0 is the population variance (torch unbiased=False)', () => {
    expect(a().var(0, false, 0)).toBeAllClose(nn.tensor([[0.6666666666666666, 6, 4.666666666666667, 25.38888888888889], [4.666666666666667, 14.888888888888891, 16.88888888888889, 6.347222222222222]]), { rtol: 1e-12 });
    expect(a().std(2, false, 0)).toBeAllClose(nn.tensor([[2.509357487485591, 1.8708286933869707], [2.0463381929681126, 4.604260934178253], [4.092676385936225, 4.330127018922194]]), { rtol: 1e-12 });
    expect(nn.tensor([5]).var().item()).toBeNaN(); // one sample, unbiased: 0/0 as in torch
    expect(nn.tensor([5]).var(null, false, 0).item()).toBe(0);
  });

  it('gradients', () => {
    gradcheck('var', (x) => x.var(1), [leaf([3, 5], 5)]);
    gradcheck('var all', (x) => x.var(), [leaf([3, 5], 5)]);
    gradcheck('var population keepdim', (x) => x.var([0, 1], true, 0), [leaf([3, 5], 5)]);
    gradcheck('std', (x) => x.std(0), [leaf([4, 3], 6)]);
  });
});

describe('argmax and argmin', () => {
  it('along an axis, flattened, with keepdim (torch)', () => {
    const am = a().argmax(2);
    expect(am.dtype).toBe('int32');
    expect(am.toArray()).toEqual([[1, 2], [1, 0], [3, 1]]);
    expect(a().argmin(0).toArray()).toEqual([[2, 2, 0, 1], [2, 0, 1, 2]]);
    expect(a().argmax().item()).toBe(19);
    expect(a().argmax().shape).toEqual([]);
    expect(a().argmin(1, true).toArray()).toEqual([[[0, 1, 0, 0]], [[0, 1, 1, 0]], [[0, 0, 1, 1]]]);
    expect(a().argmax(-1, true).shape).toEqual([3, 2, 1]);
    expect(a().T.argmax(0).toArray()).toEqual([[1, 1, 3], [2, 0, 1]]);
  });

  it('ties give the first index; NaN counts as the extreme; int32 extremes work', () => {
    expect(nn.tensor([1, 3, 3, 0]).argmax().item()).toBe(1);
    expect(nn.tensor([2, 0, 5, 0]).argmin().item()).toBe(1);
    expect(nn.tensor([1, NaN, 3]).argmax().item()).toBe(1);
    expect(nn.tensor([1, NaN, 0]).argmin().item()).toBe(1);
    expect(nn.tensor([0, -2147483648], { dtype: 'int32' }).argmin().item()).toBe(1);
    expect(nn.tensor([Infinity, Infinity]).argmin().item()).toBe(0);
  });

  it('errors name the op', () => {
    expect(() => nn.zeros([0]).argmax()).toThrow(/argmax: cannot reduce an empty axis of a tensor of shape \[0\]/);
    expect(() => nn.zeros([2, 0]).argmin(1)).toThrow(nn.ShapeError);
    expect(() => nn.zeros([2, 3]).argmax(2)).toThrow(nn.ArgumentError);
    expect(() => nn.zeros([2, 3]).argmin(-3)).toThrow(/argmin: axis -3 is out of range for a tensor of rank 2/);
  });
});

describe('axis errors', () => {
  it('out-of-range axes throw an ArgumentError naming the op', () => {
    expect(() => nn.zeros([2, 3]).sum(2)).toThrow(nn.ArgumentError);
    expect(() => nn.zeros([2, 3]).sum(2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
    expect(() => nn.zeros([2, 3]).mean([0, -3])).toThrow(/mean: axis -3/);
    expect(() => nn.zeros([2, 3]).max(1.5)).toThrow(/max: axis 1.5/);
    expect(() => nn.zeros([2, 3]).var(5)).toThrow(/var: axis 5/);
  });
});
