import { describe, it, expect } from 'vitest';
import { inspect } from 'node:util';
import * as nn from '../../src';
import * as M from '../../src/ops/movement';

describe('creation', () => {
  it('tensor() from nested arrays, numbers and typed arrays', () => {
    const t = nn.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.strides).toEqual([3, 1]);
    expect(t.dtype).toBe('float32');
    expect(t.size).toBe(6);
    expect(t.ndim).toBe(2);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(nn.tensor(7).shape).toEqual([]);
    expect(nn.tensor(7).item()).toBe(7);
    expect(nn.tensor([]).shape).toEqual([0]);
    expect(nn.tensor([[], []]).shape).toEqual([2, 0]);
    expect(nn.tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
    expect(nn.tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    const f64 = Float64Array.of(1, 2, 3, 4, 5, 6);
    const fromTyped = nn.tensor(f64, { shape: [3, 2] });
    expect(fromTyped.dtype).toBe('float64');
    expect(fromTyped.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(nn.tensor(f64, { dtype: 'int32' }).dtype).toBe('int32');
    expect(nn.tensor([1.5, 2.7], { dtype: 'int32' }).toFlatArray()).toEqual([1, 2]);
    expect(nn.tensor([1], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(nn.scalar(2.5, { dtype: 'float64' }).toArray()).toBe(2.5);
  });

  it('ragged or mis-shaped input throws a ShapeError naming the op', () => {
    expect(() => nn.tensor([[1, 2], [3]])).toThrow(nn.ShapeError);
    expect(() => nn.tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array \(expected 2 entries at depth 1, shape \[2, 2\]\)/);
    expect(() => nn.tensor([1, [2]] as nn.NestedArray)).toThrow(/tensor: ragged nested array \(expected a number at depth 1/);
    expect(() => nn.tensor([[1], 2] as nn.NestedArray)).toThrow(nn.ShapeError);
    expect(() => nn.tensor([[], [1]])).toThrow(nn.ShapeError);
    expect(() => nn.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/tensor: 3 values cannot have shape \[2, 2\]/);
    expect(() => nn.tensor(Float32Array.of(1, 2, 3), { shape: [2, 2] })).toThrow(nn.ShapeError);
  });

  it('zeros, ones, full, eye', () => {
    expect(nn.zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(nn.ones([2], { dtype: 'int32' }).toArray()).toEqual([1, 1]);
    expect(nn.ones([2], { dtype: 'int32' }).dtype).toBe('int32');
    expect(nn.full([2, 2], 7.5, { dtype: 'float64' }).toArray()).toEqual([[7.5, 7.5], [7.5, 7.5]]);
    expect(nn.full([], 3).shape).toEqual([]);
    expect(nn.zeros([0, 4]).size).toBe(0);
    expect(nn.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(nn.eye(0).shape).toEqual([0, 0]);
    expect(nn.zeros([2]).onesLike().toArray()).toEqual([1, 1]);
    expect(nn.ones([2], { dtype: 'float64' }).zerosLike().dtype).toBe('float64');
    expect(() => nn.zeros([2, -1])).toThrow(nn.ArgumentError);
    expect(() => nn.zeros([2, -1])).toThrow(/full: invalid shape \[2, -1\]/);
    expect(() => nn.full([1.5], 0)).toThrow(/full: invalid shape \[1.5\]/);
    expect(() => nn.eye(-1)).toThrow(/eye: n must be a non-negative integer, got -1/);
  });

  it('arange like np.arange, including negative and fractional steps', () => {
    expect(nn.arange(5).toFlatArray()).toEqual([0, 1, 2, 3, 4]);
    expect(nn.arange(2, 5).toFlatArray()).toEqual([2, 3, 4]);
    expect(nn.arange(1, 10, 3).toFlatArray()).toEqual([1, 4, 7]);
    expect(nn.arange(5, 0, -2).toFlatArray()).toEqual([5, 3, 1]);
    expect(nn.arange(1, 0, -0.25).toFlatArray()).toEqual([1, 0.75, 0.5, 0.25]);
    expect(nn.arange(0, 1, 0.25, { dtype: 'float64' }).toFlatArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(nn.arange(0, 0.3, 0.1, { dtype: 'float64' })).toBeAllClose([0, 0.1, 0.2], { rtol: 1e-15 }); // np.arange gives 3 values
    expect(nn.arange(0, 1, 0.1, { dtype: 'float64' }).size).toBe(10);
    expect(nn.arange(3, 3).size).toBe(0);
    expect(nn.arange(5, 0).size).toBe(0);
    expect(nn.arange(0, 4, 1, { dtype: 'int32' }).dtype).toBe('int32');
    expect(() => nn.arange(0, 1, 0)).toThrow(nn.ArgumentError);
    expect(() => nn.arange(0, 1, 0)).toThrow(/arange: step must be non-zero/);
  });

  it('linspace includes both endpoints exactly', () => {
    const t = nn.linspace(-1, 1, 5, { dtype: 'float64' });
    expect(t.toFlatArray()).toEqual([-1, -0.5, 0, 0.5, 1]);
    const u = nn.linspace(0.1, 0.7, 7, { dtype: 'float64' }).toFlatArray();
    expect(u[0]).toBe(0.1);
    expect(u[6]).toBe(0.7);
    expect(nn.linspace(0, 1, 11, { dtype: 'float64' })).toBeAllClose(Array.from({ length: 11 }, (_, i) => i / 10), { rtol: 1e-15, atol: 1e-16 });
    expect(nn.linspace(3, 3, 1).toFlatArray()).toEqual([3]);
    expect(nn.linspace(0, 1, 0).size).toBe(0);
    expect(nn.linspace(5, 1, 3).toFlatArray()).toEqual([5, 3, 1]);
    expect(() => nn.linspace(0, 1, -1)).toThrow(/linspace: num must be a non-negative integer, got -1/);
  });
});

describe('dtypes', () => {
  it('toDType, float, double, int', () => {
    const x = nn.tensor([1.25, -2.75]);
    expect(x.double().dtype).toBe('float64');
    expect(x.double().toFlatArray()).toEqual([1.25, -2.75]);
    expect(x.int().toFlatArray()).toEqual([1, -2]);
    expect(x.toDType('float32')).toBe(x);
    expect(nn.tensor([0.1]).item()).toBe(Math.fround(0.1)); // float32 storage
    expect(nn.tensor([0.1], { dtype: 'float64' }).item()).toBe(0.1);
    expect(nn.tensor([2 ** 31 + 5], { dtype: 'int32' }).item()).toBe(-(2 ** 31) + 5); // int32 wraps like a C cast
  });
});

describe('views and strides', () => {
  it('views share the buffer; writes through one are seen by the other', () => {
    const x = nn.arange(12).reshape(3, 4);
    const t = x.T;
    expect(t.strides).toEqual([1, 4]);
    expect(t.isContiguous()).toBe(false);
    const s = x.slice(1);
    expect(s.offset).toBe(4);
    expect(s.isContiguous()).toBe(true);
    x.data[5] = 100;
    expect((t.toArray() as number[][])[1][1]).toBe(100);
    expect(s.toArray()).toEqual([4, 100, 6, 7]);
  });

  it('contiguous() copies only when needed, keeping values and the graph', () => {
    const x = nn.arange(6).reshape(2, 3);
    expect(x.contiguous()).toBe(x);
    const t = x.T.contiguous();
    expect(t.isContiguous()).toBe(true);
    expect(t.strides).toEqual([2, 1]);
    expect(t.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    const g = nn.ones([2, 3], { requiresGrad: true });
    g.T.contiguous().mul(nn.tensor([[1, 2], [3, 4], [5, 6]])).sum().backward();
    expect(g.grad!.toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
  });

  it('size-1 axes and expanded axes', () => {
    const x = nn.ones([3, 1, 2]);
    expect(x.isContiguous()).toBe(true);
    const e = nn.tensor([[1, 2]]).expand(3, 2);
    expect(e.isContiguous()).toBe(false);
    expect(e.values()).toEqual(Float32Array.of(1, 2, 1, 2, 1, 2));
  });

  it('values() returns the row-major values (without a copy for contiguous views)', () => {
    const x = nn.arange(12).reshape(3, 4);
    const row = x.slice(2).values();
    expect(Array.from(row)).toEqual([8, 9, 10, 11]);
    expect(row.buffer).toBe(x.data.buffer);
    expect(Array.from(x.slice(null, [1, 4, 2]).values())).toEqual([1, 3, 5, 7, 9, 11]);
    expect(Array.from(x.T.values())).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  });
});

describe('reading values', () => {
  it('toArray, toFlatArray, item', () => {
    const x = nn.tensor([[1, 2], [3, 4]]);
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(x.T.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(x.toFlatArray()).toEqual([1, 2, 3, 4]);
    expect(x.slice(1, 0).item()).toBe(3);
    expect(x.slice([1, 2], [1, 2]).item()).toBe(4);
    expect(nn.zeros([1, 1, 1]).add(2).item()).toBe(2);
    expect(nn.zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(() => x.item()).toThrow(nn.ShapeError);
    expect(() => x.item()).toThrow(/item: only one-element tensors have an item, got shape \[2, 2\]/);
    expect(nn.isTensor(x)).toBe(true);
    expect(nn.isTensor([1])).toBe(false);
  });
});

describe('printing', () => {
  it('shows values, shape and dtype like PyTorch', () => {
    expect(String(nn.tensor([[1.5, -2, 3], [4, 5, 6]]))).toBe(
      'tensor([[ 1.5000, -2.0000,  3.0000],\n' +
      '        [ 4.0000,  5.0000,  6.0000]], shape=[2, 3], dtype=float32)',
    );
    expect(inspect(nn.tensor([[1.5, -2, 3], [4, 5, 6]]))).toBe(String(nn.tensor([[1.5, -2, 3], [4, 5, 6]])));
    expect(String(nn.scalar(3.25))).toBe('tensor(3.2500, shape=[], dtype=float32)');
    expect(String(nn.tensor([1, 2], { dtype: 'float64' }))).toBe('tensor([1., 2.], shape=[2], dtype=float64)');
    expect(String(nn.zeros([0]))).toBe('tensor([], shape=[0], dtype=float32)');
  });

  it('aligns columns; int32 without decimals', () => {
    const s = String(nn.tensor([[1, -200, 3], [40, 5, 6000]], { dtype: 'int32' }));
    expect(s).toBe(
      'tensor([[   1, -200,    3],\n' +
      '        [  40,    5, 6000]], shape=[2, 3], dtype=int32)',
    );
    expect(s).not.toMatch(/\./);
  });

  it('shows nan and inf', () => {
    expect(String(nn.tensor([1, NaN, Infinity, -Infinity]))).toBe('tensor([  1.,  nan,  inf, -inf], shape=[4], dtype=float32)');
    expect(String(nn.tensor([0.5, NaN]))).toBe('tensor([0.5000,    nan], shape=[2], dtype=float32)');
  });

  it('uses scientific notation for very small or large values', () => {
    expect(String(nn.tensor([1e-5, 1, 100]))).toBe('tensor([1.0000e-05, 1.0000e+00, 1.0000e+02], shape=[3], dtype=float32)');
    expect(String(nn.tensor([1.5e12, -2], { dtype: 'float64' }))).toBe('tensor([ 1.5000e+12, -2.0000e+00], shape=[2], dtype=float64)');
    expect(String(nn.tensor([1e-200], { dtype: 'float64' }))).toBe('tensor([1.0000e-200], shape=[1], dtype=float64)');
  });

  it('elides tensors over 1000 elements with ...', () => {
    const big = nn.arange(2000).reshape(40, 50);
    const s = inspect(big);
    expect(s).toContain('...');
    expect(s).toContain('shape=[40, 50], dtype=float32');
    const lines = s.split('\n');
    expect(lines.length).toBe(7); // 3 rows, "...", 3 rows
    expect(lines[0]).toBe('tensor([[   0.,    1.,    2., ...,   47.,   48.,   49.],');
    expect(lines[3].trim()).toBe('...,');
    expect(lines[6]).toBe('        [1950., 1951., 1952., ..., 1997., 1998., 1999.]], shape=[40, 50], dtype=float32)');
    expect(String(nn.arange(1000))).not.toContain('...'); // 1000 is not over the threshold
    expect(String(nn.arange(1001))).toBe('tensor([   0.,    1.,    2., ...,  998.,  999., 1000.], shape=[1001], dtype=float32)');
  });

  it('3-D tensors separate blocks with a blank line; gradient info is shown', () => {
    expect(String(nn.arange(8, undefined, 1, { dtype: 'int32' }).reshape(2, 2, 2))).toBe(
      'tensor([[[0, 1],\n' +
      '         [2, 3]],\n' +
      '\n' +
      '        [[4, 5],\n' +
      '         [6, 7]]], shape=[2, 2, 2], dtype=int32)',
    );
    const x = nn.tensor([1, 2], { requiresGrad: true });
    expect(String(x)).toBe('tensor([1., 2.], shape=[2], dtype=float32, requiresGrad=true)');
    expect(String(x.mul(2))).toBe('tensor([2., 4.], shape=[2], dtype=float32, gradFn=mul)');
    expect(String(nn.tensor([[1, 2], [3, 4]]).T)).toContain('[[1., 3.],');
  });
});

describe('PyTorch varargs shapes', () => {
  it('zeros, ones, rand and randn take zeros([2, 3]) and zeros(2, 3), with or without options', () => {
    expect(nn.zeros(2, 3).shape).toEqual([2, 3]);
    expect(nn.zeros([2, 3]).shape).toEqual([2, 3]);
    expect(nn.zeros(2, 3, { dtype: 'int32' }).dtype).toBe('int32');
    expect(nn.ones(4).toArray()).toEqual([1, 1, 1, 1]);
    expect(nn.ones(1, 2, { dtype: 'float64' }).dtype).toBe('float64');
    expect(nn.rand(3, 2).shape).toEqual([3, 2]);
    expect(nn.randn(5).shape).toEqual([5]);
    expect(nn.randn(2, 2, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(nn.zeros().shape).toEqual([]);
    expect(nn.zeros(2, 3).reshape(3, 2).view(6).expand(2, 6).permute(1, 0).shape).toEqual([6, 2]);
  });

  it('the functional forms take varargs too: nn.reshape(x, 2, 3), view, permute, expand', () => {
    const x = nn.arange(6);
    expect(nn.reshape(x, 2, 3).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(nn.reshape(x, [3, -1]).shape).toEqual([3, 2]);
    expect(nn.reshape(x, -1, 2).shape).toEqual([3, 2]);
    expect(M.view(x, 1, 6).shape).toEqual([1, 6]);
    expect(nn.permute(nn.reshape(x, 2, 3), 1, 0).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(nn.expand(nn.ones(1, 3), 2, 3).shape).toEqual([2, 3]);
    expect(() => nn.reshape(x, 4, 2)).toThrow(/reshape: .*\[4, 2\]/);
  });
});

describe('unknown dtypes', () => {
  it("throw DTypeError naming the op and the supported dtypes ('int64' hints at 'int32')", () => {
    const int64 = { dtype: 'int64' as unknown as nn.DType };
    expect(() => nn.zeros([2], int64)).toThrow(nn.DTypeError);
    expect(() => nn.tensor([0, 1], int64)).toThrow(/tensor: unsupported dtype 'int64'; nnlab supports 'float32', 'float64', 'int32'; use 'int32' for labels/);
    expect(() => nn.arange(3, undefined, 1, int64)).toThrow(/arange: unsupported dtype 'int64'/);
    expect(() => nn.randn([2], { dtype: 'float16' as unknown as nn.DType })).toThrow(/randn: unsupported dtype 'float16'; nnlab supports/);
    expect(() => nn.ones([2]).toDType('long' as unknown as nn.DType)).toThrow(/cast: unsupported dtype 'long'/);
    expect(() => nn.zeros([2], { dtype: 'toString' as unknown as nn.DType })).toThrow(nn.DTypeError);
  });
});
