import { describe, it, expect } from 'vitest';
import * as nn from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

const iota = (...shape: number[]) => nn.arange(shape.reduce((p, d) => p * d, 1)).reshape(shape);

describe('reshape and view', () => {
  it('reshape keeps row-major order, resolves -1, and is a view when contiguous', () => {
    const x = iota(2, 3);
    const y = x.reshape(3, 2);
    expect(y.toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(y.data).toBe(x.data);
    expect(x.reshape([-1]).shape).toEqual([6]);
    expect(x.reshape(-1, 3, 1).shape).toEqual([2, 3, 1]);
    expect(nn.scalar(4).reshape(1, 1).toArray()).toEqual([[4]]);
    const t = x.T; // not contiguous: reshape copies
    const r = t.reshape(6);
    expect(r.toFlatArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(r.data).not.toBe(x.data);
  });

  it('view refuses non-contiguous tensors', () => {
    expect(iota(2, 3).view(6).shape).toEqual([6]);
    expect(() => iota(2, 3).T.view(6)).toThrow(nn.ShapeError);
    expect(() => iota(2, 3).T.view(6)).toThrow(/view: the tensor of shape \[3, 2\] is not contiguous/);
  });

  it('errors name the from and to shapes', () => {
    expect(() => iota(2, 3).reshape(4)).toThrow(nn.ShapeError);
    expect(() => iota(2, 3).reshape(4)).toThrow(/reshape: cannot reshape a tensor of shape \[2, 3\] \(6 elements\) to \[4\]/);
    expect(() => iota(2, 3).reshape(-1, -1)).toThrow(/reshape: only one dimension can be -1, got \[-1, -1\]/);
    expect(() => iota(2, 3).reshape(-1, 4)).toThrow(/reshape: .*\[2, 3\].*\[-1, 4\]/);
  });

  it('gradients (contiguous and strided input)', () => {
    gradcheck('reshape', (x) => x.reshape(4, 3).mul(nn.arange(3, undefined, 1, { dtype: 'float64' })), [leaf([2, 6], 1)]);
    gradcheck('reshape of transpose', (x) => x.T.reshape(-1), [leaf([3, 4], 2)]);
    gradcheck('view', (x) => x.view(12).exp(), [leaf([3, 4], 3)]);
  });
});

describe('permute and transpose', () => {
  it('are views with permuted strides', () => {
    const x = iota(2, 3, 4);
    const p = x.permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.strides).toEqual([1, 12, 4]);
    expect(p.data).toBe(x.data);
    expect(p.isContiguous()).toBe(false);
    expect((p.toArray() as number[][][])[3][1][2]).toBe(1 * 12 + 2 * 4 + 3);
    expect(x.transpose(0, 2).shape).toEqual([4, 3, 2]);
    expect(x.transpose().shape).toEqual([2, 4, 3]);
    expect(iota(2, 3).T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(x.permute([0, 1, 2])).toBeAllClose(x);
  });

  it('errors', () => {
    expect(() => iota(2, 3).permute(0, 0)).toThrow(nn.ArgumentError);
    expect(() => iota(2, 3).permute(0, 0)).toThrow(/permute: axes \[0, 0\] are not a permutation of the 2 axes of a tensor of shape \[2, 3\]/);
    expect(() => iota(2, 3).permute(0)).toThrow(/permute/);
    expect(() => iota(2, 3).transpose(0, 2)).toThrow(/transpose: axis 2 is out of range/);
  });

  it('gradients', () => {
    gradcheck('permute', (x) => x.permute(1, 2, 0).mul(nn.arange(3, undefined, 1, { dtype: 'float64' })), [leaf([3, 4, 2], 1)]);
    gradcheck('transpose', (x) => x.transpose(0, 1).exp(), [leaf([3, 4], 2)]);
  });
});

describe('expand, squeeze, unsqueeze, flatten', () => {
  it('expand broadcasts size-1 axes with stride 0', () => {
    const x = nn.tensor([[1], [2]]);
    const e = x.expand(2, 3);
    expect(e.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(e.strides[1]).toBe(0);
    expect(e.data).toBe(x.data);
    expect(x.expand(4, -1, 2).shape).toEqual([4, 2, 2]);
    expect(() => x.expand(3, 3)).toThrow(nn.ShapeError);
    expect(() => x.expand(3, 3)).toThrow(/expand: cannot expand shape \[2, 1\] to \[3, 3\]/);
    expect(() => x.expand(2)).toThrow(/expand: cannot expand shape \[2, 1\] to fewer axes \[2\]/);
    gradcheck('expand', (t) => t.expand(2, 3, 4), [leaf([3, 1], 1)]);
  });

  it('squeeze and unsqueeze', () => {
    const x = nn.zeros([1, 3, 1, 2]);
    expect(x.squeeze().shape).toEqual([3, 2]);
    expect(x.squeeze(2).shape).toEqual([1, 3, 2]);
    expect(x.squeeze(1).shape).toEqual([1, 3, 1, 2]); // not size 1: unchanged, like torch
    expect(x.unsqueeze(0).shape).toEqual([1, 1, 3, 1, 2]);
    expect(x.unsqueeze(-1).shape).toEqual([1, 3, 1, 2, 1]);
    expect(iota(2, 3).unsqueeze(1).toArray()).toEqual([[[0, 1, 2]], [[3, 4, 5]]]);
    expect(iota(2, 3).T.unsqueeze(1).toArray()).toEqual([[[0, 3]], [[1, 4]], [[2, 5]]]);
    expect(() => x.unsqueeze(6)).toThrow(/unsqueeze: axis 6 is out of range for a tensor of rank 5/);
    expect(() => x.squeeze(4)).toThrow(/squeeze: axis 4/);
    gradcheck('squeeze', (t) => t.squeeze().exp(), [leaf([1, 3, 1], 1)]);
    gradcheck('unsqueeze', (t) => t.unsqueeze(1).expand(3, 2, 4), [leaf([3, 4], 2)]);
  });

  it('flatten merges a range of axes', () => {
    const x = iota(2, 3, 4);
    expect(x.flatten().shape).toEqual([24]);
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.flatten(0, 1).shape).toEqual([6, 4]);
    expect(nn.scalar(3).flatten().shape).toEqual([1]);
    expect(x.permute(2, 1, 0).flatten(1).toArray()).toEqual((x.permute(2, 1, 0).toArray() as number[][][]).map((r) => r.flat()));
    expect(() => x.flatten(2, 1)).toThrow(/flatten: start axis 2 comes after end axis 1/);
    gradcheck('flatten', (t) => t.flatten(1).exp(), [leaf([2, 3, 2], 3)]);
  });
});

describe('slice, narrow, select', () => {
  it('basic indexing like NumPy: numbers drop axes, [start, end, step] slices, null keeps', () => {
    const x = iota(4, 5);
    expect(x.slice(1).toArray()).toEqual([5, 6, 7, 8, 9]);
    expect(x.slice(-1, [1, 3]).toArray()).toEqual([16, 17]);
    expect(x.slice(null, [0, 5, 2]).toArray()).toEqual([[0, 2, 4], [5, 7, 9], [10, 12, 14], [15, 17, 19]]);
    expect(x.slice([1, -1], [-2]).toArray()).toEqual([[8, 9], [13, 14]]);
    expect(x.slice([1, null as unknown as number]).shape).toEqual([3, 5]); // null end means "to the end"
    expect(x.slice([3, 1]).shape).toEqual([0, 5]); // empty, like x[3:1]
    expect(x.slice([-100, 100]).shape).toEqual([4, 5]); // clamped
    expect(x.slice(2, 3).shape).toEqual([]);
    expect(x.slice(2, 3).item()).toBe(13);
    const s = x.slice([0, 4, 3], [1, 5, 2]);
    expect(s.toArray()).toEqual([[1, 3], [16, 18]]);
    expect(s.data).toBe(x.data);
    expect(s.strides).toEqual([15, 2]);
    expect(s.slice(1, 1).item()).toBe(18); // slice of a slice
  });

  it('narrow and select', () => {
    const x = iota(3, 4);
    expect(x.narrow(1, 1, 2).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(x.narrow(0, 2, 1).toArray()).toEqual([[8, 9, 10, 11]]);
    expect(x.select(1, 2).toArray()).toEqual([2, 6, 10]);
    expect(x.select(0, -1).toArray()).toEqual([8, 9, 10, 11]);
    expect(x.T.select(0, 1).toArray()).toEqual([1, 5, 9]);
  });

  it('errors name the op, index and shape', () => {
    const x = iota(3, 4);
    expect(() => x.slice(3)).toThrow(nn.ShapeError);
    expect(() => x.slice(3)).toThrow(/slice: index 3 is out of range for axis 0 of size 3 \(shape \[3, 4\]\)/);
    expect(() => x.slice(0, 0, 0)).toThrow(/slice: 3 indices for a tensor of shape \[3, 4\]/);
    expect(() => x.slice([0, 3, 0])).toThrow(nn.ArgumentError);
    expect(() => x.slice([0, 3, -1])).toThrow(/slice: step must be a positive integer, got -1/);
    expect(() => x.narrow(1, 3, 2)).toThrow(/narrow: \[3, 5\) is outside axis 1 of size 4 \(shape \[3, 4\]\)/);
    expect(() => x.select(1, 4)).toThrow(/select: index 4 is out of range for axis 1 of size 4 \(shape \[3, 4\]\)/);
    expect(() => x.select(2, 0)).toThrow(/select: axis 2 is out of range/);
  });

  it('gradients scatter into zeros', () => {
    const x = nn.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    x.slice(null, [0, 3, 2]).sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, 0, 1], [1, 0, 1]]);
    gradcheck('slice step', (t) => t.slice([1, 4], [0, 5, 2]), [leaf([4, 5], 1)]);
    gradcheck('slice index', (t) => t.slice(-1, [1, 3]), [leaf([4, 5], 2)]);
    gradcheck('narrow', (t) => t.narrow(1, 1, 3).exp(), [leaf([4, 5], 3)]);
    gradcheck('select', (t) => t.select(0, 2), [leaf([4, 5], 4)]);
    gradcheck('slice of transpose', (t) => t.T.slice([0, 5, 2]), [leaf([4, 5], 5)]);
  });
});

