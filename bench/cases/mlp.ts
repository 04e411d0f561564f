/** MLP 784-256-128-10 (ReLU), SGD momentum 0.9, lr 0.05; training batch 64, inference batch 256. */
import * as tf from '@tensorflow/tfjs';
import * as nn from '../../src';
import {
  convnetjsBudget, convnetjsInferSpeed, convnetjsNet, convnetjsSamples, convnetjsTrainSpeed,
  fashionBatches, nnlabInferSpeed, nnlabTrainSpeed, orNA, tfjsBudget, tfjsInferSpeed, tfjsTrainSpeed,
  INFER_BATCH, NNLAB_BUDGET, type BenchCase,
} from '../common';

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
  nnlab: () => {
    const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const { xs, ys } = fashionBatches(true, 20);
    const train = nnlabTrainSpeed(model, xs, ys, NNLAB_BUDGET, 0.05);
    const infer = nnlabInferSpeed(model, fashionBatches(true, 8, INFER_BATCH).xs, NNLAB_BUDGET);
    return { train, infer };
  },
  tfjs: async (backend) => {
    const model = tfjsModel();
    const { xs, ys } = fashionBatches(true, 20);
    const train = await orNA(() => tfjsTrainSpeed(model, xs, ys, [784], tfjsBudget(backend), 0.05));
    const infer = await orNA(() => tfjsInferSpeed(model, fashionBatches(true, 4, INFER_BATCH).xs, [784], tfjsBudget(backend)));
    model.dispose();
    return { train, infer };
  },
  convnetjs: () => {
    // The fc layers flatten the 28×28×1 volume; 'softmax' adds the last fc 10.
    const net = convnetjsNet([
      { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
      { type: 'fc', num_neurons: 256, activation: 'relu' },
      { type: 'fc', num_neurons: 128, activation: 'relu' },
      { type: 'softmax', num_classes: 10 },
    ]);
    const train = convnetjsTrainSpeed(net, convnetjsSamples(20), convnetjsBudget(), 0.05);
    const infer = convnetjsInferSpeed(net, convnetjsSamples(4, INFER_BATCH).vols, convnetjsBudget());
    return { train, infer };
  },
};
