/**
 * LeNet-5 (conv 6@5×5 pad 2 → ReLU → maxpool 2 → conv 16@5×5 → ReLU → maxpool 2
 * → FC 120 → ReLU → 84 → ReLU → 10), SGD momentum 0.9, lr 0.05; training batch
 * 64, inference batch 256. tfjs's cpu conv backward is slow (~12 samples/s): it
 * runs a few batches only; tfjs wasm has no conv backprop kernel, so its
 * training cell is "n/a" with the error tfjs gives. ConvNetJS 0.3 runs the same
 * layers one sample at a time (~150 samples/s training): a few batches too.
 */
import * as tf from '@tensorflow/tfjs';
import { lenet5 } from '../../src/models';
import { convnetjsSpeeds, nnlabSpeeds, tfjsSpeeds, type BenchCase } from '../common';

function tfjsModel(): tf.LayersModel {
  // NHWC; with one channel the [N, 1, 28, 28] values are already in [N, 28, 28, 1] order.
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

export const lenetCase: BenchCase = {
  name: 'LeNet-5',
  torch: 'lenet',
  nnlab: () => nnlabSpeeds(lenet5(), false, 0.05),
  tfjs: (backend) => tfjsSpeeds(tfjsModel(), backend, { flatten: false, inputShape: [28, 28, 1], lr: 0.05, trainBatches: 4, inferBatches: 2, slow: true }),
  convnetjs: () =>
    // 28×28×1 → conv 6 (pad 2) 28×28 → pool 14×14 → conv 16 (pad 0) 10×10 → pool 5×5 → 120 → 84 → 10.
    convnetjsSpeeds([
      { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
      { type: 'conv', sx: 5, filters: 6, stride: 1, pad: 2, activation: 'relu' },
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'relu' },
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'fc', num_neurons: 120, activation: 'relu' },
      { type: 'fc', num_neurons: 84, activation: 'relu' },
      { type: 'softmax', num_classes: 10 },
    ], 0.05, 4, 2, true),
};
