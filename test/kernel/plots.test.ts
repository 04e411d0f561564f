import { describe, expect, it } from 'vitest';
import { Conv2d, Linear, SVC, Sequential, manualSeed, randn, tensor, zeros, type Tensor } from '../../src';
import { MIME, type ImagesPayload } from '../../kernel/protocol';
import { filterImages } from '../../kernel/src/activations';
import { bundleOf } from '../../kernel/src/display';
import { figureScene, type FigureSpec, type Trace } from '../../kernel/src/figure';
import { barChart, contourLines, decisionRegions, imageGrid } from '../../kernel/src/plots';
import { decodePNG, pixelHex } from './png-decode';

manualSeed(0);

/** A bundle's plotly spec and its decoded PNG. */
function figureParts(value: unknown) {
  const b = bundleOf(value);
  expect(Object.keys(b).sort()).toEqual([MIME.plotly, 'image/png', 'image/svg+xml', 'text/plain'].sort());
  return { spec: b[MIME.plotly] as FigureSpec, png: decodePNG(b['image/png'] as string), svg: b['image/svg+xml'] as string };
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** Points on a line x₂ = 0: class 0 left of x₁ = 0, class 1 right. */
const X = tensor([[-1, 0.5], [-0.5, -0.5], [-1.5, 0], [1, 0.5], [0.5, -0.5], [1.5, 0]], { dtype: 'float64' });
const y = [0, 0, 0, 1, 1, 1];
const linear = { decisionFunction: (x: Tensor) => x.narrow(1, 0, 1).reshape([x.shape[0]]) };

describe('decisionRegions', () => {
  it('draws two classes as ONE heatmap of the score, the boundary f(x) = 0, the points by class', () => {
    const fig = decisionRegions(linear, X, y, { classNames: ['left', 'right'], resolution: 40, extent: [[-2, 2], [-2, 2]], title: 'a line' });
    const { spec, png } = figureParts(fig);
    const heatmaps = spec.data.filter((t) => t.type === 'heatmap');
    expect(heatmaps).toHaveLength(1);
    expect(heatmaps[0].z).toHaveLength(40);
    expect(heatmaps[0].z![0]).toHaveLength(40);
    expect(heatmaps[0].z![0][0]).toBeCloseTo(-2, 6); // f = x₁ at the left edge
    // markers only for the 6 data points (not one per grid cell)
    const markers = spec.data.filter((t) => t.type === 'scatter' && t.mode === 'markers').reduce((n, t) => n + t.y.length, 0);
    expect(markers).toBe(6);
    expect(spec.data.map((t) => t.name)).toEqual(['f(x)', 'left', 'right', 'f(x) = 0']);
    const boundary = spec.data[3];
    for (const v of boundary.x!) if (v !== null) expect(v).toBeCloseTo(0, 6);
    expect(spec.layout!.xaxis!.title).toBe('x₁');
    expect(spec.layout!.yaxis!.title).toBe('x₂');
    // the PNG: left of the boundary bluish, right reddish, at the height x₂ = 1.5 (no points there)
    const scene = figureScene(spec);
    const cells = scene.shapes.find((s) => s.kind === 'cells')!;
    if (cells.kind !== 'cells') throw new Error('no cells');
    const yAt = Math.round(cells.y + cells.h * 0.125);
    const [lr, , lb] = rgb(pixelHex(png, Math.round(cells.x + cells.w * 0.1), yAt));
    const [rr, , rb] = rgb(pixelHex(png, Math.round(cells.x + cells.w * 0.9), yAt));
    expect(lb).toBeGreaterThan(lr + 40);
    expect(rr).toBeGreaterThan(rb + 40);
    // and the black boundary line crosses the middle
    const [br, bg, bb] = rgb(pixelHex(png, Math.round(cells.x + cells.w / 2), yAt));
    expect(Math.max(br, bg, bb)).toBeLessThan(120);
    // a colour bar titled f(x)
    expect(scene.shapes.some((s) => s.kind === 'text' && s.text === 'f(x)')).toBe(true);
  });

  it('draws k classes as their argmax with a colour bar naming them; takes Modules and SVMs', () => {
    const three = (x: Tensor) => {
      const v = x.values();
      const out: number[] = [];
      for (let i = 0; i < v.length / 2; i++) out.push(-Math.hypot(v[2 * i], v[2 * i + 1]), -Math.hypot(v[2 * i] - 1, v[2 * i + 1] - 1), -Math.hypot(v[2 * i] - 2, v[2 * i + 1]));
      return tensor(out, { shape: [v.length / 2, 3] });
    };
    const pts = [[0, 0], [1, 1], [2, 0]];
    const { spec } = figureParts(decisionRegions(three, pts, [0, 1, 2], { classNames: ['T-shirt', 'Trouser', 'Bag'], resolution: 30 }));
    const heat = spec.data[0];
    expect(heat.colorbar!.ticktext).toEqual(['T-shirt', 'Trouser', 'Bag']);
    expect(new Set(heat.z!.flat())).toEqual(new Set([0, 1, 2]));
    const mlp = new Sequential(new Linear(2, 4), new Linear(4, 3));
    mlp.train();
    expect(figureParts(decisionRegions(mlp, X, y, { resolution: 10 })).spec.data[0].z).toHaveLength(10);
    expect(mlp.training).toBe(true);
    const svm = new SVC({ kernel: 'linear', C: 10 }).fit(X, tensor(y, { dtype: 'int32' }));
    const withSv = figureParts(decisionRegions(svm, X, y, { highlight: svm.supportIndices.values(), highlightName: 'support vectors', resolution: 20 })).spec;
    expect(withSv.data.find((t) => t.name === 'support vectors')!.x!.length).toBe(svm.supportVectors.shape[0]);
  });

  it('names the wrong input', () => {
    expect(() => decisionRegions(linear, zeros([3, 3]), [0, 1, 0])).toThrow(/decisionRegions: expected points of shape \[n, 2\], got \[3, 3\]/);
    expect(() => decisionRegions(linear, X, [0, 1])).toThrow(/expected 6 labels \(one per point\), got 2/);
    expect(() => decisionRegions(linear, X, [0, 1, 0, 1, 0, 0.5])).toThrow(/label 5 is 0.5/);
    expect(() => decisionRegions((x: Tensor) => zeros([x.shape[0], 2, 2]), X, y, { resolution: 4 })).toThrow(/must be \[16\], \[16, 1\] or \[16, k\], got \[16, 2, 2\]/);
    expect(() => decisionRegions({} as never, X, y)).toThrow(/must have decisionFunction/);
  });
});

describe('contourLines', () => {
  it('finds the line z = level by linear interpolation, segments split by null', () => {
    // z = x on a 3 x 3 grid over [0, 2]²: the level 0.5 is the vertical line x = 0.5
    const xs = [0, 1, 2], ys = [0, 1, 2];
    const z = ys.flatMap(() => xs);
    const c = contourLines(z, xs, ys, 0.5);
    expect(c.x).toEqual([0.5, 0.5, null, 0.5, 0.5, null]);
    expect(c.y).toEqual([0, 1, null, 1, 2, null]);
    expect(() => contourLines([1, 2, 3], xs, ys)).toThrow(/expected 3 x 3 = 9 values, got 3/);
  });
});

describe('imageGrid', () => {
  it('puts captioned images in rows of 10 on one scale, as PNG and images JSON', () => {
    const images = randn([12, 1, 28, 28]);
    const labels = Array.from({ length: 12 }, (_, i) => `img ${i}`);
    const grid = imageGrid(images, { labels, title: 'twelve' });
    const b = bundleOf(grid);
    expect(Object.keys(b).sort()).toEqual([MIME.images, 'image/png', 'text/plain'].sort());
    const p = b[MIME.images] as ImagesPayload;
    expect(p).toMatchObject({ kind: 'images', title: 'twelve', rows: 2, cols: 10, scale: 'shared', colormap: 'gray', sourceShape: [12, 1, 28, 28] });
    const png = decodePNG(p.image.png);
    expect([png.width, png.height]).toEqual([p.image.width, p.image.height]);
    // 28x28 tiles upscaled 3x = 84 px, ten a row, plus the colour bar
    expect(png.width).toBeGreaterThan(10 * 84 + 40);
    const bare = imageGrid(images, { title: 'twelve' });
    expect(bare.payload.image.height).toBeLessThan(p.image.height); // captions take room
    expect(imageGrid(randn([3, 784])).payload.sourceShape).toEqual([3, 784]);
    expect(imageGrid(randn([2, 5, 6]), { perRow: 1 }).payload).toMatchObject({ rows: 2, cols: 1 });
  });

  it('names bad shapes and label counts', () => {
    expect(() => imageGrid(randn([2, 10]))).toThrow(/rows of 10 values are not 3 x 3 images; pass imageShape/);
    expect(() => imageGrid(randn([2, 3, 4, 4]))).toThrow(/expected images \[n, h, w\], \[n, 1, h, w\] or \[n, h·w\], got \[2, 3, 4, 4\]/);
    expect(() => imageGrid(randn([3, 4, 4]), { labels: ['a'] })).toThrow(/3 images but 1 labels/);
  });

  it('writes Chinese captions as characters (different from a caption of question marks)', () => {
    const images = zeros([1, 8, 8]);
    const zh = decodePNG(imageGrid(images, { labels: ['凉鞋'], title: 't' }).payload.image.png);
    const q = decodePNG(imageGrid(images, { labels: ['??'], title: 't' }).payload.image.png);
    expect([zh.width, zh.height]).toEqual([q.width, q.height]);
    expect(Buffer.from(zh.pixels).equals(Buffer.from(q.pixels))).toBe(false);
  });
});

describe('barChart', () => {
  it('draws one bar per named value, the largest highlighted, with the names as ticks', () => {
    const names = ['T-shirt', 'Trouser', 'Pullover'];
    const { spec, png } = figureParts(barChart([0.5, 2, -1], names, { title: 'scores', ylabel: 'score' }));
    const bars = spec.data[0] as Trace;
    expect(bars.type).toBe('bar');
    expect(spec.layout!.xaxis!.ticktext).toEqual(names);
    const colors = bars.marker!.color as string[];
    expect(colors[1]).not.toBe(colors[0]);
    expect(colors[0]).toBe(colors[2]);
    expect(spec.layout!.yaxis!.title).toBe('score');
    expect(png.width).toBe(spec.layout!.width);
    const scene = figureScene(spec);
    for (const n of names) expect(scene.shapes.some((s) => s.kind === 'text' && s.text === n)).toBe(true);
    expect(() => barChart([1, 2], names)).toThrow(/2 values but 3 labels/);
  });
});

describe('filterImages with labels', () => {
  it('writes a class name under each weight template', () => {
    const lin = new Linear(784, 10);
    const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    const labelled = filterImages(lin, { labels: names }), plain = filterImages(lin);
    expect(labelled.payload.image.height).toBeGreaterThan(plain.payload.image.height);
    expect(labelled.payload).toMatchObject({ rows: 1, cols: 10 });
    const conv = filterImages(new Conv2d(2, 3, 3), { labels: ['a', 'b', 'c'] });
    expect(conv.payload).toMatchObject({ rows: 3, cols: 2 });
  });
});
