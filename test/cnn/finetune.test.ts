import { describe, it, expect } from 'vitest';
import * as nn from '../../src';
import {
  freeze, unfreeze, trainableParameters, parameterSummary, loadWeights, replaceModule, parameterGroups,
  Linear, Sequential, ReLU, StateDictError, Generator, Tensor, randn, randint, zeros,
} from '../../src';
import { LeNet5, lenet5 } from '../../src/models';

const FEATURE_KEYS = ['features.0.weight', 'features.0.bias', 'features.3.weight', 'features.3.bias'];

describe('freeze / unfreeze', () => {
  it('set requiresGrad by name prefix, whole segments only, and report the names', () => {
    const model = lenet5();
    expect(freeze(model, 'features')).toEqual(FEATURE_KEYS);
    expect(parameterSummary(model).filter((p) => !p.trainable).map((p) => p.name)).toEqual(FEATURE_KEYS);
    expect(trainableParameters(model)).toHaveLength(6);
    expect(model.numParameters({ trainableOnly: true })).toBe(61706 - (156 + 2416));
    expect(unfreeze(model, ['features.3'])).toEqual(['features.3.weight', 'features.3.bias']);
    expect(trainableParameters(model)).toHaveLength(8);
    expect(freeze(model)).toHaveLength(10);
    expect(trainableParameters(model)).toEqual([]);
    unfreeze(model);
    expect(trainableParameters(model)).toHaveLength(10);
    expect(parameterSummary(model)[0]).toEqual({ name: 'features.0.weight', shape: [6, 1, 5, 5], size: 150, trainable: true });
    // 'feature' is not a whole segment of 'features.0.weight'
    expect(() => freeze(model, 'feature')).toThrow("freeze: LeNet5 has no parameters under 'feature' (top-level names: features, classifier)");
  });

  it('frozen parameters get no gradient and the optimiser leaves them alone (momentum and weight decay too)', () => {
    const model = lenet5({ generator: new Generator(0) });
    const x = randn([8, 1, 28, 28]), y = randint(0, 10, [8]);
    const before = model.stateDict();
    freeze(model, 'features');
    const opt = new nn.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      nn.F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    }
    const conv = model.features.at(0) as nn.Conv2d;
    expect(conv.weight.grad).toBeNull();
    const after = model.stateDict();
    for (const key of FEATURE_KEYS) expect(after[key]).toBeAllClose(before[key], { rtol: 0, atol: 0 });
    expect(after['classifier.1.weight'].sub(before['classifier.1.weight']).abs().max().item()).toBeGreaterThan(1e-4);
    // even with a gradient set by hand, SGD skips a parameter that does not require grad
    const p = conv.weight;
    p.grad = p.onesLike();
    const snapshot = p.clone();
    opt.step();
    expect(p).toBeAllClose(snapshot, { rtol: 0, atol: 0 });
  });
});

