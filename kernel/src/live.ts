/**
 * Training with a live display: `liveFit` is the core `fit` plus ONE output
 * per run, replaced in place (update_display_data, no clear_output) with the
 * progress (epoch, batch, samples/s, ETA) and the loss/accuracy chart.
 *
 * Throttling: an update is sent at each epoch end and otherwise at most every
 * `minIntervalMs` (default 250 ms) and only when the display's own cost so
 * far stays under `maxOverhead` (default 2%) of the training time:
 *
 *   next update >= last update + max(minIntervalMs, cost of last update / maxOverhead)
 *
 * The cost measured (building the bundle and handing it to the kernel) is kept
 * on the run's live state and shown in the payload's `display` field. The
 * final update carries the chart as image/svg+xml and image/png too, for
 * saved notebooks and viewers without JavaScript.
 *
 * Steering: the promise carries the run (`liveFit(...).run.pause()`); the
 * display redraws at every steering event, and the extension's controls send
 * their commands over the 'nnlab.run' comm (kernel/src/steer.ts).
 *
 * Interrupts: inside the nnlab kernel, interrupting stops training after the
 * current batch (weights consistent, the run kept and marked 'interrupted');
 * a second interrupt aborts the cell as usual.
 *
 * @example
 *   const run = await liveFit(model, { trainLoader, valLoader, optimizer, epochs: 5 });
 */
import { fit, runRegistry, TrainingRun, type BatchInfo, type EpochRecord, type FitOptions, type FitPromise, type Trainable } from '../../src/train';
import { Module } from '../../src/nn/module';
import type { Tensor } from '../../src/tensor';
import { display, type DisplayHandle } from './display';
import { liveRunState, makeFitInterruptible, rememberInput, setLiveRunState, type LiveRunState } from './registry';
import { runBundle } from './runView';

export interface LiveFitOptions extends FitOptions {
  /** Minimum time between two updates of the display (ms, default 250). */
  minIntervalMs?: number;
  /** Largest fraction of training time the display may cost (default 0.02). */
  maxOverhead?: number;
  /** false: no display (interrupt handling and the run's live state only). */
  display?: boolean;
}

/** Display cost of a live run. */
export interface DisplayStats {
  updates: number;
  displaySeconds: number;
  trainSeconds: number;
  /** displaySeconds / trainSeconds. */
  overhead: number;
}

/** How much the live display cost, for a run trained with `liveFit`. */
export function displayStats(run: TrainingRun): DisplayStats | null {
  const s = liveRunState(run);
  if (!s) return null;
  const trainSeconds = ((s.endedMs ?? performance.now()) - s.startedMs) / 1000;
  return { updates: s.updates, displaySeconds: s.displayMs / 1000, trainSeconds, overhead: trainSeconds > 0 ? s.displayMs / 1000 / trainSeconds : 0 };
}

/**
 * A live view of one run for custom loops: call `batchEnd`/`epochEnd` from
 * your loop (or pass them as fit's callbacks) and `close()` at the end.
 */
export class LiveRunDisplay {
  readonly state: LiveRunState;
  /** The current epoch's batch-size-weighted loss sum, for the headline's running mean. */
  #epoch = { epoch: -1, lossSum: 0, samples: 0, lastSeen: 0 };
  #handle: DisplayHandle | null = null;
  #next = 0;
  #offEvent: () => void;

  constructor(readonly run: TrainingRun, readonly opts: { minIntervalMs?: number; maxOverhead?: number; display?: boolean; stepsPerEpoch?: number | null } = {}) {
    this.state = { progress: null, stepsPerEpoch: opts.stepsPerEpoch ?? null, updates: 0, displayMs: 0, startedMs: performance.now(), endedMs: null };
    setLiveRunState(run, this.state);
    if (opts.display !== false) this.#handle = display(run);
    // NOTE: a steering event redraws at once (a paused run has no batch end to redraw it).
    this.#offEvent = run.onEvent(() => this.#send(false));
  }

