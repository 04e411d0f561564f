import { describe, it, expect } from 'vitest';
import { Tensor, Generator, tensor, randn, zeros, ones, noGrad, ShapeError, ArgumentError, DTypeError } from '../../src';
import { conv2d, conv1d, convOutputSize, type Conv2dOptions } from '../../src/ops/conv';
import { gradcheck, leaf } from '../helpers/gradcheck';
import { det, seq } from '../helpers/values';

/** Direct convolution, straight from the definition (float64 accumulation). */
function naiveConv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions): Float64Array {
  const [N, C, H, W] = x.shape, [O, Cg, kH, kW] = w.shape;
  const groups = opts.groups ?? 1;
  const pair = (v: number | readonly [number, number] | undefined, d: number) => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);
  const [sh, sw] = pair(opts.stride, 1), [dh, dw] = pair(opts.dilation, 1);
  const [ph, pw] = pair(opts.padding as number | [number, number] | undefined, 0);
  const oH = Math.floor((H + 2 * ph - dh * (kH - 1) - 1) / sh) + 1, oW = Math.floor((W + 2 * pw - dw * (kW - 1) - 1) / sw) + 1;
  const xv = x.values(), wv = w.values(), bv = b?.values();
  const out = new Float64Array(N * O * oH * oW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < oH; i++) for (let j = 0; j < oW; j++) {
    let acc = bv ? bv[o] : 0;
    const grp = Math.floor(o / (O / groups));
    for (let c = 0; c < Cg; c++) for (let p = 0; p < kH; p++) for (let q = 0; q < kW; q++) {
      const ih = i * sh - ph + p * dh, iw = j * sw - pw + q * dw;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      acc += wv[((o * Cg + c) * kH + p) * kW + q] * xv[((n * C + grp * Cg + c) * H + ih) * W + iw];
    }
    out[((n * O + o) * oH + i) * oW + j] = acc;
  }
  return out;
}

describe('convOutputSize', () => {
  it('is ⌊(W + 2P − D·(K−1) − 1)/S⌋ + 1', () => {
    expect(convOutputSize(28, 5, 2, 1)).toBe(28); // LeNet conv1 keeps 28×28
    expect(convOutputSize(28, 5, 0, 1)).toBe(24);
    expect(convOutputSize(14, 5, 0, 1)).toBe(10); // LeNet conv2
    expect(convOutputSize(7, 3, 0, 2)).toBe(3); // (7 − 3)/2 + 1
    expect(convOutputSize(8, 3, 0, 2)).toBe(3); // ⌊5/2⌋ + 1: the floor drops the last column
    expect(convOutputSize(32, 3, 1, 1)).toBe(32);
    expect(convOutputSize(5, 3, 1, 2, 2)).toBe(2); // ⌊(5 + 2 − 4 − 1)/2⌋ + 1
    expect(convOutputSize(5, 5, 0, 1)).toBe(1);
    expect(convOutputSize(3, 5, 1, 1)).toBe(1); // padded to 5
  });
  it('throws for an empty output or invalid arguments', () => {
    expect(() => convOutputSize(4, 5, 0, 1)).toThrow(ShapeError);
    expect(() => convOutputSize(4, 5, 0, 1)).toThrow(/convOutputSize: input size 4 with padding 0 is 4, smaller than the kernel 5/);
    expect(() => convOutputSize(5, 3, 0, 1, 3)).toThrow(/dilation 3 spans 7/);
    expect(() => convOutputSize(28, 5, 0, 0)).toThrow(ArgumentError);
    expect(() => convOutputSize(28, 0, 0, 1)).toThrow(/kernel must be an integer ≥ 1, got 0/);
    expect(() => convOutputSize(28, 5, -1, 1)).toThrow(ArgumentError);
    expect(() => convOutputSize(28, 2.5, 0, 1)).toThrow(ArgumentError);
    expect(() => convOutputSize(28, 5, 0, 1, 0)).toThrow(ArgumentError);
  });
});

