import { describe, it, expect } from 'vitest';
import {
  Conv2d, Conv1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d, Sequential, ReLU, filters,
  F, Generator, Tensor, tensor, zeros, ones, randn, arange, manualSeed, ShapeError, ArgumentError,
} from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

/** Max |v| and mean v² of a tensor's values. */
function stats(t: Tensor): { maxAbs: number; meanSq: number } {
  const v = t.toFlatArray();
  return { maxAbs: Math.max(...v.map(Math.abs)), meanSq: v.reduce((s, x) => s + x * x, 0) / v.length };
}

describe('Conv2d', () => {
  it('has weight [out, in/groups, kH, kW] and PyTorch default init U(−1/√fanIn, 1/√fanIn)', () => {
    const conv = new Conv2d(6, 16, 5, { generator: new Generator(1) });
    expect(conv.weight.shape).toEqual([16, 6, 5, 5]);
    expect(conv.bias!.shape).toEqual([16]);
    const bound = 1 / Math.sqrt(6 * 25);
    const w = stats(conv.weight), b = stats(conv.bias!);
    expect(w.maxAbs).toBeLessThanOrEqual(bound);
    expect(w.maxAbs).toBeGreaterThan(0.95 * bound);
    expect(w.meanSq).toBeGreaterThan(0.9 * bound * bound / 3);
    expect(w.meanSq).toBeLessThan(1.1 * bound * bound / 3);
    expect(b.maxAbs).toBeLessThanOrEqual(bound);
    // groups divide the input channels of each kernel (and fanIn)
    const grouped = new Conv2d(4, 6, [3, 2], { groups: 2, bias: false, generator: new Generator(2) });
    expect(grouped.weight.shape).toEqual([6, 2, 3, 2]);
    expect(grouped.bias).toBeNull();
    expect(stats(grouped.weight).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(2 * 6));
    expect(new Conv2d(1, 2, 3, { dtype: 'float64' }).weight.dtype).toBe('float64');
  });

  it('is reproducible from a seed', () => {
    manualSeed(3);
    const a = new Conv2d(1, 6, 5);
    manualSeed(3);
    const b = new Conv2d(1, 6, 5);
    expect(a.weight).toBeAllClose(b.weight);
    expect(a.bias!).toBeAllClose(b.bias!);
  });

  it('prints like PyTorch', () => {
    expect(String(new Conv2d(1, 6, 5, { padding: 2 }))).toBe('Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))');
    expect(String(new Conv2d(6, 16, 5))).toBe('Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))');
    // torch: nn.Conv2d(3, 6, (3, 5), stride=2, padding=1, dilation=2, groups=3, bias=False)
    expect(String(new Conv2d(3, 6, [3, 5], { stride: 2, padding: 1, dilation: 2, groups: 3, bias: false })))
      .toBe('Conv2d(3, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=3, bias=False)');
    expect(String(new Conv2d(1, 6, 3, { padding: 'same' }))).toBe('Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1), padding=same)');
  });

  it('computes F.conv2d with its weights and settings', () => {
    const conv = new Conv2d(4, 6, 3, { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 2 });
    const x = randn([2, 4, 9, 11]);
    const y = conv.forward(x);
    expect(y.shape).toEqual([2, 6, 5, 4]); // H: ⌊(9 + 2 − 3)/2⌋ + 1, W: ⌊(11 − 5)/2⌋ + 1 (dilated kernel spans 5)
    expect(y).toBeAllClose(F.conv2d(x, conv.weight, conv.bias, { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 2 }));
    // each output map is bias + Σ over input channels of (kernel ⋆ channel): a hand computation on one pixel
    const single = new Conv2d(2, 1, 2, { bias: true });
    single.weight.data.set([1, 2, 3, 4, -1, 0, 0, 1]);
    single.bias!.data.set([0.5]);
    const img = tensor([[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]);
    expect(single.forward(img)).toBeAllClose([0.5 + (1 + 4 + 9 + 16) + (-5 + 8)]);
  });

  it("'same' and 'valid' padding", () => {
    expect(new Conv2d(1, 2, 4, { padding: 'same' }).forward(zeros([1, 1, 7, 6])).shape).toEqual([1, 2, 7, 6]);
    expect(new Conv2d(1, 2, 3, { padding: 'same', dilation: 2 }).forward(zeros([1, 1, 5, 5])).shape).toEqual([1, 2, 5, 5]);
    expect(new Conv2d(1, 2, 3, { padding: 'valid' }).forward(zeros([1, 1, 5, 5])).shape).toEqual([1, 2, 3, 3]);
    expect(() => new Conv2d(1, 2, 3, { padding: 'same', stride: 2 })).toThrow("Conv2d: padding 'same' needs stride 1");
  });

  it('has correct gradients for input, weight and bias (float64)', () => {
    const conv = new Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2, dtype: 'float64', generator: new Generator(4) });
    gradcheck('Conv2d', (x) => conv.forward(x), [leaf([2, 4, 5, 6], 1), conv.weight, conv.bias!]);
    const same = new Conv2d(2, 3, [2, 3], { padding: 'same', dilation: [2, 1], dtype: 'float64', generator: new Generator(5) });
    gradcheck("Conv2d 'same'", (x) => same.forward(x), [leaf([1, 2, 5, 4], 2), same.weight, same.bias!]);
  });

  it('names the layer and both shapes on a channel mismatch', () => {
    const model = new Sequential(new Conv2d(3, 6, 5), new ReLU());
    expect(() => model.forward(zeros([64, 1, 28, 28]))).toThrow(ShapeError);
    expect(() => model.forward(zeros([64, 1, 28, 28]))).toThrow('Conv2d(0): expected input with 3 channels, got shape [64, 1, 28, 28]');
    const features = new Sequential(new Conv2d(3, 6, 5));
    const net = new Sequential(features);
    expect(() => net.forward(zeros([64, 1, 28, 28]))).toThrow('Conv2d(0.0): expected input with 3 channels, got shape [64, 1, 28, 28]');
    expect(() => new Conv2d(1, 6, 5).forward(zeros([1, 28, 28]))).toThrow(
      'Conv2d: expected a 4-D input [N, C, H, W], got shape [1, 28, 28] (use x.unsqueeze(0) for a single image)',
    );
  });

  it('names the sizes when the input is too small', () => {
    const model = new Sequential(new Conv2d(1, 6, 5), new ReLU(), new MaxPool2d(2), new Conv2d(6, 16, 5));
    expect(() => model.forward(zeros([2, 1, 12, 12]))).toThrow(
      'Conv2d(3): input of shape [2, 6, 4, 4] is too small: height 4 with padding 0 on each side is smaller than the kernel size 5',
    );
    expect(() => new Conv2d(1, 1, [1, 3], { dilation: 2 }).forward(zeros([1, 1, 4, 4]))).toThrow(
      'Conv2d: input of shape [1, 1, 4, 4] is too small: width 4 with padding 0 on each side is smaller than the kernel size 3 (dilation 2 spans 5)',
    );
  });

  it('rejects bad settings', () => {
    expect(() => new Conv2d(3, 6, 0)).toThrow(ArgumentError);
    expect(() => new Conv2d(0, 6, 3)).toThrow('Conv2d: inChannels must be an integer ≥ 1, got 0');
    expect(() => new Conv2d(3, 6, 3, { groups: 2 })).toThrow('Conv2d: inChannels 3 and outChannels 6 must both be divisible by groups 2');
    expect(() => new Conv2d(3, 6, 3, { padding: -1 })).toThrow(ArgumentError);
  });
});

