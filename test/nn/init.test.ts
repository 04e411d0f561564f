import { describe, it, expect } from 'vitest';
import { init, Generator, Tensor, zeros, ones, manualSeed, randn, ArgumentError } from '../../src';

function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
  const v = t.toFlatArray();
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  return { mean, std: Math.sqrt(variance), maxAbs: Math.max(...v.map(Math.abs)) };
}

describe('computeFans and calculateGain', () => {
  it('match PyTorch', () => {
    expect(init.computeFans(zeros([256, 784]))).toEqual({ fanIn: 784, fanOut: 256 });
    expect(init.computeFans(zeros([16, 3, 5, 5]))).toEqual({ fanIn: 75, fanOut: 400 });
    expect(init.computeFans([8, 4, 3])).toEqual({ fanIn: 12, fanOut: 24 });
    expect(() => init.computeFans(zeros([5]))).toThrow('computeFans: fan in and fan out need a tensor with at least 2 axes, got shape [5]');
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(init.calculateGain('leaky_relu')).toBeCloseTo(1.4141428569978354, 15); // √(2/(1 + 0.01²))
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('swish' as never)).toThrow("calculateGain: unknown nonlinearity 'swish'");
  });
});

describe('fill initialisers', () => {
  it('fill in place and return the tensor', () => {
    const t = zeros([2, 3]);
    expect(init.constant_(t, 2.5)).toBe(t);
    expect(t).toBeAllClose(new Array(6).fill(2.5));
    expect(init.ones_(t)).toBeAllClose(new Array(6).fill(1));
    expect(init.zeros_(t)).toBeAllClose(new Array(6).fill(0));
  });
  it('write through non-contiguous views', () => {
    const t = zeros([2, 3]);
    init.constant_(t.T.slice(null, 0), 7); // column 0 of the transposed view = row 0
    expect(t).toBeAllClose([[7, 7, 7], [0, 0, 0]]);
  });
  it('uniform_ and normal_ have the asked range and moments', () => {
    const u = init.uniform_(zeros([20000]), -2, 3, new Generator(1));
    const su = stats(u);
    expect(Math.min(...u.toFlatArray())).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.toFlatArray())).toBeLessThan(3);
    expect(su.mean).toBeCloseTo(0.5, 1);
    expect(su.std).toBeCloseTo(5 / Math.sqrt(12), 1);
    const n = stats(init.normal_(zeros([20000]), 1, 0.5, new Generator(2)));
    expect(n.mean).toBeCloseTo(1, 1);
    expect(n.std).toBeCloseTo(0.5, 1);
    expect(() => init.uniform_(zeros([2]), 1, 0)).toThrow(ArgumentError);
    expect(() => init.normal_(zeros([2]), 0, -1)).toThrow('normal_: std must be ≥ 0, got -1');
  });
  it('do not enter the graph of a parameter', () => {
    const w = randn([3, 3], { requiresGrad: true });
    init.uniform_(w, -1, 1);
    expect(w.isLeaf).toBe(true);
    expect(w.requiresGrad).toBe(true);
  });
});

describe('Xavier and Kaiming', () => {
  it('use the PyTorch bounds and standard deviations', () => {
    const g = new Generator(3);
    // xavier uniform bound = gain·√(6/(fanIn + fanOut)) = √(6/400) for [100, 300]
    const xu = stats(init.xavierUniform_(zeros([100, 300]), 1, g));
    expect(xu.maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 400));
    expect(xu.maxAbs).toBeGreaterThan(0.99 * Math.sqrt(6 / 400));
    expect(stats(init.xavierUniform_(zeros([100, 300]), 2, g)).maxAbs).toBeGreaterThan(0.99 * 2 * Math.sqrt(6 / 400));
    // xavier normal std = gain·√(2/(fanIn + fanOut))
    expect(stats(init.xavierNormal_(zeros([100, 300]), 1, g)).std).toBeCloseTo(Math.sqrt(2 / 400), 2);
    // kaiming uniform (default leaky_relu, a = 0 → gain √2): bound = √2·√(3/fanIn)
    const ku = stats(init.kaimingUniform_(zeros([200, 50]), { generator: g }));
    expect(ku.maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 50));
    expect(ku.maxAbs).toBeGreaterThan(0.99 * Math.sqrt(6 / 50));
    // a = √5 gives Linear's bound 1/√fanIn
    expect(stats(init.kaimingUniform_(zeros([200, 50]), { a: Math.sqrt(5), generator: g })).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(50));
    // kaiming normal, relu, fanOut on a conv weight [64, 3, 3, 3]: std = √2/√(64·9)
    const kn = stats(init.kaimingNormal_(zeros([64, 3, 3, 3]), { mode: 'fanOut', nonlinearity: 'relu', generator: g }));
    expect(kn.std).toBeCloseTo(Math.SQRT2 / Math.sqrt(576), 2);
    expect(() => init.kaimingNormal_(zeros([4]), {})).toThrow('computeFans');
    expect(() => init.kaimingNormal_(zeros([2, 2]), { mode: 'fan_in' as never })).toThrow("kaimingNormal_: mode must be 'fanIn' or 'fanOut'");
  });
  it('are reproducible through manualSeed', () => {
    manualSeed(11);
    const a = init.kaimingNormal_(zeros([5, 4]));
    manualSeed(11);
    const b = init.kaimingNormal_(zeros([5, 4]));
    expect(a).toBeAllClose(b);
    expect(init.xavierUniform_(ones([3, 3]), 1, new Generator(9))).toBeAllClose(init.xavierUniform_(zeros([3, 3]), 1, new Generator(9)));
  });
});
