import { describe, it, expect } from 'vitest';
import {
  captureActivations, convFilters, Conv2d, Conv1d, Sequential, ReLU, Linear, Flatten, Dropout, BatchNorm2d, MaxPool2d,
  Module, Generator, randn, zeros, noGrad, ShapeError, type ForwardHook,
} from '../../src';
import { LeNet5 } from '../../src/models';

/**
 * Runs `capture` with Module.prototype.registerForwardHook wrapped so that every hook it
 * registers is counted, then forwards once more: returns how many hooks were registered and
 * how many of them still fired afterwards (0 when they were all removed).
 */
function leakedHooks(model: LeNet5, capture: () => void): { registered: number; firedAfter: number } {
  const original = Module.prototype.registerForwardHook;
  let registered = 0, firedAfter = 0, after = false;
  Module.prototype.registerForwardHook = function (this: Module, hook: ForwardHook) {
    registered++;
    return original.call(this, (m, inputs, output) => {
      if (after) firedAfter++;
      return hook(m, inputs, output);
    });
  };
  try {
    try {
      capture();
    } catch {
      // the hooks must be gone even when forward throws
    }
    after = true;
    noGrad(() => model.forward(zeros([1, 1, 28, 28])));
  } finally {
    Module.prototype.registerForwardHook = original;
  }
  return { registered, firedAfter };
}

describe('captureActivations', () => {
  it("records every layer's output of LeNet-5, in order, with names, types and shapes", () => {
    const model = new LeNet5({ generator: new Generator(0) });
    const x = randn([2, 1, 28, 28]);
    const acts = captureActivations(model, x);
    expect(acts.map((a) => [a.layerName, a.type, a.shape])).toEqual([
      ['features.0', 'Conv2d', [2, 6, 28, 28]],
      ['features.1', 'ReLU', [2, 6, 28, 28]],
      ['features.2', 'MaxPool2d', [2, 6, 14, 14]],
      ['features.3', 'Conv2d', [2, 16, 10, 10]],
      ['features.4', 'ReLU', [2, 16, 10, 10]],
      ['features.5', 'MaxPool2d', [2, 16, 5, 5]],
      ['classifier.0', 'Flatten', [2, 400]],
      ['classifier.1', 'Linear', [2, 120]],
      ['classifier.2', 'ReLU', [2, 120]],
      ['classifier.3', 'Linear', [2, 84]],
      ['classifier.4', 'ReLU', [2, 84]],
      ['classifier.5', 'Linear', [2, 10]],
    ]);
    // the tensors are the real outputs: the first conv's, and the logits
    const conv = model.features.at(0) as Conv2d;
    expect(acts[0].tensor).toBeAllClose(noGrad(() => conv.forward(x)), { atol: 1e-6 });
    expect(acts[11].tensor).toBeAllClose(noGrad(() => model.forward(x)), { atol: 1e-6 });
    expect(acts[1].tensor.toFlatArray().every((v) => v >= 0)).toBe(true);
    expect(acts.every((a) => !a.tensor.requiresGrad && a.tensor.node === null)).toBe(true);
  });

  it('removes its hooks afterwards, even when forward throws', () => {
    const model = new LeNet5();
    expect(leakedHooks(model, () => captureActivations(model, randn([1, 1, 28, 28])))).toEqual({ registered: 12, firedAfter: 0 });
    expect(() => captureActivations(model, zeros([1, 3, 28, 28]))).toThrow(ShapeError);
    expect(leakedHooks(model, () => captureActivations(model, zeros([1, 3, 28, 28])))).toEqual({ registered: 12, firedAfter: 0 });
    // the probe itself would see a leak: a hook left in place fires again
    const handles: { remove(): void }[] = [];
    expect(leakedHooks(model, () => handles.push(model.features.registerForwardHook(() => undefined)))).toEqual({ registered: 1, firedAfter: 1 });
    handles.forEach((h) => h.remove());
  });

  it('includes containers on request and captures a bare layer', () => {
    const model = new Sequential(new Sequential(new Conv2d(1, 2, 3), new ReLU()), new Flatten(), new Linear(8, 3));
    const acts = captureActivations(model, randn([1, 1, 4, 4]), { includeContainers: true });
    expect(acts.map((a) => a.layerName)).toEqual(['0.0', '0.1', '0', '1', '2', '']);
    expect(acts[2].type).toBe('Sequential');
    const single = captureActivations(new ReLU(), randn([3]));
    expect(single.map((a) => [a.layerName, a.type, a.shape])).toEqual([['', 'ReLU', [3]]]);
  });

  it('runs in eval mode by default and restores each module’s mode', () => {
    const model = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new Dropout(0.9), new Flatten());
    const bn = model.at(1) as BatchNorm2d;
    const x = randn([4, 1, 5, 5]);
    const evalActs = captureActivations(model, x);
    expect(model.training).toBe(true);
    expect(bn.training).toBe(true);
    expect(bn.num_batches_tracked!.item()).toBe(0); // running stats untouched in eval mode
    // dropout in eval mode is the identity: its output equals its input (batch-norm's output)
    expect(evalActs[2].tensor).toBeAllClose(evalActs[1].tensor);
    model.at(2).eval();
    captureActivations(model, x, { eval: false });
    expect(bn.num_batches_tracked!.item()).toBe(1);
    expect(model.at(2).training).toBe(false);
  });
});

describe('convFilters', () => {
  it('returns a copy of every conv weight with its layer name', () => {
    const model = new LeNet5({ generator: new Generator(1) });
    const filters = convFilters(model);
    expect(filters.map((f) => [f.layerName, f.weight.shape])).toEqual([['features.0', [6, 1, 5, 5]], ['features.3', [16, 6, 5, 5]]]);
    const conv = model.features.at(0) as Conv2d;
    expect(filters[0].weight).toBeAllClose(conv.weight);
    expect(filters[0].weight.requiresGrad).toBe(false);
    conv.weight.data[0] += 1;
    expect(filters[0].weight.data[0]).not.toBe(conv.weight.data[0]);
    const mixed = new Sequential(new Conv1d(2, 4, 3), new ReLU(), new Sequential(new MaxPool2d(2)));
    expect(convFilters(mixed).map((f) => [f.layerName, f.weight.shape])).toEqual([['0', [4, 2, 3]]]);
    expect(convFilters(new Sequential(new Linear(2, 2)))).toEqual([]);
  });
});
