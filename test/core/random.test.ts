import { describe, it, expect } from 'vitest';
import * as nn from '../../src';

const N = 100_000;

function stats(t: nn.Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.values();
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    s2 += v[i] * v[i];
    if (v[i] < min) min = v[i];
    if (v[i] > max) max = v[i];
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}

describe('Generator', () => {
  it('the same seed gives the same stream; different seeds differ', () => {
    const a = new nn.Generator(42), b = new nn.Generator(42), c = new nn.Generator(43);
    const seqA = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(seqA);
    a.seed(42);
    expect(a.uniform()).toBe(seqA[0]);
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  it('int(n) is in [0, n) and covers it; permutation is a permutation', () => {
    const g = new nn.Generator(1);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[g.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500); // ~5 sigma
    const p = g.permutation(50);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(new nn.Generator(7).permutation(20))).toEqual(Array.from(new nn.Generator(7).permutation(20)));
  });

  it('normal() has mean 0 and std 1', () => {
    const g = new nn.Generator(3);
    const t = nn.tensor(Float64Array.from({ length: N }, () => g.normal()));
    const s = stats(t);
    expect(Math.abs(s.mean)).toBeLessThan(0.015);
    expect(Math.abs(s.std - 1)).toBeLessThan(0.015);
  });
});

describe('random tensors', () => {
  it('are reproducible with a seeded Generator', () => {
    for (const make of [
      (g: nn.Generator) => nn.rand([4, 3], { generator: g }),
      (g: nn.Generator) => nn.randn([4, 3], { generator: g, dtype: 'float64' }),
      (g: nn.Generator) => nn.uniform([7], -2, 3, { generator: g }),
      (g: nn.Generator) => nn.randint(0, 10, [12], { generator: g }),
    ]) {
      const a = make(new nn.Generator(5)), b = make(new nn.Generator(5)), c = make(new nn.Generator(6));
      expect(a.toFlatArray()).toEqual(b.toFlatArray());
      expect(a.toFlatArray()).not.toEqual(c.toFlatArray());
    }
  });

  it('are reproducible with manualSeed (the global generator)', () => {
    nn.manualSeed(123);
    const a = nn.randn([10]), b = nn.rand([3]);
    nn.manualSeed(123);
    expect(nn.randn([10]).toFlatArray()).toEqual(a.toFlatArray());
    expect(nn.rand([3]).toFlatArray()).toEqual(b.toFlatArray());
    nn.manualSeed(124);
    expect(nn.randn([10]).toFlatArray()).not.toEqual(a.toFlatArray());
  });

  it('rand: uniform in [0, 1) with mean 1/2 and std 1/√12', () => {
    const s = stats(nn.rand([N], { generator: new nn.Generator(11) }));
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThan(1);
    expect(Math.abs(s.mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s.std - 1 / Math.sqrt(12))).toBeLessThan(0.005);
  });

  it('uniform(low, high) stays in [low, high), also after rounding to float32', () => {
    const s = stats(nn.uniform([N], -3, 5, { generator: new nn.Generator(12) }));
    expect(s.min).toBeGreaterThanOrEqual(-3);
    expect(s.max).toBeLessThan(5);
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.04);
    expect(Math.abs(s.std - 8 / Math.sqrt(12))).toBeLessThan(0.04);
    // A generator at the very top of its range: 1 − 2⁻⁵³ rounds to 1 in float32.
    const top = new nn.Generator(0);
    top.uniform = () => 1 - 2 ** -53;
    expect(nn.rand([2], { generator: top }).toFlatArray()[0]).toBeLessThan(1);
    expect(nn.uniform([1], 0, 0.1, { generator: top }).item()).toBeLessThan(0.1);
    expect(nn.uniform([1], -1, 0, { generator: top }).item()).toBeLessThan(0);
    expect(nn.rand([1], { generator: top, dtype: 'float64' }).item()).toBeLessThan(1);
  });

  it('randn: mean and std options', () => {
    const s = stats(nn.randn([N], { generator: new nn.Generator(13) }));
    expect(Math.abs(s.mean)).toBeLessThan(0.015);
    expect(Math.abs(s.std - 1)).toBeLessThan(0.015);
    const t = stats(nn.randn([N], { generator: new nn.Generator(14), mean: 3, std: 0.5 }));
    expect(Math.abs(t.mean - 3)).toBeLessThan(0.01);
    expect(Math.abs(t.std - 0.5)).toBeLessThan(0.01);
    expect(nn.randn([2, 3]).dtype).toBe('float32');
    expect(nn.randn([2, 3], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('randint: integers in [low, high), each about equally often', () => {
    const t = nn.randint(-2, 3, [N], { generator: new nn.Generator(15) });
    expect(t.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of t.values()) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    for (const c of counts.values()) expect(Math.abs(c - N / 5)).toBeLessThan(700); // ~5 sigma
    expect(nn.randint(0, 4, [3], { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('bad arguments throw typed errors naming the op', () => {
    expect(() => nn.randint(5, 3, [2])).toThrow(nn.ArgumentError);
    expect(() => nn.randint(5, 3, [2])).toThrow(/randint: needs integers low < high, got low=5, high=3/);
    expect(() => nn.randint(0, 2.5, [2])).toThrow(/randint/);
    expect(() => nn.rand([-1])).toThrow(/uniform: invalid shape \[-1\]/);
    expect(() => nn.randn([2, 1.5])).toThrow(/randn: invalid shape \[2, 1.5\]/);
    expect(() => nn.randint(0, 2, [-3])).toThrow(nn.ArgumentError);
  });
});
