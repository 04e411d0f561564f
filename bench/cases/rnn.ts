/**
 * Fashion-MNIST read row by row (28 steps × 28 pixels) by a tanh RNN with
 * 128 hidden units, logits from the last step (hidden 128 → 10), SGD momentum
 * 0.9, lr 0.01, batch 64; tfjs runs `simpleRNN` + dense on the same batches.
 * The LSTM case is the same with an LSTM (tfjs `lstm`).
 */
import * as tf from '@tensorflow/tfjs';
import { RowClassifier } from '../../src/models/rnn';
import { fashionBatches, nnlabTrainSpeed, tfjsTrainSpeed, type BenchCase } from '../common';

function rowCase(name: string, cell: 'rnn' | 'lstm', batches: { nnlab: number; tfjs: number }): BenchCase {
  return {
    name,
    nnlab: () => {
      const { xs, ys } = fashionBatches(true, 20);
      const rows = xs.map((x) => x.reshape([x.shape[0], 28, 28]));
      return nnlabTrainSpeed(new RowClassifier({ cell, hidden: 128 }), rows, ys, 3, batches.nnlab, 0.01);
    },
    tfjs: async () => {
      const { xs, ys } = fashionBatches(true, 10);
      const recurrent = cell === 'rnn'
        ? tf.layers.simpleRNN({ inputShape: [28, 28], units: 128 })
        : tf.layers.lstm({ inputShape: [28, 28], units: 128 });
      const model = tf.sequential({ layers: [recurrent, tf.layers.dense({ units: 10 })] });
      return tfjsTrainSpeed(model, xs, ys, [28, 28], 2, batches.tfjs, 0.01);
    },
  };
}

export const rnnCase = rowCase('Row-wise RNN 28×28, hidden 128', 'rnn', { nnlab: 40, tfjs: 15 });
export const lstmCase = rowCase('Row-wise LSTM 28×28, hidden 128', 'lstm', { nnlab: 15, tfjs: 6 });
