/**
 * `npm run bench`: training samples/s of nnlab and, in the same run, of
 * TensorFlow.js (cpu backend) on the same model, data and batch size, with the
 * ratio. Speed is only ever measured here, never in tests.
 *
 *   npm run bench                 all cases
 *   npm run bench -- mlp          one case
 */
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src';

interface Case {
  name: string;
  batch: number;
  /** Returns samples/s for nnlab. */
  nnlab: () => number;
  /** Returns samples/s for tfjs cpu. */
  tfjs: () => Promise<number>;
}

const BATCH = 64;

function timeBatches(warmup: number, batches: number, stepFn: (i: number) => void, batch: number): number {
  for (let i = 0; i < warmup; i++) stepFn(i);
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) stepFn(warmup + i);
  return (batches * batch) / ((performance.now() - t0) / 1000);
}

function fashionBatches(flatten: boolean, count: number): { xs: nn.Tensor[]; ys: nn.Tensor[] } {
  const data = nn.data.loadFashionMNIST({ split: 'train', flatten, limit: count * BATCH });
  const xs: nn.Tensor[] = [], ys: nn.Tensor[] = [];
  for (let i = 0; i < count; i++) {
    const idx = Array.from({ length: BATCH }, (_, k) => i * BATCH + k);
    xs.push(data.images.indexSelect(0, idx));
    ys.push(data.labels.indexSelect(0, idx));
  }
  return { xs, ys };
}

async function tfjsTrainSpeed(model: tf.Sequential, xs: nn.Tensor[], ys: nn.Tensor[], inputShape: number[], warmup: number, batches: number, lr: number): Promise<number> {
  const optimizer = tf.train.momentum(lr, 0.9);
  const txs = xs.map((x) => tf.tensor(Array.from(x.values()), [x.shape[0], ...inputShape]));
  const tys = ys.map((y) => tf.oneHot(tf.tensor1d(Array.from(y.values()), 'int32'), 10));
  const step = (i: number) => {
    const k = i % txs.length;
    tf.tidy(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(tys[k], model.predict(txs[k]) as tf.Tensor) as tf.Scalar);
    });
  };
  const speed = timeBatches(warmup, batches, step, BATCH);
  txs.forEach((t) => t.dispose());
  tys.forEach((t) => t.dispose());
  return speed;
}

function nnlabTrainSpeed(model: nn.Module, xs: nn.Tensor[], ys: nn.Tensor[], warmup: number, batches: number, lr: number): number {
  const optimizer = new nn.optim.SGD(model.parameters(), { lr, momentum: 0.9 });
  model.train();
  return timeBatches(warmup, batches, (i) => {
    const k = i % xs.length;
    optimizer.zeroGrad();
    nn.F.crossEntropy(model.forward(xs[k]), ys[k]).backward();
    optimizer.step();
  }, BATCH);
}

const cases: Case[] = [
  {
    name: 'mlp',
    batch: BATCH,
    nnlab: () => {
      const { xs, ys } = fashionBatches(true, 20);
      const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
      return nnlabTrainSpeed(model, xs, ys, 10, 200, 0.05);
    },
    tfjs: async () => {
      const { xs, ys } = fashionBatches(true, 20);
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
          tf.layers.dense({ units: 128, activation: 'relu' }),
          tf.layers.dense({ units: 10 }),
        ],
      });
      return tfjsTrainSpeed(model, xs, ys, [784], 3, 30, 0.05);
    },
  },
];

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const only = process.argv[2];
  const selected = cases.filter((c) => !only || c.name === only);
  if (selected.length === 0) throw new Error(`bench: unknown case '${only}' (known: ${cases.map((c) => c.name).join(', ')})`);
  const rows: string[][] = [['model (training, batch 64)', 'nnlab samples/s', 'tfjs cpu samples/s', 'nnlab / tfjs cpu']];
  for (const c of selected) {
    const ours = c.nnlab();
    const theirs = await c.tfjs();
    rows.push([c.name, ours.toFixed(0), theirs.toFixed(0), `${(ours / theirs).toFixed(2)}x`]);
    console.log(`${c.name}: nnlab ${ours.toFixed(0)} samples/s, tfjs cpu ${theirs.toFixed(0)} samples/s, ratio ${(ours / theirs).toFixed(2)}x`);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log('| ' + r.map((cell, k) => cell.padEnd(widths[k])).join(' | ') + ' |');
    if (i === 0) console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
