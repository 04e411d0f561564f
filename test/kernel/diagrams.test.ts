import { describe, expect, it } from 'vitest';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, TextbookRNN, manualSeed } from '../../src';
import { MIME, type ImagesPayload } from '../../kernel/protocol';
import { LAYER_COLORS, architectureDiagram, unrolledRNNDiagram } from '../../kernel/src/diagrams';
import { bundleOf } from '../../kernel/src/display';
import { colorCounts, decodePNG } from './png-decode';

manualSeed(0);

function parts(value: unknown) {
  const b = bundleOf(value);
  expect(Object.keys(b).sort()).toEqual([MIME.images, 'image/png', 'text/plain'].sort());
  const payload = b[MIME.images] as ImagesPayload;
  expect(payload).toMatchObject({ kind: 'images', rows: 1, cols: 1, colormap: 'diagram' });
  expect(payload.image.png).toBe(b['image/png']);
  const png = decodePNG(b['image/png'] as string);
  expect([png.width, png.height]).toEqual([payload.image.width, payload.image.height]);
  return { text: b['text/plain'] as string, payload, png };
}

/** Pixels darker than #808080 in every channel (text and arrows) inside [x, y, w, h]. */
function dark(png: ReturnType<typeof decodePNG>, rect: [number, number, number, number]): number {
  let n = 0;
  for (const [hex, count] of colorCounts(png, rect)) if ([1, 3, 5].every((i) => parseInt(hex.slice(i, i + 2), 16) < 128)) n += count;
  return n;
}

describe('architectureDiagram', () => {
  const net = () => new Sequential(
    new Conv2d(1, 6, 5, { padding: 2 }), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(6 * 14 * 14, 10),
  );

  it('draws a box per leaf layer with its output shape and parameters, coloured by kind', () => {
    const { text, png } = parts(architectureDiagram(net(), [1, 1, 28, 28], { title: 'small CNN 小网络' }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('small CNN 小网络');
    expect(lines[1]).toBe('input [1, 1, 28, 28]');
    expect(lines[2]).toMatch(/^0 Conv2d\(1, 6, kernel_size=\(5, 5\).*\) → \[1, 6, 28, 28\], 156 parameters$/);
    expect(lines[4]).toMatch(/^2 MaxPool2d\(.*\) → \[1, 6, 14, 14\], 0 parameters$/);
    expect(lines[5]).toMatch(/^3 Flatten\(.*\) → \[1, 1176\], 0 parameters$/);
    expect(lines[6]).toMatch(/^4 Linear\(in_features=1176, out_features=10, bias=True\) → \[1, 10\], 11770 parameters$/);
    expect(lines[7]).toBe('11,926 parameters in all');
    // the boxes: one conv (blue), one pool (green), one linear (orange), two others (grey), each ~300x35 of fill
    const counts = colorCounts(png);
    const fill = (k: keyof typeof LAYER_COLORS) => counts.get(LAYER_COLORS[k][0]) ?? 0;
    const one = 297 * 35;
    expect(fill('conv')).toBeGreaterThan(one * 0.7);
    expect(fill('conv')).toBeLessThan(one * 1.05);
    expect(fill('pool')).toBeGreaterThan(one * 0.7);
    expect(fill('pool')).toBeLessThan(one * 1.05);
    expect(fill('linear')).toBeGreaterThan(one * 0.7);
    expect(fill('other')).toBeGreaterThan(2 * one * 0.7);
    expect(fill('other')).toBeLessThan(2 * one * 1.05);
    // the shape column has ink on every layer's row (the "→ [1, 6, 28, 28]" labels), the gaps between rows have none there
    for (let row = 0; row < 6; row++) {
      const y = 40 + row * 60;
      expect(dark(png, [336, y + 4, png.width - 340, 16])).toBeGreaterThan(40);
      if (row < 5) expect(dark(png, [336, y + 40, png.width - 340, 18])).toBe(0);
    }
  });

  it('names the model and the input when no layer runs, and rejects non-modules', () => {
    expect(() => architectureDiagram(new Sequential(), [1, 3])).toThrow(/Sequential ran no leaf layers on an input of shape \[1, 3\]/);
    expect(() => architectureDiagram({} as never, [1, 3])).toThrow(/expected a Module/);
  });
});

describe('unrolledRNNDiagram', () => {
  const hidden = LAYER_COLORS.conv[0], output = LAYER_COLORS.linear[0];

  it('draws x_t, h_t, o_t per step with the shared U, W, V and the weight shapes', () => {
    const { text, png } = parts(unrolledRNNDiagram({ steps: 3, rnn: new TextbookRNN(3, 4, 2) }));
    expect(text).toContain('U [4×3], W [4×4]');
    expect(text).toContain('V [2×4]');
    expect(text).toContain('42 parameters, for any number of steps');
    const counts = colorCounts(png);
    // three hidden and three output nodes, each a disc of radius 22 less its label
    const disc = Math.PI * 22 * 22;
    expect(counts.get(hidden)! / disc).toBeGreaterThan(3 * 0.75);
    expect(counts.get(hidden)! / disc).toBeLessThan(3 * 1.05);
    expect(counts.get(output)! / disc).toBeGreaterThan(3 * 0.75);
    expect(counts.get(output)! / disc).toBeLessThan(3 * 1.05);
  });

  it("draws one output for outputs: 'last', and more steps wider", () => {
    const last = parts(unrolledRNNDiagram({ steps: 4, inputSize: 2, hiddenSize: 3, outputSize: 1, outputs: 'last' }));
    const counts = colorCounts(last.png);
    const disc = Math.PI * 22 * 22;
    expect(counts.get(output)! / disc).toBeGreaterThan(0.75);
    expect(counts.get(output)! / disc).toBeLessThan(1.05);
    expect(counts.get(hidden)! / disc).toBeGreaterThan(4 * 0.75);
    expect(last.text).toContain('(the last step only)');
    const eight = parts(unrolledRNNDiagram({ steps: 8 }));
    expect(eight.png.width).toBeGreaterThan(last.png.width + 3 * 128 - 1);
    expect(eight.text).not.toContain('parameters');
    expect(() => unrolledRNNDiagram({ steps: 0 })).toThrow(/steps must be an integer from 1 to 8, got 0/);
  });
});