describe('conv2d reference values', () => {
  it('single channel 3×3 kernel on a 4×4 input (cross-correlation, no flip)', () => {
    const x = seq([1, 1, 4, 4]);
    expect(conv2d(x, ones([1, 1, 3, 3]))).toBeAllClose(tensor([[[[54, 63], [90, 99]]]]));
    // out(i, j) = x[i, j] + 2·x[i + 2, j + 2]; a flipped kernel would give 2·x[i, j] + x[i + 2, j + 2].
    const k = tensor([[[[1, 0, 0], [0, 0, 0], [0, 0, 2]]]]);
    expect(conv2d(x, k)).toBeAllClose(tensor([[[[23, 26], [35, 38]]]]));
  });

  it('each kernel spans all input channels and sums them, plus its bias', () => {
    // channel 0 = 1..9, channel 1 = all ones.
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]);
    const w = tensor([
      [[[1, 1], [1, 1]], [[0.5, 0.5], [0.5, 0.5]]], // 2×2 sums of channel 0 + 4·0.5
      [[[0, 0], [0, 0]], [[1, 1], [1, 1]]], // 4 from channel 1 only
    ]);
    const y = conv2d(x, w, tensor([10, -1]));
    expect(y).toBeAllClose(tensor([[[[24, 28], [36, 40]], [[3, 3], [3, 3]]]]));
  });

  it('6 kernels of 5×5 give 6 feature maps (padding 2 keeps 28×28)', () => {
    const x = randn([2, 1, 28, 28], { generator: new Generator(1) });
    const w = zeros([6, 1, 5, 5]);
    for (let o = 0; o < 6; o++) w.data[o * 25 + 12] = o + 1; // a centred delta scaled by o + 1
    const y = conv2d(x, w, null, { padding: 2 });
    expect(y.shape).toEqual([2, 6, 28, 28]);
    for (let o = 0; o < 6; o++) expect(y.select(1, o)).toBeAllClose(x.select(1, 0).mul(o + 1));
  });

  it('stride 2', () => {
    // 3×3 window sums of 0..24 at corners (0,0), (0,2), (2,0), (2,2): 9·(5r + c + 6).
    const y = conv2d(seq([1, 1, 5, 5], 0), ones([1, 1, 3, 3]), null, { stride: 2 });
    expect(y).toBeAllClose(tensor([[[[54, 72], [144, 162]]]]));
  });

  it('padding 1 adds a border of zeros', () => {
    const y = conv2d(seq([1, 1, 3, 3]), ones([1, 1, 3, 3]), null, { padding: 1 });
    expect(y).toBeAllClose(tensor([[[[12, 21, 16], [27, 45, 33], [24, 39, 28]]]]));
  });

  it('dilation 2 spaces the taps', () => {
    // x = 5i + j; out = x[i,j] + 2x[i,j+2] + 3x[i+2,j] + 4x[i+2,j+2] = 10·x[i,j] + 82.
    const y = conv2d(seq([1, 1, 5, 5], 0), tensor([[[[1, 2], [3, 4]]]]), null, { dilation: 2 });
    expect(y).toBeAllClose(tensor([[[[82, 92, 102], [132, 142, 152], [182, 192, 202]]]]));
  });

  it('groups 2: each output sees only its group of input channels', () => {
    const x = tensor([[[[1, 1], [1, 1]], [[2, 2], [2, 2]], [[3, 3], [3, 3]], [[4, 4], [4, 4]]]]);
    const w = tensor([[[[1]], [[10]]], [[[100]], [[1000]]]]); // [2, 2, 1, 1]
    const y = conv2d(x, w, null, { groups: 2 });
    expect(y).toBeAllClose(tensor([[[[21, 21], [21, 21]], [[4300, 4300], [4300, 4300]]]]));
  });

  it("'same' pads to keep the size, the odd extra on the bottom/right (PyTorch)", () => {
    // 2×2 ones: total padding 1 → none above/left, one below/right. Checked against torch 1.13.
    const y = conv2d(seq([1, 1, 4, 4]), ones([1, 1, 2, 2]), null, { padding: 'same' });
    expect(y).toBeAllClose(tensor([[[[14, 18, 22, 12], [30, 34, 38, 20], [46, 50, 54, 28], [27, 29, 31, 16]]]]));
    const z = conv2d(randn([1, 2, 6, 7]), randn([3, 2, 3, 3]), null, { padding: 'same', dilation: 2 });
    expect(z.shape).toEqual([1, 3, 6, 7]);
    expect(conv2d(seq([1, 1, 4, 4]), ones([1, 1, 2, 2]), null, { padding: 'valid' }).shape).toEqual([1, 1, 3, 3]);
    expect(() => conv2d(seq([1, 1, 4, 4]), ones([1, 1, 3, 3]), null, { padding: 'same', stride: 2 })).toThrow(/padding 'same' needs stride 1/);
  });

  it('non-square kernels', () => {
    const x = seq([1, 1, 3, 4]);
    expect(conv2d(x, ones([1, 1, 1, 3]))).toBeAllClose(tensor([[[[6, 9], [18, 21], [30, 33]]]]));
    expect(conv2d(x, tensor([[[[1], [-1]]]]))).toBeAllClose(full3([1, 1, 2, 4], -4));
  });

  it('a Sobel-x kernel on a vertical edge responds only at the edge', () => {
    const img = zeros([1, 1, 6, 6]);
    for (let i = 0; i < 6; i++) for (let j = 3; j < 6; j++) img.data[i * 6 + j] = 1;
    const sobelX = tensor([[[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]]);
    const y = conv2d(img, sobelX);
    expect(y).toBeAllClose(tensor([[[[0, 4, 4, 0], [0, 4, 4, 0], [0, 4, 4, 0], [0, 4, 4, 0]]]]));
  });

  it('matches PyTorch 1.13 (groups 2, stride 2, padding 1; values, dW and db of ½Σy²)', () => {
    // Reference: /usr/bin/python3 with Debian's torch 1.13, the same det() inputs, float64:
    //   y = F.conv2d(x, w, b, stride=2, padding=1, groups=2); (y*y).sum().div(2).backward()
    const x = det([1, 4, 5, 5], 37, 17, 8, 4);
    const w = det([4, 2, 3, 3], 13, 11, 5, 5).requiresGrad_();
    const b = tensor([0.5, -0.25, 1.0, 0.0], { dtype: 'float64' }).requiresGrad_();
    const y = conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 });
    expect(y).toBeAllClose(tensor([
      -3.25, 1.4, -0.85, 0.85, -0.45, 1.1, -0.2, -0.1, 2.15, 2.55, 0.45, -1.8, -1.4, 3.2, 1.95, 0.9, -2.55, -0.35,
      -1.65, 3.35, 3.15, 0.85, 0.75, 0.85, 0.9, 0.95, -1.25, -3.4, 3.7, -2.05, -1.95, 4.25, -1.4, -2.25, -0.05, -0.1,
    ], { shape: [1, 4, 3, 3] }), { atol: 1e-9 });
    y.mul(y).sum().div(2).backward();
    expect(w.grad!).toBeAllClose([
      -2.325, 1.4625, -1.55, -7.55, 4.3125, 6.425, -4.2875, -6.525, 7.175, 2.825, -0.1125, -0.525, 0.475, 5.875, 0.6,
      -0.275, 5.1875, 1.025, -9.475, 1.275, 6.1875, 1.9875, -17.5625, -2.9125, 2.025, -5.3125, -10.675, 5.3, -1.825,
      2.625, 0.8, 12.0375, 4.725, -4.925, 6.1125, 3.675, 3.675, 2.3125, -0.4875, -10.5625, -1.9, 3.45, 1.575, -8.2375,
      -7.1, -1.275, 0.0, -1.8875, 5.2125, 8.1, 4.8125, -1.675, 8.3625, 2.075, 9.0, -8.9875, -9.25, 0.85, -0.4125,
      -4.5125, 14.5125, -1.2375, -19.6125, -4.125, -3.1125, 8.6, -9.175, -1.2125, 4.5125, -11.4, -6.3375, 7.675,
    ], { atol: 1e-9 });
    expect(b.grad!).toBeAllClose([0.65, 2.95, 7.9, -3.25], { atol: 1e-9 });
  });

  it("matches PyTorch 1.13 for 'same' with dilation and with an even kernel", () => {
    // F.conv2d(x2, w2, None, padding='same', dilation=(2, 1)), torch 1.13, float64.
    const y = conv2d(det([1, 2, 5, 6], 37, 17, 8, 4), det([3, 2, 2, 3], 13, 11, 5, 5), null, { padding: 'same', dilation: [2, 1] });
    expect(y).toBeAllClose(tensor([
      -2.7, -2.2, -0.7, 5.05, 3.15, -0.05, -0.6, 1.75, 1.0, 4.5, -2.2, -2.05, -0.55, 1.5, 5.0, 0.85, -4.15, -2.25,
      -0.5, 1.25, 4.75, 0.6, -3.55, 0.1, 0.85, 1.2, -1.05, -1.6, 0.4, 0.5, -0.6, -3.1, -3.1, -0.55, 3.7, 2.35, -0.8,
      -1.15, -1.6, -1.2, 6.0, -1.7, -1.05, -1.3, 0.8, 2.9, 2.45, -1.65, -1.3, -1.45, 0.65, 2.75, 1.45, -0.75, 0.45,
      1.5, -0.65, -1.1, -0.7, -0.2, 2.05, -0.7, -2.2, -2.85, -1.8, 2.0, 0.1, -0.75, -0.9, -3.6, -1.2, 4.7, 0.1, -0.8,
      -0.1, -1.1, 3.0, 4.45, 0.1, -0.85, -0.15, -1.15, 0.4, 3.35, 0.05, 1.8, -0.25, -0.6, -1.8, -0.9,
    ], { shape: [1, 3, 5, 6] }), { atol: 1e-9 });
    // F.conv2d(x2b, w2b, None, padding='same'): a 2×4 kernel pads rows 0+1 and columns 1+2.
    const z = conv2d(det([1, 2, 4, 5], 37, 17, 8, 4), det([2, 2, 2, 4], 13, 11, 5, 5), null, { padding: 'same' });
    expect(z).toBeAllClose(tensor([
      4.95, 8.15, -1.1, -4.05, -1.8, -1.0, 4.4, 5.35, -2.15, -1.6, -1.85, 2.35, 4.15, -1.1, -2.25, -2.3, -2.5, -1.0,
      4.65, 2.25, 8.85, -0.1, -5.9, -5.3, -1.1, 1.3, 11.7, -1.75, -4.15, -2.05, -0.3, 8.2, 4.1, -3.85, -3.85, -1.5,
      1.65, 6.1, 0.4, -0.7,
    ], { shape: [1, 2, 4, 5] }), { atol: 1e-9 });
  });
});

