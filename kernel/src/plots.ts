/**
 * Figure helpers for the notebooks: the plotting plumbing a lesson needs
 * again and again, as one call.
 *
 * - `decisionRegions(model, points, labels)`: a 2-D classifier's regions as
 *   one heatmap image over a grid (its score for two classes, its class for
 *   more), the decision boundary as a contour line, the points on top.
 * - `imageGrid(images, { labels })`: a row (or rows) of images, each with its
 *   caption, on one colour scale with a colour bar.
 * - `barChart(values, labels)`: one bar per named value (the 10 class scores
 *   of a linear classifier), the largest or a chosen bar highlighted.
 * - `contourLines(z, xs, ys, level)`: the curve z = level on a grid
 *   (marching squares), as x/y arrays with null gaps for a plotly line trace.
 *
 * Every result displays with plotly JSON, SVG and PNG (figures) or PNG and
 * nnlab's images JSON (grids), so it reads in saved notebooks too.
 *
 * @example
 *   decisionRegions(svm, X, y, { classNames: ['inside', 'ring'] })
 *   imageGrid(test.images.narrow(0, 0, 10), { labels: names })
 *   barChart(scores.values(), classNames, { title: 'scores s = Wx + b' })
 */
import { noGrad } from '../../src/autograd';
import { ArgumentError, ShapeError } from '../../src/errors';
import { Module } from '../../src/nn/module';
import { Tensor, tensor } from '../../src/tensor';
import { ImageGrid } from './activations';
import { type ColormapName } from './colormap';
import { COLORS, Figure, type Trace } from './figure';
import { fmtShape } from './format';
import { drawGrid, finiteRange, makeTile, wrapWidth, type Tile } from './tiles';

/** A model decisionRegions can ask for scores: nnlab's classifiers, a Module, or a plain function of a [n, 2] batch. */
export type ScoreModel = { decisionFunction(x: Tensor): Tensor } | Module | ((x: Tensor) => Tensor);

export interface DecisionRegionOptions {
  /** Names of the classes, for the legend and the colour bar (default 'class 0', 'class 1', ...). */
  classNames?: readonly string[];
  title?: string;
  xlabel?: string;
  ylabel?: string;
  /** Grid cells per side (default 80). */
  resolution?: number;
  /** The plane shown, [[x0, x1], [y0, y1]] (default: the points' range plus 10%). */
  extent?: [[number, number], [number, number]];
  /** Two classes: the score at the boundary (default 0, as for decisionFunction and logits; 0.5 for probabilities). */
  threshold?: number;
  /** Indices of points to ring (e.g. an SVM's support vectors). */
  highlight?: ArrayLike<number>;
  highlightName?: string;
  width?: number;
  height?: number;
}

/** Light colours for regions and strong ones for points, per class. */
const REGION_COLORS = ['#cfdcf0', '#f6cfd4', '#d4ecd9', '#e6d8f0', '#fbe3c8', '#d2eef3', '#f8d5e6', '#e8f3cf', '#f7d9f7', '#fcf0cf'];
const POINT_COLORS = ['#3b6fb6', '#d1495b', '#2a9d5f', '#8c5fc0', '#e08a1e', '#1a9fb8', '#d6508f', '#7fa830', '#c05fc0', '#c9a227'];

function asMatrix(points: Tensor | readonly (readonly number[])[], where: string): Float64Array {
  const t = points instanceof Tensor ? points : tensor(points as number[][], { dtype: 'float64' });
  if (t.ndim !== 2 || t.shape[1] !== 2) throw new ShapeError(`${where}: expected points of shape [n, 2], got ${fmtShape(t.shape)}`);
  return Float64Array.from(t.values());
}

