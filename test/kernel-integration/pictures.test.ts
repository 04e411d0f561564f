/**
 * Kernel pictures in a real nnlab kernel (nbclient): every chart output
 * (plotly or SVG) carries image/png too, so saved notebooks show it without
 * JavaScript; the figure helpers' bundles; and text in Chinese drawn as the
 * characters, pixel for pixel as Skia draws the same string with the same fonts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { MIME } from '../../kernel/protocol';
import { FONT_FAMILY, INK } from '../../kernel/src/canvas';
import { imageGrid } from '../../kernel/src/plots';
import { zeros } from '../../src';
import { decodePNG, type DecodedPNG } from '../kernel/png-decode';
import { ensureKernel, joined, newProjectFolder, removeProjectFolders, runNotebook, HERE, type Notebook, type NotebookOutput } from './helpers';

let nb: Notebook;

afterAll(removeProjectFolders);

beforeAll(() => {
  ensureKernel();
  nb = runNotebook(join(HERE, 'fixtures', 'pictures.ipynb'), newProjectFolder('kernel-pictures'));
});

function outputsOf(startsWith: string): NotebookOutput[] {
  const cell = nb.cells.find((c) => c.cell_type === 'code' && joined(c.source).startsWith(startsWith));
  if (!cell) throw new Error(`no cell starting with ${startsWith}`);
  return cell.outputs ?? [];
}

const pngOf = (data: Record<string, unknown>): DecodedPNG => decodePNG(joined(data['image/png'] as string | string[]));

describe('kernel pictures in a real kernel', () => {
  it('ran every cell without an error', () => {
    const errors = nb.cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`));
    expect(errors).toEqual([]);
  });

  it('gives every chart output (plotly or SVG) an image/png of the same size', () => {
    const charts = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && (o.data[MIME.plotly] || o.data['image/svg+xml']));
    // decisionRegions, barChart, linePlot, the heatmap Figure, the live run's final update, the run
    expect(charts.length).toBe(6);
    for (const o of charts) {
      expect(Object.keys(o.data!)).toContain('image/png');
      const png = pngOf(o.data!);
      const layout = (o.data![MIME.plotly] as { layout: { width?: number; height?: number } }).layout;
      expect([png.width, png.height]).toEqual([layout.width ?? 640, layout.height ?? 320]);
    }
  });

  it('shows decision regions as one heatmap trace and the scores as named bars', () => {
    const regions = outputsOf('const X')[0].data![MIME.plotly];
    expect(regions.data.filter((t: { type: string }) => t.type === 'heatmap')).toHaveLength(1);
    expect(regions.data[0].z).toHaveLength(30);
    expect(regions.layout.title).toBe('决策边界 decision boundary');
    const bars = outputsOf('barChart')[0].data![MIME.plotly];
    expect(bars.layout.xaxis.ticktext).toEqual(['T恤 T-shirt', '裤子 Trouser', '套衫 Pullover']);
    const templates = outputsOf('filterImages')[0].data!;
    expect(templates[MIME.images]).toMatchObject({ kind: 'images', rows: 1, cols: 3 });
  });

  it('draws the Chinese captions of an image grid as Skia draws the same strings', () => {
    const grid = outputsOf('imageGrid')[0].data!;
    expect(grid[MIME.images]).toMatchObject({ kind: 'images', title: '图像 images', rows: 1, cols: 2 });
    const fromKernel = pngOf(grid);
    // the same call here: the same pixels (same library, same fonts)
    const here = decodePNG(imageGrid(zeros([2, 8, 8]), { labels: ['凉鞋', '衬衫'], title: '图像 images' }).payload.image.png);
    expect(Buffer.from(fromKernel.pixels).equals(Buffer.from(here.pixels))).toBe(true);
    // the first caption's band (under the first 8x8 tile, upscaled 10x to 80 px at (4, 24)) against Skia's own drawing of '凉鞋'
    const side = 80;
    const [x0, y0, w, h] = [0, 24 + side + 1, side + 6, 15];
    const ref = createCanvas(fromKernel.width, fromKernel.height);
    const ctx = ref.getContext('2d');
    ctx.lang = 'en';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, ref.width, ref.height);
    ctx.font = `11px ${FONT_FAMILY}`;
    ctx.fillStyle = INK;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    ctx.fillText('凉鞋', 4 + side / 2, 24 + side + 2);
    const want = ctx.getImageData(x0, y0, w, h).data;
    const got = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) got.set(fromKernel.pixels.subarray(((y0 + y) * fromKernel.width + x0) * 4, ((y0 + y) * fromKernel.width + x0 + w) * 4), y * w * 4);
    let ink = 0;
    for (let i = 0; i < want.length; i += 4) if (want[i] < 200) ink++;
    expect(ink).toBeGreaterThan(30); // the reference has the characters' strokes
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it("carries the live run's chart as PNG in its final update and in the run's display", () => {
    const live = outputsOf('const model')[0];
    expect(Object.keys(live.data!)).toEqual(expect.arrayContaining([MIME.run, MIME.plotly, 'image/svg+xml', 'image/png']));
    const run = outputsOf('run')[0];
    expect(Object.keys(run.data!)).toEqual(expect.arrayContaining([MIME.run, 'image/png']));
  });
});
