import { describe, expect, it } from 'vitest';
import { tensor, randn, zeros, arange } from '../../src';
import { MIME, type TensorPayload } from '../../kernel/protocol';
import { valueStats, histogram, jsonNumbers } from '../../kernel/src/stats';
import { tensorBundle, tensorPayload, tensorHeatmap, downsample, SMALL_TENSOR } from '../../kernel/src/tensorView';
import { decodePNG, pixelHex } from './png-decode';
import { colormapHex } from '../../kernel/src/colormap';

describe('valueStats', () => {
  it('computes min, max, mean and unbiased std over finite values, counting NaN and Inf', () => {
    const s = valueStats([1, 2, NaN, 3, Infinity, 0]);
    expect(s).toEqual({ count: 6, min: 0, max: 3, mean: 1.5, std: Math.sqrt(5 / 3), nanCount: 1, infCount: 1, zeroCount: 1 });
  });
  it('gives nulls without finite values and no std for one value', () => {
    expect(valueStats([NaN])).toMatchObject({ min: null, max: null, mean: null, std: null, nanCount: 1 });
    expect(valueStats([4])).toMatchObject({ min: 4, mean: 4, std: null });
  });
});

describe('histogram', () => {
  it('bins finite values, the last bin including the max', () => {
    const h = histogram([0, 1, 2, 3, 4, NaN], 4)!;
    expect(h.edges).toEqual([0, 1, 2, 3, 4]);
    expect(h.counts).toEqual([1, 1, 1, 2]);
  });
  it('uses one bin for a constant and null without finite values', () => {
    expect(histogram([2, 2, 2])).toEqual({ edges: [1.5, 2.5], counts: [3] });
    expect(histogram([NaN, Infinity])).toBeNull();
    expect(jsonNumbers([1, NaN, -Infinity])).toEqual([1, null, null]);
  });
});

describe('downsample', () => {
  it('averages blocks so no side exceeds the maximum', () => {
    const d = downsample([1, 2, 3, 4, 5, 6, 7, 8], 2, 4, 2);
    expect([d.rows, d.cols]).toEqual([2, 2]);
    expect(Array.from(d.values)).toEqual([1.5, 3.5, 5.5, 7.5]);
    const one = downsample([1, 2, 3, NaN], 2, 2, 1);
    expect([one.rows, one.cols, one.values[0]]).toEqual([1, 1, 2]);
  });
});

