/**
 * notebooks/01-perceptron.ipynb, executed headless: what it shows holds
 * (accuracies, the SVM margin and support vectors, the kernels) and its key
 * outputs have the MIME types a reader needs (PNG weight images, plotly + SVG figures).
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, type Executed, isPng, MIME, notebookSuite, num, nums } from './helpers';

const NAME = '01-perceptron';
let run: Executed;
let text: string;

describe(NAME, () => {
  notebookSuite(NAME, (r, t) => {
    run = r;
    text = t;
  });

  it('computes a neuron by hand and with nn.Perceptron alike', () => {
    expect(text).toContain('by hand: z = 0.5·1.0 + (−1.0)·0.5 + 2.0·0.75 + (−0.5) = 1');
    expect(text).toContain('as a dot product: z = w·x + b = 1, output step(z) = 1');
    expect(text).toContain('flattened: [ 12000, 1, 28, 28 ] → [ 12000, 784 ]');
    const [pixel, element] = nums(text, /(?:pixel \(20, 14\) of image 0|element 574 of its vector) = ([\d.]+)/);
    expect(pixel).toBeGreaterThan(0);
    expect(element).toBe(pixel);
  });

  it('separates Bag from Ankle boot (converged) but not Pullover from Coat', () => {
    expect(text).toMatch(/mistakes per epoch: [\d, ]+ 0; converged: true/);
    expect(num(text, /Bag[\s\S]*?test accuracy ([\d.]+)% on \d+ test images/)).toBeGreaterThanOrEqual(95);
    expect(text).toMatch(/mistakes per epoch: [\d, ]+; converged: false/);
    expect(num(text, /converged: false\s+test accuracy ([\d.]+)%/)).toBeLessThan(80);
    const [w] = bundlesOf(run.nb, 'filterImages(p.weight');
    expect(isPng(w['image/png'])).toBe(true);
  });

  it('reaches at least 80% on 10 classes with W [10, 784] and shows its rows as 28×28 images', () => {
    expect(text).toContain('W [ 10, 784 ]  b [ 10 ]');
    expect(num(text, /multi-class perceptron: test accuracy ([\d.]+)%/)).toBeGreaterThanOrEqual(80);
    expect(text).toContain('argmax by hand equals predict() for 2000 of 2000 images');
    const [rows] = bundlesOf(run.nb, "filterImages(clf.weight");
    expect(isPng(rows['image/png'])).toBe(true);
    expect(rows[MIME.images]).toMatchObject({ sourceShape: [10, 784], cols: 10 });
  });

  it('finds the widest margin with the SVM: support vectors on the edge, larger than the perceptrons\' margins', () => {
    const svm = num(text, /SVM: +geometric margin ([\d.]+)/);
    expect(svm).toBeCloseTo(num(text, /= half of 2\/‖w‖ = ([\d.]+)/), 3);
    for (const m of nums(text, /perceptron \d: geometric margin (-?[\d.]+)/)) {
      expect(m).toBeGreaterThan(0);
      expect(m).toBeLessThan(svm);
    }
    const onEdge = /y±·f\(x\) at the support vectors: ([\d., ]+)/.exec(text)![1].split(', ').map(Number);
    expect(onEdge.length).toBeGreaterThanOrEqual(2);
    for (const v of onEdge) expect(v).toBeCloseTo(1, 2);
    const [fig] = bundlesOf(run.nb, 'const COLOR0');
    expect(fig[MIME.plotly]).toBeTypeOf('object');
    expect(String(fig['image/svg+xml'])).toMatch(/^<svg/);
  });

  it('needs the RBF kernel for the ring, and draws both decision boundaries', () => {
    expect(num(text, /linear kernel: training accuracy ([\d.]+)%/)).toBeLessThan(80);
    expect(num(text, /RBF kernel: +training accuracy ([\d.]+)%/)).toBe(100);
    const figs = bundlesOf(run.nb, 'function contour(');
    expect(figs).toHaveLength(2);
    for (const f of figs) {
      expect(String(f['image/svg+xml'])).toMatch(/^<svg/);
      expect((f[MIME.plotly] as { data: { name?: string }[] }).data.map((t) => t.name)).toContain('f(x) = 0');
    }
  });
});