function asLabels(labels: Tensor | ArrayLike<number>, n: number, where: string): Int32Array {
  const v = labels instanceof Tensor ? labels.values() : labels;
  if (v.length !== n) throw new ShapeError(`${where}: expected ${n} labels (one per point), got ${v.length}`);
  for (let i = 0; i < n; i++) {
    const k = v[i];
    if (!(Number.isInteger(k) && k >= 0)) throw new ArgumentError(`${where}: labels must be class indices 0, 1, 2, ...; label ${i} is ${k}`);
  }
  return Int32Array.from(v as ArrayLike<number>);
}

/** The model's scores for a [n, 2] batch: a function, decisionFunction, or a Module's forward (no gradients). */
function scoresOf(model: ScoreModel, x: Tensor): Tensor {
  return noGrad(() => {
    if (model instanceof Module) {
      const was = model.training;
      model.eval();
      try {
        return (model as unknown as { forward(x: Tensor): Tensor }).forward(x);
      } finally {
        if (was) model.train();
      }
    }
    if (typeof model === 'function') return model(x);
    if (model && typeof (model as { decisionFunction?: unknown }).decisionFunction === 'function') return model.decisionFunction(x);
    throw new ArgumentError('decisionRegions: model must have decisionFunction(x), be a Module, or be a function of a [n, 2] batch');
  });
}

/**
 * The curve z = level on a grid, by marching squares: z[i * xs.length + j] is
 * the value at (xs[j], ys[i]). Each cell the curve crosses adds a segment;
 * segments are separated by null (a gap in a plotly line trace).
 * @example contourLines([0, 1, 0, 1], [0, 1], [0, 1], 0.5)  // the line x = 0.5
 */
export function contourLines(z: ArrayLike<number>, xs: readonly number[], ys: readonly number[], level = 0): { x: (number | null)[]; y: (number | null)[] } {
  const nx = xs.length;
  if (z.length !== nx * ys.length) throw new ShapeError(`contourLines: expected ${ys.length} x ${nx} = ${nx * ys.length} values, got ${z.length}`);
  const X: (number | null)[] = [], Y: (number | null)[] = [];
  for (let i = 0; i + 1 < ys.length; i++) {
    for (let j = 0; j + 1 < nx; j++) {
      const corners: [number, number, number][] = [
        [xs[j], ys[i], z[i * nx + j]], [xs[j + 1], ys[i], z[i * nx + j + 1]],
        [xs[j + 1], ys[i + 1], z[(i + 1) * nx + j + 1]], [xs[j], ys[i + 1], z[(i + 1) * nx + j]],
      ];
      const cut: [number, number][] = [];
      for (let k = 0; k < 4; k++) {
        const [xa, ya, fa] = corners[k], [xb, yb, fb] = corners[(k + 1) % 4];
        if (fa > level !== fb > level) {
          const t = (level - fa) / (fb - fa);
          cut.push([xa + t * (xb - xa), ya + t * (yb - ya)]);
        }
      }
      for (let k = 0; k + 1 < cut.length; k += 2) X.push(cut[k][0], cut[k + 1][0], null), Y.push(cut[k][1], cut[k + 1][1], null);
    }
  }
  return { x: X, y: Y };
}

/** 4 significant digits: enough for a colour, and a quarter of the JSON. */
function round4(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : v;
}

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/**
 * A 2-D classifier's decision regions: the model scores a `resolution`²
 * grid over the plane; the regions are one heatmap trace (two classes: the
 * score f(x), diverging around `threshold`, with its colour bar; more: the
 * argmax class, the colour bar naming the classes), the boundary is the
 * contour f(x) = threshold (per class for more than two), and the points are
 * drawn on top by label. Model outputs: [n] or [n, 1] scores (two classes),
 * or [n, k] scores for k ≥ 2 classes.
 * @example decisionRegions(new nn.SVC({ kernel: 'rbf' }).fit(X, y), X, y)
 */
