/** MLP 784-256-128-10 (ReLU), SGD momentum 0.9, lr 0.05, batch 64. */
import * as tf from '@tensorflow/tfjs';
import * as nn from '../../src';
import { fashionBatches, nnlabTrainSpeed, tfjsTrainSpeed, type BenchCase } from '../common';

export const mlpCase: BenchCase = {
  name: 'MLP 784-256-128-10',
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
};
