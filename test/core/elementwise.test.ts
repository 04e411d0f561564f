import { describe, it, expect } from 'vitest';
import * as nn from '../../src';
import { erf } from '../../src/kernels/elementwise';
import { gradcheck, leaf } from '../helpers/gradcheck';

const f64 = (v: nn.NestedArray) => nn.tensor(v, { dtype: 'float64' });
// Reference values below marked "torch" were computed once with PyTorch 1.13 in float64.
const X = [-2.5, -1, -0.3, 0, 0.4, 1, 2.2];
const P = [0.1, 0.5, 1, 2, 7.5];
const awayFrom0 = (v: number) => Math.abs(v) < 0.05;

describe('binary arithmetic', () => {
  it('add, sub, mul, div give hand-computed values', () => {
    const a = nn.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = nn.tensor([[6, 5, 4], [3, 2, 1]]);
    expect(a.add(b)).toBeAllClose(nn.tensor([[7, 7, 7], [7, 7, 7]]));
    expect(a.sub(b)).toBeAllClose(nn.tensor([[-5, -3, -1], [1, 3, 5]]));
    expect(a.mul(b)).toBeAllClose(nn.tensor([[6, 10, 12], [12, 10, 6]]));
    expect(a.div(b)).toBeAllClose(nn.tensor([[1 / 6, 2 / 5, 3 / 4], [4 / 3, 5 / 2, 6]]));
    expect(a.add(1.5)).toBeAllClose([[2.5, 3.5, 4.5], [5.5, 6.5, 7.5]]);
    expect(nn.sub(10, a)).toBeAllClose([[9, 8, 7], [6, 5, 4]]);
    expect(nn.div(1, a)).toBeAllClose([[1, 1 / 2, 1 / 3], [1 / 4, 1 / 5, 1 / 6]]);
    expect(a.neg()).toBeAllClose([[-1, -2, -3], [-4, -5, -6]]);
    expect(a.square()).toBeAllClose([[1, 4, 9], [16, 25, 36]]);
    expect(nn.tensor([1, -1, 0]).div(0).toFlatArray()).toEqual([Infinity, -Infinity, NaN]);
  });

  it('gradients of add, sub, mul, div, neg', () => {
    gradcheck('add', (a, b) => a.add(b), [leaf([3, 4], 1), leaf([3, 4], 2)]);
    gradcheck('sub', (a, b) => a.sub(b), [leaf([3, 4], 1), leaf([3, 4], 2)]);
    gradcheck('mul', (a, b) => a.mul(b), [leaf([3, 4], 1), leaf([3, 4], 2)]);
    gradcheck('div', (a, b) => a.div(b), [leaf([3, 4], 1), leaf([3, 4], 2, 1, awayFrom0)]);
    gradcheck('neg', (a) => a.neg(), [leaf([3, 4], 1)]);
    gradcheck('square', (a) => a.square(), [leaf([3, 4], 1)]);
    gradcheck('scalar on the left', (a) => nn.div(2, a).add(nn.sub(3, a)), [leaf([5], 3, 1, awayFrom0)]);
  });

  it('broadcast like NumPy, and reduce gradients back to each input shape', () => {
    const a = nn.tensor([[1], [2], [3]]); // [3, 1]
    const b = nn.tensor([10, 20]); // [2]
    const c = a.add(b);
    expect(c.shape).toEqual([3, 2]);
    expect(c).toBeAllClose(nn.tensor([[11, 21], [12, 22], [13, 23]]));
    expect(nn.ones([2, 1, 4]).mul(nn.ones([3, 1])).shape).toEqual([2, 3, 4]);
    expect(nn.ones([0, 3]).add(nn.ones([3])).shape).toEqual([0, 3]);

    const shapes: [number[], number[]][] = [
      [[2, 3, 4], [4]], [[2, 3, 4], [3, 1]], [[2, 1, 4], [3, 1]], [[1, 3, 1], [2, 1, 4]], [[2, 3], []],
    ];
    for (const [sa, sb] of shapes) {
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) {
        const avoid = op === 'div' ? awayFrom0 : undefined;
        gradcheck(`${op} ${JSON.stringify(sa)} with ${JSON.stringify(sb)}`, (x, y) => x[op](y), [leaf(sa, 1), leaf(sb, 2, 1, avoid)]);
      }
    }
    const x = leaf([2, 3], 1), y = leaf([3], 2);
    x.mul(y).sum().backward();
    expect(x.grad!.shape).toEqual([2, 3]);
    expect(y.grad!.shape).toEqual([3]);
    expect(y.grad).toBeAllClose(x.sum(0));
  });

  it('broadcasting failure throws a ShapeError naming the op and both shapes', () => {
    expect(() => nn.ones([2, 3]).add(nn.ones([4]))).toThrow(nn.ShapeError);
    expect(() => nn.ones([2, 3]).add(nn.ones([4]))).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
    expect(() => nn.ones([2, 3]).mul(nn.ones([3, 2]))).toThrow(/mul: shapes \[2, 3\] and \[3, 2\]/);
    expect(() => nn.ones([5]).maximum(nn.ones([2]))).toThrow(/maximum: shapes \[5\] and \[2\]/);
    expect(() => nn.ones([2, 2]).lt(nn.ones([3]))).toThrow(/lt: shapes \[2, 2\] and \[3\]/);
    expect(() => nn.where(nn.ones([2]), nn.ones([3]), 0)).toThrow(/where: shapes \[2\] and \[3\]/);
  });

  it('result dtypes: the wider operand wins; int32 division and pow give float32', () => {
    const i = nn.tensor([1, 2, 3], { dtype: 'int32' });
    expect(i.add(i).dtype).toBe('int32');
    expect(i.mul(2).dtype).toBe('int32');
    expect(i.add(0.5).dtype).toBe('float32');
    expect(i.add(0.5)).toBeAllClose([1.5, 2.5, 3.5]);
    expect(i.div(2).dtype).toBe('float32');
    expect(i.div(2)).toBeAllClose([0.5, 1, 1.5]);
    expect(i.pow(2).dtype).toBe('float32');
    expect(i.add(nn.ones([3])).dtype).toBe('float32');
    expect(nn.ones([3]).add(nn.ones([3], { dtype: 'float64' })).dtype).toBe('float64');
    expect(i.neg().dtype).toBe('int32');
    expect(i.exp().dtype).toBe('float32');
    expect(nn.tensor([1, 2, 3]).add(nn.tensor([0.1, 0.2, 0.3], { dtype: 'float64' }))).toBeAllClose([1.1, 2.2, 3.3], { rtol: 1e-7 });
  });
});

