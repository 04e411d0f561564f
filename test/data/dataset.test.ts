import { describe, it, expect } from 'vitest';
import { data, arange, tensor, scalar, Generator, manualSeed, ShapeError, ArgumentError, Tensor } from '../../src';

const { TensorDataset, DataLoader, Subset, randomSplit } = data;

/** x[i] = [i, 10 i] (float32), y[i] = i (int32). */
function toy(n: number) {
  const x = arange(0, n).unsqueeze(1).mul(tensor([1, 10]));
  const y = arange(0, n, 1, { dtype: 'int32' });
  return new TensorDataset(x, y);
}

function epochLabels(loader: Iterable<Tensor[]>): number[][] {
  return [...loader].map(([, y]) => y.toFlatArray());
}

describe('TensorDataset and Subset', () => {
  it('get(i) returns the i-th slice of every tensor', () => {
    const ds = toy(5);
    expect(ds.length).toBe(5);
    const [x, y] = ds.get(3);
    expect(x.toFlatArray()).toEqual([3, 30]);
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(3);
    expect(() => ds.get(5)).toThrow(/TensorDataset.get: index 5 is out of range for a dataset of length 5/);
  });

  it('tensors must share their first axis', () => {
    expect(() => new TensorDataset(arange(4), arange(5))).toThrow(ShapeError);
    expect(() => new TensorDataset(arange(4), arange(5))).toThrow(/TensorDataset: all tensors need the same size along axis 0, got shapes \[4\], \[5\]/);
    expect(() => new TensorDataset(arange(4), scalar(1))).toThrow(/got shapes \[4\], \[\]/);
  });

  it('Subset maps indices, and checks them', () => {
    const sub = new Subset(toy(10), [7, 2, 9]);
    expect(sub.length).toBe(3);
    expect(sub.get(1)[1].item()).toBe(2);
    expect(() => new Subset(toy(3), [0, 3])).toThrow(/Subset: index 3 \(position 1\) is out of range for a dataset of length 3/);
    expect(() => sub.get(3)).toThrow(ArgumentError);
  });

  it('randomSplit makes disjoint subsets covering the dataset, reproducibly', () => {
    const ds = toy(10);
    const [a, b] = randomSplit(ds, [7, 3], new Generator(1));
    expect([a.length, b.length]).toEqual([7, 3]);
    const all = [...a.indices, ...b.indices].sort((p, q) => p - q);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [a2] = randomSplit(ds, [7, 3], new Generator(1));
    expect(Array.from(a2.indices)).toEqual(Array.from(a.indices));
    // Fractions: floor(0.25·10) = 2, floor(0.75·10) = 7, one left over goes to the first part.
    expect(randomSplit(ds, [0.25, 0.75], new Generator(0)).map((s) => s.length)).toEqual([3, 7]);
    expect(() => randomSplit(ds, [5, 4])).toThrow(/randomSplit: lengths \[5, 4\] must be counts summing to the dataset length 10 or fractions summing to 1/);
  });
});

