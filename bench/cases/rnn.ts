/**
 * Fashion-MNIST read row by row (28 steps × 28 pixels) by a tanh RNN with
 * 128 hidden units, logits from the last step (hidden 128 → 10), SGD momentum
 * 0.9, lr 0.01; training batch 64, inference batch 256. tfjs runs `simpleRNN`
 * + dense on the same batches. The LSTM case (`npm run bench -- lstm`) is the
 * same with an LSTM (tfjs `lstm`). ConvNetJS has no recurrent layers: its
 * cells are "n/a".
 */
import * as tf from '@tensorflow/tfjs';
import { RowClassifier } from '../../src/models/rnn';
import {
  fashionBatches, nnlabInferSpeed, nnlabTrainSpeed, orNA, tfjsBudget, tfjsInferSpeed, tfjsTrainSpeed,
  INFER_BATCH, NNLAB_BUDGET, type BenchCase,
} from '../common';

function rowCase(name: string, cell: 'rnn' | 'lstm'): BenchCase {
  const rows = (xs: ReturnType<typeof fashionBatches>['xs']) => xs.map((x) => x.reshape([x.shape[0], 28, 28]));
  return {
    name,
    torch: cell,
    nnlab: () => {
      const model = new RowClassifier({ cell, hidden: 128 });
      const { xs, ys } = fashionBatches(true, 20);
      const train = nnlabTrainSpeed(model, rows(xs), ys, NNLAB_BUDGET, 0.01);
      const infer = nnlabInferSpeed(model, rows(fashionBatches(true, 8, INFER_BATCH).xs), NNLAB_BUDGET);
      return { train, infer };
    },
    tfjs: async (backend) => {
      const recurrent = cell === 'rnn'
        ? tf.layers.simpleRNN({ inputShape: [28, 28], units: 128 })
        : tf.layers.lstm({ inputShape: [28, 28], units: 128 });
      const model = tf.sequential({ layers: [recurrent, tf.layers.dense({ units: 10 })] });
      const { xs, ys } = fashionBatches(true, 10);
      const train = await orNA(() => tfjsTrainSpeed(model, xs, ys, [28, 28], tfjsBudget(backend, true), 0.01));
      const infer = await orNA(() => tfjsInferSpeed(model, fashionBatches(true, 2, INFER_BATCH).xs, [28, 28], tfjsBudget(backend, true)));
      model.dispose();
      return { train, infer };
    },
    convnetjs: () => {
      const na = { na: 'no recurrent layers in ConvNetJS 0.3' };
      return { train: na, infer: na };
    },
  };
}

export const rnnCase = rowCase('RNN 128 (28 steps)', 'rnn');
export const lstmCase = rowCase('LSTM 128 (28 steps)', 'lstm');
