import { describe, expect, it } from 'vitest';
import { ArgumentError, data } from '../../src';

const { circle, xor, spirals, gaussians, toy2d, TOY2D_NAMES } = data;
const MAKERS = { circle, xor, spirals, gaussians };

/** The points of one class as [x1, x2] pairs. */
function pointsOf(set: data.Toy2D, label: number): [number, number][] {
  const x = set.x.toFlatArray(), y = set.y.toFlatArray();
  return y.flatMap((l, i) => (l === label ? [[x[2 * i], x[2 * i + 1]] as [number, number]] : []));
}

const std = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
};

describe('toy 2-D datasets', () => {
  for (const name of TOY2D_NAMES) {
    describe(name, () => {
      it('gives x [n, 2] float32 and y [n] int32 labels 0/1, balanced, shuffled', () => {
        for (const n of [2, 7, 200]) {
          const set = MAKERS[name]({ n, seed: 3 });
          expect(set.x.shape).toEqual([n, 2]);
          expect(set.x.dtype).toBe('float32');
          expect(set.y.shape).toEqual([n]);
          expect(set.y.dtype).toBe('int32');
          const labels = set.y.toFlatArray();
          expect(labels.every((l) => l === 0 || l === 1)).toBe(true);
          const ones = labels.filter((l) => l === 1).length;
          expect(Math.abs(n - 2 * ones), `${name} n=${n}: ${ones} ones`).toBeLessThanOrEqual(1);
          expect(set.name).toBe(name);
        }
        // shuffled: the first half is not all of one class
        const first = MAKERS[name]({ n: 200, seed: 3 }).y.toFlatArray().slice(0, 100);
        expect(new Set(first).size).toBe(2);
      });

      it('is reproducible from its seed, and another seed gives other points', () => {
        const a = MAKERS[name]({ n: 100, noise: 0.1, seed: 5 });
        const b = toy2d(name, { n: 100, noise: 0.1, seed: 5 });
        expect(a.x).toBeAllClose(b.x, { rtol: 0, atol: 0 });
        expect(a.y.toFlatArray()).toEqual(b.y.toFlatArray());
        const c = MAKERS[name]({ n: 100, noise: 0.1, seed: 6 });
        expect(c.x.sub(a.x).abs().max().item()).toBeGreaterThan(0.01);
      });

      it('adds Gaussian jitter of standard deviation `noise` to the same clean points', () => {
        const clean = MAKERS[name]({ n: 2000, noise: 0, seed: 1 });
        for (const noise of [0.05, 0.3]) {
          const noisy = MAKERS[name]({ n: 2000, noise, seed: 1 });
          expect(noisy.y.toFlatArray()).toEqual(clean.y.toFlatArray());
          expect(noisy.noise).toBe(noise);
          const diff = noisy.x.sub(clean.x).toFlatArray();
          expect(std(diff)).toBeGreaterThan(noise * 0.93);
          expect(std(diff)).toBeLessThan(noise * 1.07);
        }
        // the spread of each class grows with the noise
        const spread = (s: data.Toy2D) => std(pointsOf(s, 1).map(([p]) => p));
        expect(spread(MAKERS[name]({ n: 2000, noise: 0.3, seed: 1 }))).toBeGreaterThan(spread(clean) + 0.02);
      });
    });
  }

  it('draws each pattern where it belongs', () => {
    const c = circle({ n: 400 });
    for (const [p, q] of pointsOf(c, 1)) expect(Math.hypot(p, q)).toBeLessThan(0.5);
    for (const [p, q] of pointsOf(c, 0)) expect(Math.hypot(p, q)).toBeGreaterThanOrEqual(0.7 - 1e-6);
    const x = xor({ n: 400 });
    for (const [p, q] of pointsOf(x, 1)) expect(p * q).toBeGreaterThan(0);
    for (const [p, q] of pointsOf(x, 0)) expect(p * q).toBeLessThan(0);
    const s = spirals({ n: 400 });
    for (const [p, q] of [...pointsOf(s, 0), ...pointsOf(s, 1)]) expect(Math.hypot(p, q)).toBeLessThan(1 + 1e-6);
    const g = gaussians({ n: 1000 });
    const mean = (pts: [number, number][]) => pts.reduce((a, [p]) => a + p, 0) / pts.length;
    expect(mean(pointsOf(g, 1))).toBeCloseTo(0.5, 1);
    expect(mean(pointsOf(g, 0))).toBeCloseTo(-0.5, 1);
  });

  it('refuses bad arguments, naming the function and the argument', () => {
    expect(() => circle({ n: 1 })).toThrow(ArgumentError);
    expect(() => circle({ n: 1 })).toThrow('circle: n must be an integer ≥ 2, got 1');
    expect(() => xor({ n: 10.5 })).toThrow('xor: n must be an integer ≥ 2, got 10.5');
    expect(() => spirals({ noise: -0.1 })).toThrow('spirals: noise must be a finite number ≥ 0, got -0.1');
    expect(() => gaussians({ noise: NaN })).toThrow('gaussians: noise must be a finite number ≥ 0, got NaN');
    expect(() => gaussians({ seed: 0.5 })).toThrow('gaussians: seed must be an integer, got 0.5');
    expect(() => circle({ size: 10 } as never)).toThrow("circle: unknown option 'size' (options: n, noise, seed)");
    expect(() => toy2d('moons' as never)).toThrow('toy2d: unknown dataset "moons" (expected one of circle, xor, spirals, gaussians)');
  });
});
