import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, FormatError } from '../../src';

const DIR = '/usr/share/datasets/fashion-mnist';

function classCounts(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

describe('Fashion-MNIST from the dataset-fashion-mnist package', () => {
  const savedEnv = process.env.NNLAB_FASHION_MNIST_DIR;
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.NNLAB_FASHION_MNIST_DIR;
    else process.env.NNLAB_FASHION_MNIST_DIR = savedEnv;
  });

  it('the real files parse with the expected headers', () => {
    const labels = data.readIdx(join(DIR, 'train-labels-idx1-ubyte.gz'));
    expect(labels.dtype).toBe('ubyte');
    expect(labels.shape).toEqual([60000]);
    const images = data.readIdx(join(DIR, 't10k-images-idx3-ubyte.gz'));
    expect(images.shape).toEqual([10000, 28, 28]);
  });

  it('train: 60000 images [N, 1, 28, 28] in [0, 1], labels 0..9 with 6000 per class, first label 9 (Ankle boot)', () => {
    const t0 = performance.now();
    const { images, labels, classNames } = data.loadFashionMNIST({ split: 'train' });
    console.log(`loadFashionMNIST train: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(images.shape).toEqual([60000, 1, 28, 28]);
    expect(images.dtype).toBe('float32');
    expect(labels.shape).toEqual([60000]);
    expect(labels.dtype).toBe('int32');
    const lv = labels.values();
    expect(classCounts(lv)).toEqual(new Array(10).fill(6000));
    expect(Array.from(lv.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(classNames[lv[0]]).toBe('Ankle boot');
    expect(classNames).toEqual(data.FASHION_MNIST_CLASSES);
    expect(images.min().item()).toBe(0);
    expect(images.max().item()).toBe(1);
    // Pixel sums checked with numpy on the same file: image 0 sums to 76247/255; all pixels to 3431114169/255.
    expect(images.select(0, 0).sum().item()).toBeCloseTo(76247 / 255, 2);
    const pixels = images.values();
    let total = 0;
    for (let i = 0; i < pixels.length; i++) total += pixels[i];
    expect(total * 255).toBeCloseTo(3431114169, -3);
    // Row 14 of image 0, raw bytes from numpy: [0 0 1 4 6 7 2 0 0 0 0 0 237 226 ...]
    expect(images.slice(0, 0, 14, [0, 14]).mul(255)).toBeAllClose([0, 0, 1, 4, 6, 7, 2, 0, 0, 0, 0, 0, 237, 226], { atol: 1e-4 });
  });

  it('test: 10000 images, 1000 per class, first label 9', () => {
    const { images, labels } = data.loadFashionMNIST({ split: 'test' });
    expect(images.shape).toEqual([10000, 1, 28, 28]);
    expect(classCounts(labels.values())).toEqual(new Array(10).fill(1000));
    expect(Array.from(labels.values().subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
  });

  it('limit, flatten and normalize: false', () => {
    const small = data.loadFashionMNIST({ split: 'train', limit: 5, flatten: true, normalize: false });
    expect(small.images.shape).toEqual([5, 784]);
    expect(small.labels.toFlatArray()).toEqual([9, 0, 0, 3, 0]);
    const row = small.images.select(0, 0).slice([14 * 28, 14 * 28 + 14]);
    expect(row.toFlatArray()).toEqual([0, 0, 1, 4, 6, 7, 2, 0, 0, 0, 0, 0, 237, 226]);
    const scaled = data.loadFashionMNIST({ split: 'train', limit: 5 });
    expect(scaled.images.reshape(5, 784)).toBeAllClose(small.images.div(255));
    expect(data.loadFashionMNIST({ limit: 100000, split: 'test' }).images.shape[0]).toBe(10000);
    expect(() => data.loadFashionMNIST({ limit: -1 })).toThrow(/loadFashionMNIST: limit must be a non-negative integer, got -1/);
    expect(() => data.loadFashionMNIST({ split: 'valid' as 'train' })).toThrow(/split must be 'train' or 'test', got 'valid'/);
  });

  it('each call returns fresh tensors (the cache holds parsed bytes, not the outputs)', () => {
    const a = data.loadFashionMNIST({ split: 'test', limit: 3 });
    a.images.data[0] = 42;
    const b = data.loadFashionMNIST({ split: 'test', limit: 3 });
    expect(b.images.data[0]).toBe(0);
  });

  it('missing files: the error names the path and the apt-get command', () => {
    const empty = mkdtempSync(join(tmpdir(), 'nnlab-fashion-'));
    try {
      const missing = join(empty, 'train-images-idx3-ubyte.gz');
      expect(() => data.loadFashionMNIST({ dir: empty })).toThrow(data.DatasetNotFoundError);
      expect(() => data.loadFashionMNIST({ dir: empty })).toThrow(missing);
      expect(() => data.loadFashionMNIST({ dir: empty })).toThrow('sudo apt-get install dataset-fashion-mnist');
      process.env.NNLAB_FASHION_MNIST_DIR = empty;
      expect(() => data.loadFashionMNIST({ split: 'test' })).toThrow(join(empty, 't10k-images-idx3-ubyte.gz'));
      expect(() => data.loadFashionMNIST({ split: 'test' })).toThrow(/NNLAB_FASHION_MNIST_DIR/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('NNLAB_FASHION_MNIST_DIR points at another copy, and bad files there are FormatErrors', () => {
    const other = mkdtempSync(join(tmpdir(), 'nnlab-fashion-'));
    try {
      data.writeIdx(join(other, 't10k-images-idx3-ubyte.gz'), { dtype: 'ubyte', shape: [2, 28, 28], data: new Uint8Array(2 * 784).fill(255) }, { gzip: true });
      data.writeIdx(join(other, 't10k-labels-idx1-ubyte.gz'), { dtype: 'ubyte', shape: [2], data: [4, 7] }, { gzip: true });
      process.env.NNLAB_FASHION_MNIST_DIR = other;
      const { images, labels } = data.loadFashionMNIST({ split: 'test' });
      expect(images.shape).toEqual([2, 1, 28, 28]);
      expect(images.max().item()).toBe(1);
      expect(labels.toFlatArray()).toEqual([4, 7]);
      // The `dir` option wins over the environment.
      expect(data.loadFashionMNIST({ split: 'test', dir: DIR, limit: 1 }).labels.toFlatArray()).toEqual([9]);

      data.writeIdx(join(other, 'train-images-idx3-ubyte.gz'), { dtype: 'ubyte', shape: [2, 28, 28], data: new Uint8Array(2 * 784) }, { gzip: true });
      data.writeIdx(join(other, 'train-labels-idx1-ubyte.gz'), { dtype: 'ubyte', shape: [3], data: [1, 2, 3] }, { gzip: true });
      expect(() => data.loadFashionMNIST({ split: 'train' })).toThrow(FormatError);
      expect(() => data.loadFashionMNIST({ split: 'train' })).toThrow(/expected 2 ubyte labels .* got ubyte \[3\]/);
    } finally {
      data.clearFashionMNISTCache();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
