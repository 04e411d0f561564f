import { describe, expect, it } from 'vitest';
import { Sequential, Linear, ReLU, Conv2d, Conv1d, MaxPool2d, Flatten, LSTM, Module, Tensor, randn, arange, manualSeed } from '../../src';
import { MIME, type ActivationsPayload, type ImagesPayload } from '../../kernel/protocol';
import { featureMaps, filterImages, activationTiles, recordActivations } from '../../kernel/src/activations';
import { constantValue } from '../../kernel/src/tiles';
import { LIGHT, MUTED } from '../../kernel/src/canvas';
import { colormapHex } from '../../kernel/src/colormap';
import { lastInput } from '../../kernel/src/registry';
import { colorCounts, decodePNG } from './png-decode';

manualSeed(0);
const cnn = () => new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3));

describe('activationTiles', () => {
  it('makes one tile per channel of a [N, C, H, W] sample, normalised per tile', () => {
    const t = arange(0, 2 * 3 * 2 * 2).reshape([2, 3, 2, 2]);
    const { tiles, channels } = activationTiles(t, 1, 2);
    expect(channels).toBe(3);
    expect(tiles).toHaveLength(2);
    // sample 1, channel 0 holds 12..15; channel 1 holds 16..19
    expect([tiles[0].lo, tiles[0].hi, tiles[1].lo, tiles[1].hi]).toEqual([12, 15, 16, 19]);
    expect([tiles[0].rows, tiles[0].cols]).toEqual([2, 2]);
  });
  it('makes a near-square tile of a vector and one tile of a [N, A, B] sample', () => {
    const v = activationTiles(randn([1, 10]), 0, 16).tiles[0];
    expect([v.rows, v.cols, v.valid]).toEqual([3, 4, 10]);
    const seq = activationTiles(randn([2, 7, 5]), 0, 16);
    expect([seq.channels, seq.tiles[0].rows, seq.tiles[0].cols]).toEqual([1, 7, 5]);
    expect(activationTiles(randn([4]), 0, 16).tiles).toHaveLength(0);
    expect(() => activationTiles(randn([2, 3]), 2, 16)).toThrow(/sample index 2 is out of range for an output of shape \[2, 3\]/);
  });
});

describe('featureMaps', () => {
  it('records every leaf layer in order and draws one labelled PNG', () => {
    const model = cnn();
    const x = randn([2, 1, 8, 8]);
    const maps = featureMaps(model, x, { name: 'cnn', index: 1 });
    const p = maps.payload;
    expect(p.layers.map((l) => [l.name, l.className, l.shape, l.channels, l.shownChannels])).toEqual([
      ['input', 'Tensor', [2, 1, 8, 8], 1, 1],
      ['0', 'Conv2d', [2, 4, 8, 8], 4, 4],
      ['1', 'ReLU', [2, 4, 8, 8], 4, 4],
      ['2', 'MaxPool2d', [2, 4, 4, 4], 4, 4],
      ['3', 'Flatten', [2, 64], 1, 1],
      ['4', 'Linear', [2, 3], 1, 1],
    ]);
    expect(p.layers[2].stats.min).toBeGreaterThanOrEqual(0); // after ReLU
    expect(p.sampleIndex).toBe(1);
    const img = decodePNG(maps.image.png);
    expect([img.width, img.height]).toEqual([maps.image.width, maps.image.height]);
    const layerImg = decodePNG(p.layers[1].image!.png);
    expect(layerImg.width).toBeGreaterThan(4 * 8);
    expect(maps.get('2').shape).toEqual([2, 4, 4, 4]);
    expect(() => maps.get('nope')).toThrow(/no layer 'nope'; recorded: input, 0, 1, 2, 3, 4/);
    expect(lastInput(model)).toBe(x);
    const bundle = (maps as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]();
    expect(Object.keys(bundle).sort()).toEqual([MIME.activations, 'image/png', 'text/plain'].sort());
    expect(bundle['text/plain']).toContain('0 (Conv2d) [2, 4, 8, 8]: 4/4 channel(s)');
    expect((bundle[MIME.activations] as ActivationsPayload).layers).toHaveLength(6);
  });

  it('draws bigger tiles on request (tileSize)', () => {
    const model = cnn(), x = randn([1, 1, 8, 8]);
    const small = featureMaps(model, x), big = featureMaps(model, x, { tileSize: 128 });
    expect(big.image.width).toBeGreaterThan(small.image.width);
    expect(big.image.height).toBeGreaterThan(small.image.height);
    expect(big.payload.layers[1].image!.png).toBe(small.payload.layers[1].image!.png); // the JSON's per-layer tiles stay as they were
  });

  it('limits channels, selects layers by name and restores training mode', () => {
    const model = new Sequential(new Conv2d(1, 20, 3), new ReLU());
    model.train();
    const p = featureMaps(model, randn([1, 1, 6, 6]), { maxChannels: 5, layers: ['1'], includeInput: false }).payload;
    expect(p.layers.map((l) => [l.name, l.channels, l.shownChannels])).toEqual([['1', 20, 5]]);
    expect(model.training).toBe(true);
    expect(() => featureMaps(model, randn([1, 1, 6, 6]), { layers: ['9'] })).toThrow(/no submodule '9'/);
  });

  it('takes the first tensor of an LSTM output and names a failing forward', () => {
    class Seq extends Module {
      lstm = new LSTM(3, 5, { batchFirst: true });
      forward(x: Tensor): Tensor {
        return this.lstm.forward(x)[0];
      }
    }
    const recorded = recordActivations(new Seq(), randn([2, 4, 3]));
    expect(recorded.map((r) => [r.name, r.tensor.shape])).toEqual([['lstm', [2, 4, 5]]]);
    expect(() => featureMaps(cnn(), randn([1, 2, 8, 8]))).toThrow(/featureMaps: the forward pass of Sequential on input \[1, 2, 8, 8\] failed/);
  });
});

