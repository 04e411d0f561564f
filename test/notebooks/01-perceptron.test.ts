/**
 * notebooks/01-perceptron.ipynb, executed headless: what it shows holds
 * (accuracies, the SVM margin and support vectors, the kernels) and its key
 * outputs have the MIME types a reader needs (PNG weight images, plotly + SVG figures).
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, checkExercises, type Executed, isPng, MIME, notebookSuite, num, nums, textOf } from './helpers';

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

  it('flips the step output with a tiny input change while the sigmoid barely moves, and the step network\'s loss is flat', () => {
    expect(text).toMatch(/x  = \[1,0\.5,0\.251\]: z = 0\.002, step\(z\) = 1/);
    expect(text).toMatch(/x′ = \[1,0\.5,0\.247\]: z = -0\.006, step\(z\) = 0/);
    expect(num(text, /step output changes by (\d+)/)).toBe(1);
    expect(num(text, /sigmoid output by ([\d.]+)/)).toBeLessThan(0.01);
    expect(num(text, /slope ∂output\/∂w₃ at x: sigmoid ([\d.]+)/)).toBeGreaterThan(0.05);
    expect(num(text, /\(autograd\), step (-?[\d.]+)/)).toBe(0);
    const [stepFlat, sigFlat] = nums(text, /slope 0 between (\d+) of 600/);
    expect(stepFlat).toBeGreaterThan(590);
    expect(sigFlat).toBe(0);
    expect(num(text, /step +network: loss takes (\d+) distinct values/)).toBeLessThanOrEqual(4);
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
    // the 10 scores of one test image as bars named by class, the largest highlighted, with a PNG beside the plotly JSON
    const [bars] = bundlesOf(run.nb, 'barChart(scores');
    expect(isPng(bars['image/png'])).toBe(true);
    const spec = bars[MIME.plotly] as { data: { type: string; y: number[] }[]; layout: { xaxis: { ticktext: string[] }; yaxis: { title: string } } };
    expect(spec.data).toHaveLength(1);
    expect(spec.data[0].type).toBe('bar');
    expect(spec.data[0].y).toHaveLength(10);
    expect(spec.layout.xaxis.ticktext).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(spec.layout.yaxis.title).toBe('score');
  });

  it('shows the first training images as one captioned image grid', () => {
    const [grid] = bundlesOf(run.nb, 'imageGrid(first');
    expect(isPng(grid['image/png'])).toBe(true);
    expect(grid[MIME.images]).toMatchObject({ kind: 'images', sourceShape: [10, 1, 28, 28], cols: 10, rows: 1 });
    expect(String(grid['text/plain'])).toContain('first 10 training images');
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
    expect(isPng(fig['image/png'])).toBe(true);
    expect((fig[MIME.plotly] as { layout: Record<string, { title?: string }> }).layout).toMatchObject({ xaxis: { title: 'x₁' }, yaxis: { title: 'x₂' } });
  });

  it('needs the RBF kernel for the ring, and draws both decision boundaries', () => {
    expect(num(text, /linear kernel: training accuracy ([\d.]+)%/)).toBeLessThan(80);
    expect(num(text, /RBF kernel: +training accuracy ([\d.]+)%/)).toBe(100);
    const figs = bundlesOf(run.nb, 'decisionRegions(linearSvm');
    expect(figs).toHaveLength(2);
    for (const f of figs) {
      expect(String(f['image/svg+xml'])).toMatch(/^<svg/);
      expect(isPng(f['image/png'])).toBe(true);
      const data = (f[MIME.plotly] as { data: { name?: string; type?: string; z?: number[][]; y: number[] }[] }).data;
      // the regions are ONE heatmap of f(x), not a marker per grid cell
      expect(data.filter((t) => t.type === 'heatmap')).toHaveLength(1);
      expect(data.map((t) => t.name)).toEqual(['f(x)', 'support vectors', 'class 0 (inside)', 'class 1 (ring)', 'f(x) = 0']);
      expect(data[2].y.length + data[3].y.length).toBe(120);
    }
    expect(figs[0][MIME.plotly]).not.toEqual(figs[1][MIME.plotly]);
  });

  it('ends with exercises whose collapsed solutions ran: OR/AND gates, a separable pair, soft margin, RBF γ', () => {
    const solutions = textOf(checkExercises(run.nb));
    expect(solutions).toContain('OR: w = [1,1], b = -0.5 → outputs 0 1 1 1; truth table 0 1 1 1; correct');
    expect(solutions).toContain('AND: w = [1,1], b = -1.5 → outputs 0 0 0 1; truth table 0 0 0 1; correct');
    expect(num(solutions, /T-shirt\/top vs Trouser: .*test accuracy ([\d.]+)%/)).toBeGreaterThan(90);
    expect(num(solutions, /C = 0\.05: margin ([\d.]+)/)).toBeGreaterThan(num(solutions, /C = 1000: margin ([\d.]+)/));
    const fresh = nums(solutions, /fresh ring ([\d.]+)%/);
    expect(fresh).toHaveLength(3);
    expect(fresh[1]).toBeGreaterThan(fresh[0]);
    expect(fresh[1]).toBeGreaterThan(fresh[2]);
  });
});
