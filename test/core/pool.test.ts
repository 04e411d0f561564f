import { describe, it, expect } from 'vitest';
import { Tensor, tensor, arange, ones, zeros, randn, Generator, ShapeError, ArgumentError } from '../../src';
import { maxPool2d, avgPool2d, adaptiveAvgPool2d, globalAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from '../../src/ops/pool';
import { maxPool2dKernel, maxPool2dPlanes, windowsInside, type Window2D } from '../../src/kernels/im2col';
import { gradcheck, leaf } from '../helpers/gradcheck';
import { det, seq } from '../helpers/values';

// PyTorch 1.13 references (/usr/bin/python3, float64) on x3 = det([1, 1, 6, 7], 37, 17, 8, 4):
//   F.max_pool2d(x3, 3, 2, 1, ceil_mode=True), F.avg_pool2d(x3, 3, 2, 1, ceil_mode=True,
//   count_include_pad=True / False), F.avg_pool2d(x3, 2, 2, 0, ceil_mode=True),
//   F.adaptive_avg_pool2d(x3, (3, 4)).
const x3 = () => det([1, 1, 6, 7], 37, 17, 8, 4);

describe('maxPool2d', () => {
  it('takes the maximum of each window', () => {
    expect(maxPool2d(seq([1, 1, 4, 4]), 2)).toBeAllClose(tensor([[[[6, 8], [14, 16]]]]));
    const x = randn([2, 3, 6, 6]);
    const y = maxPool2d(x, { kernelSize: 2 });
    expect(y.shape).toEqual([2, 3, 3, 3]);
    // Same as reshaping into 2×2 blocks and taking the max of each.
    expect(y).toBeAllClose(x.reshape([2, 3, 3, 2, 3, 2]).max([3, 5]));
  });

  it('padding counts as −∞, not 0', () => {
    const y = maxPool2d(seq([1, 1, 4, 4]).neg(), { kernelSize: 2, stride: 2, padding: 1 });
    expect(y).toBeAllClose(tensor([[[[-1, -2, -4], [-5, -6, -8], [-13, -14, -16]]]]));
  });

  it('ceilMode keeps a last partial window (PyTorch)', () => {
    const x = seq([1, 1, 5, 5], 0);
    expect(maxPool2d(x, 2)).toBeAllClose(tensor([[[[6, 8], [16, 18]]]]));
    expect(maxPool2d(x, { kernelSize: 2, ceilMode: true })).toBeAllClose(tensor([[[[6, 8, 9], [16, 18, 19], [21, 23, 24]]]]));
    expect(maxPool2d(x3(), { kernelSize: 3, stride: 2, padding: 1, ceilMode: true })).toBeAllClose(
      tensor([-0.25, 1.25, 2.0, 1.75, 1.75, 1.75, 2.0, 1.25, 2.0, 1.75, 1.75, 1.5, -0.5, 1.0, 1.75, -1.0], { shape: [1, 1, 4, 4] }),
    );
    // ceil mode never starts a window in the right padding: 5 + 2·1 with k 2, s 2 gives 3 windows,
    // not ⌈5/2⌉ + 1 = 4 (torch: F.max_pool2d(arange(25.).reshape(1,1,5,5), 2, 2, 1, ceil_mode=True)).
    const ceilPad = { kernelSize: 2, stride: 2, padding: 1, ceilMode: true };
    expect(maxPool2d(x, ceilPad)).toBeAllClose(tensor([[[[0, 2, 4], [10, 12, 14], [20, 22, 24]]]]));
    expect(avgPool2d(x, ceilPad)).toBeAllClose(tensor([[[[0, 0.75, 1.75], [3.75, 9, 11], [8.75, 19, 21]]]]));
    expect(avgPool2d(x, { ...ceilPad, countIncludePad: false })).toBeAllClose(tensor([[[[0, 1.5, 3.5], [7.5, 9, 11], [17.5, 19, 21]]]]));
    expect(maxPool2d(zeros([1, 1, 6, 6]), ceilPad).shape).toEqual([1, 1, 4, 4]);
  });

  it('dilation spaces the taps', () => {
    // max of x[i, j], x[i, j+2], x[i+2, j], x[i+2, j+2] is x[i+2, j+2] for increasing x.
    const y = maxPool2d(seq([1, 1, 5, 5], 0), { kernelSize: 2, stride: 1, dilation: 2 });
    expect(y).toBeAllClose(tensor([[[[12, 13, 14], [17, 18, 19], [22, 23, 24]]]]));
  });

  it('routes the gradient to the argmax; overlapping windows add; the first of tied maxima wins', () => {
    const x = seq([1, 1, 4, 4]).requiresGrad_();
    maxPool2d(x, 2).sum().backward();
    expect(x.grad!).toBeAllClose(tensor([[[[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]]]]));
    const z = tensor([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]]).requiresGrad_();
    maxPool2d(z, { kernelSize: 2, stride: 1 }).sum().backward();
    expect(z.grad!).toBeAllClose(tensor([[[[0, 0, 0], [0, 4, 0], [0, 0, 0]]]]));
    const t = ones([1, 1, 4, 4]).requiresGrad_();
    maxPool2d(t, 2).sum().backward();
    expect(t.grad!).toBeAllClose(tensor([[[[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]]]));
  });

  it('propagates NaN', () => {
    const x = seq([1, 1, 4, 4]);
    x.data[5] = NaN;
    const y = maxPool2d(x, 2).toFlatArray();
    expect(Number.isNaN(y[0])).toBe(true);
    expect(y.slice(1)).toEqual([8, 14, 16]);
  });

  it('has correct gradients (inputs without ties)', () => {
    gradcheck('maxPool2d 2', (x) => maxPool2d(x, 2), [leaf([2, 2, 4, 6], 1)]);
    gradcheck('maxPool2d k3 s2 p1', (x) => maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), [leaf([1, 2, 7, 6], 2)]);
    gradcheck('maxPool2d overlapping', (x) => maxPool2d(x, { kernelSize: [2, 3], stride: 1 }), [leaf([1, 1, 5, 5], 3)]);
    gradcheck('maxPool2d dilation ceil', (x) => maxPool2d(x, { kernelSize: 2, stride: 2, dilation: 2, ceilMode: true }), [leaf([1, 2, 7, 8], 4)]);
  });

  it('errors name the op and the shape', () => {
    expect(() => maxPool2d(zeros([1, 4, 4]), 2)).toThrow(/maxPool2d: expected a 4-D input \[N, C, H, W\], got shape \[1, 4, 4\]/);
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), { kernelSize: 2, padding: 2 })).toThrow(
      'maxPool2d: padding 2 must be at most half the kernel size 2 (input [1, 1, 4, 4])',
    );
    expect(() => maxPool2d(zeros([1, 1, 1, 4]), 2)).toThrow(ShapeError);
    expect(() => maxPool2d(zeros([1, 1, 1, 4]), 2)).toThrow(/maxPool2d: input height 1 \(shape \[1, 1, 1, 4\]\) with padding 0 is smaller than the kernel 2/);
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), 0)).toThrow(ArgumentError);
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), { kernelSize: 2, stride: 0 })).toThrow(/stride must be an integer ≥ 1, got 0/);
  });
});

