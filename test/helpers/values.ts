/** Deterministic test inputs shared by the op tests. */
import { Tensor, arange, tensor } from '../../src';

/** 1..n (or start..) reshaped, float32. */
export function seq(shape: number[], start = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return arange(start, start + n).reshape(shape);
}

/** The deterministic values also used to compute the PyTorch references: ((i·a) mod m − s) / d, float64. */
export function det(shape: number[], a: number, m: number, s: number, d: number): Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = (((i * a) % m) - s) / d;
  return tensor(v, { shape });
}