describe('loadWeights', () => {
  it('loads all, or a subset by include/exclude prefixes, in place', () => {
    const source = lenet5({ generator: new Generator(1) }), target = lenet5({ generator: new Generator(2) });
    const original = target.stateDict();
    const conv = target.features.at(0) as nn.Conv2d;
    const weightObject = conv.weight;
    const result = loadWeights(target, source.stateDict(), { include: 'features' });
    expect(result.loaded).toEqual(FEATURE_KEYS);
    expect(result.skipped).toHaveLength(6);
    expect(result.notLoaded).toEqual(Object.keys(original).filter((k) => !k.startsWith('features.')));
    expect(conv.weight).toBe(weightObject); // in place: optimisers keep working
    expect(conv.weight).toBeAllClose(source.stateDict()['features.0.weight']);
    expect(target.stateDict()['classifier.1.weight']).toBeAllClose(original['classifier.1.weight']);
    const all = loadWeights(target, source.stateDict());
    expect(all.loaded).toHaveLength(10);
    expect(all.notLoaded).toEqual([]);
    for (const [k, v] of Object.entries(source.stateDict())) expect(target.stateDict()[k]).toBeAllClose(v);
  });

  it('loads into a model with a new head when the old head is excluded; otherwise names the mismatch', () => {
    const source = lenet5({ generator: new Generator(1) });
    const target = lenet5({ numClasses: 5 });
    expect(() => loadWeights(target, source.stateDict())).toThrow(StateDictError);
    expect(() => loadWeights(target, source.stateDict())).toThrow(
      'Size mismatch for classifier.5.weight: copying a tensor of shape [10, 84], the shape in the current model is [5, 84]',
    );
    const result = loadWeights(target, source.stateDict(), { exclude: 'classifier.5' });
    expect(result.loaded).toHaveLength(8);
    expect(result.notLoaded).toEqual(['classifier.5.weight', 'classifier.5.bias']);
    expect(() => loadWeights(target, { 'features.9.weight': zeros([1]) })).toThrow('loadWeights: LeNet5 has no key(s) "features.9.weight"');
    expect(() => loadWeights(target, source.stateDict(), { exclude: 'head' })).toThrow("loadWeights: no key of the state dict is under 'head'");
  });
});

describe('replaceModule and parameterGroups', () => {
  it('replaceModule swaps a submodule in place and returns the old one', () => {
    const model = lenet5();
    const head = new Linear(84, 3);
    const old = replaceModule(model, 'classifier.5', head);
    expect(old).toBeInstanceOf(Linear);
    expect((old as Linear).outFeatures).toBe(10);
    expect(model.classifier.at(5)).toBe(head);
    expect(model.forward(zeros([2, 1, 28, 28])).shape).toEqual([2, 3]);
    expect(Object.keys(model.stateDict()).slice(-2)).toEqual(['classifier.5.weight', 'classifier.5.bias']);
    expect(head.displayName).toBe('Linear(classifier.5)');
    const seq = new Sequential(new Linear(2, 2), new ReLU());
    replaceModule(seq, '1', new nn.Tanh());
    expect(seq.at(1)).toBeInstanceOf(nn.Tanh);
    expect(() => replaceModule(model, 'classifier.9', head)).toThrow("replaceModule: LeNet5 has no submodule 'classifier.9' (children of 'classifier': 0, 1, 2, 3, 4, 5)");
  });

  it('parameterGroups gives per-prefix learning rates and leaves frozen parameters out', () => {
    const model = lenet5();
    freeze(model, 'features.0');
    const groups = parameterGroups(model, [{ prefix: 'features', lr: 0.001 }, { prefix: ['classifier.1', 'classifier.3'], lr: 0.01, momentum: 0.5 }]);
    expect(groups.map((g) => g.params.length)).toEqual([2, 4, 2]);
    const opt = new nn.optim.SGD(groups, { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.001, 0.9], [0.01, 0.5], [0.1, 0.9]]);
    expect(opt.paramGroups[0].params[0]).toBe((model.features.at(3) as nn.Conv2d).weight);
    // the update of a parameter follows its group's learning rate: one plain SGD step moves it by lr·grad
    const plain = new nn.optim.SGD(parameterGroups(model, [{ prefix: 'features', lr: 0.001 }]), { lr: 0.1 });
    const conv = model.features.at(3) as nn.Conv2d, head = model.classifier.at(5) as Linear;
    const w0 = conv.weight.clone(), h0 = head.weight.clone();
    plain.zeroGrad();
    nn.F.crossEntropy(model.forward(randn([4, 1, 28, 28])), randint(0, 10, [4])).backward();
    plain.step();
    expect(conv.weight).toBeAllClose(w0.sub(conv.weight.grad!.mul(0.001)), { atol: 1e-7 });
    expect(head.weight).toBeAllClose(h0.sub(head.weight.grad!.mul(0.1)), { atol: 1e-7 });
    expect(() => parameterGroups(model, [{ prefix: 'backbone', lr: 1 }])).toThrow("parameterGroups: LeNet5 has no parameters under 'backbone'");
  });
});

