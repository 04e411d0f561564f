import { describe, it, expect } from 'vitest';
import { preprocess, data, tensor, randn, Generator, Tensor, ShapeError, ArgumentError } from '../../src';

const { MeanSubtraction, MinMaxScaler, StandardScaler, PCA, ZCAWhitening, localContrastNormalize } = preprocess;

/** Sample covariance (divide by N − 1) of the rows of x, as nested arrays. */
function cov(x: Tensor): number[][] {
  const [n, d] = x.shape;
  const v = x.values();
  const mean = new Array<number>(d).fill(0);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += v[r * d + j] / n;
  const c = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i][j] += ((v[r * d + i] - mean[i]) * (v[r * d + j] - mean[j])) / (n - 1);
  }
  return c;
}
const identity = (d: number) => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));

/** N points of correlated D-dimensional data: z A + offset, float64. */
function correlated(n: number, d: number, seed: number): Tensor {
  const g = new Generator(seed);
  const z = randn([n, d], { dtype: 'float64', generator: g });
  const a = randn([d, d], { dtype: 'float64', generator: g });
  return z.matmul(a).add(randn([d], { dtype: 'float64', generator: g }).mul(5));
}

const frob = (a: Tensor, b: Tensor) => Math.sqrt(a.sub(b).square().sum().item());