  #send(final: boolean): void {
    if (!this.#handle) return;
    const t0 = performance.now();
    this.#handle.updateBundle(runBundle(this.run, { staticImage: final }));
    const t1 = performance.now();
    const cost = t1 - t0;
    this.state.displayMs += cost;
    this.state.updates++;
    this.#next = t1 + Math.max(this.opts.minIntervalMs ?? 250, cost / (this.opts.maxOverhead ?? 0.02));
  }

  batchEnd(info: BatchInfo): void {
    const elapsed = info.elapsedSec;
    const totalEpochs = this.run.totalEpochs;
    const bpe = Number.isFinite(info.batchesPerEpoch) ? info.batchesPerEpoch : null;
    if (bpe) this.state.stepsPerEpoch = bpe;
    const totalSteps = bpe ? bpe * totalEpochs : null;
    // NOTE: the headline is the epoch's running mean (weighted by batch size, as fit's trainLoss), not the noisy last batch.
    const e = this.#epoch;
    if (info.epoch !== e.epoch) Object.assign(e, { epoch: info.epoch, lossSum: 0, samples: 0 });
    const n = Math.max(1, info.samplesSeen - e.lastSeen);
    e.lastSeen = info.samplesSeen;
    if (Number.isFinite(info.loss)) {
      e.lossSum += info.loss * n;
      e.samples += n;
    }
    this.state.progress = {
      epoch: info.epoch, totalEpochs, batch: info.batch, batchesPerEpoch: bpe, samplesSeen: info.samplesSeen,
      samplesPerSec: info.samplesPerSec, elapsedSec: elapsed, loss: info.loss, epochLoss: e.samples > 0 ? e.lossSum / e.samples : null,
      etaSec: totalSteps ? (elapsed / info.step) * Math.max(0, totalSteps - info.step) : null,
    };
    // NOTE: a batch that ends paused (step() while paused) is shown at once: nothing else follows it.
    if (performance.now() >= this.#next || this.run.status === 'paused') this.#send(false);
  }

  epochEnd(_record: EpochRecord): void {
    this.#send(false);
  }

  /** The final update (with the static chart image). */
  close(): void {
    this.#offEvent();
    this.state.endedMs = performance.now();
    this.#send(true);
  }
}

/**
 * `fit` with a live display and graceful interrupts (see the file comment).
 * Accepts every `fit` option; user callbacks still run.
 */
export function liveFit(model: Trainable, opts: LiveFitOptions): FitPromise {
  const epochs = opts.epochs ?? 1;
  const lr0 = opts.optimizer.paramGroups?.[0]?.lr ?? null;
  const batchSize = (opts.trainLoader as { batchSize?: unknown }).batchSize;
  const hyperparameters = {
    epochs, lr: lr0, optimizer: opts.optimizer.constructor.name,
    ...(typeof batchSize === 'number' ? { batchSize } : {}),
    ...opts.hyperparameters,
  };
  const run = opts.run ?? new TrainingRun(opts.name ?? `run ${runRegistry.length + 1}`, hyperparameters, epochs);
  const live = new LiveRunDisplay(run, opts);
  makeFitInterruptible();
  const hook = model instanceof Module
    ? model.registerForwardPreHook((_m, inputs) => {
        if (inputs[0] && typeof inputs[0] === 'object') rememberInput(model, inputs[0] as Tensor);
      })
    : null;
  const training = (async () => {
    try {
      return await fit(model, {
        ...opts,
        run,
        onBatchEnd: (info, r) => {
          opts.onBatchEnd?.(info, r);
          live.batchEnd(info);
        },
        onEpochEnd: (record, r) => {
          opts.onEpochEnd?.(record, r);
          live.epochEnd(record);
        },
      });
    } finally {
      hook?.remove();
      live.close();
    }
  })();
  return Object.assign(training, { run });
}
