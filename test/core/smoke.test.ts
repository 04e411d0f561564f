import { describe, it, expect } from 'vitest';
import * as nn from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

describe('smoke', () => {
  it('matmul, broadcasting and reductions have correct gradients', () => {
    gradcheck('matmul', (a, b) => a.matmul(b), [leaf([3, 4], 1), leaf([4, 5], 2)]);
    gradcheck('matmul batched', (a, b) => a.matmul(b), [leaf([2, 3, 4], 1), leaf([4, 5], 2)]);
    gradcheck('matmul transposed', (a, b) => a.matmul(b.T), [leaf([3, 4], 1), leaf([5, 4], 2)]);
    gradcheck('add broadcast', (a, b) => a.add(b).mul(a), [leaf([3, 4], 1), leaf([4], 2)]);
    gradcheck('max', (a) => a.max(1), [leaf([3, 4], 3)]);
    gradcheck('slice', (a) => a.slice(null, [1, 4, 2]).exp(), [leaf([3, 5], 3)]);
    gradcheck('gelu', (a) => nn.gelu(a), [leaf([3, 5], 3)]);
    expect(nn.tensor([1, 2]).sum().item()).toBe(3);
  });
  it('big matmul equals naive', () => {
    const a = nn.randn([37, 53]), b = nn.randn([53, 29]);
    const c = a.matmul(b);
    const av = a.toArray() as number[][], bv = b.toArray() as number[][];
    const ref = av.map((row) => bv[0].map((_, j) => row.reduce((s, x, k) => s + x * bv[k][j], 0)));
    expect(c).toBeAllClose(ref, { rtol: 1e-4, atol: 1e-4 });
  });
});
