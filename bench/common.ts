/** Shared pieces of the benchmarks: timing, Fashion-MNIST batches, the two training loops. */
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src';

export const BATCH = 64;

/** One benchmark: training samples/s for nnlab and for tfjs (cpu backend) on the same model, data and batch. */
export interface BenchCase {
  name: string;
  nnlab: () => number;
  tfjs: () => Promise<number>;
}

/** Runs `warmup` untimed then `batches` timed steps; returns samples/s. */
export function timeBatches(warmup: number, batches: number, stepFn: (i: number) => void, batch = BATCH): number {
  for (let i = 0; i < warmup; i++) stepFn(i);
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) stepFn(warmup + i);
  return (batches * batch) / ((performance.now() - t0) / 1000);
}

/** `count` batches of real Fashion-MNIST training images and labels. */
export function fashionBatches(flatten: boolean, count: number): { xs: nn.Tensor[]; ys: nn.Tensor[] } {
  const data = nn.data.loadFashionMNIST({ split: 'train', flatten, limit: count * BATCH });
  const xs: nn.Tensor[] = [], ys: nn.Tensor[] = [];
  for (let i = 0; i < count; i++) {
    const idx = Array.from({ length: BATCH }, (_, k) => i * BATCH + k);
    xs.push(data.images.indexSelect(0, idx));
    ys.push(data.labels.indexSelect(0, idx));
  }
  return { xs, ys };
}

/** tfjs training speed: SGD momentum 0.9, softmax cross-entropy on logits. */
export async function tfjsTrainSpeed(
  model: tf.LayersModel, xs: nn.Tensor[], ys: nn.Tensor[], inputShape: number[], warmup: number, batches: number, lr: number,
): Promise<number> {
  const optimizer = tf.train.momentum(lr, 0.9);
  const txs = xs.map((x) => tf.tensor(Array.from(x.values()), [x.shape[0], ...inputShape]));
  const tys = ys.map((y) => tf.oneHot(tf.tensor1d(Array.from(y.values()), 'int32'), 10));
  const speed = timeBatches(warmup, batches, (i) => {
    const k = i % txs.length;
    tf.tidy(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(tys[k], model.predict(txs[k]) as tf.Tensor) as tf.Scalar);
    });
  });
  txs.forEach((t) => t.dispose());
  tys.forEach((t) => t.dispose());
  return speed;
}

/** nnlab training speed: SGD momentum 0.9, cross-entropy on logits. */
export function nnlabTrainSpeed(model: nn.Module, xs: nn.Tensor[], ys: nn.Tensor[], warmup: number, batches: number, lr: number): number {
  const optimizer = new nn.optim.SGD(model.parameters(), { lr, momentum: 0.9 });
  model.train();
  return timeBatches(warmup, batches, (i) => {
    const k = i % xs.length;
    optimizer.zeroGrad();
    nn.F.crossEntropy(model.forward(xs[k]), ys[k]).backward();
    optimizer.step();
  });
}
