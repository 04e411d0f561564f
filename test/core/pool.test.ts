import { describe, it, expect } from 'vitest';
import { Tensor, tensor, arange, ones, zeros, randn, ShapeError, ArgumentError } from '../../src';
import { maxPool2d, avgPool2d, adaptiveAvgPool2d, globalAvgPool2d } from '../../src/ops/pool';
import { gradcheck, leaf } from '../helpers/gradcheck';

function seq(shape: number[], start = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return arange(start, start + n).reshape(shape);
}

/** The deterministic values also used to compute the PyTorch references below: ((i·a) mod m − s) / d. */
function det(shape: number[], a: number, m: number, s: number, d: number): Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = (((i * a) % m) - s) / d;
  return tensor(v, { shape });
}

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
