/**
 * Neural-network building blocks, like `torch.nn`: `Module` and `Parameter`,
 * layers, losses as modules, and the initialisers as `init`.
 */
export {
  Module, Parameter, RemovableHandle, StateDictError,
  type ForwardHook, type ForwardPreHook, type LoadResult,
} from './module';
export {
  Sequential, ModuleList, Linear, Flatten, Identity, Dropout,
  ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax,
  type LinearOptions,
} from './layers';
export { Loss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss, MultiMarginLoss } from './loss';
export * as init from './init';
// Convolutional networks: conv/pool and normalisation layers, activation capture, fine-tuning helpers.
export {
  Conv2d, Conv1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d, filters,
  type Conv2dLayerOptions, type Conv1dLayerOptions, type MaxPool2dLayerOptions, type AvgPool2dLayerOptions,
  type FromKernelsOptions, type Kernel2d,
} from './conv';
export { BatchNorm1d, BatchNorm2d, LocalResponseNorm, LocalContrastNorm, type BatchNormOptions } from './normalization';
export { captureActivations, convFilters, type Activation, type CaptureOptions, type ConvFilters } from './inspect';
export {
  freeze, unfreeze, trainableParameters, parameterSummary, loadWeights, replaceModule, parameterGroups,
  type ParameterInfo, type LoadWeightsOptions, type LoadWeightsResult, type PrefixGroup,
} from './finetune';
// Recurrent networks: the textbook U/V/W RNN, RNN/LSTM/GRU layers and cells, Embedding, gradient norms over time.
export * from './recurrent';
export { RecursiveNet, booleanExpressions, BOOLEAN_TOKENS, type Tree, type RecursiveNetOptions, type BooleanExpressions } from './recursive';