describe('avgPool2d', () => {
  it('averages each window', () => {
    expect(avgPool2d(seq([1, 1, 4, 4]), 2)).toBeAllClose(tensor([[[[3.5, 5.5], [11.5, 13.5]]]]));
    expect(avgPool2d(seq([1, 1, 2, 6]), { kernelSize: [2, 3] })).toBeAllClose(tensor([[[[5, 8]]]]));
  });

  it('countIncludePad divides by the padded window (default) or by the real pixels', () => {
    const x = seq([1, 1, 3, 3]);
    const opts = { kernelSize: 3, stride: 1, padding: 1 };
    expect(avgPool2d(x, opts)).toBeAllClose(tensor([[[[12, 21, 16], [27, 45, 33], [24, 39, 28]]]]).div(9));
    expect(avgPool2d(x, { ...opts, countIncludePad: false })).toBeAllClose(tensor([[[[3, 3.5, 4], [4.5, 5, 5.5], [6, 6.5, 7]]]]));
  });

  it('ceilMode: a partial window past the input is divided by its clipped size (PyTorch)', () => {
    // torch: F.avg_pool2d(arange(25).reshape(1,1,5,5), 2, 2, ceil_mode=True)
    expect(avgPool2d(seq([1, 1, 5, 5], 0), { kernelSize: 2, ceilMode: true })).toBeAllClose(
      tensor([[[[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]]]]),
    );
    expect(avgPool2d(x3(), { kernelSize: 2, ceilMode: true })).toBeAllClose(
      tensor([-1.125, 0.375, 0.8125, -1.25, 0.875, -0.8125, -0.375, 0.75, -0.3125, 0.125, 0.5625, -1.5], { shape: [1, 1, 3, 4] }),
    );
  });

  it('matches PyTorch with padding and ceilMode, with and without countIncludePad', () => {
    const opts = { kernelSize: 3, stride: 2, padding: 1, ceilMode: true };
    expect(avgPool2d(x3(), opts)).toBeAllClose(
      tensor([-0.5, 0.0, 0.527778, -0.25, 0.25, 0.083333, -0.305556, -0.083333, 0.166667, -0.277778, 0.277778, -0.166667,
        -0.291667, 0.125, 0.166667, -0.458333], { shape: [1, 1, 4, 4] }),
      { atol: 1e-6 },
    );
    expect(avgPool2d(x3(), { ...opts, countIncludePad: false })).toBeAllClose(
      tensor([-1.125, 0.0, 0.791667, -0.5625, 0.375, 0.083333, -0.305556, -0.125, 0.25, -0.277778, 0.277778, -0.25,
        -0.875, 0.25, 0.333333, -1.375], { shape: [1, 1, 4, 4] }),
      { atol: 1e-6 },
    );
  });

  it('backward spreads each gradient evenly over its window', () => {
    const x = zeros([1, 1, 4, 4]).requiresGrad_();
    avgPool2d(x, 2).backward(tensor([[[[4, 8], [12, 16]]]]));
    expect(x.grad!).toBeAllClose(tensor([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]));
    const z = zeros([1, 1, 3, 3]).requiresGrad_();
    avgPool2d(z, { kernelSize: 2, stride: 1 }).sum().backward();
    expect(z.grad!).toBeAllClose(tensor([[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]).div(4));
  });

  it('has correct gradients', () => {
    gradcheck('avgPool2d 2', (x) => avgPool2d(x, 2), [leaf([2, 2, 4, 6], 1)]);
    gradcheck('avgPool2d k3 s2 p1', (x) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), [leaf([1, 2, 7, 6], 2)]);
    gradcheck('avgPool2d k3 s2 p1 exclude pad', (x) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }), [leaf([1, 2, 7, 6], 3)]);
    gradcheck('avgPool2d ceil', (x) => avgPool2d(x, { kernelSize: [3, 2], stride: 2, padding: [1, 0], ceilMode: true }), [leaf([1, 1, 6, 7], 4)]);
    gradcheck('avgPool2d ceil exclude pad', (x) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [leaf([1, 1, 6, 7], 5)]);
  });

  it('errors name the op and the shape', () => {
    expect(() => avgPool2d(zeros([1, 1, 4, 4]), { kernelSize: 3, padding: 2 })).toThrow(/avgPool2d: padding 2 must be at most half the kernel size 3/);
    expect(() => avgPool2d(zeros([1, 1, 2, 2]), 3)).toThrow(/avgPool2d: input height 2 \(shape \[1, 1, 2, 2\]\)/);
    expect(() => avgPool2d(zeros([4, 4]), 2)).toThrow(/avgPool2d: expected a 4-D input/);
  });
});