describe('pow', () => {
  it('tensor ** tensor, tensor ** number, number ** tensor (torch reference values)', () => {
    expect(f64(P).pow(f64([2, -1, 0.5, 3, 1.5]))).toBeAllClose([0.01, 2, 1, 8, 20.53959590644373], { rtol: 1e-12 });
    expect(f64(X).pow(3)).toBeAllClose([-15.625, -1, -0.027, 0, 0.064, 1, 10.648], { rtol: 1e-12 });
    expect(nn.pow(2, f64(X))).toBeAllClose(
      [0.1767766952966369, 0.5, 0.8122523963562356, 1, 1.3195079107728942, 2, 4.59479341998814], { rtol: 1e-12 });
    expect(nn.tensor([-8, 4]).pow(0.5).toFlatArray()[0]).toBeNaN();
  });

  it('gradients with respect to base and exponent', () => {
    const positive = (v: number) => v < 0.2;
    gradcheck('pow base and exponent', (a, b) => a.pow(b), [leaf([3, 4], 1, 1, positive), leaf([3, 4], 2)]);
    gradcheck('pow scalar exponent', (a) => a.pow(3), [leaf([3, 4], 1)]);
    gradcheck('pow fractional exponent', (a) => a.pow(-1.5), [leaf([3, 4], 1, 1, positive)]);
    gradcheck('pow scalar base', (b) => nn.pow(2.5, b), [leaf([3, 4], 2)]);
    gradcheck('pow broadcast exponent', (a, b) => a.pow(b), [leaf([3, 4], 1, 1, positive), leaf([4], 2)]);
  });

  it('x^0 has gradient 0 at x = 0, and the exponent gradient is 0 at base 0 (PyTorch)', () => {
    const x = nn.tensor([0, 2], { requiresGrad: true });
    x.pow(0).sum().backward();
    expect(x.grad).toBeAllClose([0, 0]);
    const e = nn.tensor([2, 2], { requiresGrad: true });
    nn.tensor([0, 2]).pow(e).sum().backward();
    expect(e.grad).toBeAllClose([0, 4 * Math.log(2)]);
  });
});

