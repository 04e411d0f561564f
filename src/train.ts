/**
 * A training loop that records a run: per-batch losses, per-epoch metrics,
 * hyperparameters and a status. The notebook layer displays a `TrainingRun`
 * live through the callbacks; the command line prints a progress bar.
 *
 * A NaN or Inf loss stops training with a `NonFiniteError` naming the step,
 * and the run is marked failed with its history kept.
 *
 * @example
 *   const run = await fit(model, { trainLoader, valLoader, optimizer, epochs: 1 });
 *   run.epochs[0].valAccuracy
 */
import { Tensor } from './tensor';
import { noGrad } from './autograd';
import { NonFiniteError, ShapeError, fmtShape } from './errors';
import { crossEntropy } from './functional';

/** What `fit` needs of a model (every `Module` has it). */
export interface Trainable {
  forward(x: Tensor): Tensor;
  train(mode?: boolean): unknown;
  eval(): unknown;
}
/** What `fit` needs of an optimiser (every `optim.Optimizer` has it). */
export interface StepOptimizer {
  zeroGrad(): void;
  step(): void;
  paramGroups?: { lr: number }[];
}
export interface Scheduler {
  step(): void;
}
/** A batch source: `DataLoader` or any iterable of [input, target, ...] with a length. */
export type Batches = Iterable<readonly Tensor[]> & { length?: number };

function inputAndTarget(batch: readonly Tensor[], where: string): [Tensor, Tensor] {
  if (batch.length < 2) throw new ShapeError(`${where}: each batch must be [input, target], got ${batch.length} tensor(s)`);
  return [batch[0], batch[1]];
}

export type RunStatus = 'running' | 'completed' | 'interrupted' | 'failed';

export interface BatchInfo {
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  step: number;
  loss: number;
  samplesSeen: number;
  samplesPerSec: number;
  elapsedSec: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  lr: number | null;
  samplesPerSec: number;
  seconds: number;
}

let runCounter = 0;
/** Every run made in this process, in order (the notebook layer lists them). */
export const runRegistry: TrainingRun[] = [];

export class TrainingRun {
  readonly id: string;
  status: RunStatus = 'running';
  /** Loss of every optimisation step. */
  readonly stepLosses: number[] = [];
  readonly epochs: EpochRecord[] = [];
  error: string | null = null;
  readonly startedAt = new Date();
  endedAt: Date | null = null;

  constructor(public name: string, public readonly hyperparameters: Record<string, unknown>, public readonly totalEpochs: number) {
    this.id = `run-${++runCounter}`;
    runRegistry.push(this);
  }

  /** The epoch with the best validation accuracy (else lowest validation or train loss). */
  bestEpoch(): EpochRecord | null {
    if (this.epochs.length === 0) return null;
    const key = (e: EpochRecord) => (e.valAccuracy !== null ? -e.valAccuracy : e.valLoss ?? e.trainLoss);
    return this.epochs.reduce((best, e) => (key(e) < key(best) ? e : best));
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id, name: this.name, status: this.status, hyperparameters: this.hyperparameters,
      totalEpochs: this.totalEpochs, epochs: this.epochs, stepLosses: this.stepLosses, error: this.error,
      startedAt: this.startedAt.toISOString(), endedAt: this.endedAt?.toISOString() ?? null,
    };
  }
}

export interface FitOptions {
  trainLoader: Batches;
  optimizer: StepOptimizer;
  epochs?: number;
  valLoader?: Batches;
  /** Loss on (output, target); cross-entropy on logits by default. */
  lossFn?: (output: Tensor, target: Tensor) => Tensor;
  scheduler?: Scheduler;
  /** When to call scheduler.step(): after each epoch (default) or each batch. */
  schedulerInterval?: 'epoch' | 'batch';
  /** Clip the gradient norm before each step (uses the parameters' grads via this callback). */
  beforeStep?: () => void;
  /** Stop after the current batch when this returns true (kernel interrupts use it). */
  shouldStop?: () => boolean;
  /** Only train on this many batches per epoch (quick runs). */
  maxBatchesPerEpoch?: number;
  name?: string;
  hyperparameters?: Record<string, unknown>;
  onBatchEnd?: (info: BatchInfo, run: TrainingRun) => void;
  onEpochEnd?: (record: EpochRecord, run: TrainingRun) => void;
  /** Give the event loop a turn at least this often (ms), so displays and interrupts get through. */
  yieldEveryMs?: number;
  /** An existing run to record into (the display layer creates it first). */
  run?: TrainingRun;
}

/** Fraction of rows whose argmax over the last axis equals the integer label. */
export function accuracy(logits: Tensor, labels: Tensor): number {
  if (logits.ndim !== 2 || labels.ndim !== 1 || logits.shape[0] !== labels.shape[0]) {
    throw new ShapeError(`accuracy: expected logits [N, C] and labels [N], got ${fmtShape(logits.shape)} and ${fmtShape(labels.shape)}`);
  }
  const pred = logits.argmax(1).values();
  const y = labels.values();
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) correct++;
  return y.length === 0 ? 0 : correct / y.length;
}

