// %% [markdown]
// # 4 · Fine-tuning (微调) and transfer learning (迁移学习)
//
// Training a CNN from scratch needs many labelled images. When a network has already been trained
// on a related task, its convolutional layers have learned generic features (edges, textures, parts)
// that can be reused: start from its **pretrained weights** (预训练权重), **replace the head**
// (the last, task-specific layer), **freeze** (冻结) what should stay, and train the rest on the few
// labels of the new task.
//
// 1. Task A (pretraining): LeNet-5 on 5 Fashion-MNIST classes with plenty of labels
// 2. Save the pretrained weights, load them into a fresh model, replace the head, freeze the features
// 3. Task B: 5 *other* classes with only 20 labelled images each; fine-tuned vs trained from scratch

// %%
import * as nn from 'nnlab';
import { display, displayBundle, liveFit, summary, tensorHeatmap, linePlot } from 'nnlab/kernel';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
nn.manualSeed(0);
const train = nn.data.loadFashionMNIST({ split: 'train', limit: 14000 });
const test = nn.data.loadFashionMNIST({ split: 'test', limit: 1000 });
const names = train.classNames;
/** The images of the given classes, relabelled 0..k−1 in that order; at most perClass of each, starting at index `from`. */
function task(data: { images: nn.Tensor; labels: nn.Tensor }, classes: number[], perClass = Infinity, from = 0) {
  const idx: number[] = [], y: number[] = [], seen = classes.map(() => 0);
  data.labels.values().forEach((v, i) => {
    const k = classes.indexOf(v);
    if (i < from || k < 0 || seen[k] >= perClass) return;
    seen[k]++;
    idx.push(i);
    y.push(k);
  });
  return new nn.data.TensorDataset(data.images.indexSelect(0, nn.tensor(idx, { dtype: 'int32' })), nn.tensor(y, { dtype: 'int32' }));
}
function showImages(images: nn.Tensor, caption: string) {
  displayBundle({ 'image/png': tensorHeatmap(images.reshape([images.shape[0], 28, 28]))!.png, 'text/plain': caption });
}
const A = [0, 1, 2, 5, 7], B = [3, 4, 6, 8, 9];
console.log('task A:', A.map((c) => names[c]).join(', '));
console.log('task B:', B.map((c) => names[c]).join(', '));

// %% [markdown]
// ## 1 · Pretraining on task A (预训练)
//
// Task A has T-shirts, trousers, pullovers, sandals and sneakers; task B has dresses, coats, shirts,
// bags and ankle boots. Different classes, but the same kind of images: outlines of garments and
// shoes. We pretrain LeNet-5 (5 outputs) on 6,000 images of task A for one epoch.

// %%
const aTrain = task(train, A, 1200), aTest = task(test, A);
const aTrainLoader = new nn.data.DataLoader(aTrain, { batchSize: 32, shuffle: true, generator: new nn.Generator(0) });
const aTestLoader = new nn.data.DataLoader(aTest, { batchSize: 500 });
showImages(nn.stack([0, 1, 2, 3, 4, 5, 6, 7].map((i) => aTrain.get(i)[0])), 'eight task-A training images');
const pretrained = nn.models.lenet5({ numClasses: 5 });
const pretrainRun = await liveFit(pretrained, {
  trainLoader: aTrainLoader, valLoader: aTestLoader, optimizer: new nn.optim.Adam(pretrained.parameters(), { lr: 2e-3 }), epochs: 1, name: 'pretraining on task A',
});

// %%
const aAcc = nn.evaluate(pretrained, aTestLoader).accuracy!;
console.log(`pretrained LeNet-5 on task A: test accuracy ${(aAcc * 100).toFixed(1)}% on ${aTest.length} test images`);

// %% [markdown]
// ## 2 · Save (保存), load (加载), replace the head (替换输出层), freeze (冻结)
//
// The pretrained weights go to a safetensors file (the format PyTorch's ecosystem uses; notebook 06
// has more) and come back as a map from parameter names to tensors:

// %%
const weightsPath = join(mkdtempSync(join(tmpdir(), 'nnlab-finetune-')), 'lenet-task-a.safetensors');
const report = await nn.save(pretrained, weightsPath);
console.log(String(report));
const loaded = await nn.load(weightsPath);
console.log(`read back ${loaded.size} tensors: ${[...loaded.keys()].join(', ')}`);

// %% [markdown]
// A fresh LeNet-5 gets every pretrained weight. Its head (`classifier.5`, 84 → 5) scored the classes of
// task A, which mean nothing for task B, so it is **replaced** by a new, randomly initialised `Linear(84, 5)`:

// %%
nn.manualSeed(1);
const model = nn.models.lenet5({ numClasses: 5 });
const loadResult = nn.loadWeights(model, loaded);
console.log(`loaded ${loadResult.loaded.length} tensors, ${loadResult.notLoaded.length} left as they were`);
const maxDiff = (a: nn.Tensor, b: nn.Tensor) => a.sub(b).abs().max().item();
console.log(`features.0.weight equals the pretrained one: max difference ${maxDiff(model.stateDict()['features.0.weight'], pretrained.stateDict()['features.0.weight'])}`);
const oldHead = nn.replaceModule(model, 'classifier.5', new nn.Linear(84, 5));
console.log(`replaced the head ${String(oldHead)} by a new ${String(model.classifier.at(5))}`);
console.log(`new head equals the old one? max difference ${maxDiff(model.stateDict()['classifier.5.weight'], pretrained.stateDict()['classifier.5.weight']).toFixed(3)} (no: fresh weights)`);

