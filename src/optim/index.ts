/**
 * Optimisers, learning-rate schedulers and gradient clipping, with PyTorch's
 * update rules (exported as `optim`).
 *
 * @example
 *   const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 *   const sched = new optim.StepLR(opt, 10, 0.5);
 *   opt.zeroGrad(); loss.backward(); optim.clipGradNorm(model.parameters(), 1); opt.step();
 */
export {
  Optimizer, type OptimizerOptions, type ParamGroup, type ParamGroupInput, type ParamsInput, type ParamState,
  type StateValue, type FloatStorage, type OptimizerStateDict,
} from './optimizer';
export { SGD, type SGDOptions, type SGDState } from './sgd';
export { Adam, AdamW, type AdamOptions, type AdamState } from './adam';
export { RMSprop, type RMSpropOptions, type RMSpropState } from './rmsprop';
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, LinearWarmup, LambdaLR, SequentialLR,
  type SchedulableOptimizer, type SchedulerStateDict,
} from './scheduler';
export { clipGradNorm, clipGradValue } from './clip';
