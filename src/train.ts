/**
 * A training loop that records a run: per-batch losses, per-epoch metrics,
 * hyperparameters and a status. The notebook layer displays a `TrainingRun`
 * live through the callbacks; the command line prints a progress bar.
 *
 * A NaN or Inf loss stops training with a `NonFiniteError` naming the step,
 * and the run is marked failed with its history kept.
 *
 * A run can be steered while `fit` trains it (from a timer, a widget, a comm
 * message: anything the event loop runs): `pause()`, `resume()`, `step()`
 * (one batch while paused), `stop()`, and `setLearningRate` / `setMomentum` /
 * `setWeightDecay` on its optimiser. The loop looks for commands between
 * batches and gives the event loop a turn there (setImmediate), so a command
 * takes effect before the next batch; a paused loop awaits a promise, so the
 * kernel keeps handling messages. Every command is an event in `run.events`,
 * at the number of steps completed when it was given.
 *
 * @example
 *   const run = await fit(model, { trainLoader, valLoader, optimizer, epochs: 1 });
 *   run.epochs[0].valAccuracy
 *
 *   const training = fit(model, { trainLoader, optimizer, epochs: 20 });
 *   setTimeout(() => training.run.setLearningRate(0.01), 2000);
 *   await training;   // training.run.events: [{ step: 812, kind: 'lr', from: 0.1, value: 0.01, ... }]
 */
import { Tensor } from './tensor';
import { noGrad } from './autograd';
import { ArgumentError, NonFiniteError, ShapeError, fmtShape } from './errors';
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
  /** The groups' hyperparameters: steering sets `lr`, `momentum` (or `betas[0]`) and `weightDecay` here. */
  paramGroups?: { lr: number }[];
  /** Sets a hyperparameter with the optimiser's own checks (`optim.Optimizer` has it; else the group field is set). */
  setHyperparameter?(key: string, value: unknown, groupIndex?: number): void;
  /** The optimiser's name in messages ('SGD'). */
  name?: string;
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

/**
 * Where a run is: 'running' and 'paused' while `fit` trains it; then
 * 'completed' (every epoch done), 'stopped' (by `run.stop()`), 'interrupted'
 * (by `shouldStop` or a kernel interrupt) or 'failed' (an error, e.g. a NaN loss).
 */
export type RunStatus = 'running' | 'paused' | 'stopped' | 'completed' | 'interrupted' | 'failed';

/** The statuses of a run that has ended: it can no longer be steered. */
export const FINISHED_STATUSES: readonly RunStatus[] = ['stopped', 'completed', 'interrupted', 'failed'];

export type RunEventKind = 'pause' | 'resume' | 'step' | 'stop' | 'lr' | 'momentum' | 'weightDecay';

/**
 * One steering command in a run's history. `step` is the number of
 * optimisation steps completed when it was given: a change at step s first
 * acts on step s + 1 (and a 'step' event at s ran step s + 1).
 */
export interface RunEvent {
  step: number;
  /** The epoch in progress (1-based). */
  epoch: number;
  kind: RunEventKind;
  /** The new value (hyperparameter changes). */
  value?: number;
  /** The value before (hyperparameter changes; group 0's when groups differ). */
  from?: number;
  /** Milliseconds since the run was created. */
  timeMs: number;
}

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

/**
 * This process's prefix of run ids: four random base-36 characters, so runs of
 * different kernels (and of one notebook before and after a restart) never share
 * an id, while the counter after it keeps ids short and in order: 'run-k3x9-1', 'run-k3x9-2'.
 */
export const RUN_ID_PREFIX = randomTag(4);
let runCounter = 0;

function randomTag(length: number): string {
  const bytes = new Uint8Array(length);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  // NOTE: not the seedable generator (src/random.ts): an id must not consume the numbers a seeded run draws.
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return [...bytes].map(b => (b % 36).toString(36)).join('');
}

/** Every run made in this process, in order (the notebook layer lists them). */
export const runRegistry: TrainingRun[] = [];

/** What `fit` shares with the run it trains, for steering (module-private). */
interface Steering {
  optimizer: StepOptimizer | null;
  scheduler: Scheduler | null;
  /** Batches `step()` allows while paused. */
  stepBudget: number;
  /** The epoch in progress. */
  epoch: number;
  /** Wakes a paused loop (set while it waits). */
  wake: (() => void) | null;
  /** True while `fit` trains the run. */
  active: boolean;
  /** `untilApplied()` promises, resolved at the loop's next batch boundary. */
  boundaryWaiters: (() => void)[];
}
const steerings = new WeakMap<TrainingRun, Steering>();
function steeringOf(run: TrainingRun): Steering {
  let s = steerings.get(run);
  if (!s) steerings.set(run, (s = { optimizer: null, scheduler: null, stepBudget: 0, epoch: 1, wake: null, active: false, boundaryWaiters: [] }));
  return s;
}