describe('unary functions (torch reference values, float64)', () => {
  const cases: [string, (x: nn.Tensor) => nn.Tensor, number[], number[]][] = [
    ['exp', (x) => x.exp(), X, [0.0820849986238988, 0.36787944117144233, 0.7408182206817179, 1, 1.4918246976412703, 2.718281828459045, 9.025013499434122]],
    ['log', (x) => x.log(), P, [-2.3025850929940455, -0.6931471805599453, 0, 0.6931471805599453, 2.0149030205422647]],
    ['sqrt', (x) => x.sqrt(), P, [0.31622776601683794, 0.7071067811865476, 1, 1.4142135623730951, 2.7386127875258306]],
    ['abs', (x) => x.abs(), X, [2.5, 1, 0.3, 0, 0.4, 1, 2.2]],
    ['sigmoid', (x) => x.sigmoid(), X, [0.07585818002124355, 0.2689414213699951, 0.425557483188341, 0.5, 0.598687660112452, 0.7310585786300049, 0.9002495108803148]],
    ['tanh', (x) => x.tanh(), X, [-0.9866142981514303, -0.7615941559557649, -0.2913126124515909, 0, 0.3799489622552249, 0.7615941559557649, 0.9757431300314515]],
    ['relu', (x) => x.relu(), X, [0, 0, 0, 0, 0.4, 1, 2.2]],
    ['leakyRelu', (x) => nn.leakyRelu(x), X, [-0.025, -0.01, -0.003, 0, 0.4, 1, 2.2]],
    ['leakyRelu 0.2', (x) => nn.leakyRelu(x, 0.2), X, [-0.5, -0.2, -0.06, 0, 0.4, 1, 2.2]],
    ['elu', (x) => nn.elu(x), X, [-0.9179150013761012, -0.6321205588285577, -0.2591817793182821, 0, 0.4, 1, 2.2]],
    ['elu 0.5', (x) => nn.elu(x, 0.5), X, [-0.4589575006880506, -0.31606027941427883, -0.12959088965914106, 0, 0.4, 1, 2.2]],
    ['gelu', (x) => nn.gelu(x), X, [-0.015524163314440398, -0.15865525393145702, -0.1146265733433142, 0, 0.2621686966441297, 0.841344746068543, 2.1694124154703034]],
  ];
  for (const [name, fn, input, expected] of cases) {
    it(`${name}: values`, () => {
      const y = fn(f64(input));
      expect(y.dtype).toBe('float64');
      expect(y).toBeAllClose(expected, { rtol: 1e-12, atol: 1e-15 });
      // float32 gives the same values to float32 precision.
      expect(fn(nn.tensor(input))).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-7 });
    });
  }

  it('gradients of every unary function', () => {
    const kink = (v: number) => Math.abs(v) < 0.05; // keep central differences off the kink at 0
    const positive = (v: number) => v < 0.2;
    gradcheck('exp', (x) => x.exp(), [leaf([3, 5], 1)]);
    gradcheck('log', (x) => x.log(), [leaf([3, 5], 2, 1, positive)]);
    gradcheck('sqrt', (x) => x.sqrt(), [leaf([3, 5], 3, 1, positive)]);
    gradcheck('abs', (x) => x.abs(), [leaf([3, 5], 4, 1, kink)]);
    gradcheck('sigmoid', (x) => x.sigmoid(), [leaf([3, 5], 5, 3)]);
    gradcheck('tanh', (x) => x.tanh(), [leaf([3, 5], 6, 2)]);
    gradcheck('relu', (x) => x.relu(), [leaf([3, 5], 7, 1, kink)]);
    gradcheck('leakyRelu', (x) => nn.leakyRelu(x, 0.1), [leaf([3, 5], 8, 1, kink)]);
    gradcheck('elu', (x) => nn.elu(x, 1.3), [leaf([3, 5], 9, 1, kink)]);
    gradcheck('gelu', (x) => nn.gelu(x), [leaf([3, 5], 10, 2)]);
  });

  it('gradients at 0 follow PyTorch: abs 0, relu 0, leakyRelu slope, elu alpha', () => {
    const grad = (fn: (x: nn.Tensor) => nn.Tensor) => {
      const x = nn.tensor([0], { requiresGrad: true, dtype: 'float64' });
      fn(x).sum().backward();
      return x.grad!.item();
    };
    expect(grad((x) => x.abs())).toBe(0);
    expect(grad((x) => x.relu())).toBe(0);
    expect(grad((x) => nn.leakyRelu(x, 0.1))).toBeCloseTo(0.1, 12);
    expect(grad((x) => nn.elu(x, 0.7))).toBeCloseTo(0.7, 12);
    expect(grad((x) => nn.gelu(x))).toBeCloseTo(0.5, 12);
    expect(grad((x) => x.sigmoid())).toBeCloseTo(0.25, 12);
  });

  it('gelu uses the exact erf form', () => {
    const y = nn.gelu(f64([1, -0.5]));
    expect(y).toBeAllClose([0.8413447460685429, -0.15426876936299344], { rtol: 0, atol: 1e-15 });
  });

  it('erf matches known values to 1e-12', () => {
    const known: [number, number][] = [
      [0, 0], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
      [2, 0.9953222650189527], [-3, -0.9999779095030014], [3.5, 0.9999992569016276], [-0.25, -0.2763263901682369],
    ];
    for (const [x, v] of known) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-12);
    expect(erf(10)).toBe(1);
    expect(erf(-40)).toBe(-1);
  });

  it('sigmoid is stable for large |x|; exp/log handle the edges', () => {
    expect(f64([-800, -40, 40, 800]).sigmoid()).toBeAllClose([0, 4.248354255291589e-18, 1, 1], { rtol: 1e-12, atol: 0 });
    expect(nn.tensor([-1000, 1000]).tanh()).toBeAllClose([-1, 1]);
    expect(nn.tensor([0, -1]).log().toFlatArray()).toEqual([-Infinity, NaN]);
    expect(nn.tensor([1000]).exp().item()).toBe(Infinity);
  });
});

