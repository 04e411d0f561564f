// The notebooks the browser tests run. One notebook exercises every renderer
// and feeds both side panels: a tensor, LeNet-5 (summary, activation maps), a
// model with a hostile layer name, a confusion matrix, a plotly figure, and
// two short training runs (one with a hostile name).

export const XSS_LAYER = '<img src=x onerror=alert(1)>';
export const XSS_RUN = '<img src=x onerror=alert(2)>';

/** LeNet-5's leaf layers and their output shapes for a batch of 8 images of 28×28. */
export const LENET_SHAPES = {
  'features.0': ['Conv2d', [8, 6, 28, 28]],
  'features.1': ['ReLU', [8, 6, 28, 28]],
  'features.2': ['MaxPool2d', [8, 6, 14, 14]],
  'features.3': ['Conv2d', [8, 16, 10, 10]],
  'features.4': ['ReLU', [8, 16, 10, 10]],
  'features.5': ['MaxPool2d', [8, 16, 5, 5]],
  'classifier.0': ['Flatten', [8, 400]],
  'classifier.1': ['Linear', [8, 120]],
  'classifier.2': ['ReLU', [8, 120]],
  'classifier.3': ['Linear', [8, 84]],
  'classifier.4': ['ReLU', [8, 84]],
  'classifier.5': ['Linear', [8, 10]],
};
export const LENET_PARAMS = 61706;

export const RENDERERS_NOTEBOOK = [
  { markdown: '# nnlab browser test\nEvery renderer and both side panels (written by test/browser/notebooks.mjs).' },
  `import * as nn from 'nnlab';
import { summary, featureMaps, confusionMatrix, linePlot, liveFit } from 'nnlab/kernel';
nn.manualSeed(0);`,
  `const t = nn.randn([2, 3, 6, 5]);
t`,
  // NOTE: LeNet-5 from the library when it exports models; the same layout otherwise.
  `const modelsModule: any = (nn as any).models;
class LocalLeNet5 extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2));
  classifier = new nn.Sequential(new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
  forward(x: nn.Tensor): nn.Tensor { return this.classifier.forward(this.features.forward(x)); }
}
const lenet: nn.Module = modelsModule?.lenet5 ? modelsModule.lenet5() : new LocalLeNet5();
const images = nn.randn([8, 1, 28, 28]);
summary(lenet, images, { name: 'lenet' })`,
  `featureMaps(lenet, images, { name: 'lenet', maxChannels: 8 })`,
  `const evil = new nn.Sequential();
evil.registerModule(${JSON.stringify(XSS_LAYER)}, new nn.Linear(3, 2));
summary(evil, [1, 3], { name: 'evil' })`,
  `confusionMatrix(nn.tensor([0, 1, 2, 2, 1, 0]), nn.tensor([0, 1, 1, 2, 1, 2]), { classNames: ['cat', 'dog', '<b>bird</b>'] })`,
  `linePlot([{ name: 'loss', y: [1, 0.5, 0.25, 0.2] }], { title: 'a plotly figure' })`,
  `const x = nn.randn([256, 8]);
const y = x.matmul(nn.randn([8, 3])).argmax(1);
const loader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 32, shuffle: true });
const mlp = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 3));
const run1 = await liveFit(mlp, { trainLoader: loader, valLoader: loader, optimizer: new nn.optim.SGD(mlp.parameters(), { lr: 0.1, momentum: 0.9 }), epochs: 3, name: 'sgd lr=0.1', hyperparameters: { lr: 0.1, momentum: 0.9 } });`,
  `const mlp2 = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 3));
const run2 = await liveFit(mlp2, { trainLoader: loader, valLoader: loader, optimizer: new nn.optim.SGD(mlp2.parameters(), { lr: 0.02 }), epochs: 3, name: ${JSON.stringify(XSS_RUN)}, hyperparameters: { lr: 0.02 } });`,
];

/**
 * A cell that keeps the kernel busy training for at least 6 s on any machine
 * (each batch waits 25 ms), for the "kernel busy" and live-update checks.
 */
export const SLOW_TRAINING_CELL = `const base = new nn.data.DataLoader(new nn.data.TensorDataset(nn.randn([1024, 16]), nn.randint(0, 3, [1024])), { batchSize: 16 });
const slowLoader = {
  length: 64,
  *[Symbol.iterator]() {
    for (const batch of base) {
      const t0 = Date.now();
      while (Date.now() - t0 < 25) { /* at least 25 ms per batch */ }
      yield batch;
    }
  },
};
const slow = new nn.Sequential(new nn.Linear(16, 64), new nn.ReLU(), new nn.Linear(64, 3));
const run3 = await liveFit(slow, { trainLoader: slowLoader, optimizer: new nn.optim.SGD(slow.parameters(), { lr: 0.01 }), epochs: 4, name: 'slow run' });`;

/**
 * A short notebook for the restart test (test/browser/restart.test.mjs): the
 * shape of 03-cnn's first cells (import nnlab, build a small CNN, data, a few
 * training batches), a few seconds per run-all.
 */
export const RESTART_NOTEBOOK = [
  { markdown: '# Restart and run all\nWritten by test/browser/notebooks.mjs.' },
  `import * as nn from 'nnlab';
import { liveFit } from 'nnlab/kernel';
nn.manualSeed(0);`,
  `const cnn = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(100, 3));
cnn`,
  `const loader = new nn.data.DataLoader(new nn.data.TensorDataset(nn.randn([64, 1, 12, 12]), nn.randint(0, 3, [64])), { batchSize: 16 });
console.log(\`\${loader.length} batches\`);`,
  `const run = await liveFit(cnn, { trainLoader: loader, optimizer: new nn.optim.SGD(cnn.parameters(), { lr: 0.05 }), epochs: 1, name: 'restart' });
run.status`,
  `console.log('last cell');`,
];