describe('hand-made filters', () => {
  /** A 1×1×6×6 image, dark left half (0) and bright right half (1): a vertical edge between columns 2 and 3. */
  const edge = () => tensor([0, 0, 0, 1, 1, 1], { shape: [1, 1, 1, 6] }).expand([1, 1, 6, 6]).contiguous();

  it('a frozen Sobel-x layer responds at a vertical edge and nowhere else inside the image', () => {
    const conv = Conv2d.fromKernels({ sobelX: filters.sobelX, sobelY: filters.sobelY });
    expect(conv.kernelNames).toEqual(['sobelX', 'sobelY']);
    expect(conv.weight.shape).toEqual([2, 1, 3, 3]);
    expect(conv.bias).toBeNull();
    expect(conv.weight.requiresGrad).toBe(false);
    const y = conv.forward(edge());
    expect(y.shape).toEqual([1, 2, 6, 6]);
    // away from the image border (rows and columns 1..4, where the zero padding makes edges of its own):
    // sobelX = 1 + 2 + 1 = 4 at the two columns touching the edge, 0 elsewhere; sobelY = 0
    const inside = (t: Tensor, c: number) => t.select(0, 0).select(0, c).slice([1, 5], [1, 5]);
    expect(inside(y, 0)).toBeAllClose(tensor([0, 4, 4, 0]).expand([4, 4]));
    expect(inside(y, 1)).toBeAllClose(zeros([4, 4]));
    // the edge turned by 90°: sobelY responds, sobelX does not
    const horizontal = conv.forward(edge().transpose(2, 3).contiguous());
    expect(inside(horizontal, 0)).toBeAllClose(zeros([4, 4]));
    expect(inside(horizontal, 1)).toBeAllClose(tensor([0, 4, 4, 0]).reshape([4, 1]).expand([4, 4]));
  });

  it('box blur averages, sharpen keeps flat regions, identity copies', () => {
    const conv = Conv2d.fromKernels([filters.boxBlur, filters.sharpen, filters.identity], { padding: 'valid' });
    expect(conv.kernelNames).toBeNull();
    const x = arange(25).reshape([1, 1, 5, 5]);
    const y = conv.forward(x);
    expect(y.shape).toEqual([1, 3, 3, 3]);
    // on a linear ramp the 3×3 mean and 5c − neighbours both equal the centre value
    const centres = tensor([[6, 7, 8], [11, 12, 13], [16, 17, 18]]);
    expect(y.select(1, 0).squeeze(0)).toBeAllClose(centres, { atol: 1e-5 });
    expect(y.select(1, 1).squeeze(0)).toBeAllClose(centres, { atol: 1e-5 });
    expect(y.select(1, 2).squeeze(0)).toBeAllClose(centres);
  });

  it('spreads a 2-D kernel over the input channels and stays fixed under training', () => {
    const conv = Conv2d.fromKernels({ laplacian: filters.laplacian }, { inChannels: 3, bias: true });
    expect(conv.weight.shape).toEqual([1, 3, 3, 3]);
    expect(conv.weight.select(1, 2)).toBeAllClose(tensor([filters.laplacian as number[][]]));
    const x = randn([2, 3, 5, 5], { requiresGrad: true });
    conv.forward(x).sum().backward();
    expect(conv.weight.grad).toBeNull();
    expect(conv.bias!.grad).toBeNull();
    expect(x.grad!.shape).toEqual([2, 3, 5, 5]);
    const learnable = Conv2d.fromKernels([filters.sobelX], { freeze: false });
    expect(learnable.weight.requiresGrad).toBe(true);
    expect(() => Conv2d.fromKernels([filters.sobelX, [[1, 2], [3, 4]]])).toThrow(
      "Conv2d.fromKernels: kernel '1' has shape [2, 2], the first has [3, 3]; all kernels must have the same size",
    );
    expect(() => Conv2d.fromKernels([ones([2, 3, 3])], { inChannels: 3 })).toThrow("kernel '0' must be [kH, kW] or [3, kH, kW], got shape [2, 3, 3]");
  });
});

