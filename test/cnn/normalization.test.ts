import { describe, it, expect } from 'vitest';
import {
  BatchNorm1d, BatchNorm2d, LocalResponseNorm, LocalContrastNorm, Sequential, Conv2d,
  F, Generator, Tensor, tensor, zeros, randn, preprocess, ShapeError, ArgumentError,
} from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

/** sin(a·i + b)·s + (i mod 3)·0.2 in row-major order: the inputs the PyTorch references below were computed on. */
function det(shape: number[], a = 0.37, b = 0.5, s = 1.5): Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(a * i + b) * s + (i % 3) * 0.2;
  return tensor(v, { shape });
}

describe('BatchNorm2d', () => {
  it('has PyTorch parameters, buffers, state-dict keys and printed form', () => {
    const bn = new BatchNorm2d(3);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.weight!).toBeAllClose([1, 1, 1]);
    expect(bn.bias!).toBeAllClose([0, 0, 0]);
    expect(bn.runningMean).toBe(bn.running_mean);
    expect(bn.running_var!).toBeAllClose([1, 1, 1]);
    expect(bn.num_batches_tracked!.dtype).toBe('int32');
    expect(bn.num_batches_tracked!.shape).toEqual([]);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(String(new BatchNorm2d(6))).toBe('BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
    expect(String(new BatchNorm2d(6, { momentum: null, affine: false, trackRunningStats: false })))
      .toBe('BatchNorm2d(6, eps=1e-05, momentum=None, affine=False, track_running_stats=False)');
    expect(String(new BatchNorm2d(6, { eps: 1e-3, momentum: 0.5 }))).toBe('BatchNorm2d(6, eps=0.001, momentum=0.5, affine=True, track_running_stats=True)');
    const plain = new BatchNorm2d(4, { affine: false, trackRunningStats: false });
    expect(Object.keys(plain.stateDict())).toEqual([]);
    expect(plain.parameters()).toEqual([]);
  });

  it('matches PyTorch 1.13: outputs and running statistics after two batches, then eval', () => {
    // torch: bn = nn.BatchNorm2d(3).double(); weight [1, 2, −0.5], bias [0, 0.5, 1];
    //   x1 = det([2,3,2,2]); x2 = det([2,3,2,2], 0.61, −0.3, 2.0) + 1; y1 = bn(x1); bn(x2); bn.eval(); bn(x1)
    const bn = new BatchNorm2d(3, { dtype: 'float64' });
    bn.weight!.data.set([1, 2, -0.5]);
    bn.bias!.data.set([0, 0.5, 1]);
    const x1 = det([2, 3, 2, 2]), x2 = det([2, 3, 2, 2], 0.61, -0.3, 2.0).add(1);
    const y1 = bn.forward(x1);
    expect(y1).toBeAllClose(tensor([
      0.3932124181497058, 0.93111774129285, 1.3359754232836234, 1.0617487869408515, 2.6859513906672765, 2.249676188107649,
      -1.1676982187457678, -2.515070469526157, 1.1552820132330117, 1.536731997275653, 1.6034036984600009, 1.5936690604045058,
      -1.4763444460486428, -1.1151237365575872, -0.610001483544562, -0.5205847035162384, -2.0055900574299104, 0.8916872568978884,
      0.991662798157073, 2.8693811118719497, 0.30548842958127653, 0.5327718814242539, 0.581158342299613, 0.691494577321685,
    ], { dtype: 'float64', shape: [2, 3, 2, 2] }), { rtol: 1e-10, atol: 1e-10 });
    bn.forward(x2);
    expect(bn.running_mean!).toBeAllClose([0.2614814997685404, 0.1558822585225922, 0.11490439308323767], { rtol: 1e-10, atol: 1e-12 });
    expect(bn.running_var!).toBeAllClose([1.041444302008178, 1.0191266497741693, 1.1450124944218834], { rtol: 1e-10, atol: 1e-12 });
    expect(bn.num_batches_tracked!.item()).toBe(2);
    bn.eval();
    expect(bn.forward(x1)).toBeAllClose(tensor([
      0.4484559786058287, 1.063198596303768, 1.5258883309355569, 1.2124896843432544, 3.313754021865369, 3.0979156392738556,
      1.4072383778632376, 0.7406530536208419, 1.0862037679103176, 1.498976328492586, 1.5711227434028114, 1.5605887503641354,
      -1.6881584611189107, -1.2753390392517177, -0.6980624020542192, -0.5958728473951651, 0.992708241409981, 2.4260779258997323,
      2.475538814342376, 3.4045021874996917, 0.1666298049681744, 0.41257652490489616, 0.46493621605329866, 0.5843326563739684,
    ], { dtype: 'float64', shape: [2, 3, 2, 2] }), { rtol: 1e-10, atol: 1e-10 });
    expect(bn.num_batches_tracked!.item()).toBe(2);
  });

  it('momentum null keeps a cumulative average (PyTorch 1.13)', () => {
    const bn = new BatchNorm2d(3, { momentum: null, dtype: 'float64' });
    bn.forward(det([2, 3, 2, 2]));
    bn.forward(det([2, 3, 2, 2], 0.61, -0.3, 2.0).add(1));
    expect(bn.running_mean!).toBeAllClose([1.320434373916334, 0.8309252850204945, 0.5890233726017363], { rtol: 1e-10 });
    expect(bn.running_var!).toBeAllClose([1.2349488735477943, 1.0598864777209314, 1.7516784179957345], { rtol: 1e-10 });
  });

  it('normalises each channel to mean 0, variance 1 in training; eval with fresh stats is the identity', () => {
    const x = randn([8, 4, 5, 5], { mean: 3, std: 2 });
    const y = new BatchNorm2d(4).forward(x);
    expect(y.mean([0, 2, 3])).toBeAllClose(zeros([4]), { atol: 1e-5 });
    expect(y.var([0, 2, 3], false, 0)).toBeAllClose([1, 1, 1, 1], { atol: 1e-3 });
    const bn = new BatchNorm2d(4).eval();
    expect(bn.forward(x)).toBeAllClose(x.div(Math.sqrt(1 + 1e-5)), { rtol: 1e-5 });
    // without running statistics, batch statistics in eval too
    const noStats = new BatchNorm2d(4, { trackRunningStats: false }).eval();
    expect(noStats.forward(x)).toBeAllClose(y, { atol: 1e-5 });
  });

  it('has correct gradients in training mode (batch statistics) and in eval mode (float64)', () => {
    const bn = new BatchNorm2d(3, { dtype: 'float64' });
    bn.weight!.data.set([1.5, -0.7, 0.9]);
    bn.bias!.data.set([0.1, 0.2, -0.3]);
    gradcheck('BatchNorm2d train', (x) => bn.forward(x), [leaf([2, 3, 3, 2], 1), bn.weight!, bn.bias!]);
    bn.eval();
    gradcheck('BatchNorm2d eval', (x) => bn.forward(x), [leaf([2, 3, 3, 2], 2), bn.weight!, bn.bias!]);
    gradcheck('F.batchNorm', (x, w, b) => F.batchNorm(x, null, null, w, b, true, 0.1, 1e-3), [leaf([3, 2, 2, 2], 3), leaf([2], 4), leaf([2], 5)]);
  });

  it('names the layer and the shapes on bad input', () => {
    const model = new Sequential(new Conv2d(1, 6, 3), new BatchNorm2d(8));
    expect(() => model.forward(zeros([2, 1, 8, 8]))).toThrow('BatchNorm2d(1): expected input with 8 channels, got shape [2, 6, 6, 6]');
    expect(() => new BatchNorm2d(3).forward(zeros([2, 3, 4]))).toThrow('BatchNorm2d: expected a 4-D input [N, C, H, W], got shape [2, 3, 4]');
    expect(() => new BatchNorm2d(3).forward(zeros([1, 3, 1, 1]))).toThrow(
      'BatchNorm2d: expected more than 1 value per channel in training mode, got input of shape [1, 3, 1, 1]',
    );
    expect(() => new BatchNorm2d(3).forward(zeros([1, 3, 1, 1]))).toThrow(ShapeError);
    expect(new BatchNorm2d(3).eval().forward(zeros([1, 3, 1, 1])).shape).toEqual([1, 3, 1, 1]);
    expect(() => new BatchNorm2d(0)).toThrow(ArgumentError);
    expect(() => new BatchNorm2d(3, { momentum: 2 })).toThrow('BatchNorm2d: momentum must be in [0, 1] or null, got 2');
  });

  it('round-trips through stateDict / loadStateDict and toDType', () => {
    const a = new BatchNorm2d(2);
    a.forward(randn([4, 2, 3, 3]));
    const b = new BatchNorm2d(2);
    b.loadStateDict(a.stateDict());
    expect(b.running_mean!).toBeAllClose(a.running_mean!);
    expect(b.num_batches_tracked!.item()).toBe(1);
    a.resetRunningStats();
    expect(a.running_var!).toBeAllClose([1, 1]);
    expect(a.num_batches_tracked!.item()).toBe(0);
    const d = new BatchNorm2d(2).double();
    expect(d.running_mean!.dtype).toBe('float64');
    expect(d.num_batches_tracked!.dtype).toBe('int32');
  });
});

