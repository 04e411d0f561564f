import { describe, it, expect } from 'vitest';
import * as nn from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

/** A plain triple loop over nested arrays: the reference for 2-D products. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => (b[0] ?? []).map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
}
const rnd = (shape: number[], seed: number) => nn.randn(shape, { dtype: 'float64', generator: new nn.Generator(seed) });
const mat = (t: nn.Tensor) => t.toArray() as number[][];

describe('matmul values', () => {
  it('2-D by hand', () => {
    const a = nn.tensor([[1, 2], [3, 4], [5, 6]]);
    const b = nn.tensor([[1, 0, -1], [2, 1, 0]]);
    expect(a.matmul(b).toArray()).toEqual([[5, 2, -1], [11, 4, -3], [17, 6, -5]]);
    expect(nn.matmul(b, a).toArray()).toEqual([[-4, -4], [5, 8]]);
  });

  it('1-D operands are promoted and the added axis removed (NumPy/PyTorch)', () => {
    const v = nn.tensor([1, 2, 3]), w = nn.tensor([4, 5, 6]);
    const m = nn.tensor([[1, 2], [3, 4], [5, 6]]);
    const dot = v.matmul(w);
    expect(dot.shape).toEqual([]);
    expect(dot.item()).toBe(32);
    expect(v.matmul(m).toArray()).toEqual([22, 28]); // [3] @ [3, 2] → [2]
    expect(m.T.matmul(v).toArray()).toEqual([22, 28]); // [2, 3] @ [3] → [2]
    const batch = nn.stack([m, m.mul(2)]); // [2, 3, 2]
    expect(v.matmul(batch).toArray()).toEqual([[22, 28], [44, 56]]); // [3] @ [2, 3, 2] → [2, 2]
    expect(batch.transpose(1, 2).matmul(v).toArray()).toEqual([[22, 28], [44, 56]]); // [2, 2, 3] @ [3] → [2, 2]
  });

  it('sizes that are not multiples of the 4×4 tile, against a naive loop', () => {
    for (const [M, K, N] of [[1, 1, 1], [1, 7, 1], [3, 5, 2], [5, 3, 7], [6, 9, 13], [17, 31, 9], [37, 53, 29], [4, 4, 4], [8, 260, 5], [3, 2, 300]]) {
      const a = rnd([M, K], M * 100 + K), b = rnd([K, N], N);
      expect(a.matmul(b)).toBeAllClose(naive(mat(a), mat(b)), { rtol: 1e-12, atol: 1e-12 });
      // float32 agrees to float32 precision
      expect(a.float().matmul(b.float())).toBeAllClose(naive(mat(a), mat(b)), { rtol: 1e-4, atol: 1e-4 });
    }
  });

  it('empty K gives zeros; empty M or N gives empty results', () => {
    const z = nn.ones([3, 0]).matmul(nn.ones([0, 4]));
    expect(z.shape).toEqual([3, 4]);
    expect(z.toFlatArray()).toEqual(new Array(12).fill(0));
    expect(nn.ones([0, 5]).matmul(nn.ones([5, 2])).shape).toEqual([0, 2]);
    expect(nn.ones([2, 5]).matmul(nn.ones([5, 0])).shape).toEqual([2, 0]);
    expect(nn.ones([0]).matmul(nn.ones([0])).item()).toBe(0);
  });

  it('transposed, sliced and expanded views give the same product as contiguous copies', () => {
    const a = rnd([9, 6], 1), b = rnd([10, 9], 2);
    const copy = (t: nn.Tensor) => nn.tensor(t.values(), { shape: [...t.shape], dtype: 'float64' });
    const views: [nn.Tensor, nn.Tensor][] = [
      [a.T, b.T], // [6, 9] @ [9, 10]
      [a.slice([0, 9, 2]).T, b.T.slice([0, 9, 2], [1, 10, 3])], // stepped slices: [6, 5] @ [5, 3]
      [a.narrow(0, 2, 5).T, b.slice([1, 6], [0, 9, 2]).T], // offsets: [6, 5] @ [5, 5]
      [rnd([1, 6], 3).expand(4, 6), a.T.narrow(1, 1, 7)], // stride-0 rows: [4, 6] @ [6, 7]
    ];
    for (const [x, y] of views) {
      expect(x.isContiguous() && y.isContiguous()).toBe(false);
      const ref = naive(mat(x), mat(y));
      expect(x.matmul(y)).toBeAllClose(ref, { rtol: 1e-12, atol: 1e-12 });
      expect(copy(x).matmul(copy(y))).toBeAllClose(x.matmul(y), { rtol: 0, atol: 0 });
    }
  });

  it('batched with broadcasting of the leading axes', () => {
    const a = rnd([2, 1, 3, 4], 1), b = rnd([5, 4, 2], 2);
    const c = a.matmul(b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 5; j++) {
        expect(c.select(0, i).select(0, j)).toBeAllClose(naive(mat(a.select(0, i).select(0, 0)), mat(b.select(0, j))), { rtol: 1e-12, atol: 1e-12 });
      }
    }
    const w = rnd([4, 3], 3); // 2-D weight shared by every batch entry
    const x = rnd([2, 5, 4], 4);
    const y = x.matmul(w);
    expect(y.shape).toEqual([2, 5, 3]);
    expect(y.select(0, 1)).toBeAllClose(naive(mat(x.select(0, 1)), mat(w)), { rtol: 1e-12, atol: 1e-12 });
    // batch of transposed views
    const bt = rnd([3, 2, 4], 5).transpose(1, 2); // [3, 4, 2]
    expect(rnd([3, 5, 4], 6).matmul(bt).select(0, 2)).toBeAllClose(naive(mat(rnd([3, 5, 4], 6).select(0, 2)), mat(bt.select(0, 2))), { rtol: 1e-12, atol: 1e-12 });
  });

  it('dtypes: float64 if either is float64, else float32', () => {
    expect(nn.ones([2, 2]).matmul(nn.ones([2, 2])).dtype).toBe('float32');
    expect(nn.ones([2, 2]).matmul(nn.ones([2, 2], { dtype: 'float64' })).dtype).toBe('float64');
    expect(nn.ones([2, 2], { dtype: 'int32' }).matmul(nn.ones([2, 2], { dtype: 'int32' })).toArray()).toEqual([[2, 2], [2, 2]]);
  });
});

describe('matmul errors', () => {
  it('name the op and both shapes', () => {
    expect(() => nn.ones([2, 3]).matmul(nn.ones([4, 5]))).toThrow(nn.ShapeError);
    expect(() => nn.ones([2, 3]).matmul(nn.ones([4, 5]))).toThrow(/matmul: inner dimensions differ: a has shape \[2, 3\], b has shape \[4, 5\] \(3 vs 4\)/);
    expect(() => nn.ones([3]).matmul(nn.ones([4]))).toThrow(/matmul: inner dimensions differ: a has shape \[3\], b has shape \[4\]/);
    expect(() => nn.ones([2, 3]).matmul(nn.ones([2]))).toThrow(/a has shape \[2, 3\], b has shape \[2\]/);
    expect(() => nn.ones([2, 3, 4]).matmul(nn.ones([3, 4, 5]))).toThrow(/matmul: batch axes of a \[2, 3, 4\] and b \[3, 4, 5\]: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => nn.scalar(1).matmul(nn.ones([2]))).toThrow(/matmul: both operands need at least one axis, got shapes \[\] and \[2\]/);
  });
});

describe('matmul gradients', () => {
  it('every variant passes gradcheck', () => {
    gradcheck('matmul 2-D', (a, b) => a.matmul(b), [leaf([3, 5], 1), leaf([5, 2], 2)]);
    gradcheck('matmul 1-D × 1-D', (a, b) => a.matmul(b), [leaf([5], 1), leaf([5], 2)]);
    gradcheck('matmul 1-D × 2-D', (a, b) => a.matmul(b), [leaf([5], 1), leaf([5, 3], 2)]);
    gradcheck('matmul 2-D × 1-D', (a, b) => a.matmul(b), [leaf([3, 5], 1), leaf([5], 2)]);
    gradcheck('matmul 1-D × 3-D', (a, b) => a.matmul(b), [leaf([4], 1), leaf([2, 4, 3], 2)]);
    gradcheck('matmul batched', (a, b) => a.matmul(b), [leaf([2, 3, 4], 1), leaf([2, 4, 5], 2)]);
    gradcheck('matmul batch broadcast', (a, b) => a.matmul(b), [leaf([2, 1, 3, 4], 1), leaf([3, 4, 2], 2)]);
    gradcheck('matmul 3-D × 2-D', (a, b) => a.matmul(b), [leaf([2, 3, 4], 1), leaf([4, 5], 2)]);
    gradcheck('matmul transposed', (a, b) => a.T.matmul(b.T), [leaf([4, 3], 1), leaf([5, 4], 2)]);
    gradcheck('matmul strided', (a, b) => a.slice(null, [0, 6, 2]).matmul(b.slice([1, 4])), [leaf([3, 6], 1), leaf([5, 2], 2)]);
    gradcheck('matmul expanded', (a, b) => a.expand(3, 4).matmul(b), [leaf([1, 4], 1), leaf([4, 2], 2)]);
    gradcheck('matmul same tensor twice', (a) => a.matmul(a.T), [leaf([3, 4], 1)]);
  });

  it('empty K gives zero-size gradients of the right shapes', () => {
    const a = nn.ones([3, 0], { requiresGrad: true }), b = nn.ones([0, 2], { requiresGrad: true });
    a.matmul(b).sum().backward();
    expect(a.grad!.shape).toEqual([3, 0]);
    expect(b.grad!.shape).toEqual([0, 2]);
  });
});