function full3(shape: number[], v: number): Tensor {
  return zeros(shape).add(v);
}

describe('conv2d against a direct convolution (float32, random)', () => {
  const configs: [number[], number[], Conv2dOptions][] = [
    [[2, 3, 9, 11], [4, 3, 3, 3], {}],
    [[3, 4, 9, 11], [6, 2, 3, 4], { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }],
    [[2, 6, 8, 8], [6, 1, 3, 3], { padding: 1, groups: 6 }], // depthwise
    [[4, 1, 28, 28], [6, 1, 5, 5], { padding: 2 }], // LeNet conv1
    [[4, 6, 14, 14], [16, 6, 5, 5], {}], // LeNet conv2
    [[2, 3, 7, 7], [5, 3, 1, 1], { stride: 2 }],
    [[1, 2, 10, 9], [3, 2, 4, 2], { stride: 3, padding: [3, 1], dilation: [1, 3] }],
  ];
  for (const [xs, ws, opts] of configs) {
    it(`x ${JSON.stringify(xs)}, w ${JSON.stringify(ws)}, ${JSON.stringify(opts)}`, () => {
      const g = new Generator(xs[0] * 31 + ws[0]);
      const x = randn(xs, { generator: g }), w = randn(ws, { generator: g }), b = randn([ws[0]], { generator: g });
      const y = conv2d(x, w, b, opts);
      const ref = naiveConv2d(x, w, b, opts);
      expect(y.dtype).toBe('float32');
      expect(y).toBeAllClose(ref, { rtol: 1e-4, atol: 1e-4 });
    });
  }

  it('batch gradients are the sums of per-sample gradients', () => {
    const g = new Generator(5);
    const opts: Conv2dOptions = { stride: 2, padding: 1 };
    const x = randn([7, 5, 9, 9], { generator: g }).requiresGrad_();
    const w = randn([6, 5, 3, 3], { generator: g }).requiresGrad_();
    const b = randn([6], { generator: g }).requiresGrad_();
    const y = conv2d(x, w, b, opts);
    const gy = randn([...y.shape], { generator: g });
    y.backward(gy);
    let dw = zeros([6, 5, 3, 3]), db = zeros([6]);
    for (let n = 0; n < 7; n++) {
      const xn = x.detach().narrow(0, n, 1).contiguous().requiresGrad_();
      const wn = w.detach().requiresGrad_(), bn = b.detach().requiresGrad_();
      const yn = conv2d(xn, wn, bn, opts);
      expect(yn).toBeAllClose(y.detach().narrow(0, n, 1), { rtol: 1e-5, atol: 1e-5 });
      yn.backward(gy.narrow(0, n, 1).contiguous());
      expect(xn.grad!).toBeAllClose(x.grad!.narrow(0, n, 1), { rtol: 1e-5, atol: 1e-5 });
      dw = dw.add(wn.grad!);
      db = db.add(bn.grad!);
    }
    expect(w.grad!).toBeAllClose(dw, { rtol: 1e-4, atol: 1e-4 });
    expect(b.grad!).toBeAllClose(db, { rtol: 1e-4, atol: 1e-4 });
  });
});