/** A conv whose channel 1 is dead: zero weights and bias -1, so its ReLU output is all 0. */
function deadChannelNet() {
  const conv = new Conv2d(1, 3, 3, { padding: 1 });
  const w = conv.weight.data as Float32Array;
  w.fill(0, 9, 18);
  (conv.bias!.data as Float32Array)[1] = -1;
  return new Sequential(conv, new ReLU());
}

/** How often each colour occurs in a PNG. */
const indexCounts = (png: string) => colorCounts(png);

describe('constant tiles and the shared scale', () => {
  it('finds constant tiles: two or more finite values, all equal', () => {
    expect(constantValue([0, 0, 0, 0])).toBe(0);
    expect(constantValue([2, NaN, 2])).toBe(2);
    expect(constantValue([1, 1, 1.5])).toBeNull();
    expect(constantValue([3])).toBeNull(); // a 1x1 kernel is not "constant"
    expect(constantValue([NaN, NaN])).toBeNull();
  });

  it('marks a dead (all-zero) channel instead of drawing it in the middle colour', () => {
    const model = deadChannelNet();
    const maps = featureMaps(model, randn([1, 1, 8, 8]), { name: 'net' });
    const [input, conv, relu] = maps.payload.layers;
    expect(input.constantChannels).toEqual([]);
    expect(conv.constantChannels).toEqual([1]); // -1 everywhere
    expect(relu.constantChannels).toEqual([1]); // 0 everywhere
    expect(maps.get('1').narrow(1, 1, 1).values().every((v) => v === 0)).toBe(true);
    // one 8x8 tile is 8x upscaled = 64 x 64 px: the dead one is light grey and crossed out,
    // not 4096 pixels of the colour map's middle colour
    const counts = indexCounts(relu.image!.png);
    const mid = colormapHex('viridis', 128 / 255);
    expect(counts.get(LIGHT) ?? 0).toBeGreaterThan(64 * 64 * 0.7);
    expect(counts.get(MUTED) ?? 0).toBeGreaterThanOrEqual(80);
    expect(counts.get(mid) ?? 0).toBeLessThan(300);
    const text = (maps as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]()['text/plain'];
    expect(text).toContain('1 (ReLU) [1, 3, 8, 8]: 3/3 channel(s)');
    expect(text).toMatch(/1 \(ReLU\).*constant: channel 1$/m);
    expect(maps.payload.scale).toBe('per-tile');
  });

  it("shares one range per layer with scale: 'shared', so a weak channel looks weak", () => {
    // channel 0 holds 0..3, channel 1 holds 10..13
    const t = arange(0, 8).reshape([1, 2, 2, 2]).add(arange(0, 2).reshape([1, 2, 1, 1]).mul(6));
    const own = activationTiles(t, 0, 8).tiles.map((x) => [x.lo, x.hi]);
    expect(own).toEqual([[0, 3], [10, 13]]);
    const shared = activationTiles(t, 0, 8, 'shared').tiles.map((x) => [x.lo, x.hi]);
    expect(shared).toEqual([[0, 13], [0, 13]]);
    const model = deadChannelNet();
    const x = randn([1, 1, 8, 8]);
    const a = featureMaps(model, x, { scale: 'per-tile' }), b = featureMaps(model, x, { scale: 'shared' });
    expect(b.payload.scale).toBe('shared');
    expect(b.payload.layers[2].image!.png).not.toBe(a.payload.layers[2].image!.png);
    // the dead channel is still marked on a shared scale (drawn in its colour, crossed out)
    expect(b.payload.layers[2].constantChannels).toEqual([1]);
    expect(indexCounts(b.payload.layers[2].image!.png).get(MUTED) ?? 0).toBeGreaterThanOrEqual(80);
    expect(() => featureMaps(model, x, { scale: 'global' as never })).toThrow(/scale must be 'per-tile' or 'shared', got 'global'/);
  });

  it('filterImages: marks zeroed filters and offers one shared scale for the whole weight', () => {
    manualSeed(3);
    const conv = new Conv2d(1, 4, 3);
    const w = conv.weight.data as Float32Array;
    w.fill(0, 18, 27); // filter 2
    for (let i = 27; i < 36; i++) w[i] *= 0.01; // filter 3: weak
    const per = filterImages(conv), shared = filterImages(conv, { scale: 'shared' });
    expect(per.payload.constantTiles).toEqual([2]);
    expect(shared.payload.constantTiles).toEqual([2]);
    expect([per.payload.scale, shared.payload.scale]).toEqual(['per-tile', 'shared']);
    expect(shared.payload.image.png).not.toBe(per.payload.image.png);
    expect(indexCounts(per.payload.image.png).get(MUTED) ?? 0).toBeGreaterThan(0);
    const wide = new Conv2d(2, 3, 1);
    expect(filterImages(wide).payload.constantTiles).toEqual([]); // 1x1 kernels: one value per tile
  });
});