export function decisionRegions(model: ScoreModel, points: Tensor | readonly (readonly number[])[], labels: Tensor | ArrayLike<number>, opts: DecisionRegionOptions = {}): Figure {
  const where = 'decisionRegions';
  const xy = asMatrix(points, where);
  const n = xy.length / 2;
  const y = asLabels(labels, n, where);
  const res = opts.resolution ?? 80;
  if (!(Number.isInteger(res) && res >= 2 && res <= 400)) throw new ArgumentError(`${where}: resolution must be an integer from 2 to 400, got ${res}`);
  let extent = opts.extent;
  if (!extent) {
    const xsP = Array.from({ length: n }, (_, i) => xy[2 * i]), ysP = Array.from({ length: n }, (_, i) => xy[2 * i + 1]);
    const pad = (a: number[]): [number, number] => {
      const [lo, hi] = finiteRange(a);
      const m = (hi - lo) * 0.1 || 1;
      return [lo - m, hi + m];
    };
    extent = [pad(xsP), pad(ysP)];
  }
  const gx = linspace(extent[0][0], extent[0][1], res), gy = linspace(extent[1][0], extent[1][1], res);
  const grid = new Float64Array(res * res * 2);
  for (let i = 0; i < res; i++) for (let j = 0; j < res; j++) grid.set([gx[j], gy[i]], (i * res + j) * 2);
  const like = points instanceof Tensor && points.dtype === 'float32' ? 'float32' : 'float64';
  const out = scoresOf(model, tensor(grid, { shape: [res * res, 2], dtype: like }));
  const k = out.ndim === 2 && out.shape[1] >= 2 ? out.shape[1] : 1;
  if (!(out.size === res * res * k && (out.ndim === 1 || out.ndim === 2))) {
    throw new ShapeError(`${where}: the model's output for a [${res * res}, 2] grid must be [${res * res}], [${res * res}, 1] or [${res * res}, k], got ${fmtShape(out.shape)}`);
  }
  const scores = out.values();
  const classes = Math.max(k === 1 ? 2 : k, ...Array.from(y, (v) => v + 1));
  const names = Array.from({ length: classes }, (_, c) => opts.classNames?.[c] ?? `class ${c}`);
  const data: Trace[] = [];
  const threshold = opts.threshold ?? 0;
  const boundaries: { x: (number | null)[]; y: (number | null)[] }[] = [];
  if (k === 1) {
    const z = Array.from({ length: res }, (_, i) => Array.from(scores.subarray(i * res, (i + 1) * res), round4));
    const [lo, hi] = finiteRange(scores);
    const m = Math.max(Math.abs(lo - threshold), Math.abs(hi - threshold)) || 1;
    data.push({
      type: 'heatmap', name: 'f(x)', x: gx, y: gy, z, zmin: threshold - m, zmax: threshold + m, showlegend: false,
      colorscale: [[0, '#8fb0e0'], [0.5, '#ffffff'], [1, '#eb9aa5']], colorbar: { title: { text: 'f(x)' } }, hoverinfo: 'x+y+z',
    });
    boundaries.push(contourLines(scores, gx, gy, threshold));
  } else {
    const cls = new Float64Array(res * res);
    for (let p = 0; p < res * res; p++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (scores[p * k + c] > scores[p * k + best]) best = c;
      cls[p] = best;
    }
    const z = Array.from({ length: res }, (_, i) => Array.from(cls.subarray(i * res, (i + 1) * res)));
    // NOTE: a stepped colour scale, one flat band per class, so the heatmap shows classes, not a gradient.
    const colorscale: [number, string][] = [];
    for (let c = 0; c < k; c++) colorscale.push([c / k, REGION_COLORS[c % REGION_COLORS.length]], [(c + 1) / k, REGION_COLORS[c % REGION_COLORS.length]]);
    data.push({
      type: 'heatmap', name: 'predicted class', x: gx, y: gy, z, zmin: -0.5, zmax: k - 0.5, showlegend: false, colorscale,
      colorbar: { title: { text: 'class' }, tickvals: names.slice(0, k).map((_, c) => c), ticktext: names.slice(0, k) },
    });
    // NOTE: class c's edge is where its score meets the best other score: s_c − max_{j≠c} s_j = 0 (smooth, unlike the class grid)
    for (let c = 0; c < k; c++) {
      const margin = new Float64Array(res * res);
      for (let p = 0; p < res * res; p++) {
        let other = -Infinity;
        for (let j = 0; j < k; j++) if (j !== c) other = Math.max(other, scores[p * k + j]);
        margin[p] = scores[p * k + c] - other;
      }
      boundaries.push(contourLines(margin, gx, gy, 0));
    }
  }
  if (opts.highlight && opts.highlight.length > 0) {
    const idx = Array.from(opts.highlight);
    data.push({ type: 'scatter', mode: 'markers', name: opts.highlightName ?? 'highlighted', x: idx.map((i) => xy[2 * i]), y: idx.map((i) => xy[2 * i + 1]), marker: { color: '#222222', size: 12 } });
  }
  for (let c = 0; c < classes; c++) {
    const xs: number[] = [], ys: number[] = [];
    for (let i = 0; i < n; i++) if (y[i] === c) xs.push(xy[2 * i]), ys.push(xy[2 * i + 1]);
    if (xs.length) data.push({ type: 'scatter', mode: 'markers', name: names[c], x: xs, y: ys, marker: { color: POINT_COLORS[c % POINT_COLORS.length], size: 7 } });
  }
  const bx: (number | null)[] = [], by: (number | null)[] = [];
  for (const b of boundaries) bx.push(...b.x.map((v) => (v === null ? v : round4(v)))), by.push(...b.y.map((v) => (v === null ? v : round4(v))));
  data.push({ type: 'scatter', mode: 'lines', name: k === 1 ? `f(x) = ${threshold}` : 'boundary', x: bx, y: by, line: { color: '#000000', width: 2 } });
  return new Figure({
    data,
    layout: {
      title: opts.title ?? 'decision regions', width: opts.width ?? 600, height: opts.height ?? 520,
      xaxis: { title: opts.xlabel ?? 'x₁', range: extent[0] }, yaxis: { title: opts.ylabel ?? 'x₂', range: extent[1] },
      // NOTE: plotly's legend goes under the plot, in one row, as the static drawing has it: on the right it covers the colour bar.
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: -0.14, yanchor: 'top' },
      margin: { b: 90 },
    },
  });
}