describe('conv2d gradients (float64 central differences)', () => {
  const cases: [string, number[], number[], Conv2dOptions, boolean][] = [
    ['default (5 output channels)', [2, 3, 5, 5], [5, 3, 3, 3], {}, true],
    ['stride 2, padding 1', [2, 2, 6, 5], [3, 2, 3, 3], { stride: 2, padding: 1 }, true],
    ['stride [2,1], padding [0,2], dilation [1,2]', [1, 2, 6, 7], [3, 2, 2, 3], { stride: [2, 1], padding: [0, 2], dilation: [1, 2] }, true],
    ['groups 2, dilation 2, padding 1', [1, 4, 5, 6], [6, 2, 3, 2], { groups: 2, dilation: 2, padding: 1 }, true],
    ['depthwise (groups = channels), no bias', [2, 3, 4, 4], [3, 1, 3, 3], { groups: 3, padding: 1 }, false],
    ["'same' with an even kernel", [1, 2, 5, 4], [2, 2, 2, 3], { padding: 'same' }, true],
    ['stride 3, padding 2, non-square', [1, 1, 7, 8], [2, 1, 3, 2], { stride: 3, padding: 2 }, false],
  ];
  for (const [name, xs, ws, opts, withBias] of cases) {
    it(name, () => {
      const inputs = [leaf(xs, 1), leaf(ws, 2)];
      if (withBias) inputs.push(leaf([ws[0]], 3));
      gradcheck(`conv2d ${name}`, (x, w, b) => conv2d(x, w, b ?? null, opts), inputs);
    });
  }
  it('only the inputs that require grad get one', () => {
    const x = leaf([1, 2, 4, 4], 1), w = leaf([3, 2, 3, 3], 2).detach(), b = leaf([3], 3);
    conv2d(x, w, b).sum().backward();
    expect(w.grad).toBeNull();
    expect(x.grad!.shape).toEqual([1, 2, 4, 4]);
    expect(b.grad!).toBeAllClose([4, 4, 4]); // Σ over the 2×2 outputs of each channel
  });
});