describe('adaptiveAvgPool2d', () => {
  it("uses PyTorch's windows [⌊i·H/O⌋, ⌈(i+1)·H/O⌉)", () => {
    // 5 → 3: rows {0,1}, {1,2,3}, {3,4} with means 0.5, 2, 3.5; x = 5r + c.
    expect(adaptiveAvgPool2d(seq([1, 1, 5, 5], 0), 3)).toBeAllClose(tensor([[[[3, 4.5, 6], [10.5, 12, 13.5], [18, 19.5, 21]]]]));
    expect(adaptiveAvgPool2d(x3(), [3, 4])).toBeAllClose(
      tensor([-1.125, 0.0, 0.791667, -0.5625, 0.875, -0.125, -0.75, 0.375, -0.3125, -0.25, 0.541667, -0.8125], { shape: [1, 1, 3, 4] }),
      { atol: 1e-6 },
    );
  });

  it('equals avgPool2d when the size divides; null keeps an axis', () => {
    const x = randn([2, 3, 8, 6]);
    expect(adaptiveAvgPool2d(x, [4, 3])).toBeAllClose(avgPool2d(x, 2));
    expect(adaptiveAvgPool2d(x, [null, 2]).shape).toEqual([2, 3, 8, 2]);
    expect(adaptiveAvgPool2d(x, [null, 2])).toBeAllClose(avgPool2d(x, { kernelSize: [1, 3] }));
  });

  it('has correct gradients for non-divisible sizes', () => {
    gradcheck('adaptiveAvgPool2d 5→3', (x) => adaptiveAvgPool2d(x, 3), [leaf([2, 2, 5, 5], 1)]);
    gradcheck('adaptiveAvgPool2d 7×6→[3,4]', (x) => adaptiveAvgPool2d(x, [3, 4]), [leaf([1, 2, 7, 6], 2)]);
    gradcheck('adaptiveAvgPool2d upsample 3→5', (x) => adaptiveAvgPool2d(x, 5), [leaf([1, 1, 3, 3], 3)]);
  });

  it('errors name the op and the shape', () => {
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 4, 4]), 0)).toThrow(/adaptiveAvgPool2d: output size must be positive integers, got 0 \(input \[1, 1, 4, 4\]\)/);
    expect(() => adaptiveAvgPool2d(zeros([1, 4, 4]), 2)).toThrow(ShapeError);
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 4, 4]), [2] as never)).toThrow(/must be a number or \[height, width\], got \[2\]/);
  });
});

