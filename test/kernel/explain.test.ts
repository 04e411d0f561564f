import { afterEach, describe, expect, it } from 'vitest';
import { Sequential, Conv2d, ReLU, MaxPool2d, Flatten, Linear, conv2d, randn, tensor, manualSeed, type Tensor } from '../../src';
import type { ChannelResult, ExplainResult, ActivationsResult, ListResult, WeightsResult, QueryPayload } from '../../kernel/protocol';
import { answerQuery } from '../../kernel/src/query';
import { filterImages } from '../../kernel/src/activations';
import { setLocalsProvider, rememberInput } from '../../kernel/src/registry';

afterEach(() => setLocalsProvider(null));

function ok<T>(p: QueryPayload): T {
  if (!p.ok) throw new Error(`query failed: ${p.error}`);
  return p.result as T;
}

/** The window of `e` as a [1, cin, kh, kw] tensor and the kernel as [1, cin, kh, kw]: F.conv2d of the two is one number. */
function windowConv(e: ExplainResult): number {
  const [kh, kw] = e.kernelSize;
  const cin = e.terms.length;
  const win = tensor(e.terms.flatMap((t) => t.window), { shape: [1, cin, kh, kw] });
  const w = tensor(e.terms.flatMap((t) => t.weights), { shape: [1, cin, kh, kw] });
  return conv2d(win, w, tensor([e.bias])).values()[0];
}

const cases: [string, ConstructorParameters<typeof Conv2d>[3], number][] = [
  ['plain', {}, 1],
  ['stride 2, padding 1', { stride: 2, padding: 1 }, 1],
  ['padding same, dilation 2', { padding: 'same', dilation: 2 }, 1],
  ['stride [2, 1], padding [2, 0], dilation [1, 2], no bias', { stride: [2, 1], padding: [2, 0], dilation: [1, 2], bias: false }, 1],
  ['groups 2', { groups: 2, padding: 1 }, 2],
];

