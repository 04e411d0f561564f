/**
 * Looking inside a network: every layer's output for an input (activation
 * maps), and the learned convolution filters. Plain tensors and names only;
 * turning them into images is the display layer's job.
 *
 * @example
 *   const acts = captureActivations(model, images.narrow(0, 0, 1));
 *   acts.map((a) => `${a.layerName} ${a.type} ${a.shape}`);
 *   // ['features.0 Conv2d 1,6,28,28', 'features.1 ReLU 1,6,28,28', 'features.2 MaxPool2d 1,6,14,14', ...]
 */
import type { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import { ArgumentError } from '../errors';
import { Module, type RemovableHandle } from './module';
import { Conv1d, Conv2d } from './conv';

/** One layer's output for the captured input. */
export interface Activation {
  /** Dotted path in the model ('features.0'); '' for the model itself. */
  layerName: string;
  /** The layer's class name ('Conv2d'). */
  type: string;
  shape: number[];
  /** The output, cut from the graph. */
  tensor: Tensor;
}

export interface CaptureOptions {
  /**
   * Also record containers (Sequential, the model itself...), whose output
   * repeats their last child's. Default false: only layers without children.
   */
  includeContainers?: boolean;
  /** Run in evaluation mode (dropout off, batch-norm running statistics), restored afterwards. Default true. */
  eval?: boolean;
}

/**
 * Runs `model.forward(input)` once without building a graph, recording each
 * layer's output through forward hooks (removed afterwards, even on error),
 * in the order the layers ran. A layer called twice appears twice. Outputs
 * that are not tensors (an RNN's [output, state]) keep their first tensor.
 * @example
 *   const acts = captureActivations(lenet, images.narrow(0, 0, 1));
 *   acts[0]  // { layerName: 'features.0', type: 'Conv2d', shape: [1, 6, 28, 28], tensor }
 */
export function captureActivations(model: Module, input: Tensor, opts: CaptureOptions = {}): Activation[] {
  if (!(model instanceof Module)) throw new ArgumentError(`captureActivations: expected a Module, got ${typeof model}`);
  const includeContainers = opts.includeContainers ?? false;
  const modules = model.namedModules();
  const captured: Activation[] = [];
  const handles: RemovableHandle[] = [];
  const modes = modules.map(([, m]) => m.training);
  try {
    for (const [name, module] of modules) {
      if (!includeContainers && module.children().length > 0) continue;
      handles.push(module.registerForwardHook((m, _inputs, output) => {
        const t = firstTensor(output);
        if (t) captured.push({ layerName: name, type: m.constructor.name, shape: [...t.shape], tensor: t.detach() });
      }));
    }
    if (opts.eval ?? true) model.eval();
    noGrad(() => model.forward(input));
  } finally {
    for (const h of handles) h.remove();
    modules.forEach(([, m], i) => (m.training = modes[i]));
  }
  return captured;
}

function firstTensor(output: unknown): Tensor | null {
  if (output !== null && typeof output === 'object' && 'shape' in output && 'data' in output) return output as Tensor;
  if (Array.isArray(output)) {
    for (const o of output) {
      const t = firstTensor(o);
      if (t) return t;
    }
  }
  return null;
}

/** The weights of one convolution layer. */
export interface ConvFilters {
  /** Dotted path in the model ('features.0'). */
  layerName: string;
  /** A copy of the weight: [out, in/groups, kH, kW] for Conv2d, [out, in/groups, K] for Conv1d. */
  weight: Tensor;
}

/**
 * The filters of every Conv2d and Conv1d in the model, in module order, as
 * copies (later training does not change them).
 * @example convFilters(lenet)  // [{ layerName: 'features.0', weight: [6, 1, 5, 5] }, { layerName: 'features.3', weight: [16, 6, 5, 5] }]
 */
export function convFilters(model: Module): ConvFilters[] {
  if (!(model instanceof Module)) throw new ArgumentError(`convFilters: expected a Module, got ${typeof model}`);
  return model.namedModules()
    .filter(([, m]) => m instanceof Conv2d || m instanceof Conv1d)
    .map(([layerName, m]) => ({ layerName, weight: noGrad(() => (m as Conv2d | Conv1d).weight.detach().clone()) }));
}
