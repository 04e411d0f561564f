/**
 * Shared pieces of the benchmarks: timing, Fashion-MNIST batches, the training
 * and inference loops of nnlab and of TensorFlow.js (cpu or wasm backend).
 */
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src';

/** Training batch size (SGD momentum 0.9, cross-entropy on logits). */
export const BATCH = 64;
/** Inference batch size. */
export const INFER_BATCH = 256;

/** A measured speed in samples/s, or why there is none. */
export type Speed = number | { na: string };
/** Training and inference speed of one library on one model. */
export interface Speeds { train: Speed; infer: Speed }
export type TfBackend = 'cpu' | 'wasm';

/** One model of the table: nnlab's speeds, tfjs's on a backend, and its key in bench/torch_bench.py. */
export interface BenchCase {
  name: string;
  /** Case name for bench/torch_bench.py --cases. */
  torch: string;
  nnlab: () => Speeds;
  /** Runs on the tfjs backend already set by the caller (build the model inside). */
  tfjs: (backend: TfBackend) => Promise<Speeds>;
}

/** How long to measure: untimed warm-up steps, then steps until `seconds` have passed (at least `minBatches`). */
export interface Budget { warmup: number; seconds: number; minBatches?: number }

/** Runs `budget.warmup` untimed steps, then timed steps until the budget is spent; returns samples/s. */
export function timeBatches(budget: Budget, stepFn: (i: number) => void, batch = BATCH): number {
  for (let i = 0; i < budget.warmup; i++) stepFn(i);
  const minBatches = budget.minBatches ?? 1;
  const t0 = performance.now();
  let n = 0, t = t0;
  while (n < minBatches || t - t0 < budget.seconds * 1000) {
    stepFn(budget.warmup + n);
    n++;
    t = performance.now();
  }
  return (n * batch) / ((t - t0) / 1000);
}

/** `count` batches of `batch` real Fashion-MNIST training images and labels. */
export function fashionBatches(flatten: boolean, count: number, batch = BATCH): { xs: nn.Tensor[]; ys: nn.Tensor[] } {
  const data = nn.data.loadFashionMNIST({ split: 'train', flatten, limit: count * batch });
  const xs: nn.Tensor[] = [], ys: nn.Tensor[] = [];
  for (let i = 0; i < count; i++) {
    const idx = Array.from({ length: batch }, (_, k) => i * batch + k);
    xs.push(data.images.indexSelect(0, idx));
    ys.push(data.labels.indexSelect(0, idx));
  }
  return { xs, ys };
}

/** Runs `fn`, turning a thrown error into "n/a" with its message (e.g. a kernel tfjs wasm lacks). */
export async function orNA(fn: () => Promise<number> | number): Promise<Speed> {
  try {
    return await fn();
  } catch (err) {
    return { na: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
}

function toTf(xs: nn.Tensor[], inputShape: number[]): tf.Tensor[] {
  return xs.map((x) => tf.tensor(x.toFlatArray(), [x.shape[0], ...inputShape]));
}

/** tfjs training speed: SGD momentum 0.9, softmax cross-entropy on logits, batch 64. */
export async function tfjsTrainSpeed(
  model: tf.LayersModel, xs: nn.Tensor[], ys: nn.Tensor[], inputShape: number[], budget: Budget, lr: number,
): Promise<number> {
  const optimizer = tf.train.momentum(lr, 0.9);
  const txs = toTf(xs, inputShape);
  const tys = ys.map((y) => tf.oneHot(tf.tensor1d(y.toFlatArray(), 'int32'), 10));
  try {
    return timeBatches(budget, (i) => {
      const k = i % txs.length;
      tf.tidy(() => {
        const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(tys[k], model.predict(txs[k]) as tf.Tensor) as tf.Scalar, true);
        loss?.dataSync();
      });
    });
  } finally {
    txs.forEach((t) => t.dispose());
    tys.forEach((t) => t.dispose());
    optimizer.dispose();
  }
}

/** tfjs inference speed: predict on batches of 256, reading the logits back. */
export async function tfjsInferSpeed(model: tf.LayersModel, xs: nn.Tensor[], inputShape: number[], budget: Budget): Promise<number> {
  const txs = toTf(xs, inputShape);
  try {
    return timeBatches(budget, (i) => {
      tf.tidy(() => (model.predict(txs[i % txs.length]) as tf.Tensor).dataSync());
    }, INFER_BATCH);
  } finally {
    txs.forEach((t) => t.dispose());
  }
}

/** nnlab training speed: SGD momentum 0.9, cross-entropy on logits, batch 64. */
export function nnlabTrainSpeed(model: nn.Module, xs: nn.Tensor[], ys: nn.Tensor[], budget: Budget, lr: number): number {
  const optimizer = new nn.optim.SGD(model.parameters(), { lr, momentum: 0.9 });
  model.train();
  return timeBatches(budget, (i) => {
    const k = i % xs.length;
    optimizer.zeroGrad();
    nn.F.crossEntropy(model.forward(xs[k]), ys[k]).backward();
    optimizer.step();
  });
}

/** nnlab inference speed: eval mode, no autograd graph, batches of 256. */
export function nnlabInferSpeed(model: nn.Module, xs: nn.Tensor[], budget: Budget): number {
  model.eval();
  return timeBatches(budget, (i) => {
    nn.noGrad(() => model.forward(xs[i % xs.length]));
  }, INFER_BATCH);
}

/** Budgets: nnlab measured for longer; tfjs cpu is slow on conv/RNN backward, so it gets few batches. */
export const NNLAB_BUDGET: Budget = { warmup: 5, seconds: 2, minBatches: 5 };
export function tfjsBudget(backend: TfBackend, slow = false): Budget {
  if (backend === 'cpu' && slow) return { warmup: 1, seconds: 1, minBatches: 1 };
  return { warmup: 2, seconds: 1.5, minBatches: 2 };
}