describe('tensorPayload', () => {
  it('carries shape, dtype, stats, histogram and all values of a small tensor', () => {
    const t = tensor([[1, 2], [3, NaN]]);
    const p = tensorPayload(t);
    expect(p).toMatchObject({ version: 1, kind: 'tensor', shape: [2, 2], dtype: 'float32', size: 4, requiresGrad: false, gradFn: null, valueLimit: 4096 });
    expect(p.stats).toMatchObject({ min: 1, max: 3, mean: 2, nanCount: 1 });
    expect(p.values).toEqual([1, 2, 3, null]);
    expect(p.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(3);
  });
  it('leaves out the values of a big tensor and names the op of a graph node', () => {
    const x = randn([100, 100], { requiresGrad: true });
    const p = tensorPayload(x.mul(2));
    expect(p.values).toBeNull();
    expect(p.gradFn).not.toBeNull();
    expect(JSON.parse(JSON.stringify(p)).stats.count).toBe(10000);
  });
});

describe('tensorHeatmap', () => {
  it('draws a 2-D tensor as one image, upscaled', () => {
    const hm = tensorHeatmap(arange(0, 12).reshape([3, 4]))!;
    const d = decodePNG(hm.png);
    expect(hm.tiles).toBe(1);
    expect(d.height).toBeGreaterThanOrEqual(3 * hm.scale);
    expect(d.width).toBeGreaterThan(4 * hm.scale + 20); // the colour bar and its labels to the right
    // top-left is the minimum (viridis at 0), the last cell of the bottom row the maximum (viridis at 1)
    expect(pixelHex(d, 0, 0)).toBe(colormapHex('viridis', 0));
    expect(pixelHex(d, 4 * hm.scale - 1, 3 * hm.scale - 1)).toBe(colormapHex('viridis', 1));
    // the colour bar: max at its top, min at its bottom
    expect(pixelHex(d, 4 * hm.scale + 8, 1)).toBe(colormapHex('viridis', 1));
  });
  it('tiles image-like 3-D and 4-D tensors by channel, and skips 1-D', () => {
    expect(tensorHeatmap(randn([3, 8, 8]))!.tiles).toBe(3);
    expect(tensorHeatmap(randn([2, 4, 6, 6]))!.tiles).toBe(8);
    expect(tensorHeatmap(randn([200, 1, 5, 5]))!.tiles).toBe(8);
    expect(tensorHeatmap(randn([10]))).toBeNull();
    expect(tensorHeatmap(tensor([NaN, NaN]).reshape([1, 2]))).toBeNull();
  });
  it('downsamples big matrices to at most maxSide pixels a side before scaling', () => {
    const hm = tensorHeatmap(zeros([2000, 300]), 256)!;
    const d = decodePNG(hm.png);
    expect(d.height).toBeLessThanOrEqual(256);
    expect(d.width).toBeLessThanOrEqual(300);
  });
});

describe('tensorBundle', () => {
  it('has text/plain with stats, html with the values, and the JSON payload', () => {
    const b = tensorBundle(tensor([[1, 2], [3, 4]]), { name: 'w' });
    expect(Object.keys(b).sort()).toEqual(['application/vnd.nnlab.tensor+json', 'text/html', 'text/plain']);
    expect(b['text/plain']).toContain('tensor([[1., 2.]');
    expect(b['text/plain']).toContain('min 1 · max 4 · mean 2.5 · std 1.291 · nan 0');
    expect(b['text/html']).toContain('tensor([[1., 2.],\n        [3., 4.]]');
    expect(b['text/html']).toContain('w: Tensor [2, 2] float32');
    expect(b['text/html']).toContain('data:image/png;base64,');
    expect((b[MIME.tensor] as TensorPayload).stats.max).toBe(4);
  });
  it('shows a small tensor\'s values first (text, HTML and payload), as NumPy\'s repr does', () => {
    const t = tensor([0.5, -1.25, 3, 7]);
    const b = tensorBundle(t);
    const text = b['text/plain'] as string, html = b['text/html'] as string;
    const printed = 'tensor([ 0.5000, -1.2500,  3.0000,  7.0000], shape=[4], dtype=float32)';
    expect(text.startsWith(printed)).toBe(true);
    expect(text.indexOf('min -1.25')).toBeGreaterThan(text.indexOf(printed));
    // the values come right after the title, before the statistics line
    const at = html.indexOf(printed);
    expect(at).toBeGreaterThan(html.indexOf('Tensor [4] float32'));
    expect(at).toBeLessThan(html.indexOf('min -1.25'));
    expect((b[MIME.tensor] as TensorPayload).repr).toBe(printed);
    // up to SMALL_TENSOR values: shown first, every value printed
    const hundred = arange(0, SMALL_TENSOR).reshape([10, 10]);
    const p100 = tensorPayload(hundred);
    expect(p100.repr).toContain('99');
    expect(p100.repr).not.toContain('...');
    const h100 = tensorBundle(hundred)['text/html'] as string;
    expect(h100.indexOf('nnlab-values')).toBeLessThan(h100.indexOf('min 0'));
    // above it: no repr in the payload, statistics first
    const big = arange(0, SMALL_TENSOR + 1);
    expect(tensorPayload(big).repr).toBeNull();
    const hBig = tensorBundle(big)['text/html'] as string;
    expect(hBig).not.toContain('nnlab-values');
    expect(hBig.indexOf('min 0')).toBeLessThan(hBig.indexOf('<pre'));
    const table = tensorBundle(arange(0, 12).reshape([1, 12]).expand([12, 12]).contiguous())['text/html'] as string;
    expect(table.indexOf('min 0')).toBeLessThan(table.indexOf('<table'));
  });
  it('summarises a big tensor instead of tabulating it, staying small', () => {
    const b = tensorBundle(randn([1000, 1000]));
    const html = b['text/html'] as string;
    expect(html).not.toContain('<table');
    expect(html).toContain('...');
    expect(JSON.stringify(b).length).toBeLessThan(1_000_000);
  });
});