describe("query 'explain'", () => {
  for (const [what, opts] of cases) {
    it(`explains every pixel of a Conv2d output (${what}): products, bias, sum = output = conv2d on the window`, () => {
      manualSeed(7);
      const conv = new Conv2d(4, 6, 3, opts);
      const model = new Sequential(conv, new ReLU());
      const x = randn([3, 4, 9, 8]);
      rememberInput(model, x);
      setLocalsProvider(() => ({ model }));
      const full = conv2d(x.narrow(0, 2, 1), conv.weight, conv.bias, { stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups });
      const [, cout, oh, ow] = full.shape;
      for (const [c, y, xx] of [[0, 0, 0], [cout - 1, oh - 1, ow - 1], [3, Math.floor(oh / 2), 1]]) {
        const e = ok<ExplainResult>(answerQuery({ op: 'explain', model: 'model', layer: '0', channel: c, y, x: xx, index: 2 }));
        const expected = full.values()[(c * oh + y) * ow + xx];
        expect(e.output).toBeCloseTo(expected, 6);
        expect(Math.abs(e.sum - e.output)).toBeLessThan(1e-5 * (1 + Math.abs(e.output)));
        expect(windowConv(e)).toBeCloseTo(e.output, 5);
        for (const t of e.terms) {
          t.products.forEach((p, k) => expect(p).toBe(t.window[k] * t.weights[k]));
          expect(t.sum).toBeCloseTo(t.products.reduce((a, b) => a + b, 0), 10);
        }
        expect(e.terms.length).toBe(4 / conv.groups);
        expect(e.bias).toBe(conv.bias ? conv.bias.values()[c] : 0);
        // the taps read the rows/cols of the formula; those outside the input are padding and read 0
        expect(e.rows).toEqual([0, 1, 2].map((i) => y * conv.stride[0] - e.padding[0] + i * conv.dilation[0]));
        e.terms[0].padded.forEach((p, k) => {
          const r = e.rows[Math.floor(k / 3)], q = e.cols[k % 3];
          expect(p).toBe(r < 0 || r >= 9 || q < 0 || q >= 8);
          if (p) expect(e.terms[0].window[k]).toBe(0);
        });
      }
    });
  }

  it('follows the receptive field back through conv and pool layers to the model input', () => {
    manualSeed(3);
    const model = new Sequential(new Conv2d(1, 2, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Conv2d(2, 3, 3));
    const x = randn([1, 1, 12, 12]);
    rememberInput(model, x);
    setLocalsProvider(() => ({ model }));
    const first = ok<ExplainResult>(answerQuery({ op: 'explain', model: 'model', layer: '0', channel: 1, y: 0, x: 5 }));
    expect(first.receptiveField).toEqual({ y0: 0, y1: 2, x0: 4, x1: 7 });
    expect(first.inputImage).toMatchObject({ channels: 1, height: 12, width: 12 });
    expect(first.inputImage?.values).toHaveLength(144);
    // conv2 pixel (1, 2) reads pool rows 1..3, cols 2..4 -> conv1 rows 2..7, cols 4..9 -> input rows 1..8, cols 3..10
    const second = ok<ExplainResult>(answerQuery({ op: 'explain', model: 'model', layer: '3', channel: 2, y: 1, x: 2 }));
    expect(second.receptiveField).toEqual({ y0: 1, y1: 9, x0: 3, x1: 11 });
    expect(second.layerInputShape).toEqual([1, 2, 6, 6]);
    expect(Math.abs(second.sum - second.output)).toBeLessThan(1e-5);
  });

  it('refuses what it cannot explain, naming the layer and the shape', () => {
    const model = new Sequential(new Conv2d(1, 2, 3), new Flatten(), new Linear(8, 2));
    rememberInput(model, randn([1, 1, 4, 4]));
    setLocalsProvider(() => ({ model }));
    const bad = (req: object) => {
      const p = answerQuery(req as never);
      expect(p.ok).toBe(false);
      return p.ok ? '' : p.error;
    };
    expect(bad({ op: 'explain', model: 'model', layer: '2', channel: 0, y: 0, x: 0 })).toMatch(/'2' is a Linear; only Conv2d/);
    expect(bad({ op: 'explain', model: 'model', layer: '0', channel: 0, y: 2, x: 0 })).toMatch(/y 2 is out of range .* \[1, 2, 2, 2\]/);
    expect(bad({ op: 'explain', model: 'model', layer: 'nope', channel: 0, y: 0, x: 0 })).toMatch(/no layer 'nope' ran; leaf layers: 0, 1, 2/);
    expect(bad({ op: 'channel', model: 'model', layer: '0', channel: 5 })).toMatch(/channel 5 is out of range/);
  });
});

describe("query 'channel' and the inspector's payloads", () => {
  function lenet() {
    manualSeed(1);
    const model = new Sequential(new Conv2d(1, 3, 3), new ReLU(), new Flatten(), new Linear(3 * 4 * 4, 5));
    const x = randn([2, 1, 6, 6]);
    rememberInput(model, x);
    setLocalsProvider(() => ({ model, x }));
    return { model, x };
  }

  it('returns one channel in full with its range, the same values as the layer output', () => {
    const { model, x } = lenet();
    const c = ok<ChannelResult>(answerQuery({ op: 'channel', model: 'model', layer: '0', channel: 2, index: 1 }));
    const out = (model.getSubmodule("0") as Conv2d).forward(x.narrow(0, 1, 1)).values().subarray(2 * 16, 3 * 16);
    expect(c).toMatchObject({ layer: '0', className: 'Conv2d', height: 4, width: 4, channels: 3, explainable: true, shape: [1, 3, 4, 4] });
    expect(c.values).toBeAllClose(Array.from(out));
    expect(c.stats.min).toBeCloseTo(Math.min(...out), 6);
    const v = ok<ChannelResult>(answerQuery({ op: 'channel', model: 'model', layer: '3', channel: 0 }));
    expect(v).toMatchObject({ height: 1, width: 5, explainable: false });
  });

  it('sends tile rectangles, vectors as values, filterImages for weights, and gradient histograms', () => {
    const { model, x } = lenet();
    const a = ok<ActivationsResult>(answerQuery({ op: 'activations', model: 'model' }));
    const conv = a.activations.layers.find((l) => l.name === '0')!;
    expect(conv.tileRects).toHaveLength(3);
    const [x0, y0, w, h] = conv.tileRects![0];
    expect(w).toBe(h);
    expect(x0 + w).toBeLessThanOrEqual(conv.image!.width);
    expect(y0 + h).toBeLessThanOrEqual(conv.image!.height);
    const lin = a.activations.layers.find((l) => l.name === '3')!;
    expect(lin.vector).toHaveLength(5);
    expect(lin.vector).toBeAllClose(Array.from(model.forward(x.narrow(0, 0, 1)).values()));
    const wr = ok<WeightsResult>(answerQuery({ op: 'weights', model: 'model', param: '0.weight' }));
    expect(wr.filters?.image.png).toBe(filterImages((model.getSubmodule("0") as Conv2d).weight).payload.image.png);
    expect(ok<ListResult>(answerQuery({ op: 'list' })).models[0].tree.children[0].parameters[0].gradHistogram).toBeNull();
    model.forward(x).sum().backward();
    const p = ok<ListResult>(answerQuery({ op: 'list' })).models[0].tree.children[0].parameters[0];
    expect(p.gradStats?.count).toBe(27);
    expect(p.gradHistogram?.counts.reduce((s, n) => s + n, 0)).toBe(27);
  });
});

export type { Tensor };