describe('globalAvgPool2d', () => {
  it('is the mean over H and W: [N, C, H, W] → [N, C]', () => {
    const x = randn([3, 4, 5, 6]);
    const y = globalAvgPool2d(x);
    expect(y.shape).toEqual([3, 4]);
    expect(y).toBeAllClose(x.mean([2, 3]), { atol: 1e-6 });
    expect(globalAvgPool2d(seq([1, 2, 2, 2]), true)).toBeAllClose(tensor([[[[2.5]], [[6.5]]]]));
  });
  it('has correct gradients', () => {
    gradcheck('globalAvgPool2d', (x) => globalAvgPool2d(x), [leaf([2, 3, 4, 5], 1)]);
    gradcheck('globalAvgPool2d keepdim', (x) => globalAvgPool2d(x, true), [leaf([2, 3, 3, 2], 2)]);
  });
});

// ---- Fast paths against the general loop -------------------------------------
// Windows wholly inside the input (no padding, dilation 1, no partial ceil-mode
// window) take the float32/float64 fast paths of kernels/im2col.ts; every other
// geometry, and any plane holding a NaN or ±∞, takes the general loop. Both must
// give the same bits: values, argmax and gradients.

type DType = 'float32' | 'float64';

/**
 * Planes of four kinds, in turn: ties (integers −2…2, zeros of both signs),
 * Gaussian, ties with NaN, ties with ±∞ and NaN. The first two run the fast
 * loops, the last two make it hand the plane to the general loop.
 */
function tricky(shape: number[], dtype: DType, seed: number): Tensor {
  const gen = new Generator(seed);
  const plane = shape[2] * shape[3], planes = shape[0] * shape[1];
  const data = dtype === 'float32' ? new Float32Array(planes * plane) : new Float64Array(planes * plane);
  for (let p = 0; p < planes; p++) {
    const kind = p % 4;
    for (let i = 0; i < plane; i++) {
      let v = kind === 1 ? gen.normal() : gen.int(5) - 2;
      if (v === 0 && gen.uniform() < 0.5) v = -0;
      const u = gen.uniform();
      if (kind === 2 && u < 0.1) v = NaN;
      if (kind === 3) v = u < 0.05 ? Infinity : u < 0.1 ? -Infinity : u < 0.12 ? NaN : v;
      data[p * plane + i] = v;
    }
  }
  return tensor(data, { shape });
}