/** Mean loss and accuracy of `model` over `loader`, in eval mode and without a graph. */
export function evaluate(model: Trainable, loader: Batches, lossFn: (o: Tensor, t: Tensor) => Tensor = crossEntropy): { loss: number; accuracy: number | null } {
  model.eval();
  let lossSum = 0, correct = 0, count = 0, classify = true;
  noGrad(() => {
    for (const batch of loader) {
      const [x, y] = inputAndTarget(batch, 'evaluate');
      const out = model.forward(x);
      const n = x.shape[0];
      lossSum += lossFn(out, y).item() * n;
      if (classify && out.ndim === 2 && y.ndim === 1) correct += accuracy(out, y) * n;
      else classify = false;
      count += n;
    }
  });
  return { loss: count ? lossSum / count : NaN, accuracy: classify && count ? correct / count : null };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Something outside the loop that may ask every training to stop after its
 * current batch (a kernel interrupt, Ctrl-C). `begin` is called with the
 * model when a `fit` starts; its `shouldStop` is checked after each batch and
 * `end` when it ends.
 */
export interface StopSource {
  begin(model: Trainable): { shouldStop(): boolean; end(): void };
}
const stopSources = new Set<StopSource>();

/** Registers a stop source for every later `fit`; returns a function that removes it. */
export function addStopSource(source: StopSource): () => void {
  stopSources.add(source);
  return () => stopSources.delete(source);
}

/**
 * Trains `model` for `epochs` passes over `trainLoader`: forward, loss,
 * backward, step, with the loss of every step recorded and checked. Returns
 * the run (completed, interrupted by `shouldStop`, or failed).
 */
export async function fit(model: Trainable, opts: FitOptions): Promise<TrainingRun> {
  const epochs = opts.epochs ?? 1;
  const lossFn = opts.lossFn ?? crossEntropy;
  const lr0 = opts.optimizer.paramGroups?.[0]?.lr ?? null;
  const run = opts.run ?? new TrainingRun(opts.name ?? `run ${runCounter + 1}`, { epochs, lr: lr0, ...opts.hyperparameters }, epochs);
  const batchesPerEpoch = Math.min(opts.trainLoader.length ?? Infinity, opts.maxBatchesPerEpoch ?? Infinity);
  const yieldEvery = opts.yieldEveryMs ?? 50;
  const external = [...stopSources].map((source) => source.begin(model));
  const shouldStop = () => (opts.shouldStop?.() ?? false) || external.some((e) => e.shouldStop());
  const start = performance.now();
  let lastYield = start, samplesSeen = 0, step = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      model.train();
      const epochStart = performance.now();
      let lossSum = 0, correct = 0, count = 0, classify = true, batch = 0;
      for (const pair of opts.trainLoader) {
        if (batch >= batchesPerEpoch) break;
        const [x, y] = inputAndTarget(pair, 'fit');
        batch++;
        step++;
        opts.optimizer.zeroGrad();
        const out = model.forward(x);
        const loss = lossFn(out, y);
        const value = loss.item();
        if (!Number.isFinite(value)) {
          throw new NonFiniteError(`fit: the loss became ${value} at step ${step} (epoch ${epoch}, batch ${batch}); training stopped with the weights of step ${step - 1}`, step, value);
        }
        loss.backward();
        opts.beforeStep?.();
        opts.optimizer.step();
        if (opts.scheduler && opts.schedulerInterval === 'batch') opts.scheduler.step();
        const n = x.shape[0];
        run.stepLosses.push(value);
        lossSum += value * n;
        if (classify && out.ndim === 2 && y.ndim === 1) correct += accuracy(out, y) * n;
        else classify = false;
        count += n;
        samplesSeen += n;
        const now = performance.now();
        opts.onBatchEnd?.({
          epoch, batch, batchesPerEpoch: Number.isFinite(batchesPerEpoch) ? batchesPerEpoch : NaN, step, loss: value,
          samplesSeen, samplesPerSec: samplesSeen / ((now - start) / 1000), elapsedSec: (now - start) / 1000,
        }, run);
        if (now - lastYield >= yieldEvery) {
          await tick();
          lastYield = performance.now();
        }
        if (shouldStop()) {
          run.status = 'interrupted';
          break;
        }
      }
      const seconds = (performance.now() - epochStart) / 1000;
      const val = opts.valLoader ? evaluate(model, opts.valLoader, lossFn) : null;
      if (val && !Number.isFinite(val.loss)) {
        // NOTE: a warning, not a NonFiniteError: the weights are fine, the validation data (or its loss) is not.
        console.warn(`fit: the validation loss is ${val.loss} after step ${step} (epoch ${epoch}); check valLoader for NaN or Inf inputs or targets`);
      }
      const record: EpochRecord = {
        epoch, trainLoss: count ? lossSum / count : NaN, trainAccuracy: classify && count ? correct / count : null,
        valLoss: val?.loss ?? null, valAccuracy: val?.accuracy ?? null,
        lr: opts.optimizer.paramGroups?.[0]?.lr ?? null, samplesPerSec: count / Math.max(seconds, 1e-9), seconds,
      };
      run.epochs.push(record);
      if (opts.scheduler && opts.schedulerInterval !== 'batch') opts.scheduler.step();
      opts.onEpochEnd?.(record, run);
      if (run.status === 'interrupted') break;
    }
    if (run.status === 'running') run.status = 'completed';
  } catch (err) {
    run.status = 'failed';
    run.error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    for (const e of external) e.end();
    run.endedAt = new Date();
    model.eval();
  }
  return run;
}
