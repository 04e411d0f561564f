import { describe, it, expect } from 'vitest';
import { F, Generator, Tensor, tensor, scalar, randn, relu, sigmoid, tanh, gelu, leakyRelu, elu, ShapeError, ArgumentError } from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

const f64 = { dtype: 'float64' as const };

describe('F.linear', () => {
  it('computes x Wᵀ + b (hand-computed)', () => {
    const x = tensor([[1, 2], [3, -1]]);
    const w = tensor([[1, 0], [0, 1], [2, -1]]); // [out=3, in=2]
    const b = tensor([0.5, -1, 0]);
    // row 0: [1, 2, 2·1 − 2] + b = [1.5, 1, 0]; row 1: [3, −1, 7] + b = [3.5, −2, 7]
    expect(F.linear(x, w, b)).toBeAllClose(tensor([[1.5, 1, 0], [3.5, -2, 7]]));
    expect(F.linear(x, w)).toBeAllClose(tensor([[1, 2, 0], [3, -1, 7]]));
    expect(F.linear(tensor([1, 2]), w, b)).toBeAllClose(tensor([1.5, 1, 0]));
    expect(F.linear(randn([4, 5, 2]), w, b).shape).toEqual([4, 5, 3]);
  });
  it('names both shapes on a mismatch', () => {
    expect(() => F.linear(randn([4, 3]), randn([5, 2]))).toThrow(ShapeError);
    expect(() => F.linear(randn([4, 3]), randn([5, 2]))).toThrow('linear: input of shape [4, 3] does not match weight of shape [5, 2]');
    expect(() => F.linear(randn([4, 2]), randn([5, 2]), randn([4]))).toThrow('bias of shape [4] does not match weight of shape [5, 2]');
  });
  it('has correct gradients', () => {
    gradcheck('linear', (x, w, b) => F.linear(x, w, b), [leaf([3, 4], 1), leaf([5, 4], 2), leaf([5], 3)]);
    gradcheck('linear 3-D input', (x, w) => F.linear(x, w), [leaf([2, 3, 4], 4), leaf([2, 4], 5)]);
  });
});

describe('F activations', () => {
  it('re-exports the elementwise activations', () => {
    expect(F.relu).toBe(relu);
    expect(F.sigmoid).toBe(sigmoid);
    expect(F.tanh).toBe(tanh);
    expect(F.gelu).toBe(gelu);
    expect(F.leakyRelu).toBe(leakyRelu);
    expect(F.elu).toBe(elu);
    expect(F.leakyRelu(tensor([-2, 3]), 0.1)).toBeAllClose([-0.2, 3]);
  });
});

describe('F.softmax and F.logSoftmax', () => {
  it('match reference values (torch.softmax / log_softmax)', () => {
    expect(F.softmax(tensor([1, 2, 3], f64))).toBeAllClose([0.09003057317038045, 0.2447284710547976, 0.6652409557748218], { rtol: 1e-12 });
    // log softmax(1, 2, 3) = x − 3 − log(1 + e^−1 + e^−2)
    const lse = 3 + Math.log(1 + Math.exp(-1) + Math.exp(-2));
    expect(F.logSoftmax(tensor([1, 2, 3], f64))).toBeAllClose([1 - lse, 2 - lse, 3 - lse], { rtol: 1e-12 });
  });
  it('work along any axis, rows summing to 1', () => {
    const x = randn([3, 4, 5], { generator: new Generator(1) });
    for (const axis of [0, 1, 2, -1]) {
      const s = F.softmax(x, axis);
      expect(s.sum(axis)).toBeAllClose(Array(s.size / x.shape[axis < 0 ? axis + 3 : axis]).fill(1), { rtol: 1e-5 });
      expect(F.logSoftmax(x, axis)).toBeAllClose(s.log(), { rtol: 1e-4, atol: 1e-5 });
    }
    // axis 0 of [[1, 3], [1, 1]]: columns (0.5, 0.5) and (e²/(e²+1), 1/(e²+1))
    const e2 = Math.exp(2);
    expect(F.softmax(tensor([[1, 3], [1, 1]]), 0)).toBeAllClose([[0.5, e2 / (e2 + 1)], [0.5, 1 / (e2 + 1)]]);
  });
  it('stay finite for huge logits', () => {
    const x = tensor([1000, 0, -1000]);
    expect(F.softmax(x)).toBeAllClose([1, 0, 0]);
    expect(F.logSoftmax(x)).toBeAllClose([0, -1000, -2000]);
    expect(F.logSoftmax(tensor([[1000, 1000]]), 1)).toBeAllClose([[-Math.LN2, -Math.LN2]]);
  });
  it('reject a bad axis', () => {
    expect(() => F.softmax(randn([2, 3]), 2)).toThrow(ArgumentError);
    expect(() => F.logSoftmax(scalar(3), 0)).toThrow('logSoftmax');
  });
  it('have correct gradients', () => {
    gradcheck('softmax', (x) => F.softmax(x), [leaf([3, 5], 1)]);
    gradcheck('softmax axis 0', (x) => F.softmax(x, 0), [leaf([3, 4, 2], 2)]);
    gradcheck('logSoftmax', (x) => F.logSoftmax(x), [leaf([3, 5], 3)]);
    gradcheck('logSoftmax axis 1', (x) => F.logSoftmax(x, 1), [leaf([2, 3, 4], 4)]);
    // Tied maxima: the detached shift must not break the gradient.
    gradcheck('softmax ties', (x) => F.softmax(x), [tensor([[2, 2, 1], [0, 0, 0]], f64).requiresGrad_()]);
  });
});

describe('F.dropout', () => {
  it('is the identity in eval mode or with p = 0, zeros with p = 1', () => {
    const x = randn([4, 5]);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    expect(F.dropout(x, 0, true)).toBe(x);
    expect(F.dropout(x, 1, true)).toBeAllClose(new Array(20).fill(0));
  });
  it('zeros about p of the elements and scales the rest by 1/(1 − p)', () => {
    const x = tensor(new Float32Array(10000).fill(2));
    const y = F.dropout(x, 0.25, true, new Generator(3)).toFlatArray();
    const zerosCount = y.filter((v) => v === 0).length;
    expect(zerosCount / 10000).toBeGreaterThan(0.23);
    expect(zerosCount / 10000).toBeLessThan(0.27);
    for (const v of y) if (v !== 0) expect(v).toBeCloseTo(2 / 0.75, 5);
    // the same generator seed gives the same mask
    expect(F.dropout(x, 0.25, true, new Generator(3))).toBeAllClose(y);
  });
  it('rejects p outside [0, 1]', () => {
    expect(() => F.dropout(randn([2]), 1.5)).toThrow('dropout: p must be in [0, 1], got 1.5');
    expect(() => F.dropout(randn([2]), -0.1)).toThrow(ArgumentError);
  });
  it('has the gradient of its mask (fixed generator)', () => {
    gradcheck('dropout', (x) => F.dropout(x, 0.4, true, new Generator(7)), [leaf([4, 6], 1)]);
    const x = leaf([50], 2);
    const y = F.dropout(x, 0.5, true, new Generator(9));
    y.sum().backward();
    // dL/dx is the mask itself: 0 where dropped, 2 where kept
    const mask = y.toFlatArray().map((v) => (v === 0 ? 0 : 2));
    expect((x.grad as Tensor)).toBeAllClose(mask);
    expect(mask).toContain(0);
    expect(mask).toContain(2);
  });
});
