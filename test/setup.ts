import { expect } from 'vitest';
import { Tensor } from '../src';

interface CloseOptions {
  rtol?: number;
  atol?: number;
}

function flat(x: unknown): { shape: number[] | null; values: number[] } {
  if (x instanceof Tensor) return { shape: [...x.shape], values: x.toFlatArray() };
  if (typeof x === 'number') return { shape: null, values: [x] };
  if (ArrayBuffer.isView(x)) return { shape: null, values: Array.from(x as unknown as ArrayLike<number>) };
  if (Array.isArray(x)) return { shape: null, values: (x as unknown[]).flat(Infinity) as number[] };
  throw new Error(`toBeAllClose: cannot compare ${String(x)}`);
}

expect.extend({
  /** Elementwise |a − b| ≤ atol + rtol·|b|, with shapes compared when both are tensors. */
  toBeAllClose(received: unknown, expected: unknown, opts: CloseOptions = {}) {
    const rtol = opts.rtol ?? 1e-5, atol = opts.atol ?? 1e-6;
    const r = flat(received), e = flat(expected);
    if (r.shape && e.shape && r.shape.join() !== e.shape.join()) {
      return { pass: false, message: () => `shape [${r.shape}] differs from expected [${e.shape}]` };
    }
    if (r.values.length !== e.values.length) {
      return { pass: false, message: () => `${r.values.length} values, expected ${e.values.length}` };
    }
    for (let i = 0; i < r.values.length; i++) {
      const a = r.values[i], b = e.values[i];
      const same = (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= atol + rtol * Math.abs(b);
      if (!same) {
        return { pass: false, message: () => `index ${i}: received ${a}, expected ${b} (rtol ${rtol}, atol ${atol})` };
      }
    }
    return { pass: true, message: () => 'values are all close' };
  },
});

declare module 'vitest' {
  interface Assertion<T = any> {
    toBeAllClose(expected: unknown, opts?: CloseOptions): T;
  }
  interface AsymmetricMatchersContaining {
    toBeAllClose(expected: unknown, opts?: CloseOptions): unknown;
  }
}
