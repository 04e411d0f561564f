/**
 * Connects the core to the notebook without the core knowing: when the
 * kernel layer is loaded, it installs `[Symbol.for('Jupyter.display')]()` on
 * `Tensor.prototype` (and so `Parameter`), `Module.prototype` and
 * `TrainingRun.prototype`, and makes `fit` stop gracefully on a kernel
 * interrupt. src/ has no import of this file.
 *
 * - Tensor → tensorBundle (stats, table or summary, heatmap, histogram).
 * - Module → summary; with output shapes when the model has seen an input
 *   (through liveFit or featureMaps: one sample of it is run again).
 * - TrainingRun → runBundle with the static chart.
 * - `fit` (the export of src/train, which `nn.fit` reads through its
 *   re-export getter) is replaced by a wrapper that passes a `shouldStop`
 *   true once the kernel receives an interrupt after the call started. This
 *   works on the CommonJS build (dist/, what notebooks load); where the module
 *   object is frozen (ES module namespaces in tests) it is left alone.
 */
import { Tensor } from '../../src/tensor';
import { Module } from '../../src/nn/module';
import * as train from '../../src/train';
import { TrainingRun } from '../../src/train';
import type { MediaBundle } from '../protocol';
import { DISPLAY } from './display';
import { beginTraining, lastInput } from './registry';
import { runBundle } from './runView';
import { summaryBundle, summaryPayload } from './summary';
import { tensorBundle } from './tensorView';

function define(proto: object, method: (this: any) => MediaBundle): void {
  Object.defineProperty(proto, DISPLAY, { value: method, writable: true, configurable: true, enumerable: false });
}

/** The bundle `Module.prototype[Symbol.for('Jupyter.display')]` returns. */
export function moduleBundle(model: Module): MediaBundle {
  const input = lastInput(model);
  if (input && input.ndim > 0 && input.shape[0] > 0) {
    try {
      return summaryBundle(summaryPayload(model, input.narrow(0, 0, 1)));
    } catch {
      // NOTE: the remembered input may no longer fit the model; show it without shapes.
    }
  }
  return summaryBundle(summaryPayload(model));
}

export function installDisplayMethods(): void {
  define(Tensor.prototype, function (this: Tensor) {
    return tensorBundle(this, this.constructor.name !== 'Tensor' ? { name: this.constructor.name } : {});
  });
  define(Module.prototype, function (this: Module) {
    return moduleBundle(this);
  });
  define(TrainingRun.prototype, function (this: TrainingRun) {
    return runBundle(this, { staticImage: true });
  });
}

const WRAPPED = Symbol.for('nnlab.kernel.interruptibleFit');

/** Wraps the core `fit` so kernel interrupts stop it after the current batch. Returns whether it could. */
export function makeFitInterruptible(): boolean {
  const mod = train as unknown as { fit: typeof train.fit } & Record<symbol, unknown>;
  if (mod[WRAPPED]) return true;
  const core = mod.fit;
  const fit: typeof train.fit = async (model, opts) => {
    const training = beginTraining();
    try {
      return await core(model, { ...opts, shouldStop: () => training.shouldStop() || (opts.shouldStop?.() ?? false) });
    } finally {
      training.end();
    }
  };
  try {
    mod.fit = fit;
    if (mod.fit !== fit) return false;
    Object.defineProperty(mod, WRAPPED, { value: core, enumerable: false });
    return true;
  } catch {
    return false;
  }
}
