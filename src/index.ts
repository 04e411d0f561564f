/**
 * nnlab: tensors, autograd, layers, optimisers and data for learning deep
 * learning by running it.
 *
 * @example
 *   import * as nn from 'nnlab';
 *   const x = nn.randn([4, 3], { requiresGrad: true });
 *   x.pow(2).sum().backward();  // x.grad = 2x
 */
import './ops/rules';
import './pytorchNames';

export * from './errors';
export { Generator, manualSeed, globalGenerator } from './random';
export {
  Tensor, tensor, scalar, zeros, ones, full, eye, arange, linspace, rand, randn, uniform, randint, isTensor,
  type DType, type TensorLike, type NestedArray, type SliceSpec, type TensorOptions, type RandomOptions,
} from './tensor';
export { noGrad, isGradEnabled, type PrimOp } from './autograd';
// Which kernels run: native (OpenBLAS addon), WebAssembly SIMD (default where available) or plain TypeScript, and how many threads.
export { getBackend, setBackend, backendInfo, getNumThreads, setNumThreads, type Backend, type BackendInfo } from './kernels/backend';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, abs, relu, sigmoid, tanh, gelu,
  leakyRelu, elu, where, clamp,
} from './ops/elementwise';
export { sum, mean, max, min, variance, argmax, argmin } from './ops/reduce';
export { matmul } from './ops/matmul';
export { reshape, permute, transpose, expand, squeeze, unsqueeze, flatten, slice, narrow, select, concat, stack, pad, cast } from './ops/movement';
export { gather, indexSelect, oneHot } from './ops/indexing';
export { conv2d, conv1d, convOutputSize, type Conv2dOptions, type Conv1dOptions, type Pair } from './ops/conv';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, globalAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './ops/pool';

// Layers, losses as modules, and functional forms.
export * from './nn';
export * as F from './functional';
export * as optim from './optim';
export * as data from './data';
export * as preprocess from './data/preprocess';
// Linear classifiers taught before neural networks: perceptrons and SVMs.
export * from './linear';
// Ready-made models (LeNet-5, recurrent classifiers and language models).
export * as models from './models';
export { fit, evaluate, accuracy, TrainingRun, runRegistry, addStopSource, type StopSource, type FitOptions, type EpochRecord, type BatchInfo, type RunStatus, type RunEvent, type RunEventKind, type FitPromise, FINISHED_STATUSES, type Trainable, type Batches } from './train';

// Weights I/O: safetensors that PyTorch loads, ONNX that onnxruntime runs.
export * as io from './io';
export { save, load, exportOnnx, OnnxExportError, LoadedWeights, type SaveReport, type OnnxExportReport } from './io';