export interface ImageGridOptions {
  /** One caption per image (class names, predictions), drawn under it. */
  labels?: readonly (string | number)[];
  title?: string;
  /** The [h, w] of each image when images are rows of a matrix [n, h·w] (default: square). */
  imageShape?: [number, number];
  /** Default 'gray' (low black, high white). */
  colormap?: ColormapName;
  /** 'shared' (default): one scale for all images, shown by the colour bar; 'per-tile': each to its own min..max. */
  scale?: 'shared' | 'per-tile';
  /** Images per row (default 10). */
  perRow?: number;
  /** Show at most this many images (default 100). */
  maxImages?: number;
  /** Target size of an image's longer side in pixels, by integer upscaling (default 84: 28x28 images 3x, large enough to read). */
  tileSize?: number;
}

/**
 * Images side by side in one PNG: [n, h, w], [n, 1, h, w] or [n, h·w] (with
 * `imageShape`, or square), each with its caption from `labels`, on one
 * colour scale with a colour bar (or each to its own range). Displays as
 * image/png and nnlab's images JSON.
 * @example imageGrid(train.images.narrow(0, 0, 8), { labels: ['T-shirt', 'Trouser', ...], title: 'first 8' })
 */
export function imageGrid(images: Tensor, opts: ImageGridOptions = {}): ImageGrid {
  const where = 'imageGrid';
  if (!(images instanceof Tensor)) throw new ArgumentError(`${where}: expected a Tensor of images`);
  const shape = images.shape;
  let h: number, w: number;
  if (shape.length === 3) [h, w] = [shape[1], shape[2]];
  else if (shape.length === 4 && shape[1] === 1) [h, w] = [shape[2], shape[3]];
  else if (shape.length === 2) {
    const side = Math.round(Math.sqrt(shape[1]));
    [h, w] = opts.imageShape ?? [side, side];
    if (h * w !== shape[1]) throw new ShapeError(`${where}: rows of ${shape[1]} values are not ${h} x ${w} images; pass imageShape`);
  } else {
    throw new ShapeError(`${where}: expected images [n, h, w], [n, 1, h, w] or [n, h·w], got ${fmtShape(shape)}`);
  }
  const n = Math.min(shape[0], opts.maxImages ?? 100);
  if (n === 0) throw new ShapeError(`${where}: no images in a tensor of shape ${fmtShape(shape)}`);
  if (opts.labels && opts.labels.length < n) throw new ArgumentError(`${where}: ${n} images but ${opts.labels.length} labels`);
  const values = noGrad(() => images.detach()).values();
  const scale = opts.scale ?? 'shared';
  if (scale !== 'shared' && scale !== 'per-tile') throw new ArgumentError(`${where}: scale must be 'shared' or 'per-tile', got '${String(scale)}'`);
  const range = scale === 'shared' ? finiteRange(values, 0, n * h * w) : undefined;
  const tiles: Tile[] = [];
  for (let i = 0; i < n; i++) {
    const tile = makeTile(values, i * h * w, h, w, 96, range);
    if (opts.labels) tile.caption = String(opts.labels[i]);
    tiles.push(tile);
  }
  const perRow = Math.max(1, Math.min(n, opts.perRow ?? 10));
  const target = opts.tileSize ?? 84;
  const colormap = opts.colormap ?? 'gray';
  const title = opts.title ?? `${n} image${n === 1 ? '' : 's'} ${h}x${w}`;
  const image = drawGrid([{ label: null, tiles }], { colormap, title, targetSide: target, maxWidth: wrapWidth(perRow, h, w, !!opts.labels, target) });
  return new ImageGrid({
    version: 1, kind: 'images', title, sourceShape: [...shape], rows: Math.ceil(n / perRow), cols: perRow, colormap, image, scale,
    constantTiles: tiles.flatMap((t, i) => (t.constant !== null && t.constant !== undefined ? [i] : [])),
  });
}