/** The images and labels of the classes `keep` (first `limit` found), labels shifted down by `shift`. */
function classes(images: Tensor, labels: Tensor, keep: (c: number) => boolean, limit: number, shift: number): { x: Tensor; y: Tensor } {
  const y = labels.values();
  const idx: number[] = [];
  for (let i = 0; i < y.length && idx.length < limit; i++) if (keep(y[i])) idx.push(i);
  return { x: images.indexSelect(0, idx), y: new Tensor(Int32Array.from(idx, (i) => y[i] - shift), [idx.length]) };
}

async function train(model: nn.Module, data: { x: Tensor; y: Tensor }, params: nn.Parameter[], epochs: number, seed: number): Promise<void> {
  const loader = new nn.data.DataLoader(new nn.data.TensorDataset(data.x, data.y), { batchSize: 64, shuffle: true, generator: new Generator(seed) });
  await nn.fit(model, { trainLoader: loader, optimizer: new nn.optim.SGD(params, { lr: 0.05, momentum: 0.9 }), epochs });
}

describe('fine-tuning pays', () => {
  it('LeNet pretrained on classes 0-4 and fine-tuned on 500 samples of 5-9 beats training from scratch on them', async () => {
    // Measured (seeds 0, 1, 2): pretrained 68-71% on classes 0-4; with the same 5 epochs on the same
    // 500 samples, fine-tuned 75-87% on classes 5-9, from scratch 21-27% (40 steps are too few to start).
    // With 10 epochs each, fine-tuned 86-90% (features frozen) or 87-91% (features at lr 0.005 through
    // parameterGroups), from scratch 74-88%: still behind, on every seed.
    const all = nn.data.loadFashionMNIST({ split: 'train', limit: 20000 });
    const test = nn.data.loadFashionMNIST({ split: 'test', limit: 2000 });
    const pretrainSet = classes(all.images, all.labels, (c) => c < 5, 5000, 0);
    const few = classes(all.images.narrow(0, 12000, 8000), all.labels.narrow(0, 12000, 8000), (c) => c >= 5, 500, 5);
    const testSet = classes(test.images, test.labels, (c) => c >= 5, 2000, 5);
    expect(few.y.shape).toEqual([500]);
    const testLoader = new nn.data.DataLoader(new nn.data.TensorDataset(testSet.x, testSet.y), { batchSize: 1000 });

    const pretrained = lenet5({ numClasses: 5, generator: new Generator(0) });
    await train(pretrained, pretrainSet, pretrained.parameters(), 1, 0);

    const fineTuned = new LeNet5({ numClasses: 5, generator: new Generator(100) });
    loadWeights(fineTuned, pretrained.stateDict(), { exclude: 'classifier.5' }); // a fresh head for the new classes
    freeze(fineTuned, 'features');
    await train(fineTuned, few, trainableParameters(fineTuned), 5, 0);

    const scratch = new LeNet5({ numClasses: 5, generator: new Generator(100) });
    await train(scratch, few, scratch.parameters(), 5, 0);

    const tuned = nn.evaluate(fineTuned, testLoader).accuracy!, fresh = nn.evaluate(scratch, testLoader).accuracy!;
    console.log(`fine-tuning: ${(100 * tuned).toFixed(1)}% vs from scratch ${(100 * fresh).toFixed(1)}% on ${testSet.y.shape[0]} test images of classes 5-9`);
    expect(tuned).toBeGreaterThan(0.65);
    expect(tuned).toBeGreaterThan(fresh + 0.15);
    // the frozen features are exactly the pretrained ones
    for (const key of FEATURE_KEYS) expect(fineTuned.stateDict()[key]).toBeAllClose(pretrained.stateDict()[key], { rtol: 0, atol: 0 });
  });
});
