/**
 * Ready-made models: builders that return a `Module` with documented,
 * PyTorch-compatible state-dict names.
 *
 * @example
 *   import { models } from 'nnlab';
 *   const net = models.lenet5();   // LeNet-5 for 28×28 grayscale images
 */
export { LeNet5, lenet5, type LeNet5Options } from './lenet';
export {
  RowClassifier, CharLM, sampleLogits,
  type RowClassifierOptions, type CharLMOptions, type SampleOptions, type CellType, type RecurrentState,
} from './rnn';