// %% [markdown]
// **Freezing** the convolutional `features` sets `requiresGrad = false` on their weights: backward computes
// no gradient for them and the optimiser skips them. Only the classifier trains:

// %%
const frozenNames = nn.freeze(model, 'features');
console.log('frozen:', frozenNames.join(', '));
console.table(nn.parameterSummary(model).map((p) => ({ name: p.name, shape: `[${p.shape.join(', ')}]`, size: p.size, trainable: p.trainable })));
console.log(`trainable parameters: ${model.numParameters({ trainableOnly: true }).toLocaleString('en')} of ${model.numParameters().toLocaleString('en')}`);

// %%
summary(model, [1, 1, 28, 28])

// %% [markdown]
// ## 3 · Task B with 20 labels per class: fine-tuned (微调) vs from scratch (从头训练)
//
// Task B's training set is only 100 images (20 per class, taken from images not used for task A).
// Three models train on it for 8 epochs with Adam (lr 2·10⁻³, batch 10), validated after every epoch on
// task B's test images:
//
// - **from scratch** (从头训练): a fresh LeNet-5, random weights everywhere;
// - **frozen features** (特征提取): the model above: pretrained, frozen convolutions, a new head;
// - **fine-tuned** (微调): pretrained, new head, everything trains, the pretrained convolutions with a
//   4× smaller learning rate (`parameterGroups`) so the few labels adjust them without wiping them out.

// %%
const bTrain = task(train, B, 20, 12000), bTest = task(test, B);
const bTestLoader = new nn.data.DataLoader(bTest, { batchSize: 500 });
console.log(`task B: ${bTrain.length} training images, ${bTest.length} test images`);
showImages(nn.stack([0, 1, 2, 3, 4, 5, 6, 7].map((i) => bTrain.get(i)[0])), 'eight task-B training images');

async function trainOnB(name: string, net: nn.Module, params: ReturnType<typeof nn.parameterGroups> | nn.Parameter[]) {
  const loader = new nn.data.DataLoader(bTrain, { batchSize: 10, shuffle: true, generator: new nn.Generator(0) });
  const run = await nn.fit(net, { trainLoader: loader, valLoader: bTestLoader, optimizer: new nn.optim.Adam(params, { lr: 2e-3 }), epochs: 8, name });
  const acc = run.epochs.map((e) => e.valAccuracy!);
  console.log(`${name.padEnd(16)} test accuracy by epoch: ${acc.map((a) => (a * 100).toFixed(0) + '%').join(' ')}`);
  return { name, acc };
}
nn.manualSeed(1);
const scratch = nn.models.lenet5({ numClasses: 5 });
const fineTuned = nn.models.lenet5({ numClasses: 5 });
nn.loadWeights(fineTuned, loaded, { exclude: 'classifier.5' });   // the same as loading all and replacing the head
const results = [
  await trainOnB('from scratch', scratch, scratch.parameters()),
  await trainOnB('frozen features', model, nn.trainableParameters(model)),
  await trainOnB('fine-tuned', fineTuned, nn.parameterGroups(fineTuned, [{ prefix: 'features', lr: 5e-4 }, { prefix: 'classifier', lr: 2e-3 }])),
];

// %%
linePlot(results.map((r) => ({ name: r.name, x: r.acc.map((_, i) => i + 1), y: r.acc, mode: 'lines+markers' as const })), {
  title: 'task B (100 training images): test accuracy', xlabel: 'epoch', ylabel: 'accuracy', height: 340,
})

// %%
const final = Object.fromEntries(results.map((r) => [r.name, r.acc[r.acc.length - 1]]));
console.log(Object.entries(final).map(([k, v]) => `${k}: ${(v * 100).toFixed(1)}%`).join(' · '));
console.log(`gain of starting from pretrained weights: frozen ${((final['frozen features'] - final['from scratch']) * 100).toFixed(1)} points, fine-tuned ${((final['fine-tuned'] - final['from scratch']) * 100).toFixed(1)} points`);
console.log(`frozen convolutions unchanged by training: max |features.3.weight − pretrained| = ${maxDiff(model.stateDict()['features.3.weight'], pretrained.stateDict()['features.3.weight'])}`);
console.log(`fine-tuned convolutions moved:             max |features.3.weight − pretrained| = ${maxDiff(fineTuned.stateDict()['features.3.weight'], pretrained.stateDict()['features.3.weight']).toFixed(4)}`);

// %% [markdown]
// ## Summary
//
// - Pretrained convolutional features transfer between related tasks: with 100 labelled images, both
//   models that start from task A's weights beat the one trained from scratch.
// - The recipe: load the weights (`nn.load`, `loadWeights`), replace the head (`replaceModule`),
//   freeze what should stay (`freeze`), train what is left (`trainableParameters`, or `parameterGroups`
//   for a smaller learning rate on the pretrained layers).
// - With so few labels the numbers move from run to run; the gap is the point, not the decimals.
//
// Next, **05-rnn**: networks with feedback over time (循环神经网络).
