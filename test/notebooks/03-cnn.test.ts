/**
 * notebooks/03-cnn.ipynb, executed headless: the data input layer, the
 * convolution arithmetic and the by-hand checks hold; LeNet-5 trains with a
 * live chart; activation maps of every layer, filters, the summary and the
 * confusion matrix are shown with their MIME types.
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, bundleWith, checkExercises, type Executed, isPng, MIME, notebookSuite, num, nums, textOf } from './helpers';

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
    // the LCN images, each to its own range, in larger tiles, under their originals
    const lcn = bundleWith(run.nb, 'localContrastNormalize(img', MIME.images);
    expect(isPng(lcn['image/png'])).toBe(true);
    expect(lcn[MIME.images]).toMatchObject({ sourceShape: [12, 1, 28, 28], rows: 2, cols: 6, scale: 'per-tile' });
    expect((lcn[MIME.images] as { image: { width: number } }).image.width).toBeGreaterThan(6 * 112);
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
    const [tiles] = bundlesOf(run.nb, 'imageGrid(nn.concat([shoe, gxy');
    expect(isPng(tiles['image/png'])).toBe(true);
    expect(tiles[MIME.images]).toMatchObject({ sourceShape: [4, 1, 28, 28], cols: 4, scale: 'per-tile' });
    expect((tiles[MIME.images] as { image: { width: number } }).image.width).toBeGreaterThan(4 * 168);
    expect((sobel[MIME.activations] as { layers: { shape: number[] }[] }).layers.map((l) => l.shape)).toEqual([[1, 1, 28, 28], [1, 2, 28, 28]]);
  });

  it('tests shift invariance with the 2×2 pooling LeNet-5 uses: more pooled outputs than pixels unchanged', () => {
    const rows = [...text.matchAll(/one-pixel shift, (image 0|100 images): (\d+)% of the pixels unchanged, (\d+)% of the 2×2 max-pooled outputs unchanged/g)];
    expect(rows).toHaveLength(2);
    for (const [, , pixels, pooled] of rows) expect(Number(pooled)).toBeGreaterThan(Number(pixels));
  });

  it('computes the CNN motivation: receptive fields by autograd and by formula, weight sharing, pooling against overfitting', () => {
    const fields = [...text.matchAll(/sees (\d+)×(\d+) input pixels \(rows [\d-]+\); formula (\d+)×\3/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
    expect(fields).toEqual([[5, 5, 5], [6, 6, 6], [14, 14, 14], [16, 16, 16]]);
    expect(isPng(bundlesOf(run.nb, 'const probe')[0]['image/png'])).toBe(true);
    expect(num(text, /conv 5×5 \(26 weights\): max \|response\(shifted image\) − shifted response\| = ([\d.e+-]+)/)).toBeLessThan(1e-6);
    const [fcErr, fcScale] = /fully connected 784 → 784 \(615,440 weights\): max \|response\(shifted image\) − shifted response\| = ([\d.]+) \(its responses reach ([\d.]+)\)/.exec(text)!.slice(1).map(Number);
    expect(fcErr).toBeGreaterThan(0.2 * fcScale);
    const pools = [...text.matchAll(/^(with 2×2 max pooling|without pooling) +[\d,]+ parameters: training ([\d.]+)%, test ([\d.]+)%, gap (-?[\d.]+) points/gm)];
    expect(pools.map((p) => p[1])).toEqual(['with 2×2 max pooling', 'without pooling']);
    const [withGap, withoutGap] = pools.map((p) => Number(p[4]));
    expect(withGap).toBeLessThan(withoutGap - 3);
    for (const p of pools) expect(Number(p[4])).toBeCloseTo(Number(p[2]) - Number(p[3]), 1);
  });

  it('beats the MLP on the same data, epochs, optimiser and test set, by more on shifted images; pros and cons by numbers', () => {
    const lenetAcc = num(text, /LeNet-5 test accuracy: ([\d.]+)% on 2000 test images \(5 epochs/);
    const mlpAcc = num(text, /MLP test accuracy: ([\d.]+)% on the same 2000 test images \(5 epochs/);
    expect(lenetAcc).toBeGreaterThan(mlpAcc);
    const live = bundleWith(run.nb, 'await liveFit(model', MIME.run) as Record<string, any>;
    expect(live[MIME.run].hyperparameters).toMatchObject({ optimizer: 'SGD', lr: 0.05, batchSize: 64, epochs: 5 });
    const rows = [...text.matchAll(/^(LeNet-5|MLP) +([\d,]+) \| +([\d,]+) \| +([\d.]+) \| +(\d+) \| +([\d.]+)% \| +([\d.]+)% \| +([\d.]+)%$/gm)];
    expect(rows.map((r) => r[1])).toEqual(['LeNet-5', 'MLP']);
    const [lenet, mlp] = rows.map((r) => r.slice(2).map((v) => Number(v.replace(/,/g, ''))));
    expect([lenet[0], mlp[0]]).toEqual([61706, 235146]);
    expect(lenet[0]).toBeLessThan(mlp[0] / 3);              // "about a quarter of the parameters"
    // conv 1 6·28·28·25 + conv 2 16·10·10·150 + FC 400·120 + 120·84 + 84·10; the MLP 784·256 + 256·128 + 128·10
    expect([lenet[1], mlp[1]]).toEqual([117600 + 240000 + 48000 + 10080 + 840, 200704 + 32768 + 1280]);
    expect(lenet[1]).toBeGreaterThan(mlp[1]);               // "more multiply-adds per image with fewer weights"
    expect(text).toMatch(/LeNet-5 \/ MLP: 0\.26× the parameters, 1\.77× the multiply-adds per image/);
    expect(lenet[4]).toBeCloseTo(lenetAcc, 1);
    expect(mlp[4]).toBeCloseTo(mlpAcc, 1);
    const gaps = [4, 5, 6].map((i) => lenet[i] - mlp[i]);
    expect(gaps[0]).toBeGreaterThan(0);
    expect(gaps[1]).toBeGreaterThan(gaps[0]);
    expect(gaps[2]).toBeGreaterThan(gaps[1]);
    const curves = bundleWith(run.nb, 'const mlp = ', MIME.plotly)[MIME.plotly] as { data: { name: string; y: number[] }[] };
    expect(curves.data.map((t) => t.name)).toEqual(['LeNet-5', 'MLP']);
    expect(curves.data.map((t) => t.y.length)).toEqual([5, 5]);
    const [lenetCurve, mlpCurve] = curves.data.map((t) => t.y);
    expect(mlpCurve[2]).toBeGreaterThanOrEqual(lenetCurve[2] - 0.01);   // "after 3 epochs the MLP is level or still ahead"
    expect(lenetCurve[4]).toBeGreaterThan(mlpCurve[4]);                 // "LeNet-5 ends ahead"
  });

  it('trains LeNet-5 to ≥ 75% with the live chart, and shows its summary, activation maps of every layer, filters and confusion matrix', () => {
    expect(text).toContain('LeNet-5: 61,706 parameters');
    // LeNet-5 drawn as a diagram: a box per layer with its output shape, the same total as the summary
    const [diagram] = bundlesOf(run.nb, 'architectureDiagram(model');
    expect(isPng(diagram['image/png'])).toBe(true);
    expect(diagram[MIME.images]).toMatchObject({ kind: 'images', sourceShape: [1, 1, 28, 28] });
    const drawn = String(diagram['text/plain']);
    expect(drawn).toContain('features.0 Conv2d(1, 6, kernel_size=(5, 5)');
    expect(drawn).toContain('→ [1, 16, 5, 5], 0 parameters');
    expect(drawn).toContain('classifier.5 Linear(in_features=84, out_features=10, bias=True) → [1, 10], 850 parameters');
    expect(drawn).toContain('61,706 parameters in all');
    const [summary] = bundlesOf(run.nb, 'summary(model');
    expect(summary[MIME.model]).toMatchObject({ className: 'LeNet5', inputShape: [1, 1, 28, 28] });
    expect(String(summary['text/html'])).toContain('<table');
    const live = bundleWith(run.nb, 'await liveFit(model', MIME.run);
    expect(Object.keys(live)).toEqual(expect.arrayContaining([MIME.run, MIME.plotly, 'image/svg+xml']));
    expect(live[MIME.run]).toMatchObject({ status: 'completed', totalEpochs: 5 });
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
    expect((cm[MIME.confusion] as { total: number }).total).toBe(2000);
  });

  it('ends with exercises whose collapsed solutions ran: receptive field by formula, average pooling, larger shifts, mirrored images', () => {
    const solutions = textOf(checkExercises(run.nb));
    expect(solutions).toContain('receptive field after pool 2: 16×16 = 256 pixels');
    expect(num(solutions, /with 2×2 average pooling: .*gap (-?[\d.]+) points/)).toBeLessThan(num(solutions, /\(without pooling: (-?[\d.]+)\)/));
    expect(nums(solutions, /shifted \d px right: LeNet-5 ([\d.]+)%/)).toHaveLength(3);
    expect(solutions).toMatch(/mirrored test images: LeNet-5 [\d.]+% \(original [\d.]+%\), MLP/);
    const slower = [...solutions.matchAll(/lr 0\.02, (LeNet-5|MLP) +test accuracy by epoch: [\d. ]+; shifted 2 px: ([\d.]+)%/g)];
    expect(slower.map((m) => m[1])).toEqual(['LeNet-5', 'MLP']);
    expect(Number(slower[0][2])).toBeGreaterThan(Number(slower[1][2]));   // the shifted-image lead holds at the other lr too
  });
});
