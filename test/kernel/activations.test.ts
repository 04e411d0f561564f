import { describe, expect, it } from 'vitest';
import { Sequential, Linear, ReLU, Conv2d, Conv1d, MaxPool2d, Flatten, LSTM, Module, Tensor, randn, arange, manualSeed } from '../../src';
import { MIME, type ActivationsPayload, type ImagesPayload } from '../../kernel/protocol';
import { featureMaps, filterImages, activationTiles, recordActivations } from '../../kernel/src/activations';
import { lastInput } from '../../kernel/src/registry';
import { decodePNG } from './png-decode';

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
    expect(img.colorType).toBe(3);
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