describe('DataLoader', () => {
  it('batches in order, with a short last batch unless dropLast', () => {
    const loader = new DataLoader(toy(10), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(([x]) => x.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(batches.map(([, y]) => y.toFlatArray())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batches[1][0].toArray()).toEqual([[4, 40], [5, 50], [6, 60], [7, 70]]);
    expect(batches[0][1].dtype).toBe('int32');

    const dropped = new DataLoader(toy(10), { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect(epochLabels(dropped)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new DataLoader(toy(8), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(toy(3), { batchSize: 4, dropLast: true }).length).toBe(0);
    expect([...new DataLoader(toy(3), { batchSize: 4, dropLast: true })]).toEqual([]);
    expect(new DataLoader(toy(10)).length).toBe(10);
  });

  it('for...of with destructuring gives [x, y] tensors', () => {
    let seen = 0;
    for (const [x, y] of new DataLoader(toy(6), { batchSize: 3 })) {
      expect(x.shape).toEqual([3, 2]);
      expect(x.select(1, 0)).toBeAllClose(y.float());
      seen += y.shape[0];
    }
    expect(seen).toBe(6);
  });

  it('shuffle: every epoch is a permutation, epochs differ, and the same seed replays the same epochs', () => {
    const run = (seed: number) => {
      const loader = new DataLoader(toy(23), { batchSize: 5, shuffle: true, generator: new Generator(seed) });
      return [epochLabels(loader), epochLabels(loader), epochLabels(loader)];
    };
    const epochs = run(42);
    for (const epoch of epochs) {
      expect(epoch.map((b) => b.length)).toEqual([5, 5, 5, 5, 3]);
      expect(epoch.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    }
    expect(epochs[0].flat()).not.toEqual(epochs[1].flat());
    expect(epochs[1].flat()).not.toEqual(epochs[2].flat());
    expect(epochs[0].flat()).not.toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(run(42)).toEqual(epochs);
    expect(run(43)[0]).not.toEqual(epochs[0]);
    // The epoch order is exactly the generator's permutation.
    expect(epochs[0].flat()).toEqual(Array.from(new Generator(42).permutation(23)));
  });

  it('shuffle without a generator uses the global one (manualSeed)', () => {
    manualSeed(5);
    const a = epochLabels(new DataLoader(toy(12), { batchSize: 12, shuffle: true }));
    manualSeed(5);
    const b = epochLabels(new DataLoader(toy(12), { batchSize: 12, shuffle: true }));
    expect(a).toEqual(b);
  });

  it('batches of a Subset of a TensorDataset come through the same fast path', () => {
    const sub = new Subset(new Subset(toy(10), [9, 8, 7, 6, 5]), [4, 0, 2]);
    const [[x, y]] = [...new DataLoader(sub, { batchSize: 3 })];
    expect(y.toFlatArray()).toEqual([5, 9, 7]);
    expect(x.toArray()).toEqual([[5, 50], [9, 90], [7, 70]]);
  });

  it('generic datasets are stacked by the default collate', () => {
    const ds = {
      length: 5,
      get: (i: number) => [tensor([i, 2 * i]), i % 3, { w: i / 2, id: scalar(i, { dtype: 'int32' }) }] as const,
    };
    const loader = new DataLoader(ds, { batchSize: 2 });
    const batches = [...loader];
    expect(batches.length).toBe(3);
    const [x, label, extra] = batches[0];
    expect(x.toArray()).toEqual([[0, 0], [1, 2]]);
    expect(label.dtype).toBe('int32');
    expect(label.toFlatArray()).toEqual([0, 1]);
    expect(extra.w.dtype).toBe('float32');
    expect(extra.w.toFlatArray()).toEqual([0, 0.5]);
    expect(extra.id.dtype).toBe('int32');
    expect(batches[2][0].shape).toEqual([1, 2]);
    // Integers-only batches of numbers are int32: [2, 0] here.
    expect(batches[1][1].toFlatArray()).toEqual([2, 0]);
  });

  it('a custom collate replaces the default', () => {
    const loader = new DataLoader(toy(4), { batchSize: 2, collate: (samples) => samples.length });
    expect([...loader]).toEqual([2, 2]);
  });

  it('errors name the DataLoader and the shapes', () => {
    expect(() => new DataLoader(toy(3), { batchSize: 0 })).toThrow(/DataLoader: batchSize must be a positive integer, got 0/);
    const ragged = { length: 2, get: (i: number) => tensor(i === 0 ? [1, 2] : [1, 2, 3]) };
    expect(() => [...new DataLoader(ragged, { batchSize: 2 })]).toThrow(/DataLoader: cannot batch sample: item 0 has shape \[2\], item 1 has shape \[3\]/);
    const strings = { length: 2, get: (i: number) => `s${i}` };
    expect(() => [...new DataLoader(strings, { batchSize: 2 })]).toThrow(/DataLoader: cannot batch sample of type string; pass a collate function/);
  });

  it('batches 60000 MNIST-sized samples quickly (one indexSelect per tensor and batch)', () => {
    const n = 60000;
    const images = new Tensor(new Float32Array(n * 784), [n, 1, 28, 28]);
    const labels = new Tensor(new Int32Array(n), [n]);
    const loader = new DataLoader(new TensorDataset(images, labels), { batchSize: 128, shuffle: true, generator: new Generator(0) });
    const t0 = performance.now();
    let count = 0;
    for (const [x] of loader) count += x.shape[0];
    console.log(`DataLoader epoch of 60000×784 in batches of 128: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(count).toBe(n);
    expect(loader.length).toBe(469);
  });
});