describe('Conv1d', () => {
  it('has weight [out, in/groups, K], prints like PyTorch, computes F.conv1d', () => {
    const conv = new Conv1d(4, 16, 3, { generator: new Generator(0) });
    expect(conv.weight.shape).toEqual([16, 4, 3]);
    expect(stats(conv.weight).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(12));
    expect(String(conv)).toBe('Conv1d(4, 16, kernel_size=(3,), stride=(1,))');
    expect(String(new Conv1d(4, 8, 5, { stride: 2, padding: 1, dilation: 2, groups: 4, bias: false })))
      .toBe('Conv1d(4, 8, kernel_size=(5,), stride=(2,), padding=(1,), dilation=(2,), groups=4, bias=False)');
    const x = randn([2, 4, 10]);
    expect(conv.forward(x)).toBeAllClose(F.conv1d(x, conv.weight, conv.bias));
    expect(new Conv1d(4, 16, 3, { padding: 'same' }).forward(x).shape).toEqual([2, 16, 10]);
  });

  it('has correct gradients and names the layer on bad input', () => {
    const conv = new Conv1d(2, 3, 3, { stride: 2, padding: 1, dtype: 'float64', generator: new Generator(6) });
    gradcheck('Conv1d', (x) => conv.forward(x), [leaf([2, 2, 7], 3), conv.weight, conv.bias!]);
    expect(() => conv.forward(zeros([2, 3, 7], { dtype: 'float64' }))).toThrow('Conv1d: expected input with 2 channels, got shape [2, 3, 7]');
    expect(() => new Conv1d(2, 3, 5).forward(zeros([1, 2, 4]))).toThrow(
      'Conv1d: input of shape [1, 2, 4] is too small: length 4 with padding 0 on each side is smaller than the kernel size 5',
    );
  });
});

