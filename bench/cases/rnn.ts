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
import { nnlabSpeeds, tfjsSpeeds, type BenchCase } from '../common';

function rowCase(name: string, cell: 'rnn' | 'lstm'): BenchCase {
  return {
    name,
    torch: cell,
    nnlab: () => nnlabSpeeds(new RowClassifier({ cell, hidden: 128 }), true, 0.01, (x) => x.reshape([x.shape[0], 28, 28])),
    tfjs: (backend) => {
      const recurrent = cell === 'rnn'
        ? tf.layers.simpleRNN({ inputShape: [28, 28], units: 128 })
        : tf.layers.lstm({ inputShape: [28, 28], units: 128 });
      const model = tf.sequential({ layers: [recurrent, tf.layers.dense({ units: 10 })] });
      return tfjsSpeeds(model, backend, { flatten: true, inputShape: [28, 28], lr: 0.01, trainBatches: 10, inferBatches: 2, slow: true });
    },
    convnetjs: () => {
      const na = { na: 'no recurrent layers in ConvNetJS 0.3' };
      return { train: na, infer: na };
    },
  };
}

export const rnnCase = rowCase('RNN 128 (28 steps)', 'rnn');
export const lstmCase = rowCase('LSTM 128 (28 steps)', 'lstm');
