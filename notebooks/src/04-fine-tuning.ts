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
// 4. When freezing beats fine-tuning everything, and when it does not: measured with 20 and 100 labels per class

// %%
import * as nn from 'nnlab';
import { display, imageGrid, liveFit, summary, linePlot } from 'nnlab/kernel';
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
// dropLast: 6,000 = 187 × 32 + 16; a last batch of 16 would show as a spike on the loss chart.
const aTrainLoader = new nn.data.DataLoader(aTrain, { batchSize: 32, shuffle: true, dropLast: true, generator: new nn.Generator(0) });
const aTestLoader = new nn.data.DataLoader(aTest, { batchSize: 500 });
display(imageGrid(nn.stack([0, 1, 2, 3, 4, 5, 6, 7].map((i) => aTrain.get(i)[0])), { labels: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => names[A[aTrain.get(i)[1].item()]]), title: 'eight task-A training images' }));
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
display(imageGrid(nn.stack([0, 1, 2, 3, 4, 5, 6, 7].map((i) => bTrain.get(i)[0])), { labels: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => names[B[bTrain.get(i)[1].item()]]), title: 'eight task-B training images' }));

async function trainOnB(name: string, net: nn.Module, params: ReturnType<typeof nn.parameterGroups> | nn.Parameter[], data = bTrain, quiet = false) {
  const loader = new nn.data.DataLoader(data, { batchSize: 10, shuffle: true, generator: new nn.Generator(0) });
  const run = await nn.fit(net, { trainLoader: loader, valLoader: bTestLoader, optimizer: new nn.optim.Adam(params, { lr: 2e-3 }), epochs: 8, name });
  const acc = run.epochs.map((e) => e.valAccuracy!);
  if (!quiet) console.log(`${name.padEnd(16)} test accuracy by epoch: ${acc.map((a) => (a * 100).toFixed(0) + '%').join(' ')}`);
  return { name, acc, trainAcc: run.epochs[run.epochs.length - 1].trainAccuracy!, trainable: net.numParameters({ trainableOnly: true }) };
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
// ## 4 · When does freezing beat fine-tuning everything? (冻结 vs 全部微调)
//
// Above, the frozen model ends ahead of the fine-tuned one. Three measurements say why. First, what
// each model trains, how well it fits its 100 training images, and its test accuracy over the last
// four epochs (one epoch's number moves by a few points on 495 test images):

// %%
const lastFour = (acc: number[]) => acc.slice(-4);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
for (const r of results) {
  const tail = lastFour(r.acc);
  console.log(`${r.name.padEnd(16)} trains ${r.trainable.toLocaleString('en').padStart(6)} parameters; training accuracy in the last epoch ${(r.trainAcc * 100).toFixed(0)}%; test accuracy over epochs 5-8: mean ${(mean(tail) * 100).toFixed(1)}%, from ${(Math.min(...tail) * 100).toFixed(0)}% to ${(Math.max(...tail) * 100).toFixed(0)}%`);
}
const featureParams = model.numParameters() - model.numParameters({ trainableOnly: true });
console.log(`the frozen convolutions hold only ${featureParams.toLocaleString('en')} of LeNet-5's ${model.numParameters().toLocaleString('en')} parameters`);

// %% [markdown]
// Second, the features themselves. Fine-tuning lets 100 images reshape the pretrained convolutions.
// How good are the features for task B before and after? A fresh linear head trained on top of each
// set of features (frozen, 8 epochs, the same 100 images) measures it, a *linear probe* (线性探测):

// %%
async function probe(name: string, source: nn.Module) {
  nn.manualSeed(4);
  const net = nn.models.lenet5({ numClasses: 5 });
  nn.loadWeights(net, source.stateDict(), { exclude: 'classifier.5' });   // a fresh head: the only part that trains
  nn.freeze(net, ['features', 'classifier.1', 'classifier.3']);
  const r = await trainOnB(name, net, nn.trainableParameters(net), bTrain, true);
  console.log(`linear probe on the ${name.padEnd(34)} (${r.trainable} trainable): test accuracy over epochs 5-8: mean ${(mean(lastFour(r.acc)) * 100).toFixed(1)}%`);
  return mean(lastFour(r.acc));
}
const probePretrained = await probe('pretrained features (task A)', pretrained);
const probeFineTuned = await probe('features after fine-tuning on B', fineTuned);

// %% [markdown]
// Third, the number of labels. With more labelled images the gradients that reshape the convolutions
// carry more signal and less noise. Both again, now with 100 labels per class (500 images, the same
// 8 epochs and optimiser), next to the 20 per class above:

// %%
async function transferPair(perClass: number) {
  const data = task(train, B, perClass, 12000);
  nn.manualSeed(1);
  const frozen = nn.models.lenet5({ numClasses: 5 });
  nn.loadWeights(frozen, loaded, { exclude: 'classifier.5' });
  nn.freeze(frozen, 'features');
  const tuned = nn.models.lenet5({ numClasses: 5 });
  nn.loadWeights(tuned, loaded, { exclude: 'classifier.5' });
  const fr = await trainOnB('frozen features', frozen, nn.trainableParameters(frozen), data, true);
  const ft = await trainOnB('fine-tuned', tuned, nn.parameterGroups(tuned, [{ prefix: 'features', lr: 5e-4 }, { prefix: 'classifier', lr: 2e-3 }]), data, true);
  return { perClass, images: data.length, frozen: mean(lastFour(fr.acc)), fineTuned: mean(lastFour(ft.acc)) };
}
const labelSweep = [
  { perClass: 20, images: bTrain.length, frozen: mean(lastFour(results[1].acc)), fineTuned: mean(lastFour(results[2].acc)) },
  await transferPair(100),
];
console.log('labels per class | images | frozen features | fine-tuned | fine-tuned − frozen   (test accuracy, mean of epochs 5-8)');
for (const r of labelSweep) console.log(`${String(r.perClass).padStart(16)} | ${String(r.images).padStart(6)} | ${(r.frozen * 100).toFixed(1).padStart(14)}% | ${(r.fineTuned * 100).toFixed(1).padStart(9)}% | ${((r.fineTuned - r.frozen) * 100).toFixed(1).padStart(6)} points`);

// %% [markdown]
// What the numbers say:
//
// - **The last epoch alone misleads.** One epoch's accuracy on 495 test images swings by a few points
//   (the ranges above); averaged over epochs 5–8, frozen and fine-tuned are level with 20 labels per
//   class. Neither "wins" by the final number of one run.
// - **Freezing does not save parameters here**: LeNet-5's weights sit in its fully connected layers,
//   and the frozen convolutions are only 2,572 of them. What freezing keeps is the pretrained
//   *features*, the part that 100 noisy gradients could damage.
// - **Fine-tuning does adapt the features to task B**: the linear probe on them gains several points
//   over the pretrained ones. But with 20 labels per class the model also fits its training images
//   more closely (the training accuracies above), and the two effects cancel.
// - **With more labels, fine-tuning pulls ahead**: at 100 per class it gains on the frozen model (the
//   last column). The rule of thumb: very few labels, or a task close to the pretraining one, freeze;
//   more labels, or a task further away, fine-tune, with a smaller learning rate on the pretrained layers.

// %% [markdown]
// ## Summary
//
// - Pretrained convolutional features transfer between related tasks: with 100 labelled images, both
//   models that start from task A's weights beat the one trained from scratch.
// - The recipe: load the weights (`nn.load`, `loadWeights`), replace the head (`replaceModule`),
//   freeze what should stay (`freeze`), train what is left (`trainableParameters`, or `parameterGroups`
//   for a smaller learning rate on the pretrained layers).
// - With so few labels the numbers move from run to run; the gap is the point, not the decimals.
// - Freeze or fine-tune: level with 20 labels per class (averaged over the last epochs); fine-tuning
//   gains with 100 per class, as the labels then outweigh the noise that could damage the features.
//
// Next, **05-rnn**: networks with feedback over time (循环神经网络).

// %% [markdown]
// ## Exercises (练习)
//
// Try each one first; the solution cell below it is collapsed (click the bar to show it) and runs
// with the rest of the notebook.
//
// **1.** Freeze only the first convolution (`features.0`) and fine-tune the rest. Which parameters
// still train, and how many?

// %% [solution]
{
  const net = nn.models.lenet5({ numClasses: 5 });
  const frozenNow = nn.freeze(net, 'features.0');
  console.log(`frozen: ${frozenNow.join(', ')}; trainable ${net.numParameters({ trainableOnly: true }).toLocaleString('en')} of ${net.numParameters().toLocaleString('en')}`);
}

// %% [markdown]
// **2.** Is the pretrained model any use on task B *without* training? Replace nothing, and map each
// of task A's classes to the task-B class its images are most often predicted as. (Expect little:
// the head scores the wrong classes.) Compute the accuracy of the untouched pretrained network on task B.

// %% [solution]
{
  const bImgs = nn.stack(Array.from({ length: bTest.length }, (_, i) => bTest.get(i)[0]));
  const bLabels = Array.from({ length: bTest.length }, (_, i) => bTest.get(i)[1].item());
  const predA = nn.noGrad(() => pretrained.forward(bImgs)).argmax(1).values();
  // For each task-A output, the task-B class most often behind it.
  const votes = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  predA.forEach((p, i) => votes[p][bLabels[i]]++);
  const mapTo = votes.map((v) => v.indexOf(Math.max(...v)));
  const hits = Array.from(predA).filter((p, i) => mapTo[p] === bLabels[i]).length;
  console.log(`pretrained on A, no training on B, best mapping of outputs: ${(hits / bLabels.length * 100).toFixed(1)}% on task B (chance 20%; the mapping was chosen on the test set, so this flatters it)`);
}

// %% [markdown]
// **3.** Fine-tune everything with the *same* learning rate for the convolutions as for the head
// (2·10⁻³ instead of 5·10⁻⁴), 20 labels per class. Does the smaller learning rate on the pretrained
// layers matter?

// %% [solution]
{
  nn.manualSeed(1);
  const net = nn.models.lenet5({ numClasses: 5 });
  nn.loadWeights(net, loaded, { exclude: 'classifier.5' });
  const r = await trainOnB('one lr for all', net, net.parameters(), bTrain, true);
  console.log(`fine-tuned with one lr 2e-3: test accuracy over epochs 5-8 mean ${(mean(lastFour(r.acc)) * 100).toFixed(1)}% (features at 5e-4: ${(mean(lastFour(results[2].acc)) * 100).toFixed(1)}%)`);
}