const HYPER_KEY = { lr: 'lr', momentum: 'momentum', weightDecay: 'weightDecay' } as const;

export class TrainingRun {
  readonly id: string;
  status: RunStatus = 'running';
  /** Loss of every optimisation step. */
  readonly stepLosses: number[] = [];
  readonly epochs: EpochRecord[] = [];
  /** Every steering command, in order (see `RunEvent`). */
  readonly events: RunEvent[] = [];
  #eventListeners = new Set<(event: RunEvent, run: TrainingRun) => void>();
  error: string | null = null;
  readonly startedAt = new Date();
  endedAt: Date | null = null;

  constructor(public name: string, public readonly hyperparameters: Record<string, unknown>, public readonly totalEpochs: number) {
    this.id = `run-${RUN_ID_PREFIX}-${++runCounter}`;
    runRegistry.push(this);
  }

  /** The run's status (the same as `status`). */
  get state(): RunStatus {
    return this.status;
  }

  /** True once the run has ended (stopped, completed, interrupted or failed). */
  get finished(): boolean {
    return FINISHED_STATUSES.includes(this.status);
  }

  /**
   * Pauses training after the current batch: `fit` waits, without blocking
   * the event loop, until `resume()`, `step()` or `stop()`. No-op if paused.
   */
  pause(): void {
    this.checkSteerable('pause()');
    if (this.status === 'paused') return;
    this.status = 'paused';
    this.record('pause');
  }

  /** Resumes a paused run. No-op if it is running. */
  resume(): void {
    this.checkSteerable('resume()');
    if (this.status !== 'paused') return;
    const s = steeringOf(this);
    s.stepBudget = 0;
    this.status = 'running';
    this.record('resume');
    s.wake?.();
  }

  /** While paused: trains exactly one more batch, then pauses again. */
  step(): void {
    this.checkSteerable('step()');
    if (this.status !== 'paused') throw new ArgumentError(`${this.label()}: step() trains one batch of a paused run, but the run is ${this.status}; pause() it first`);
    const s = steeringOf(this);
    this.record('step');
    s.stepBudget++;
    s.wake?.();
  }

  /**
   * Ends the run with status 'stopped' before the next batch: the weights are
   * those after the last completed step (a step is never cut in half).
   */
  stop(): void {
    this.checkSteerable('stop()');
    this.status = 'stopped';
    this.record('stop');
    steeringOf(this).wake?.();
  }

  /**
   * Sets the learning rate of every param group of the run's optimiser, from
   * the next step on. With an LR scheduler, the schedule is rescaled (its
   * base rates times new/old) so it goes on from the new rate.
   * @example run.setLearningRate(0.01)   // event { kind: 'lr', from: 0.1, value: 0.01 }
   */
  setLearningRate(lr: number): void {
    this.setHyperparameter('setLearningRate', 'lr', lr);
  }

  /**
   * Sets the momentum of the run's optimiser from the next step on: `momentum`
   * (SGD, RMSprop) or β₁, `betas[0]` (Adam, AdamW), as PyTorch's OneCycleLR does.
   */
  setMomentum(momentum: number): void {
    this.setHyperparameter('setMomentum', 'momentum', momentum);
  }

  /** Sets the weight decay λ of the run's optimiser from the next step on. */
  setWeightDecay(weightDecay: number): void {
    this.setHyperparameter('setWeightDecay', 'weightDecay', weightDecay);
  }

  /**
   * While `fit` trains the run: the learning rate, momentum (or β₁) and
   * weight decay of its optimiser now (param group 0's; null for one it
   * lacks). Null when no `fit` is training the run.
   * @example run.currentHyperparameters()   // { lr: 0.1, momentum: 0.9, weightDecay: 0 }
   */
  currentHyperparameters(): { lr: number | null; momentum: number | null; weightDecay: number | null } | null {
    const s = steeringOf(this);
    const g = s.active ? (s.optimizer?.paramGroups?.[0] as Record<string, unknown> | undefined) : undefined;
    if (!g) return null;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const momentum = 'momentum' in g ? num(g.momentum) : Array.isArray(g.betas) ? num(g.betas[0]) : null;
    return { lr: num(g.lr), momentum, weightDecay: num(g.weightDecay) };
  }

  /**
   * Resolves once the training loop has taken in the commands given so far,
   * at its next batch boundary: paused (and waiting), about to train a batch
   * with the new settings, or ended. At once when no `fit` is training the run.
   * @example run.pause(); await run.untilApplied();   // the loop is now waiting
   */
  untilApplied(): Promise<void> {
    const s = steeringOf(this);
    if (!s.active) return Promise.resolve();
    return new Promise((resolve) => s.boundaryWaiters.push(resolve));
  }