/** Distinct gradient values, so a gradient in the wrong place cannot go unnoticed. */
function distinctGrad(shape: readonly number[], dtype: DType): Tensor {
  return arange(1, 1 + shape.reduce((a, b) => a * b, 1), 1, { dtype }).reshape([...shape]).div(7);
}

interface Geometry { kH: number; kW: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number }

function geometry(o: MaxPool2dOptions): Geometry {
  const pair = (v: number | readonly number[] | null | undefined, d: number): [number, number] =>
    v === null || v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  const [kH, kW] = pair(o.kernelSize, 1);
  const [sh, sw] = o.stride === null || o.stride === undefined ? [kH, kW] : pair(o.stride, 1);
  const [ph, pw] = pair(o.padding, 0), [dh, dw] = pair(o.dilation, 1);
  return { kH, kW, sh, sw, ph, pw, dh, dw };
}

/** Max pooling straight from the definition: −∞ padding, first maximum, last NaN (as PyTorch), argmax −1 when no tap is real. */
function referenceMaxPool(x: Tensor, o: MaxPool2dOptions, oH: number, oW: number): { y: Float64Array; argmax: Int32Array } {
  const [N, C, H, W] = x.shape, v = x.values(), { kH, kW, sh, sw, ph, pw, dh, dw } = geometry(o);
  const y = new Float64Array(N * C * oH * oW), argmax = new Int32Array(y.length);
  let k = 0;
  for (let p = 0; p < N * C; p++) {
    for (let i = 0; i < oH; i++) {
      for (let j = 0; j < oW; j++, k++) {
        let best = -Infinity, at = -1;
        for (let a = 0; a < kH; a++) {
          for (let b = 0; b < kW; b++) {
            const r = i * sh - ph + a * dh, c = j * sw - pw + b * dw;
            if (r < 0 || r >= H || c < 0 || c >= W) continue;
            const t = v[p * H * W + r * W + c];
            if (at < 0 || t > best || t !== t) {
              best = t;
              at = r * W + c;
            }
          }
        }
        y[k] = best;
        argmax[k] = at;
      }
    }
  }
  return { y, argmax };
}

/** Scatters g into an array of x's dtype in output order, as backward must. */
function referenceMaxPoolGrad(x: Tensor, argmax: Int32Array, g: Tensor): number[] {
  const plane = x.shape[2] * x.shape[3], outPlane = argmax.length / (x.shape[0] * x.shape[1]);
  const dx = x.dtype === 'float32' ? new Float32Array(x.size) : new Float64Array(x.size), gv = g.values();
  for (let o = 0; o < argmax.length; o++) if (argmax[o] >= 0) dx[Math.floor(o / outPlane) * plane + argmax[o]] += gv[o];
  return Array.from(dx);
}

