/**
 * Shared pieces of the benchmarks: timing, Fashion-MNIST batches, the training
 * and inference loops of nnlab, of TensorFlow.js (cpu or wasm backend) and of
 * ConvNetJS 0.3.
 */
import * as tf from '@tensorflow/tfjs';
import type * as ConvNetJS from 'convnetjs';
import * as nn from '../src';

/** Training batch size (SGD momentum 0.9, cross-entropy on logits). */
export const BATCH = 64;
/** Inference batch size. */
const INFER_BATCH = 256;

/** A measured speed in samples/s, or why there is none. */
export type Speed = number | { na: string };
/** Training and inference speed of one library on one model; latency1: median µs of a batch-1 forward (where measured). */
export interface Speeds { train: Speed; infer: Speed; latency1?: Speed }
export type TfBackend = 'cpu' | 'wasm';

/** One model of the table: nnlab's speeds, tfjs's on a backend, and its key in bench/torch_bench.py. */
export interface BenchCase {
  name: string;
  /** Case name for bench/torch_bench.py --cases. */
  torch: string;
  nnlab: () => Speeds;
  /** Runs on the tfjs backend already set by the caller (build the model inside). */
  tfjs: (backend: TfBackend) => Promise<Speeds>;
  /** The same model in ConvNetJS 0.3 (one sample per forward/backward; may throw if `convnetjs` is missing). */
  convnetjs?: () => Speeds;
}

/**
 * How long to measure: untimed warm-up steps, then `windows` (default 1)
 * timed windows of `seconds` / `windows` each, at least `minBatches` steps per window.
 */
export interface Budget { warmup: number; seconds: number; minBatches?: number; windows?: number }

/**
 * Runs `budget.warmup` untimed steps, then the timed windows; returns the
 * samples/s of the fastest window. The machines here are shared: a slow
 * window is someone else's load, so every column (and bench/torch_bench.py)
 * reports its best window.
 */
export function timeBatches(budget: Budget, stepFn: (i: number) => void, batch = BATCH): number {
  let i = 0;
  for (; i < budget.warmup; i++) stepFn(i);
  const minBatches = budget.minBatches ?? 1, windows = budget.windows ?? 1;
  let best = 0;
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    let n = 0, t = t0;
    while (n < minBatches || t - t0 < (budget.seconds / windows) * 1000) {
      stepFn(i++);
      n++;
      t = performance.now();
    }
    best = Math.max(best, (n * batch) / ((t - t0) / 1000));
  }
  return best;
}

