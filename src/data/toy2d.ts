/**
 * Two-class 2-D toy datasets, the four of TensorFlow Playground: a disc inside
 * a ring (`circle`), the four quadrants (`xor`), two interleaved spirals
 * (`spirals`) and two Gaussian blobs (`gaussians`). Points lie in about
 * [-1, 1]²; labels are 0 or 1, balanced (the counts differ by at most one),
 * and the points come shuffled.
 *
 * `noise` is the standard deviation of Gaussian jitter added to each
 * coordinate after the clean point is drawn; the label stays that of the
 * clean point, so noise makes the classes overlap. The jitter is drawn even
 * when `noise` is 0, so the same seed gives the same clean points at every
 * noise level: `x(noise) = x(0) + noise · z`.
 *
 * @example
 *   import { data } from 'nnlab';
 *   const { x, y } = data.xor({ n: 400, noise: 0.1, seed: 1 });  // x [400, 2] float32, y [400] int32
 *   const same = data.toy2d('xor', { n: 400, noise: 0.1, seed: 1 });
 */
import { ArgumentError } from '../errors';
import { Generator } from '../random';
import { tensor, type Tensor } from '../tensor';

export const TOY2D_NAMES = ['circle', 'xor', 'spirals', 'gaussians'] as const;
export type Toy2DName = (typeof TOY2D_NAMES)[number];

export interface Toy2DOptions {
  /** Number of points (an integer ≥ 2; default 200). */
  n?: number;
  /** Standard deviation of the Gaussian jitter added to each coordinate (≥ 0; default 0). */
  noise?: number;
  /** Seed of the generator (default 0); the same seed gives the same points. */
  seed?: number;
}

export interface Toy2D {
  /** The points, [n, 2] float32. */
  x: Tensor;
  /** The labels, [n] int32, 0 or 1. */
  y: Tensor;
  name: Toy2DName;
  noise: number;
}

/** A clean point of class `label`, drawn with `g`. */
type PointMaker = (label: 0 | 1, index: number, count: number, g: Generator) => [number, number];

function checkOptions(fn: string, opts: Toy2DOptions): Required<Toy2DOptions> {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${fn}: options must be an object like { n, noise, seed }, got ${String(opts)}`);
  const known = ['n', 'noise', 'seed'];
  for (const k of Object.keys(opts)) if (!known.includes(k)) throw new ArgumentError(`${fn}: unknown option '${k}' (options: n, noise, seed)`);
  const { n = 200, noise = 0, seed = 0 } = opts;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 2) throw new ArgumentError(`${fn}: n must be an integer ≥ 2, got ${String(n)}`);
  if (typeof noise !== 'number' || !Number.isFinite(noise) || noise < 0) throw new ArgumentError(`${fn}: noise must be a finite number ≥ 0, got ${String(noise)}`);
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new ArgumentError(`${fn}: seed must be an integer, got ${String(seed)}`);
  return { n, noise, seed };
}

function make(name: Toy2DName, opts: Toy2DOptions, point: PointMaker): Toy2D {
  const { n, noise, seed } = checkOptions(name, opts);
  const g = new Generator(seed);
  const counts = [n - (n >> 1), n >> 1]; // class 0 gets the odd one
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  let at = 0;
  for (const label of [0, 1] as const) {
    for (let i = 0; i < counts[label]; i++, at++) {
      const [px, py] = point(label, i, counts[label], g);
      xs[2 * at] = px;
      xs[2 * at + 1] = py;
      ys[at] = label;
    }
  }
  for (let i = 0; i < 2 * n; i++) xs[i] += noise * g.normal();
  const order = g.permutation(n);
  const x = new Float32Array(n * 2), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[i];
    x[2 * i] = xs[2 * j];
    x[2 * i + 1] = xs[2 * j + 1];
    y[i] = ys[j];
  }
  return { x: tensor(x, { shape: [n, 2] }), y: tensor(y, { shape: [n] }), name, noise };
}

/** Uniform in [a, b). */
const uniform = (g: Generator, a: number, b: number) => a + (b - a) * g.uniform();

/**
 * A disc and a ring around it: class 1 at radius r ∈ [0, 0.5), class 0 at
 * r ∈ [0.7, 1), angles uniform. Separable by a circle, not by a line.
 * @example circle({ n: 100 }).x.shape  // [100, 2]
 */
export function circle(opts: Toy2DOptions = {}): Toy2D {
  return make('circle', opts, (label, _i, _count, g) => {
    const r = label === 1 ? uniform(g, 0, 0.5) : uniform(g, 0.7, 1);
    const a = uniform(g, 0, 2 * Math.PI);
    return [r * Math.cos(a), r * Math.sin(a)];
  });
}

/**
 * The XOR pattern: class 1 where x₁·x₂ > 0 (first and third quadrants),
 * class 0 where x₁·x₂ < 0; |x₁|, |x₂| ∈ [0.05, 1). No line separates it.
 * @example xor({ n: 4, seed: 0 }).y.toArray()  // two 0s and two 1s, shuffled
 */
export function xor(opts: Toy2DOptions = {}): Toy2D {
  return make('xor', opts, (label, _i, _count, g) => {
    const a = uniform(g, 0.05, 1), b = uniform(g, 0.05, 1);
    const sx = g.uniform() < 0.5 ? 1 : -1;
    // class 1: same signs; class 0: opposite signs
    return [sx * a, (label === 1 ? sx : -sx) * b];
  });
}

/**
 * Two interleaved spirals, 1.75 turns each: point i of a class of `count` at
 * radius r = i / count and angle t = 1.75 · 2π · r (+ π for class 1).
 * @example spirals({ n: 300, noise: 0.02 })
 */
export function spirals(opts: Toy2DOptions = {}): Toy2D {
  return make('spirals', opts, (label, i, count) => {
    const r = i / count;
    const t = 1.75 * 2 * Math.PI * r + (label === 1 ? Math.PI : 0);
    return [r * Math.sin(t), r * Math.cos(t)];
  });
}

/**
 * Two Gaussian blobs, σ = 0.2 each: class 1 around (0.5, 0.5), class 0
 * around (−0.5, −0.5). A line separates them (until noise makes them overlap).
 * @example gaussians({ noise: 0.3 })
 */
export function gaussians(opts: Toy2DOptions = {}): Toy2D {
  return make('gaussians', opts, (label, _i, _count, g) => {
    const c = label === 1 ? 0.5 : -0.5;
    return [c + 0.2 * g.normal(), c + 0.2 * g.normal()];
  });
}

const MAKERS: Record<Toy2DName, (opts?: Toy2DOptions) => Toy2D> = { circle, xor, spirals, gaussians };

/**
 * One of the toy datasets by name ('circle', 'xor', 'spirals', 'gaussians').
 * @example toy2d('spirals', { n: 400, noise: 0.05, seed: 3 })
 */
export function toy2d(name: Toy2DName, opts: Toy2DOptions = {}): Toy2D {
  if (!(TOY2D_NAMES as readonly string[]).includes(name)) {
    throw new ArgumentError(`toy2d: unknown dataset ${JSON.stringify(name)} (expected one of ${TOY2D_NAMES.join(', ')})`);
  }
  return MAKERS[name](opts);
}