  private label(): string {
    return `TrainingRun '${this.name}' (${this.id})`;
  }

  private checkSteerable(what: string): void {
    if (this.finished) {
      throw new ArgumentError(`${this.label()}: cannot ${what}: the run has ended (status '${this.status}', after ${this.stepLosses.length} step(s)); start a new fit to train further`);
    }
  }

  private record(kind: RunEventKind, value?: number, from?: number): void {
    const event: RunEvent = { step: this.stepLosses.length, epoch: steeringOf(this).epoch, kind, timeMs: Date.now() - this.startedAt.getTime() };
    if (value !== undefined) event.value = value;
    if (from !== undefined) event.from = from;
    this.events.push(event);
    for (const listener of [...this.#eventListeners]) listener(event, this);
  }

  /**
   * Calls `listener` after every steering command recorded from now on (a
   * live display redraws with it). Returns a function that removes it.
   * @example const off = run.onEvent((e) => console.log(e.kind, e.step)); ... off();
   */
  onEvent(listener: (event: RunEvent, run: TrainingRun) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  private setHyperparameter(method: string, kind: 'lr' | 'momentum' | 'weightDecay', value: number): void {
    this.checkSteerable(`${method}(${String(value)})`);
    const s = steeringOf(this);
    const opt = s.optimizer;
    if (!opt) throw new ArgumentError(`${this.label()}: ${method}(${String(value)}): the run has no optimiser yet; steer it while fit(model, { run, optimizer, ... }) trains it`);
    const optName = opt.name ?? opt.constructor?.name ?? 'optimizer';
    const where = `${this.label()}: ${method}(${String(value)}) on optimizer ${optName}`;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ArgumentError(`${where}: ${kind} must be a finite number ≥ 0, got ${String(value)}`);
    }
    const groups = (opt.paramGroups ?? []) as unknown as Record<string, unknown>[];
    if (groups.length === 0) throw new ArgumentError(`${where}: the optimizer has no paramGroups to set ${kind} in`);
    let key: string = HYPER_KEY[kind];
    if (kind === 'momentum' && !('momentum' in groups[0]) && Array.isArray(groups[0].betas)) key = 'betas';
    if (!(key in groups[0])) {
      const what = kind === 'momentum' ? "no momentum (no 'momentum' or 'betas' hyperparameter)" : kind === 'weightDecay' ? "no weight decay (no 'weightDecay' hyperparameter)" : 'no learning rate';
      throw new ArgumentError(`${where}: ${optName} has ${what}; its hyperparameters are ${Object.keys(groups[0]).filter((k) => k !== 'params').join(', ')}`);
    }
    const current = (g: Record<string, unknown>) => (key === 'betas' ? (g.betas as number[])[0] : (g[key] as number));
    const from = current(groups[0]);
    if (groups.every((g) => current(g) === value)) return;
    if (kind === 'lr' && s.scheduler) this.rescaleSchedule(s.scheduler, groups, value, where);
    try {
      groups.forEach((g, gi) => {
        const next = key === 'betas' ? [value, (g.betas as number[])[1]] : value;
        if (opt.setHyperparameter) opt.setHyperparameter(key, next, gi);
        else g[key] = next;
      });
    } catch (err) {
      throw new ArgumentError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.record(kind, value, from);
    // NOTE: a paused loop takes the change in at once (untilApplied resolves), then waits again.
    s.wake?.();
  }

  private rescaleSchedule(scheduler: Scheduler, groups: Record<string, unknown>[], lr: number, where: string): void {
    const base = (scheduler as { baseLrs?: unknown }).baseLrs;
    const name = (scheduler as { name?: string }).name ?? scheduler.constructor?.name ?? 'scheduler';
    if (!Array.isArray(base) || base.length !== groups.length) {
      throw new ArgumentError(`${where}: the learning rate is set by the scheduler ${name} at each of its steps, and it has no baseLrs to rescale; train without a scheduler to steer the rate`);
    }
    const zero = groups.findIndex((g) => !((g.lr as number) > 0));
    if (zero >= 0) throw new ArgumentError(`${where}: the scheduler ${name} has set the rate of param group ${zero} to 0, so its schedule cannot be rescaled to ${lr}`);
    groups.forEach((g, i) => (base[i] = (base[i] as number) * (lr / (g.lr as number))));
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
      totalEpochs: this.totalEpochs, epochs: this.epochs, stepLosses: this.stepLosses, events: this.events, error: this.error,
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
  /**
   * Give the event loop a turn (setImmediate) between batches at least this
   * often, in ms (default 0: between every two batches, so a steering message
   * is handled within one batch).
   */
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

/** What `fit` returns: the promise of the run, with the run itself to steer while it trains. */
export type FitPromise = Promise<TrainingRun> & { readonly run: TrainingRun };

/** How often a paused loop looks at its stop sources (kernel interrupts), in ms. */
const PAUSE_POLL_MS = 100;

/** Resolves on the next steering command, or after `ms`. */
function nextCommand(steering: Steering, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      if (steering.wake === done) steering.wake = null;
      resolve();
    };
    const timer = setTimeout(done, ms);
    steering.wake = done;
  });
}

/**
 * Trains `model` for `epochs` passes over `trainLoader`: forward, loss,
 * backward, step, with the loss of every step recorded and checked. Resolves
 * to the run (completed, stopped by `run.stop()`, interrupted by
 * `shouldStop`, or failed); the returned promise also carries the run, to
 * steer it while it trains (see the file comment).
 */
export function fit(model: Trainable, opts: FitOptions): FitPromise {
  const epochs = opts.epochs ?? 1;
  const lr0 = opts.optimizer?.paramGroups?.[0]?.lr ?? null;
  const run = opts.run ?? new TrainingRun(opts.name ?? `run ${runCounter + 1}`, { epochs, lr: lr0, ...opts.hyperparameters }, epochs);
  return Object.assign(train(model, opts, run, epochs), { run });
}

async function train(model: Trainable, opts: FitOptions, run: TrainingRun, epochs: number): Promise<TrainingRun> {
  const lossFn = opts.lossFn ?? crossEntropy;
  const batchesPerEpoch = Math.min(opts.trainLoader.length ?? Infinity, opts.maxBatchesPerEpoch ?? Infinity);
  const yieldEvery = opts.yieldEveryMs ?? 0;
  const steering = steeringOf(run);
  if (run.finished) {
    // NOTE: a run passed in again goes on training (its history continues).
    run.status = 'running';
    run.endedAt = null;
  }
  steering.optimizer = opts.optimizer;
  steering.scheduler = opts.scheduler ?? null;
  steering.stepBudget = 0;
  steering.active = true;
  const atBoundary = () => {
    for (const resolve of steering.boundaryWaiters.splice(0)) resolve();
  };
  const external = [...stopSources].map((source) => source.begin(model));
  const shouldStop = () => (opts.shouldStop?.() ?? false) || external.some((e) => e.shouldStop());
  const start = performance.now();
  let lastYield = start, samplesSeen = 0, step = 0, pausedMs = 0;
  /** Between two batches: yield, apply a pause (waiting for a command), report whether to train the next batch. */
  const proceed = async (): Promise<boolean> => {
    if (performance.now() - lastYield >= yieldEvery) {
      await tick();
      lastYield = performance.now();
    }
    for (;;) {
      if (run.status === 'stopped' || run.status === 'interrupted') return false;
      if (shouldStop()) {
        run.status = 'interrupted';
        return false;
      }
      const train = run.status !== 'paused' || steering.stepBudget > 0;
      if (run.status === 'paused' && train) steering.stepBudget--;
      atBoundary();
      if (train) return true;
      const t0 = performance.now();
      await nextCommand(steering, PAUSE_POLL_MS);
      pausedMs += performance.now() - t0;
      lastYield = performance.now();
    }
  };
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      steering.epoch = epoch;
      model.train();
      const epochStart = performance.now(), pausedAtEpochStart = pausedMs;
      let lossSum = 0, correct = 0, count = 0, classify = true, batch = 0, ended = false;
      for (const pair of opts.trainLoader) {
        if (batch >= batchesPerEpoch) break;
        if (!(await proceed())) {
          ended = true;
          break;
        }
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
        const trainMs = now - start - pausedMs;
        opts.onBatchEnd?.({
          epoch, batch, batchesPerEpoch: Number.isFinite(batchesPerEpoch) ? batchesPerEpoch : NaN, step, loss: value,
          samplesSeen, samplesPerSec: samplesSeen / (trainMs / 1000), elapsedSec: trainMs / 1000,
        }, run);
      }
      // NOTE: a run stopped between epochs has no batch in this one: no record for it.
      if (ended && count === 0) break;
      const seconds = (performance.now() - epochStart - (pausedMs - pausedAtEpochStart)) / 1000;
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
      if (ended) break;
    }
    if (run.status === 'running' || run.status === 'paused') run.status = 'completed';
  } catch (err) {
    run.status = 'failed';
    run.error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    for (const e of external) e.end();
    steering.optimizer = null;
    steering.scheduler = null;
    steering.wake = null;
    steering.active = false;
    run.endedAt = new Date();
    atBoundary();
    model.eval();
  }
  return run;
}