describe('concat and stack', () => {
  it('concat joins along an existing axis, promoting the dtype', () => {
    const a = nn.tensor([[1, 2], [3, 4]]), b = nn.tensor([[5, 6]]);
    expect(nn.concat([a, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(nn.concat([a, a.T], 1).toArray()).toEqual([[1, 2, 1, 3], [3, 4, 2, 4]]);
    expect(nn.concat([a, nn.zeros([2, 0])], -1).shape).toEqual([2, 2]);
    expect(nn.concat([a, a.double()]).dtype).toBe('float64');
    expect(nn.concat([nn.tensor([1], { dtype: 'int32' }), nn.tensor([2], { dtype: 'int32' })]).dtype).toBe('int32');
    expect(() => nn.concat([a, nn.zeros([3, 3])], 0)).toThrow(nn.ShapeError);
    expect(() => nn.concat([a, nn.zeros([3, 3])], 0)).toThrow(/concat: shapes \[2, 2\], \[3, 3\] differ outside axis 0/);
    expect(() => nn.concat([])).toThrow(nn.ArgumentError);
    gradcheck('concat', (x, y, z) => nn.concat([x, y, z], 1), [leaf([2, 3], 1), leaf([2, 1], 2), leaf([2, 2], 3)]);
  });

  it('stack joins along a new axis', () => {
    const a = nn.tensor([1, 2]), b = nn.tensor([3, 4]);
    expect(nn.stack([a, b]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(nn.stack([a, b], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(nn.stack([a, b], -1).shape).toEqual([2, 2]);
    expect(() => nn.stack([a, nn.zeros([3])])).toThrow(/stack: all tensors need the same shape, got \[2\], \[3\]/);
    gradcheck('stack', (x, y) => nn.stack([x, y], 1), [leaf([2, 3], 1), leaf([2, 3], 2)]);
  });
});

describe('pad', () => {
  it('pads with a constant from the first axis', () => {
    const x = nn.tensor([[1, 2], [3, 4]]);
    expect(nn.pad(x, [[1, 0], [0, 1]], 9).toArray()).toEqual([[9, 9, 9], [1, 2, 9], [3, 4, 9]]);
    expect(nn.pad(x, [[0, 0], [2, 1]]).toArray()).toEqual([[0, 0, 1, 2, 0], [0, 0, 3, 4, 0]]);
    expect(nn.pad(x, [[1, 1]]).shape).toEqual([4, 2]);
    expect(nn.pad(x.T, [[0, 1]]).toArray()).toEqual([[1, 3], [2, 4], [0, 0]]);
    expect(() => nn.pad(x, [[0, 0], [0, 0], [1, 1]])).toThrow(/pad: 3 pad pairs for a tensor of shape \[2, 2\]/);
    expect(() => nn.pad(x, [[-1, 0]])).toThrow(nn.ArgumentError);
    gradcheck('pad', (t) => nn.pad(t, [[1, 2], [0, 3]], 0.5).exp(), [leaf([2, 3], 1)]);
  });
});

describe('cast', () => {
  it('converts dtypes; to int32 truncates toward zero', () => {
    const x = nn.tensor([1.7, -1.7, 2.5]);
    expect(x.int().toFlatArray()).toEqual([1, -1, 2]);
    expect(x.int().dtype).toBe('int32');
    expect(nn.cast(x, 'float64').dtype).toBe('float64');
    expect(x.float()).toBe(x);
    expect(x.T.double().toFlatArray()).toEqual(Array.from(Float32Array.of(1.7, -1.7, 2.5)));
    const d = nn.tensor([0.1], { dtype: 'float64' });
    expect(d.float().item()).toBe(Math.fround(0.1));
  });

  it('carries gradients between float dtypes (float32 ↔ float64)', () => {
    // A float32 round trip: a larger step keeps float32 rounding out of the central differences.
    gradcheck('cast', (t) => t.float().double().mul(t), [leaf([2, 3], 1)], { eps: 1e-2, atol: 1e-4, rtol: 1e-3 });
    const x = nn.tensor([1, 2], { requiresGrad: true });
    x.double().mul(3).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad).toBeAllClose([3, 3]);
  });
});