describe('MeanSubtraction', () => {
  it('subtracts the per-feature mean of the fitted data', () => {
    const x = tensor([[1, 10], [3, 20], [5, 60]]);
    const m = new MeanSubtraction().fit(x);
    expect(m.mean).toBeAllClose([3, 30]);
    expect(m.transform(x)).toBeAllClose([[-2, -20], [0, -10], [2, 30]]);
    // Test data is centred with the training mean.
    expect(m.transform(tensor([[0, 0]]))).toBeAllClose([[-3, -30]]);
    expect(m.inverseTransform(m.transform(x))).toBeAllClose(x);
    expect(preprocess.center(x).mean(0)).toBeAllClose([0, 0]);
  });

  it('keeps image shapes: statistics per pixel of [N, C, H, W]', () => {
    const imgs = randn([6, 1, 2, 3], { generator: new Generator(1) });
    const m = new MeanSubtraction().fit(imgs);
    expect(m.mean.shape).toEqual([1, 2, 3]);
    expect(m.mean).toBeAllClose(imgs.mean(0), { atol: 1e-6 });
    const out = m.transform(imgs);
    expect(out.shape).toEqual([6, 1, 2, 3]);
    expect(out.mean(0)).toBeAllClose(new Array(6).fill(0), { atol: 1e-6 });
  });

  it('errors name the op and both shapes', () => {
    const m = new MeanSubtraction();
    expect(() => m.transform(tensor([[1, 2]]))).toThrow(/MeanSubtraction.transform: not fitted yet; call fit\(X\) first/);
    m.fit(tensor([[1, 2], [3, 4]]));
    expect(() => m.transform(tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => m.transform(tensor([[1, 2, 3]]))).toThrow(/MeanSubtraction.transform: fitted on samples of shape \[2\], got X of shape \[1, 3\]/);
    expect(() => m.fit(tensor([1, 2]))).toThrow(/MeanSubtraction.fit: expected X of shape \[N, D\] \(or \[N, \.\.\.features\]\), got shape \[2\]/);
    expect(() => m.fit(tensor([[]]).reshape(0, 3))).toThrow(/MeanSubtraction.fit: needs at least one sample, got X of shape \[0, 3\]/);
  });
});

describe('MinMaxScaler', () => {
  it('maps each feature to [0, 1]; a constant feature maps to 0, not NaN', () => {
    const x = tensor([[0, 5, -1], [2, 5, 1], [4, 5, 0]]);
    const s = new MinMaxScaler().fit(x);
    expect(s.dataMin).toBeAllClose([0, 5, -1]);
    expect(s.dataMax).toBeAllClose([4, 5, 1]);
    const y = s.transform(x);
    expect(y).toBeAllClose([[0, 0, 0], [0.5, 0, 1], [1, 0, 0.5]]);
    expect(y.toFlatArray().some(Number.isNaN)).toBe(false);
    expect(s.transform(tensor([[8, 7, 3]]))).toBeAllClose([[2, 0, 2]]);
    expect(s.inverseTransform(y)).toBeAllClose(x);
    expect(preprocess.minMaxScale(x).max(0)).toBeAllClose([1, 0, 1]);
  });
});

describe('StandardScaler', () => {
  it('z-scores with the population std', () => {
    const x = tensor([[1, 2], [3, 2], [5, 2], [7, 2]], { dtype: 'float64' });
    const s = new StandardScaler().fit(x);
    expect(s.mean).toBeAllClose([4, 2]);
    // Population std of 1, 3, 5, 7 is sqrt(5), not the sample std sqrt(20/3).
    expect(s.std).toBeAllClose([Math.sqrt(5), 0]);
    expect(s.mean.dtype).toBe('float64');
    const y = s.transform(x);
    expect(y.select(1, 0)).toBeAllClose([-3, -1, 1, 3].map((v) => v / Math.sqrt(5)), { atol: 1e-12 });
    expect(y.select(1, 1)).toBeAllClose([0, 0, 0, 0]);
    expect(s.inverseTransform(y)).toBeAllClose(x, { atol: 1e-12 });
  });

  it('gives mean 0 and population std 1 per feature on random data', () => {
    const x = correlated(500, 6, 3).float();
    const y = preprocess.standardize(x);
    expect(y.dtype).toBe('float32');
    expect(y.mean(0)).toBeAllClose(new Array(6).fill(0), { atol: 1e-5 });
    expect(y.std(0, false, 0)).toBeAllClose(new Array(6).fill(1), { atol: 1e-5 });
  });
});

describe('PCA', () => {
  // 2000 points: std 3 along (cos 30°, sin 30°), std 0.5 across it, centred at (2, -1).
  const g = new Generator(11);
  const n = 2000;
  const cloud = new Float64Array(n * 2);
  const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
  for (let i = 0; i < n; i++) {
    const a = 3 * g.normal(), b = 0.5 * g.normal();
    cloud[2 * i] = 2 + a * c - b * s;
    cloud[2 * i + 1] = -1 + a * s + b * c;
  }
  const x = new Tensor(cloud, [n, 2]);

  it('finds the principal axis of a 2-D cloud, with the sample-covariance eigenvalues', () => {
    const pca = new PCA().fit(x);
    const comps = pca.components;
    expect(comps.shape).toEqual([2, 2]);
    // Sign convention: the largest-|x| entry of each component is positive.
    expect(comps.select(0, 0)).toBeAllClose([c, s], { atol: 0.02 });
    expect(comps.select(0, 1)).toBeAllClose([-s, c], { atol: 0.02 });
    expect(Math.abs(comps.select(0, 0).mul(comps.select(0, 1)).sum().item())).toBeLessThan(1e-12);
    // Closed form for the 2×2 sample covariance [[p, q], [q, r]]: λ = (p+r)/2 ± sqrt(((p−r)/2)² + q²).
    const [[p, q], [, r]] = cov(x);
    const mid = (p + r) / 2, rad = Math.sqrt(((p - r) / 2) ** 2 + q * q);
    expect(pca.explainedVariance).toBeAllClose([mid + rad, mid - rad], { rtol: 1e-10 });
    expect(pca.explainedVariance).toBeAllClose([9, 0.25], { rtol: 0.1 });
    const ratio = pca.explainedVarianceRatio.toFlatArray();
    expect(ratio[0] + ratio[1]).toBeCloseTo(1, 12);
    expect(ratio[0]).toBeGreaterThan(0.95);
    expect(pca.mean).toBeAllClose([2, -1], { atol: 0.2 });
  });

  it('inverseTransform recovers the input when all components are kept, and projects when not', () => {
    const full = new PCA().fit(x);
    expect(full.inverseTransform(full.transform(x))).toBeAllClose(x, { atol: 1e-10 });
    const one = new PCA({ nComponents: 1 }).fit(x);
    const z = one.transform(x);
    expect(z.shape).toEqual([n, 1]);
    // The scores have the first eigenvalue as variance, and mean 0.
    expect(cov(z)[0][0]).toBeCloseTo(full.explainedVariance.toFlatArray()[0], 9);
    const back = one.inverseTransform(z);
    // The residual is orthogonal to the principal axis.
    const residual = x.sub(back);
    expect(residual.matmul(one.components.T).abs().max().item()).toBeLessThan(1e-9);
    expect(one.components).toBeAllClose(full.components.slice([0, 1]));
    expect(() => one.inverseTransform(tensor([[1, 2]]))).toThrow(/PCA.inverseTransform: expected codes of shape \[N, 1\], got shape \[1, 2\]/);
  });

  it('nComponents as a fraction keeps the fewest components reaching that variance ratio', () => {
    const data5 = correlated(400, 5, 4);
    const full = new PCA().fit(data5);
    const ratios = full.explainedVarianceRatio.toFlatArray();
    let k = 0, acc = 0;
    while (acc < 0.9) acc += ratios[k++];
    const frac = new PCA({ nComponents: 0.9 }).fit(data5);
    expect(frac.nComponents).toBe(k);
    expect(frac.explainedVarianceRatio.toFlatArray().reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(0.9);
    expect(() => new PCA({ nComponents: 1.5 })).toThrow(/PCA: nComponents must be a positive integer or a fraction in \(0, 1\), got 1.5/);
    expect(() => new PCA({ nComponents: 6 }).fit(data5)).toThrow(/PCA.fit: nComponents 6 exceeds the 5 features of X with shape \[400, 5\]/);
    expect(() => new PCA().fit(tensor([[1, 2]]))).toThrow(/PCA.fit: needs at least 2 samples/);
  });

  it('whitening gives identity covariance', () => {
    const data5 = correlated(1000, 5, 5);
    const white = new PCA({ whiten: true, eps: 0 }).fit(data5).transform(data5);
    expect(cov(white)).toBeAllClose(identity(5), { atol: 1e-10 });
    const withEps = new PCA({ whiten: true }).fit(data5);
    const covEps = cov(withEps.transform(data5));
    // With eps the variance is λ / (λ + eps), a hair below 1.
    const lam = withEps.explainedVariance.toFlatArray();
    expect(covEps.map((row, i) => row[i])).toBeAllClose(lam.map((l) => l / (l + 1e-5)), { atol: 1e-10 });
    expect(withEps.inverseTransform(withEps.transform(data5))).toBeAllClose(data5, { atol: 1e-9 });
  });

  it('on Fashion-MNIST (1000 images × 784 pixels) matches numpy', () => {
    const { images } = data.loadFashionMNIST({ split: 'train', limit: 1000, flatten: true });
    const t0 = performance.now();
    const pca = new PCA({ nComponents: 2 }).fit(images);
    console.log(`PCA fit on [1000, 784]: ${(performance.now() - t0).toFixed(0)} ms`);
    // Reference: numpy.linalg.eigh(numpy.cov(X, rowvar=False)) on the same float32 pixels / 255, in float64.
    expect(pca.explainedVariance).toBeAllClose([20.2465342484, 12.0857355911], { rtol: 1e-6 });
    expect(pca.explainedVarianceRatio).toBeAllClose([0.2955016809, 0.1763934083], { rtol: 1e-6 });
    const first = pca.components.select(0, 0);
    expect(first.argmax().item()).toBe(122);
    expect([0, 100, 300, 400, 783].map((i) => first.values()[i])).toBeAllClose([0, 6.3895211026e-2, 3.8254984758e-2, 3.1616428276e-2, -1.8920291632e-5], { atol: 1e-6 });
    const z = pca.transform(images.slice([0, 2]));
    expect(z.dtype).toBe('float32');
    expect(z).toBeAllClose([[-0.6303341175, 6.1992715437], [5.7879315351, -1.595527183]], { atol: 1e-4 });
    expect(pca.components.shape).toEqual([2, 784]);
  });
});

describe('ZCAWhitening', () => {
  const x = correlated(800, 4, 6);

  it('whitens (covariance ≈ I) with a symmetric matrix and keeps the input shape', () => {
    const zca = new ZCAWhitening({ eps: 0 }).fit(x);
    const y = zca.transform(x);
    expect(y.shape).toEqual([800, 4]);
    expect(cov(y)).toBeAllClose(identity(4), { atol: 1e-10 });
    const w = zca.whiteningMatrix;
    expect(w).toBeAllClose(w.T, { atol: 1e-12 });
    // W² = C⁻¹: W C W = I.
    expect(w.matmul(tensor(cov(x), { dtype: 'float64' })).matmul(w)).toBeAllClose(identity(4), { atol: 1e-9 });
    expect(zca.inverseTransform(y)).toBeAllClose(x, { atol: 1e-9 });
    expect(preprocess.zcaWhiten(x, { eps: 0 })).toBeAllClose(y, { atol: 1e-12 });
  });

  it('stays closest to the centred input of all whitening transforms', () => {
    const xc = new MeanSubtraction().fitTransform(x);
    const y = new ZCAWhitening({ eps: 0 }).fit(x).transform(x);
    const dZca = frob(y, xc);
    // PCA whitening is white too, but rotated away from the input.
    const yPca = new PCA({ whiten: true, eps: 0 }).fit(x).transform(x);
    expect(cov(yPca)).toBeAllClose(identity(4), { atol: 1e-10 });
    expect(dZca).toBeLessThan(frob(yPca, xc));
    // So is any rotation of the ZCA output: y Q for orthogonal Q (from the eigenvectors of a random symmetric matrix).
    for (let seed = 0; seed < 5; seed++) {
      const b = randn([4, 4], { dtype: 'float64', generator: new Generator(100 + seed) });
      const q = data.eigh(b.add(b.T)).eigenvectors;
      expect(dZca).toBeLessThan(frob(y.matmul(q), xc));
    }
  });

  it('eps shrinks the low-variance directions', () => {
    const strong = new ZCAWhitening({ eps: 1 }).fit(x);
    const diag = cov(strong.transform(x)).map((row, i) => row[i]);
    expect(Math.max(...diag)).toBeLessThan(1);
    expect(() => new ZCAWhitening({ eps: -1 })).toThrow(/ZCAWhitening: eps must be a finite number ≥ 0, got -1/);
  });
});

/** The O(window²) definition, shrinking the window at the borders. */
function lcnReference(img: number[][], size: number, eps: number): number[][] {
  const H = img.length, W = img[0].length, r = (size - 1) / 2;
  return img.map((row, i) =>
    row.map((v, j) => {
      const vals: number[] = [];
      for (let a = Math.max(0, i - r); a < Math.min(H, i + r + 1); a++) {
        for (let b = Math.max(0, j - r); b < Math.min(W, j + r + 1); b++) vals.push(img[a][b]);
      }
      const mu = vals.reduce((p, q) => p + q, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((p, q) => p + (q - mu) ** 2, 0) / vals.length);
      return (v - mu) / Math.max(sd, eps);
    }),
  );
}

describe('localContrastNormalize', () => {
  it('matches the brute-force O(window²) definition, borders included', () => {
    const imgs = randn([2, 3, 7, 8], { dtype: 'float64', generator: new Generator(9) }).mul(4).add(10);
    for (const size of [1, 3, 5, 9, 21]) {
      const out = localContrastNormalize(imgs, { windowSize: size, eps: 1e-3 });
      expect(out.shape).toEqual([2, 3, 7, 8]);
      const expected = [];
      for (let n = 0; n < 2; n++) {
        for (let ch = 0; ch < 3; ch++) expected.push(lcnReference(imgs.select(0, n).select(0, ch).toArray() as number[][], size, 1e-3));
      }
      expect(out).toBeAllClose(expected.flat(2), { atol: 1e-9 });
    }
    // A single [H, W] image, float32.
    const one = imgs.select(0, 1).select(0, 2).float();
    expect(localContrastNormalize(one, { windowSize: 5 })).toBeAllClose(lcnReference(one.toArray() as number[][], 5, 1e-2), { atol: 1e-4 });
    expect(localContrastNormalize(one).dtype).toBe('float32');
  });

  it('gives ~zero local mean and unit local std on a textured image with varying brightness and contrast', () => {
    const H = 96, W = 96, g = new Generator(2);
    const v = new Float64Array(H * W);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const brightness = 0.2 + 0.6 * (j / W);
        const contrast = 0.02 + 0.2 * (i / H);
        v[i * W + j] = brightness + contrast * (g.normal() + Math.sin(j * 1.3) * Math.cos(i * 0.7));
      }
    }
    const img = new Tensor(v, [H, W]);
    const stats = (t: Tensor) => {
      // Mean of |local mean| and of |local std − 1| over 9×9 windows fully inside the image.
      const x = t.toArray() as number[][];
      let meanDev = 0, stdDev = 0, count = 0;
      for (let i = 4; i < H - 4; i += 3) {
        for (let j = 4; j < W - 4; j += 3) {
          const vals: number[] = [];
          for (let a = i - 4; a <= i + 4; a++) for (let b = j - 4; b <= j + 4; b++) vals.push(x[a][b]);
          const mu = vals.reduce((p, q) => p + q, 0) / 81;
          const sd = Math.sqrt(vals.reduce((p, q) => p + (q - mu) ** 2, 0) / 81);
          meanDev += Math.abs(mu);
          stdDev += Math.abs(sd - 1);
          count++;
        }
      }
      return { meanDev: meanDev / count, stdDev: stdDev / count };
    };
    const before = stats(img);
    const after = stats(localContrastNormalize(img, { windowSize: 9, eps: 1e-6 }));
    expect(before.meanDev).toBeGreaterThan(0.3);
    expect(before.stdDev).toBeGreaterThan(0.7);
    expect(after.meanDev).toBeLessThan(0.1);
    expect(after.stdDev).toBeLessThan(0.1);
  });

  it('flat regions come out as zeros, not NaN, and errors name the op', () => {
    const flat = localContrastNormalize(tensor([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]), { windowSize: 3 });
    expect(flat).toBeAllClose([[0, 0, 0], [0, 0, 0]]);
    expect(() => localContrastNormalize(tensor([[1, 2]]), { windowSize: 4 })).toThrow(/localContrastNormalize: windowSize must be a positive odd integer, got 4/);
    expect(() => localContrastNormalize(tensor([1, 2]))).toThrow(/localContrastNormalize: expected images of shape \[H, W\], \[C, H, W\] or \[N, C, H, W\], got shape \[2\]/);
    expect(() => localContrastNormalize(tensor([[1, 2]]), { eps: 0 })).toThrow(ArgumentError);
  });

  it('runs over a Fashion-MNIST batch in well under a second', () => {
    const { images } = data.loadFashionMNIST({ split: 'test', limit: 2000 });
    const t0 = performance.now();
    const out = localContrastNormalize(images, { windowSize: 9 });
    const ms = performance.now() - t0;
    console.log(`localContrastNormalize on [2000, 1, 28, 28]: ${ms.toFixed(0)} ms`);
    expect(out.shape).toEqual([2000, 1, 28, 28]);
    expect(out.toFlatArray().some((v) => !Number.isFinite(v))).toBe(false);
  });
});
