/**
 * Linear classifiers on the real Fashion-MNIST, 28×28 images flattened to 784:
 * the multi-class perceptron (W 10×784, b 10) and a binary perceptron on two
 * classes that a line separates well (trouser vs bag).
 */
import { describe, it, expect } from 'vitest';
import * as nn from '../../src';

describe('perceptrons on Fashion-MNIST', () => {
  const train = nn.data.loadFashionMNIST({ split: 'train', flatten: true, limit: 10000 });
  const test = nn.data.loadFashionMNIST({ split: 'test', flatten: true, limit: 2000 });

  it('the multi-class perceptron W [10, 784] learns far above chance', () => {
    const p = new nn.MultiClassPerceptron(784, 10, { averaged: true });
    expect(p.weight.shape).toEqual([10, 784]);
    expect(p.bias.shape).toEqual([10]);
    p.fit(train.images, train.labels, { epochs: 3, generator: new nn.Generator(0) });
    const acc = p.score(test.images, test.labels);
    console.log(`multi-class perceptron, 10,000 samples × 3 epochs: test accuracy ${(100 * acc).toFixed(1)}%`);
    expect(acc).toBeGreaterThan(0.8);
  });

  it('a binary perceptron separates trousers (1) from bags (8)', () => {
    const pick = (labels: nn.Tensor) => labels.toFlatArray().flatMap((c, i) => (c === 1 || c === 8 ? [i] : []));
    const trainIdx = pick(train.labels), testIdx = pick(test.labels);
    const toBinary = (labels: nn.Tensor, idx: number[]) => nn.tensor(idx.map((i) => (labels.values()[i] === 8 ? 1 : 0)), { dtype: 'int32' });
    const p = new nn.Perceptron(784);
    p.fit(train.images.indexSelect(0, trainIdx), toBinary(train.labels, trainIdx), { epochs: 5, generator: new nn.Generator(0) });
    const acc = p.score(test.images.indexSelect(0, testIdx), toBinary(test.labels, testIdx));
    expect(acc).toBeGreaterThan(0.95);
  });
});