describe('conv1d', () => {
  it('is conv2d with H = 1', () => {
    const x = tensor([[[1, 2, 3, 4, 5]]]);
    expect(conv1d(x, tensor([[[1, 0, -1]]]))).toBeAllClose(tensor([[[-2, -2, -2]]]));
    expect(conv1d(x, tensor([[[1, 1]]]), tensor([1]), { stride: 2 })).toBeAllClose(tensor([[[4, 8]]]));
    expect(conv1d(x, tensor([[[1, 1, 1]]]), null, { padding: 1 })).toBeAllClose(tensor([[[3, 6, 9, 12, 9]]]));
    expect(conv1d(x, tensor([[[1, 1]]]), null, { dilation: 3 })).toBeAllClose(tensor([[[5, 7]]]));
    expect(conv1d(randn([2, 4, 10]), randn([6, 2, 4]), null, { padding: 'same', groups: 2 }).shape).toEqual([2, 6, 10]);
  });
  it('has correct gradients', () => {
    gradcheck('conv1d', (x, w, b) => conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2 }), [leaf([2, 3, 9], 1), leaf([4, 3, 3], 2), leaf([4], 3)]);
  });
  it('names conv1d and both shapes in errors', () => {
    expect(() => conv1d(randn([2, 3, 9]), randn([4, 2, 3]))).toThrow(
      'conv1d: expected input with 2 channels (weight [4, 2, 3], groups 1), got input of shape [2, 3, 9]',
    );
    expect(() => conv1d(randn([2, 3, 9, 1]), randn([4, 3, 3]))).toThrow(/conv1d: expected a 3-D input/);
    expect(() => conv1d(randn([2, 3, 4]), randn([4, 3, 5]), null, { padding: 0 })).toThrow(
      'conv1d: input [2, 3, 4] is too small for weight [4, 3, 5]: length 4 with padding 0 is 4, smaller than the kernel 5: the output would be empty',
    );
    expect(() => conv1d(randn([2, 3, 4]), randn([4, 3, 1]), null, { groups: 0 })).toThrow(/conv1d: groups must be an integer ≥ 1, got 0/);
  });
});

