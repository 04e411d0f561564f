import { describe, expect, it } from 'vitest';
import { tensor, Linear, ShapeError, ArgumentError } from '../../src';
import { MIME } from '../../kernel/protocol';
import { loadImage, createCanvas } from '@napi-rs/canvas';
import { confusionMatrix, confusionMatrixOf, confusionCellColors, confusionPng } from '../../kernel/src/confusion';
import { hexToRGB } from '../../kernel/src/canvas';
import { contrastRatio, relativeLuminance } from '../../kernel/src/colormap';

describe('confusionMatrix', () => {
  it('counts (true, predicted) pairs from labels, with per-class accuracy and precision', () => {
    const cm = confusionMatrix(tensor([0, 1, 1, 2, 2, 2], { dtype: 'int32' }), tensor([0, 1, 2, 2, 2, 1], { dtype: 'int32' }), { classNames: ['a', 'b', 'c'] });
    expect(cm.matrix).toEqual([[1, 0, 0], [0, 1, 1], [0, 1, 2]]);
    expect(cm.accuracy).toBeCloseTo(4 / 6);
    expect(cm.perClassAccuracy).toEqual([1, 0.5, 2 / 3]);
    expect(cm.payload.perClass.map((c) => c.precision)).toEqual([1, 0.5, 2 / 3]);
    expect(cm.toString()).toContain('accuracy 66.7%');
  });

  it('takes the argmax of logits and keeps classes without samples', () => {
    const logits = tensor([[2, 1, 0, 0], [0, 3, 0, 0], [0, 0, 0, 1]]);
    const cm = confusionMatrix(logits, tensor([0, 0, 3], { dtype: 'int32' }));
    expect(cm.matrix).toEqual([[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]);
    expect(cm.perClassAccuracy).toEqual([0.5, null, null, 1]);
  });

  it('displays as a coloured HTML table with the JSON payload', () => {
    const cm = confusionMatrix(tensor([0, 1]), tensor([0, 0]), { classNames: ['<x>', 'y'] });
    const b = (cm as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]();
    expect(Object.keys(b).sort()).toEqual([MIME.confusion, 'image/png', 'text/html', 'text/plain'].sort());
    expect(b['text/html']).toContain('&lt;x&gt;');
    expect(b['text/html']).toMatch(/background:#[0-9a-f]{6}/);
    expect((b[MIME.confusion] as { total: number }).total).toBe(2);
  });

  it('draws an image/png (for GitHub, nbviewer, VS Code): cells in their colours, the full diagonal darkest', async () => {
    // 3 classes, class 0 always right (its diagonal cell is 100% of the class), class 1 never.
    const cm = confusionMatrix(tensor([0, 0, 0, 0, 2, 2, 2]), tensor([0, 0, 0, 0, 1, 1, 2]), { classNames: ['T恤 T-shirt', 'b', 'c'] });
    const b = (cm as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]();
    const png = Buffer.from(b['image/png'], 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.equals(confusionPng(cm.payload))).toBe(true);
    const img = await loadImage(png);
    const ctx = createCanvas(img.width, img.height).getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, img.width, img.height).data;
    // Count the pixels of each cell colour: the full-diagonal colour and the empty-cell colour both appear in quantity.
    const count = (hex: string) => {
      const [r, g, b2] = hexToRGB(hex);
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] === r && px[i + 1] === g && px[i + 2] === b2) n++;
      return n;
    };
    const full = confusionCellColors(4, 4).background, empty = confusionCellColors(0, 4).background;
    expect(count(full)).toBeGreaterThan(200); // the 100% cells (0,0), (1,2) and (2,2), minus their numbers
    expect(count(empty)).toBeGreaterThan(4 * 200); // the six 0% cells
    expect(relativeLuminance(full)).toBeLessThan(relativeLuminance(empty));
  });

  it('colours cells on a sequential scale, more (of the true class) darker, 0 light, with a colour bar and readable text', () => {
    // true class 0: predicted 0 x5, 1 x3, 2 x1, 3 x0 (and classes 1..3 one each, correct)
    const pred = [0, 0, 0, 0, 0, 1, 1, 1, 2, 1, 2, 3];
    const target = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3];
    const cm = confusionMatrix(tensor(pred), tensor(target));
    expect(cm.matrix[0]).toEqual([5, 3, 1, 0]);
    const html = (cm as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]()['text/html'];
    const cells = [...html.matchAll(/background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})[^"]*" title="true (\d), predicted (\d): (\d+)"/g)]
      .map((m) => ({ bg: m[1], fg: m[2], t: Number(m[3]), p: Number(m[4]), count: Number(m[5]) }));
    expect(cells).toHaveLength(16);
    const row0 = cells.filter((c) => c.t === 0).sort((a, b) => a.count - b.count);
    const lum = row0.map((c) => relativeLuminance(c.bg));
    for (let i = 1; i < lum.length; i++) expect(lum[i], `count ${row0[i].count} darker than ${row0[i - 1].count}`).toBeLessThan(lum[i - 1]);
    expect(lum[0]).toBeGreaterThan(0.9); // 0 is near-white
    for (const c of cells) expect(contrastRatio(c.bg, c.fg), `text on ${c.bg}`).toBeGreaterThanOrEqual(4.5);
    // a full row (the one-sample classes) is the darkest colour, with white text
    const full = cells.find((c) => c.t === 3 && c.p === 3)!;
    expect(relativeLuminance(full.bg)).toBeLessThan(0.05);
    expect(full.fg).toBe('#ffffff');
    expect(html).toContain('nnlab-colorbar');
    const bar = [...html.split('nnlab-colorbar')[1].matchAll(/background:(#[0-9a-f]{6})/g)].map((m) => relativeLuminance(m[1]));
    expect(bar).toHaveLength(11);
    for (let i = 1; i < bar.length; i++) expect(bar[i]).toBeLessThan(bar[i - 1]);
    // every fraction 0..1 in fine steps: monotone, readable
    let last = Infinity;
    for (let k = 0; k <= 200; k++) {
      const c = confusionCellColors(k, 200);
      expect(relativeLuminance(c.background)).toBeLessThanOrEqual(last);
      expect(contrastRatio(c.background, c.text)).toBeGreaterThanOrEqual(4.5);
      last = relativeLuminance(c.background);
    }
  });

  it('rejects mismatched lengths, bad labels and wrong class counts', () => {
    expect(() => confusionMatrix(tensor([0, 1]), tensor([0]))).toThrow(/2 predictions \(shape \[2\]\) but 1 targets/);
    expect(() => confusionMatrix(tensor([0, 3]), tensor([0, 1]), { numClasses: 2 })).toThrow(/label 3 is out of range for 2 classes/);
    expect(() => confusionMatrix(tensor([0, 1]), tensor([0, 1]), { classNames: ['a'] })).toThrow(/label 1 is out of range for 1 classes/);
    expect(() => confusionMatrix(tensor([[[0]]]), tensor([0]))).toThrow(/predictions must be class indices \[N\] or scores \[N, C\]/);
    expect(() => confusionMatrix(tensor([0, 1]), tensor([0]))).toThrow(ShapeError);
    expect(() => confusionMatrix(tensor([0, -1]), tensor([0, 1]))).toThrow(ArgumentError);
  });
});

describe('confusionMatrixOf', () => {
  it('evaluates a model over batches in eval mode', () => {
    const model = new Linear(2, 2);
    model.weight.data.set([1, 0, 0, 1]);
    model.bias!.data.set([0, 0]);
    model.train();
    const batches: [ReturnType<typeof tensor>, ReturnType<typeof tensor>][] = [
      [tensor([[1, 0], [0, 1]]), tensor([0, 1], { dtype: 'int32' })],
      [tensor([[2, 0]]), tensor([1], { dtype: 'int32' })],
    ];
    const cm = confusionMatrixOf(model, batches);
    expect(cm.matrix).toEqual([[1, 0], [1, 1]]);
    expect(model.training).toBe(true);
  });
});
