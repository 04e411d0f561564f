/** MLP 784-256-128-10 (ReLU), SGD momentum 0.9, lr 0.05; training batch 64, inference batch 256. */
import * as tf from '@tensorflow/tfjs';
import * as nn from '../../src';
import { convnetjsSpeeds, nnlabSpeeds, tfjsSpeeds, type BenchCase } from '../common';

function tfjsModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

export const mlpCase: BenchCase = {
  name: 'MLP 784-256-128-10',
  torch: 'mlp',
  nnlab: () => nnlabSpeeds(
    new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10)), true, 0.05,
  ),
  tfjs: (backend) => tfjsSpeeds(tfjsModel(), backend, { flatten: true, inputShape: [784], lr: 0.05, trainBatches: 20, inferBatches: 4, slow: false }),
  convnetjs: () =>
    // The fc layers flatten the 28×28×1 volume; 'softmax' adds the last fc 10.
    convnetjsSpeeds([
      { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
      { type: 'fc', num_neurons: 256, activation: 'relu' },
      { type: 'fc', num_neurons: 128, activation: 'relu' },
      { type: 'softmax', num_classes: 10 },
    ], 0.05, 20, 4, false),
};