describe('BatchNorm1d', () => {
  it('normalises [N, C] and [N, C, L] per channel, like BatchNorm2d', () => {
    expect(String(new BatchNorm1d(6))).toBe('BatchNorm1d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
    const x = det([4, 3, 5]);
    const bn1 = new BatchNorm1d(3, { dtype: 'float64' }), bn2 = new BatchNorm2d(3, { dtype: 'float64' });
    expect(bn1.forward(x)).toBeAllClose(bn2.forward(x.unsqueeze(3)).squeeze(3), { rtol: 1e-12 });
    expect(bn1.running_var!).toBeAllClose(bn2.running_var!, { rtol: 1e-12 });
    const flat = new BatchNorm1d(5).forward(randn([16, 5], { std: 4 }));
    expect(flat.mean(0)).toBeAllClose(zeros([5]), { atol: 1e-5 });
    gradcheck('BatchNorm1d', (v) => new BatchNorm1d(2, { dtype: 'float64' }).forward(v), [leaf([4, 2], 6)]);
    expect(() => new BatchNorm1d(3).forward(zeros([2, 3, 4, 4]))).toThrow('BatchNorm1d: expected a 2-D or 3-D input [N, C] or [N, C, L], got shape [2, 3, 4, 4]');
  });
});

describe('LocalResponseNorm', () => {
  it('matches PyTorch 1.13 for odd and even sizes: b_c = a_c (k + α/n Σ a²)^(−β)', () => {
    // torch: nn.LocalResponseNorm(size, alpha=0.5, beta=0.75, k=1.0)(det([1, 5, 2, 1])), size 3 and 4
    const x = det([1, 5, 2, 1]);
    expect(new LocalResponseNorm(3, { alpha: 0.5, beta: 0.75, k: 1 }).forward(x)).toBeAllClose([
      0.49680388798154174, 0.9138659946200163, 1.0609657181601784, 0.8795751442590906, 0.9274310686548405,
      0.9659478499946434, 0.4579980725827473, 0.2023106812730086, -0.06643689951636365, -0.850278778603066,
    ], { rtol: 1e-10 });
    expect(new LocalResponseNorm(4, { alpha: 0.5, beta: 0.75, k: 1 }).forward(x)).toBeAllClose([
      0.5364585243373406, 0.9897428273434339, 1.1758869421290383, 0.9740400172230164, 0.9994106487566721,
      0.9496277713760277, 0.3997166544194939, 0.18854105145996225, -0.05530476816685285, -0.7435231461060203,
    ], { rtol: 1e-10 });
  });

  it('agrees with the formula computed by hand at one pixel', () => {
    const x = det([2, 4, 3, 3]);
    const y = new LocalResponseNorm(3, { alpha: 0.3, beta: 0.6, k: 2 }).forward(x);
    // channel 0 of sample 1 at (2, 1): window channels −1..1 → 0 and 1, divided by n = 3
    const a = (c: number) => x.select(0, 1).select(0, c).select(0, 2).select(0, 1).item();
    const expected = a(0) * Math.pow(2 + (0.3 / 3) * (a(0) ** 2 + a(1) ** 2), -0.6);
    expect(y.select(0, 1).select(0, 0).select(0, 2).select(0, 1).item()).toBeCloseTo(expected, 12);
  });

  it('prints like PyTorch, has correct gradients, rejects bad input', () => {
    expect(String(new LocalResponseNorm(5))).toBe('LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=1.0)');
    gradcheck('LocalResponseNorm', (x) => new LocalResponseNorm(3, { alpha: 0.5, beta: 0.75, k: 1 }).forward(x), [leaf([2, 4, 2, 3], 7)]);
    gradcheck('LocalResponseNorm 3-D even', (x) => F.localResponseNorm(x, 2, 0.4, 0.6, 1.5), [leaf([2, 3, 4], 8)]);
    expect(() => new LocalResponseNorm(3).forward(zeros([4, 3]))).toThrow('LocalResponseNorm: expected an input [N, C, ...] with at least 3 axes, got shape [4, 3]');
    expect(() => new LocalResponseNorm(0)).toThrow(ArgumentError);
  });
});

describe('LocalContrastNorm', () => {
  it('gives the values of preprocess.localContrastNormalize', () => {
    const x = randn([2, 3, 9, 8], { generator: new Generator(3) }).mul(0.3).add(0.5);
    for (const w of [3, 5, 9]) {
      const ours = new LocalContrastNorm(w).forward(x);
      expect(ours).toBeAllClose(preprocess.localContrastNormalize(x, { windowSize: w }), { rtol: 1e-4, atol: 1e-4 });
    }
    // a flat region has σ = 0 < eps: (x − μ)/eps = 0
    expect(new LocalContrastNorm(3).forward(zeros([1, 1, 4, 4]).add(0.7))).toBeAllClose(zeros([1, 1, 4, 4]), { atol: 1e-4 });
    expect(String(new LocalContrastNorm(7, { eps: 0.05 }))).toBe('LocalContrastNorm(window_size=7, eps=0.05)');
  });

  it('has a gradient (float64)', () => {
    gradcheck('LocalContrastNorm', (x) => new LocalContrastNorm(3, { eps: 1e-3 }).forward(x), [leaf([1, 2, 5, 4], 9)], { atol: 1e-5, rtol: 1e-4 });
  });

  it('rejects bad settings and input', () => {
    expect(() => new LocalContrastNorm(4)).toThrow('LocalContrastNorm: windowSize must be a positive odd integer, got 4');
    expect(() => new LocalContrastNorm(3).forward(zeros([4, 4]))).toThrow('LocalContrastNorm: expected a 4-D input [N, C, H, W], got shape [4, 4]');
  });
});