export interface BarChartOptions {
  title?: string;
  xlabel?: string;
  ylabel?: string;
  /** The bar drawn in the strong colour (default: the largest value); the others are muted. null: all alike. */
  highlight?: number | null;
  width?: number;
  height?: number;
}

/**
 * One bar per value, named by `labels` on the x axis (categorical ticks),
 * the largest (or `highlight`) in a strong colour.
 * @example barChart(clf.decisionFunction(x).values(), classNames, { title: 'scores s = Wx + b', ylabel: 'score' })
 */
export function barChart(values: ArrayLike<number> | Tensor, labels: readonly string[], opts: BarChartOptions = {}): Figure {
  const v = Array.from(values instanceof Tensor ? values.values() : values);
  if (v.length !== labels.length) throw new ShapeError(`barChart: ${v.length} values but ${labels.length} labels`);
  let best = 0;
  v.forEach((x, i) => {
    if (x > v[best]) best = i;
  });
  const hi = opts.highlight === undefined ? best : opts.highlight;
  const idx = v.map((_, i) => i);
  return new Figure({
    data: [{
      type: 'bar', name: opts.ylabel ?? 'value', x: idx, y: v, showlegend: false,
      marker: { color: idx.map((i) => (hi === null || i === hi ? COLORS[0] : '#b8bde0')) },
      text: v.map((x) => x.toPrecision(3)), hoverinfo: 'x+y',
    }],
    layout: {
      title: opts.title, width: opts.width ?? Math.max(360, 90 + 70 * v.length), height: opts.height ?? 320,
      xaxis: { title: opts.xlabel ?? '', tickvals: idx, ticktext: [...labels] }, yaxis: { title: opts.ylabel ?? 'value' },
    },
  });
}