describe('pooling layers', () => {
  it('MaxPool2d: PyTorch defaults (stride = kernel) and printed form', () => {
    const pool = new MaxPool2d(2);
    expect(String(pool)).toBe('MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)');
    expect(String(new MaxPool2d([3, 2], { stride: 1, padding: 1, ceilMode: true })))
      .toBe('MaxPool2d(kernel_size=(3, 2), stride=1, padding=1, dilation=1, ceil_mode=True)');
    const x = arange(16).reshape([1, 1, 4, 4]);
    expect(pool.forward(x)).toBeAllClose(tensor([[[[5, 7], [13, 15]]]]));
    const opts = { kernelSize: 3, stride: 2, padding: 1, ceilMode: true } as const;
    const y = randn([2, 3, 7, 6]);
    expect(new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }).forward(y)).toBeAllClose(F.maxPool2d(y, opts));
  });

  it('AvgPool2d: countIncludePad and printed form', () => {
    expect(String(new AvgPool2d(2))).toBe('AvgPool2d(kernel_size=2, stride=2, padding=0)');
    const x = ones([1, 1, 3, 3]);
    // corner window 2×2 of a 3×3 padded by 1: 4 ones over 9 (included padding) or over 4
    expect(new AvgPool2d(3, { stride: 1, padding: 1 }).forward(x).data[0]).toBeCloseTo(4 / 9, 6);
    expect(new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }).forward(x).data[0]).toBeCloseTo(1, 6);
  });

  it('AdaptiveAvgPool2d and GlobalAvgPool2d', () => {
    expect(String(new AdaptiveAvgPool2d(1))).toBe('AdaptiveAvgPool2d(output_size=1)');
    expect(String(new AdaptiveAvgPool2d([null, 7]))).toBe('AdaptiveAvgPool2d(output_size=(None, 7))');
    const x = randn([2, 3, 5, 4]);
    expect(new AdaptiveAvgPool2d([null, 2]).forward(x).shape).toEqual([2, 3, 5, 2]);
    expect(new GlobalAvgPool2d().forward(x)).toBeAllClose(x.mean([2, 3]), { atol: 1e-6 });
    expect(new GlobalAvgPool2d(true).forward(x).shape).toEqual([2, 3, 1, 1]);
    expect(() => new AdaptiveAvgPool2d(0)).toThrow(ArgumentError);
  });

  it('have correct gradients (float64)', () => {
    const avoidTies = (v: number) => Math.abs(v) < 0.05;
    gradcheck('MaxPool2d', (x) => new MaxPool2d(3, { stride: 2, padding: 1 }).forward(x), [leaf([2, 2, 5, 6], 7, 1, avoidTies)]);
    gradcheck('AvgPool2d', (x) => new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }).forward(x), [leaf([1, 2, 6, 5], 8)]);
    gradcheck('AdaptiveAvgPool2d', (x) => new AdaptiveAvgPool2d([3, 2]).forward(x), [leaf([1, 2, 5, 5], 9)]);
    gradcheck('GlobalAvgPool2d', (x) => new GlobalAvgPool2d().forward(x), [leaf([2, 3, 3, 4], 10)]);
  });

  it('name the layer and the sizes on bad input', () => {
    const model = new Sequential(new Conv2d(1, 2, 3), new MaxPool2d(2));
    expect(() => model.forward(zeros([1, 1, 3, 3]))).toThrow(
      'MaxPool2d(1): input of shape [1, 2, 1, 1] is too small: height 1 with padding 0 on each side is smaller than the kernel size 2',
    );
    expect(() => new AvgPool2d(2).forward(zeros([4, 4]))).toThrow('AvgPool2d: expected a 4-D input [N, C, H, W], got shape [4, 4]');
    expect(() => new MaxPool2d(2, { padding: 2 })).toThrow('MaxPool2d: padding 2 must be at most half the kernel size 2');
    expect(() => new GlobalAvgPool2d().forward(zeros([3, 4, 4]))).toThrow('GlobalAvgPool2d: expected a 4-D input');
  });
});
