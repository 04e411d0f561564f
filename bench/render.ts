/**
 * `npm run bench:render`: how long the kernel takes to draw its pictures, per
 * picture (median of `reps` runs after two warm-ups, one process):
 * a LeNet-5's feature maps of one Fashion-MNIST-sized input, conv filters,
 * the 10 weight templates of a linear classifier, a 28x28 and a 256x256
 * tensor heatmap, a grid of 20 captioned 28x28 images, a line chart's full
 * bundle (plotly + SVG + PNG), an 80x80 decision-region chart, and a
 * Playground frame. Also the PNG bytes of each.
 *
 *   npm run bench:render            10 runs each
 *   npm run bench:render -- 30      30 runs each
 */
import { cpus, loadavg } from 'node:os';
import * as nn from '../src';
import { featureMaps, filterImages } from '../kernel/src/activations';
import { figureBundle, linePlot } from '../kernel/src/figure';
import { Playground } from '../kernel/src/playground';
import { decisionRegions, imageGrid } from '../kernel/src/plots';
import { tensorHeatmap } from '../kernel/src/tensorView';

const reps = Number(process.argv[2] ?? 10);
nn.manualSeed(0);
const lenet = nn.models.lenet5();
const input = nn.randn([1, 1, 28, 28]);
const conv = new nn.Conv2d(6, 16, 5);
const linear = new nn.Linear(784, 10);
const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const small = nn.randn([28, 28]), big = nn.randn([256, 256]);
const images = nn.rand([20, 28, 28]);
const losses = Array.from({ length: 400 }, (_, i) => 2.3 * Math.exp(-i / 80) + 0.05 * Math.sin(i));
const points = nn.randn([200, 2], { dtype: 'float64' });
const labels = Array.from(points.values(), (_, i) => i).filter((i) => i % 2 === 0).map((i) => (points.values()[i] > 0 ? 1 : 0));
const svm = { decisionFunction: (x: nn.Tensor) => x.narrow(1, 0, 1).mul(x.narrow(1, 1, 1)).reshape([x.shape[0]]) };
const pg = new Playground({ dataset: 'xor', hiddenLayers: 2, width: 8 });

const cases: [string, () => string | Buffer][] = [
  ['feature maps, LeNet-5, 1 input', () => featureMaps(lenet, input).image.png],
  ['filters, conv 16x6x5x5', () => filterImages(conv).payload.image.png],
  ['10 weight templates with class names', () => filterImages(linear, { labels: names }).payload.image.png],
  ['tensor heatmap 28x28', () => tensorHeatmap(small)!.png],
  ['tensor heatmap 256x256', () => tensorHeatmap(big)!.png],
  ['image grid, 20 captioned 28x28', () => imageGrid(images, { labels: [...names, ...names] }).payload.image.png],
  ['line chart bundle (plotly+SVG+PNG), 400 points', () => figureBundle(linePlot([{ name: 'loss', y: losses }], { xlabel: 'step', ylabel: 'loss' }).spec)['image/png'] as string],
  ['decision regions 80x80, bundle', () => figureBundle(decisionRegions(svm, points, labels).spec)['image/png'] as string],
  ['Playground frame (2-8-8-1)', () => pg.draw().png],
];

console.log(`kernel pictures, ${reps} runs each, median (node ${process.version}, ${cpus().length} cores, load ${loadavg().map((v) => v.toFixed(1)).join(' ')})`);
for (const [name, draw] of cases) {
  draw();
  draw();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = draw();
    times.push(performance.now() - t0);
    bytes = typeof out === 'string' ? Buffer.from(out, 'base64').length : out.length;
  }
  times.sort((a, b) => a - b);
  console.log(`  ${name.padEnd(48)} ${times[times.length >> 1].toFixed(1).padStart(7)} ms  ${(bytes / 1024).toFixed(1).padStart(7)} KiB PNG`);
}
