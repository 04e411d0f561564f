/**
 * Connects the core to the notebook without the core knowing: when the
 * kernel layer is loaded, it installs `[Symbol.for('Jupyter.display')]()` on
 * `Tensor.prototype` (and so `Parameter`), `Module.prototype` and
 * `TrainingRun.prototype`. src/ has no import of this file.
 *
 * - Tensor → tensorBundle (stats, table or summary, heatmap, histogram).
 * - Module → summary; with output shapes when the model has seen an input
 *   (through liveFit or featureMaps: one sample of it is run again).
 * - TrainingRun → runBundle with the static chart.
 */
import { Tensor } from '../../src/tensor';
import { Module } from '../../src/nn/module';
import { TrainingRun } from '../../src/train';
import type { MediaBundle } from '../protocol';
import { DISPLAY } from './display';
import { lastInput } from './registry';
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