/** Average pooling from the definition: a 0-based sum in row-major window order over the real pixels, ÷ PyTorch's divisor. */
function referenceAvgPool(x: Tensor, o: AvgPool2dOptions, oH: number, oW: number, g: Tensor): { y: number[]; dx: number[] } {
  const [N, C, H, W] = x.shape, v = x.values(), gv = g.values(), { kH, kW, sh, sw, ph, pw } = geometry(o);
  const store = (n: number) => (x.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
  const y = store(N * C * oH * oW), dx = store(x.size);
  const includePad = o.countIncludePad ?? true;
  let k = 0;
  for (let p = 0; p < N * C; p++) {
    for (let i = 0; i < oH; i++) {
      for (let j = 0; j < oW; j++, k++) {
        const r0 = i * sh - ph, c0 = j * sw - pw;
        const padded = (Math.min(r0 + kH, H + ph) - r0) * (Math.min(c0 + kW, W + pw) - c0);
        const real: number[] = [];
        for (let a = 0; a < kH; a++) {
          for (let b = 0; b < kW; b++) {
            const r = r0 + a, c = c0 + b;
            if (r >= 0 && r < H && c >= 0 && c < W) real.push(p * H * W + r * W + c);
          }
        }
        const count = includePad ? padded : real.length;
        let s = 0;
        for (const q of real) s += v[q];
        y[k] = s / count;
        for (const q of real) dx[q] += gv[k] / count;
      }
    }
  }
  return { y: Array.from(y), dx: Array.from(dx) };
}

/** Same bits (NaN equals NaN, −0 differs from +0), with the first difference in the message. */
function expectSameBits(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect.fail(`${label}: index ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

function windowOf(x: Tensor, y: Tensor, o: MaxPool2dOptions): Window2D {
  return { C: x.shape[1], H: x.shape[2], W: x.shape[3], oH: y.shape[2], oW: y.shape[3], ...geometry(o) };
}

// [label, input shape, options, whether the fast path applies]
const maxCases: [string, number[], MaxPool2dOptions, boolean][] = [
  ['2×2 stride 2 (LeNet pool 1)', [2, 6, 28, 28], { kernelSize: 2 }, true],
  ['2×2 stride 2 (LeNet pool 2)', [2, 16, 10, 10], { kernelSize: 2 }, true],
  ['2×2 stride 2, odd sizes (last row and column unused)', [3, 4, 7, 9], { kernelSize: 2 }, true],
  ['2×2 stride 1 (overlapping)', [2, 4, 6, 7], { kernelSize: 2, stride: 1 }, true],
  ['3×3 stride 2', [2, 4, 9, 11], { kernelSize: 3, stride: 2 }, true],
  ['3×2 stride [2, 1]', [2, 4, 8, 7], { kernelSize: [3, 2], stride: [2, 1] }, true],
  ['1×3 stride [1, 3]', [1, 4, 5, 9], { kernelSize: [1, 3], stride: [1, 3] }, true],
  ['ceil mode, windows that fit', [2, 4, 8, 8], { kernelSize: 2, ceilMode: true }, true],
  ['3×3 stride 2 padding 1', [2, 4, 9, 11], { kernelSize: 3, stride: 2, padding: 1 }, false],
  ['2×2 padding 1', [2, 4, 7, 8], { kernelSize: 2, stride: 2, padding: 1 }, false],
  ['2×2 dilation 2', [2, 4, 7, 8], { kernelSize: 2, stride: 1, dilation: 2 }, false],
  ['3×3 stride 2 dilation [1, 2] padding 1', [2, 4, 9, 11], { kernelSize: 3, stride: 2, dilation: [1, 2], padding: 1 }, false],
  ['2×2 ceil mode, partial last window', [2, 4, 7, 9], { kernelSize: 2, ceilMode: true }, false],
  ['2×2 ceil mode, partial last row only', [2, 4, 7, 8], { kernelSize: 2, ceilMode: true }, false],
  ['3×3 stride 2 ceil mode, partial last column only', [2, 4, 9, 10], { kernelSize: 3, stride: 2, ceilMode: true }, false],
  ['3×3 stride 2 ceil mode padding 1', [2, 4, 6, 7], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }, false],
];

describe('pooling fast paths agree with the general loop', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [label, shape, opts, fast] of maxCases) {
      it(`maxPool2d ${label}, ${dtype}: values, argmax and gradient`, () => {
        const x = tricky(shape, dtype, shape.length * 31 + shape[3]).requiresGrad_();
        const y = maxPool2d(x, opts);
        const g = windowOf(x, y, opts);
        expect(windowsInside(g)).toBe(fast);
        const ref = referenceMaxPool(x, opts, y.shape[2], y.shape[3]);
        expectSameBits('values', y.toFlatArray(), Array.from(ref.y));
        const gy = distinctGrad(y.shape, dtype);
        y.backward(gy);
        expectSameBits('gradient', x.grad!.toFlatArray(), referenceMaxPoolGrad(x, ref.argmax, gy));
        // The kernel's own dispatch against the general loop, argmax included.
        const planes = shape[0] * shape[1], n = planes * g.oH * g.oW;
        const make = () => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
        const outFast = make(), outGeneral = make(), argFast = new Int32Array(n), argGeneral = new Int32Array(n);
        maxPool2dKernel(x.values(), planes, g, outFast, argFast);
        maxPool2dPlanes(x.values(), 0, planes, g, outGeneral, argGeneral);
        expectSameBits('kernel values', outFast, outGeneral);
        expectSameBits('kernel argmax', argFast, argGeneral);
        expectSameBits('argmax', argFast, ref.argmax);
      });
    }

    it(`avgPool2d fast and general paths match the definition bit for bit, ${dtype}`, () => {
      const avgCases: [number[], AvgPool2dOptions, boolean][] = [
        [[2, 6, 28, 28], { kernelSize: 2 }, true],
        [[3, 4, 7, 9], { kernelSize: 2 }, true],
        [[2, 4, 6, 7], { kernelSize: 2, stride: 1 }, true],
        [[2, 4, 9, 11], { kernelSize: 3, stride: 2 }, true],
        [[2, 4, 8, 7], { kernelSize: [3, 2], stride: [2, 1] }, true],
        [[2, 4, 9, 11], { kernelSize: 3, stride: 2, padding: 1 }, false],
        [[2, 4, 9, 11], { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }, false],
        [[2, 4, 7, 9], { kernelSize: 2, ceilMode: true }, false],
        [[2, 4, 7, 8], { kernelSize: 2, ceilMode: true }, false],
        [[2, 4, 9, 10], { kernelSize: 3, stride: 2, ceilMode: true }, false],
        [[2, 4, 6, 7], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }, false],
      ];
      for (const [shape, opts, fast] of avgCases) {
        const label = `${JSON.stringify(shape)} ${JSON.stringify(opts)}`;
        // Gaussian planes (no NaN): sums are where the order of additions shows.
        const x = randn(shape, { dtype, generator: new Generator(shape[2] * 100 + shape[3]) }).requiresGrad_();
        const y = avgPool2d(x, opts);
        expect(windowsInside({ ...windowOf(x, y, opts), dh: 1, dw: 1 }), label).toBe(fast);
        const gy = distinctGrad(y.shape, dtype);
        const ref = referenceAvgPool(x, opts, y.shape[2], y.shape[3], gy);
        expectSameBits(`values ${label}`, y.toFlatArray(), ref.y);
        y.backward(gy);
        expectSameBits(`gradient ${label}`, x.grad!.toFlatArray(), ref.dx);
      }
    });
  }

  it('the last NaN of a window wins, as in PyTorch, also when a NaN is the first tap (fast and general paths)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      // One 2×2 window [NaN, 1; NaN, 2]: the gradient goes to the last NaN (torch 1.13 CPU: index 2).
      const w = tensor([NaN, 1, NaN, 2], { shape: [1, 1, 2, 2], dtype });
      for (const opts of [{ kernelSize: 2 }, { kernelSize: 3, padding: 1, stride: 2 }]) {
        const x = w.detach().requiresGrad_();
        const y = maxPool2d(x, opts);
        expect(Number.isNaN(y.toFlatArray()[0])).toBe(true);
        y.sum().backward();
        expect(x.grad!.toFlatArray()).toEqual([0, 0, 1, 0]);
      }
    }
    // [1, NaN; 5, NaN] → the NaN at index 3.
    const z = tensor([1, NaN, 5, NaN], { shape: [1, 1, 2, 2] }).requiresGrad_();
    maxPool2d(z, 2).sum().backward();
    expect(z.grad!.toFlatArray()).toEqual([0, 0, 0, 1]);
  });

  it('a window wholly in the padding gives −∞ and no gradient', () => {
    // Kernel 2, dilation 3, padding 1 on a 2×2 input: the taps are at −1 and 2, both outside.
    const x = tensor([[[[1, 2], [3, 4]]]]).requiresGrad_();
    const y = maxPool2d(x, { kernelSize: 2, dilation: 3, padding: 1 });
    expect(y.shape).toEqual([1, 1, 1, 1]);
    expect(y.item()).toBe(-Infinity);
    y.sum().backward();
    expect(x.grad!.toFlatArray()).toEqual([0, 0, 0, 0]);
  });

  it('the LeNet-5 pools take the fast path', () => {
    const lenet1 = windowOf(zeros([1, 6, 28, 28]), zeros([1, 6, 14, 14]), { kernelSize: 2 });
    const lenet2 = windowOf(zeros([1, 16, 10, 10]), zeros([1, 16, 5, 5]), { kernelSize: 2 });
    expect(windowsInside(lenet1) && windowsInside(lenet2)).toBe(true);
  });
});