describe('conv2d errors', () => {
  it('name the op and both shapes', () => {
    expect(() => conv2d(zeros([64, 1, 28, 28]), zeros([6, 3, 5, 5]))).toThrow(
      'conv2d: expected input with 3 channels (weight [6, 3, 5, 5], groups 1), got input of shape [64, 1, 28, 28]',
    );
    expect(() => conv2d(zeros([1, 4, 8, 8]), zeros([6, 2, 3, 3]), null, { groups: 4 })).toThrow(ShapeError);
    expect(() => conv2d(zeros([1, 4, 8, 8]), zeros([5, 2, 3, 3]), null, { groups: 2 })).toThrow(/5 output channels, not divisible by groups 2/);
    expect(() => conv2d(zeros([1, 1, 8, 8]), zeros([6, 1, 3, 3]), zeros([5]))).toThrow(
      'conv2d: expected bias of shape [6] for weight [6, 1, 3, 3], got bias of shape [5]',
    );
    expect(() => conv2d(zeros([1, 28, 28]), zeros([6, 1, 5, 5]))).toThrow(/conv2d: expected a 4-D input \[N, C, H, W\], got shape \[1, 28, 28\]/);
    expect(() => conv2d(zeros([1, 1, 8, 8]), zeros([6, 5, 5]))).toThrow(/4-D weight/);
    expect(() => conv2d(zeros([1, 1, 8, 8]), zeros([6, 1, 3, 3]), null, { stride: 0 })).toThrow(ArgumentError);
    expect(() => conv2d(zeros([1, 1, 8, 8]), zeros([6, 1, 3, 3]), null, { padding: -1 })).toThrow(/padding must be an integer ≥ 0, got -1/);
    expect(() => conv2d(zeros([1, 1, 8, 8], { dtype: 'int32' }), zeros([6, 1, 3, 3]))).toThrow(DTypeError);
  });
  it('a too-small input names the sizes', () => {
    expect(() => conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 5, 5]))).toThrow(
      'conv2d: input [1, 1, 3, 3] is too small for weight [1, 1, 5, 5]: height 3 with padding 0 is 3, smaller than the kernel 5: the output would be empty',
    );
    expect(() => conv2d(zeros([1, 1, 9, 4]), zeros([1, 1, 3, 3]), null, { dilation: 2 })).toThrow(/: width 4 with padding 0 is 4, smaller than the kernel 3 \(dilation 2 spans 5\)/);
    expect(conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 5, 5]), null, { padding: 1 }).shape).toEqual([1, 1, 1, 1]);
  });
});

describe('conv2d dtypes and views', () => {
  it('float64 when an operand is float64; non-contiguous inputs are read correctly', () => {
    const x = randn([2, 3, 6, 5]);
    const w = randn([4, 3, 3, 3]);
    expect(conv2d(x.double(), w).dtype).toBe('float64');
    const xt = x.transpose(2, 3); // [2, 3, 5, 6], a strided view
    expect(conv2d(xt, w)).toBeAllClose(conv2d(xt.contiguous(), w), { atol: 1e-6 });
  });
  it('records no graph under noGrad', () => {
    const w = randn([4, 3, 3, 3], { requiresGrad: true });
    const y = noGrad(() => conv2d(randn([1, 3, 5, 5]), w));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
  });
});
