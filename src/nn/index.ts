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
