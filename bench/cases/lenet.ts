/**
 * LeNet-5 (conv 6@5×5 pad 2 → ReLU → maxpool 2 → conv 16@5×5 → ReLU → maxpool 2
 * → FC 120 → ReLU → 84 → ReLU → 10), SGD momentum 0.9, lr 0.05, batch 64.
 * tfjs's cpu conv backward is slow (~12 samples/s): it runs a few batches only.
 */
import * as tf from '@tensorflow/tfjs';
import { lenet5 } from '../../src/models';
import { fashionBatches, nnlabTrainSpeed, tfjsTrainSpeed, type BenchCase } from '../common';

export const lenetCase: BenchCase = {
  name: 'LeNet-5',
  nnlab: () => {
    const { xs, ys } = fashionBatches(false, 20);
    return nnlabTrainSpeed(lenet5(), xs, ys, 5, 60, 0.05);
  },
  tfjs: async () => {
    const { xs, ys } = fashionBatches(false, 4);
    // NHWC; with one channel the [N, 1, 28, 28] values are already in [N, 28, 28, 1] order.
    const model = tf.sequential({
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
    return tfjsTrainSpeed(model, xs, ys, [28, 28, 1], 1, 3, 0.05);
  },
};
