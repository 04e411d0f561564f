/**
 * notebooks/03-cnn.ipynb, executed headless: the data input layer, the
 * convolution arithmetic and the by-hand checks hold; LeNet-5 trains with a
 * live chart; activation maps of every layer, filters, the summary and the
 * confusion matrix are shown with their MIME types.
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, bundleWith, type Executed, isPng, MIME, notebookSuite, num, nums } from './helpers';

const NAME = '03-cnn';
let run: Executed;
let text: string;

describe(NAME, () => {
  notebookSuite(NAME, (r, t) => {
    run = r;
    text = t;
  });

  it('centres, normalises, decorrelates and whitens the 2-D cloud (covariances computed)', () => {
    expect(text).toMatch(/standardised +mean \[0,0\] +covariance \[\[1\.00\d,0\.\d+\],\[0\.\d+,1\.00\d\]\]/);
    expect(text).toMatch(/PCA +mean \[0,0\] +covariance \[\[[\d.]+,0\],\[0,[\d.]+\]\]/);
    expect(text).toMatch(/PCA-whitened +mean \[0,0\] +covariance \[\[1,0\],\[0,1\]\]/);
    expect(bundlesOf(run.nb, 'function cloudTrace')).toHaveLength(2);
  });

  it('does PCA, whitening and LCN on images, with the images shown', () => {
    const ratios = /first 1 \/ 10 \/ 50 components: ([\d.]+)% \/ ([\d.]+)% \/ ([\d.]+)%/.exec(text)!.slice(1).map(Number);
    expect(ratios[0]).toBeLessThan(ratios[1]);
    expect(ratios[2]).toBeGreaterThan(80);
    const errs = nums(text, /components: mean squared reconstruction error ([\d.]+)/);
    expect(errs[0]).toBeGreaterThan(errs[1]);
    expect(errs[1]).toBeGreaterThan(errs[2]);
    expect(num(text, /max \|cov\(Z\) − I\| over the 50×50 covariance = ([\d.]+)/)).toBeLessThan(0.01);
    const [hand, lib] = /by hand (-?[\d.]+), localContrastNormalize (-?[\d.]+)/.exec(text)!.slice(1).map(Number);
    expect(lib).toBe(hand);
    for (const b of bundlesOf(run.nb, 'const pcaWhite')) expect(isPng(b['image/png'])).toBe(true);
  });

  it('computes every output size by the formula and by conv2d alike', () => {
    const rows = [...text.matchAll(/^ *\d+ +\d+ +\d+ +\d+ \| +(\d+) +\| +(\d+) +\|/gm)];
    expect(rows).toHaveLength(9);
    for (const [, formula, conv] of rows) expect(conv).toBe(formula);
    expect(text).toContain('y[0, 0]: by hand -8, conv2d -8');
  });

  it('matches Conv2d, pooling and batch norm by hand; Sobel maps are shown', () => {
    expect(num(text, /max \|by hand − Conv2d\| = ([\d.e+-]+)/)).toBeLessThan(1e-12);
    expect(text).toContain('max pooling: by hand [[6,5],[3,7]], MaxPool2d [[6,5],[3,7]]');
    expect(text).toContain('avg pooling: by hand [[3.5,2],[1.5,3.5]], AvgPool2d [[3.5,2],[1.5,3.5]]');
    expect(num(text, /max \|by hand − BatchNorm2d\| = ([\d.e+-]+)/)).toBeLessThan(1e-5);
    for (const v of /after: \[([-\d.,]+)\]\n/.exec(text.slice(text.indexOf('per-channel variance')))![1].split(',').map(Number)) expect(v).toBeCloseTo(1, 1);
    const [sobel] = bundlesOf(run.nb, 'Conv2d.fromKernels');
    expect((sobel[MIME.activations] as { layers: { shape: number[] }[] }).layers.map((l) => l.shape)).toEqual([[1, 1, 28, 28], [1, 2, 28, 28]]);
  });

  it('trains LeNet-5 to ≥ 75% with the live chart, and shows its summary, activation maps of every layer, filters and confusion matrix', () => {
    expect(text).toContain('LeNet-5: 61,706 parameters');
    const [summary] = bundlesOf(run.nb, 'summary(model');
    expect(summary[MIME.model]).toMatchObject({ className: 'LeNet5', inputShape: [1, 1, 28, 28] });
    expect(String(summary['text/html'])).toContain('<table');
    const live = bundleWith(run.nb, 'await liveFit(model', MIME.run);
    expect(Object.keys(live)).toEqual(expect.arrayContaining([MIME.run, MIME.plotly, 'image/svg+xml']));
    expect(live[MIME.run]).toMatchObject({ status: 'completed', totalEpochs: 2 });
    expect(num(text, /LeNet-5 test accuracy: ([\d.]+)%/)).toBeGreaterThanOrEqual(75);

    const [maps] = bundlesOf(run.nb, 'featureMaps(model');
    expect(isPng(maps['image/png'])).toBe(true);
    const layers = (maps[MIME.activations] as { layers: { name: string; shape: number[] }[] }).layers;
    expect(layers.map((l) => l.name)).toEqual([
      'input', 'features.0', 'features.1', 'features.2', 'features.3', 'features.4', 'features.5',
      'classifier.0', 'classifier.1', 'classifier.2', 'classifier.3', 'classifier.4', 'classifier.5',
    ]);
    expect(layers[4].shape).toEqual([1, 16, 10, 10]);

    const filters = bundlesOf(run.nb, 'filterImages(model.features.at(0)');
    expect(filters.map((f) => (f[MIME.images] as { sourceShape: number[] }).sourceShape)).toEqual([[6, 1, 5, 5], [16, 6, 5, 5]]);
    const [cm] = bundlesOf(run.nb, 'confusionMatrix(predictions');
    expect((cm[MIME.confusion] as { total: number }).total).toBe(1000);
  });
});