describe('maximum and minimum', () => {
  it('values, NaN propagation', () => {
    const a = nn.tensor([1, 5, 3, NaN]), b = nn.tensor([4, 2, 3, 0]);
    expect(a.maximum(b)).toBeAllClose([4, 5, 3, NaN]);
    expect(a.minimum(b)).toBeAllClose([1, 2, 3, NaN]);
    expect(nn.tensor([-1, 2]).maximum(0)).toBeAllClose([0, 2]);
  });

  it('ties split the gradient 0.5 / 0.5, as in PyTorch', () => {
    for (const op of ['maximum', 'minimum'] as const) {
      const a = nn.tensor([1, 2, 7], { requiresGrad: true });
      const b = nn.tensor([1, 3, 5], { requiresGrad: true });
      a[op](b).sum().backward();
      expect(a.grad).toBeAllClose(op === 'maximum' ? [0.5, 0, 1] : [0.5, 1, 0]);
      expect(b.grad).toBeAllClose(op === 'maximum' ? [0.5, 1, 0] : [0.5, 0, 1]);
    }
    // Central differences at a tie also give 0.5.
    const tie = nn.tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
    const other = nn.tensor([0.5, -1, 1], { dtype: 'float64', requiresGrad: true });
    gradcheck('maximum at ties', (a, b) => a.maximum(b), [tie, other]);
    gradcheck('minimum at ties', (a, b) => a.minimum(b), [tie, other]);
  });
});