/** `count` batches of `batch` real Fashion-MNIST training images and labels. */
function fashionBatches(flatten: boolean, count: number, batch = BATCH): { xs: nn.Tensor[]; ys: nn.Tensor[] } {
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
async function orNA(fn: () => Promise<number> | number): Promise<Speed> {
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
async function tfjsTrainSpeed(
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
async function tfjsInferSpeed(model: tf.LayersModel, xs: nn.Tensor[], inputShape: number[], budget: Budget): Promise<number> {
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
function nnlabTrainSpeed(model: nn.Module, xs: nn.Tensor[], ys: nn.Tensor[], budget: Budget, lr: number): number {
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
function nnlabInferSpeed(model: nn.Module, xs: nn.Tensor[], budget: Budget): number {
  model.eval();
  return timeBatches(budget, (i) => {
    nn.noGrad(() => model.forward(xs[i % xs.length]));
  }, INFER_BATCH);
}

let convnetjsLib: typeof ConvNetJS | undefined;

/** ConvNetJS, required on first use (it is a devDependency; throws "Cannot find module" without it). */
export function loadConvNetJS(): typeof ConvNetJS {
  return (convnetjsLib ??= require('convnetjs') as typeof ConvNetJS);
}

/** The installed ConvNetJS version ("0.3.0"), or why `require('convnetjs')` failed. */
export function convnetjsVersion(): { version: string } | { na: string } {
  try {
    loadConvNetJS();
    return { version: (require('convnetjs/package.json') as { version: string }).version };
  } catch (err) {
    return { na: `require('convnetjs') failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}` };
  }
}

/** ConvNetJS samples: the first `count · batch` Fashion-MNIST training images as 28×28×1 volumes, with their labels. */
function convnetjsSamples(count: number, batch = BATCH): { vols: ConvNetJS.Vol[]; labels: number[] } {
  const { Vol } = loadConvNetJS();
  const data = nn.data.loadFashionMNIST({ split: 'train', flatten: true, limit: count * batch });
  const pixels = data.images.toFlatArray();
  const vols: ConvNetJS.Vol[] = [];
  for (let i = 0; i < data.labels.shape[0]; i++) {
    // NOTE: a Vol stores (x, y) at y·28 + x for depth 1: the row-major pixel order. c = 0 skips its random fill.
    const v = new Vol(28, 28, 1, 0);
    v.w.set(pixels.slice(i * 784, (i + 1) * 784));
    vols.push(v);
  }
  return { vols, labels: data.labels.toFlatArray() };
}

/** A ConvNetJS network from its layer list (ConvNetJS's own initialisation). */
function convnetjsNet(layers: ConvNetJS.LayerDef[]): ConvNetJS.Net {
  const net = new (loadConvNetJS().Net)();
  net.makeLayers(layers);
  return net;
}

/**
 * ConvNetJS training speed: its `Trainer` with SGD momentum 0.9, batch_size 64,
 * no weight decay. `train(vol, label)` runs forward and backward of one sample
 * (softmax + negative log-likelihood) and updates with the mean gradient every
 * 64th call, so one timed step is 64 calls: one update, 64 samples.
 */
function convnetjsTrainSpeed(
  net: ConvNetJS.Net, samples: { vols: ConvNetJS.Vol[]; labels: number[] }, budget: Budget, lr: number,
): number {
  const trainer = new (loadConvNetJS().Trainer)(net, { method: 'sgd', learning_rate: lr, momentum: 0.9, batch_size: BATCH, l2_decay: 0 });
  const { vols, labels } = samples;
  return timeBatches(budget, (i) => {
    const start = (i * BATCH) % vols.length;
    for (let k = start; k < start + BATCH; k++) trainer.train(vols[k], labels[k]);
  });
}

/** ConvNetJS inference speed: `net.forward(vol)` sample by sample, 256 per timed step. */
function convnetjsInferSpeed(net: ConvNetJS.Net, vols: ConvNetJS.Vol[], budget: Budget): number {
  return timeBatches(budget, (i) => {
    const start = (i * INFER_BATCH) % vols.length;
    for (let k = start; k < start + INFER_BATCH; k++) net.forward(vols[k]);
  }, INFER_BATCH);
}

/**
 * nnlab's speeds on `model`: training on 20 batches of 64 and inference on
 * 8 batches of 256 real Fashion-MNIST images (flattened to 784 or
 * [N, 1, 28, 28]), each batch given to the model as `shape` makes it.
 */
export function nnlabSpeeds(model: nn.Module, flatten: boolean, lr: number, shape: (x: nn.Tensor) => nn.Tensor = (x) => x): Speeds {
  const { xs, ys } = fashionBatches(flatten, 20);
  const train = nnlabTrainSpeed(model, xs.map(shape), ys, NNLAB_BUDGET, lr);
  const infer = nnlabInferSpeed(model, fashionBatches(flatten, 8, INFER_BATCH).xs.map(shape), NNLAB_BUDGET);
  const latency1 = nnlabLatency(model, fashionBatches(flatten, 32, 1).xs.map(shape));
  return { train, infer, latency1 };
}

/** Median µs of 300 single-sample forwards (eval mode, no graph), after 20 untimed ones. */
function nnlabLatency(model: nn.Module, xs: nn.Tensor[]): number {
  model.eval();
  const times: number[] = [];
  nn.noGrad(() => {
    for (let i = 0; i < 20; i++) model.forward(xs[i % xs.length]);
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      model.forward(xs[i % xs.length]);
      times.push(performance.now() - t0);
    }
  });
  times.sort((a, b) => a - b);
  return times[times.length >> 1] * 1000;
}

/** How a case feeds tfjs: the input shape per sample, batches to cycle through, and whether tfjs cpu is slow on it. */
export interface TfjsFeed { flatten: boolean; inputShape: number[]; lr: number; trainBatches: number; inferBatches: number; slow: boolean }

/** tfjs's speeds on `model` (disposed after) on the backend already set; a kernel tfjs lacks gives n/a with its error. */
export async function tfjsSpeeds(model: tf.LayersModel, backend: TfBackend, feed: TfjsFeed): Promise<Speeds> {
  const { xs, ys } = fashionBatches(feed.flatten, feed.trainBatches);
  const budget = tfjsBudget(backend, feed.slow);
  const train = await orNA(() => tfjsTrainSpeed(model, xs, ys, feed.inputShape, budget, feed.lr));
  const infer = await orNA(() => tfjsInferSpeed(model, fashionBatches(feed.flatten, feed.inferBatches, INFER_BATCH).xs, feed.inputShape, budget));
  model.dispose();
  return { train, infer };
}

/** ConvNetJS's speeds on a net of `layers`: training on `trainBatches` of 64 samples, inference on `inferBatches` of 256. */
export function convnetjsSpeeds(layers: ConvNetJS.LayerDef[], lr: number, trainBatches: number, inferBatches: number, slow: boolean): Speeds {
  const net = convnetjsNet(layers);
  const train = convnetjsTrainSpeed(net, convnetjsSamples(trainBatches), convnetjsBudget(slow), lr);
  const infer = convnetjsInferSpeed(net, convnetjsSamples(inferBatches, INFER_BATCH).vols, convnetjsBudget(slow));
  return { train, infer };
}

/**
 * Budgets: nnlab and the fast tfjs cases the best of three windows (as
 * PyTorch in bench/torch_bench.py); tfjs cpu is slow on conv/RNN backward
 * (seconds per batch), so it gets one window of few batches.
 */
const NNLAB_BUDGET: Budget = { warmup: 5, seconds: 2.4, minBatches: 3, windows: 3 };
function tfjsBudget(backend: TfBackend, slow = false): Budget {
  if (backend === 'cpu' && slow) return { warmup: 1, seconds: 1, minBatches: 1 };
  return { warmup: 2, seconds: 1.5, minBatches: 2, windows: 3 };
}
/** ConvNetJS is as slow as tfjs cpu (one sample at a time): the same short budgets. */
function convnetjsBudget(slow = false): Budget {
  return tfjsBudget('cpu', slow);
}