describe('filterImages', () => {
  it('draws conv kernels as rows of filters by input channels', () => {
    const conv = new Conv2d(3, 6, 5);
    const grid = filterImages(conv);
    const p = grid.payload;
    expect(p).toMatchObject({ kind: 'images', sourceShape: [6, 3, 5, 5], rows: 6, cols: 3, colormap: 'coolwarm' });
    expect(p.title).toBe('Conv2d.weight [6, 3, 5, 5]');
    const img = decodePNG(p.image.png);
    expect(img.width).toBe(p.image.width);
    const bundle = (grid as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]();
    expect((bundle[MIME.images] as ImagesPayload).rows).toBe(6);
    expect(bundle['image/png']).toBe(p.image.png);
  });

  it('draws single-channel kernels, conv1d kernels and linear rows as images', () => {
    expect(filterImages(new Conv2d(1, 10, 3).weight).payload).toMatchObject({ rows: 2, cols: 8 });
    expect(filterImages(new Conv1d(2, 4, 3)).payload).toMatchObject({ rows: 1, cols: 4 });
    expect(filterImages(new Linear(784, 20)).payload).toMatchObject({ rows: 2, cols: 16 });
    expect(filterImages(new Linear(10, 3)).payload).toMatchObject({ rows: 1, cols: 1 });
    expect(() => filterImages(new ReLU())).toThrow(/has no 'weight' parameter/);
    expect(() => filterImages(randn([2]))).toThrow(/expected a weight with 2, 3 or 4 axes, got shape \[2\]/);
  });
});