describe('where and clamp', () => {
  it('where picks a where cond ≠ 0, broadcasting all three', () => {
    const cond = nn.tensor([1, 0, 1]);
    expect(nn.where(cond, nn.tensor([[1], [2]]), 0)).toBeAllClose([[1, 0, 1], [2, 0, 2]]);
    expect(nn.where(nn.tensor([0, 1]), 5, nn.tensor([7, 8]))).toBeAllClose([7, 5]);
    const x = leaf([3, 4], 1), y = leaf([4], 2);
    const mask = leaf([3, 4], 3).gt(0);
    gradcheck('where', (a, b) => nn.where(mask, a, b), [x, y]);
    gradcheck('where scalar branch', (a) => nn.where(mask, a, 0.5), [x]);
  });

  it('clamp: values (torch semantics) and a gradient of 1 inside, 0 outside', () => {
    const x = nn.tensor([-3, -1, 0, 1, 3, NaN]);
    expect(x.clamp(-1, 1)).toBeAllClose([-1, -1, 0, 1, 1, NaN]);
    expect(x.clamp(0)).toBeAllClose([0, 0, 0, 1, 3, NaN]);
    expect(x.clamp(undefined, 0)).toBeAllClose([-3, -1, 0, 0, 0, NaN]);
    expect(nn.clamp(nn.tensor([0.5, 1.5, 3]), 2, 1)).toBeAllClose([1, 1, 1]); // min > max: all max, like torch.clamp
    const g = nn.tensor([-3, -1, 0, 1, 3], { requiresGrad: true });
    g.clamp(-1, 1).sum().backward();
    expect(g.grad).toBeAllClose([0, 1, 1, 1, 0]); // boundaries included, like torch
    gradcheck('clamp', (a) => a.clamp(-0.5, 0.7), [leaf([4, 5], 4, 1, (v) => Math.abs(v + 0.5) < 0.02 || Math.abs(v - 0.7) < 0.02)]);
  });
});

describe('comparisons', () => {
  it('give float32 0/1 masks without gradient', () => {
    const a = nn.tensor([1, 2, 3], { requiresGrad: true });
    const cmp = {
      eq: [0, 1, 0], ne: [1, 0, 1], lt: [1, 0, 0], le: [1, 1, 0], gt: [0, 0, 1], ge: [0, 1, 1],
    } as const;
    for (const [op, expected] of Object.entries(cmp) as [keyof typeof cmp, readonly number[]][]) {
      const m = a[op](2);
      expect(m.dtype).toBe('float32');
      expect(m.requiresGrad).toBe(false);
      expect(m.toFlatArray()).toEqual(expected);
    }
    expect(nn.tensor([NaN]).eq(nn.tensor([NaN])).item()).toBe(0);
    expect(nn.tensor([[1], [2]]).lt(nn.tensor([2, 3])).toArray()).toEqual([[1, 1], [0, 1]]);
  });
});

describe('non-contiguous views', () => {
  const base = nn.arange(24, undefined, 1, { dtype: 'float64' }).reshape(4, 6).sub(11.5).div(4);
  const views: [string, nn.Tensor][] = [
    ['transposed', base.T],
    ['sliced with step', base.slice([0, 4, 2], [1, 6, 2])],
    ['expanded', base.select(0, 1).unsqueeze(0).expand(3, 6)],
    ['permuted 3-D', base.reshape(2, 3, 4).permute(2, 0, 1)],
    ['offset', base.narrow(0, 1, 2).narrow(1, 2, 3)],
  ];
  for (const [name, v] of views) {
    it(`${name}: ops give the same values as on a contiguous copy`, () => {
      const c = nn.tensor(v.values(), { shape: [...v.shape] });
      expect(c.isContiguous()).toBe(true);
      const unaryOps: ((t: nn.Tensor) => nn.Tensor)[] = [
        (t) => t.exp(), (t) => t.abs(), (t) => t.neg(), (t) => t.relu(), (t) => t.sigmoid(), (t) => t.tanh(),
        (t) => nn.gelu(t), (t) => nn.elu(t), (t) => t.clamp(-0.5, 0.5), (t) => t.mul(t), (t) => t.add(t.T.T),
        (t) => t.sub(v.select(0, 0)), (t) => t.maximum(0.25), (t) => t.gt(0),
      ];
      for (const op of unaryOps) expect(op(v)).toBeAllClose(op(c), { rtol: 0, atol: 0 });
    });
  }
});
