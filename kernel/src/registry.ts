/**
 * Kernel-wide state of the notebook layer: what the query entry point can
 * see (the notebook's variables, the last input each model saw, the live
 * state of runs) and the interrupt counter the kernel launcher bumps on
 * SIGINT. Kept on `globalThis` under `Symbol.for` keys, so every copy of this
 * module in the process (the launcher's and a notebook's) shares it.
 */
import type { Tensor } from '../../src/tensor';
import type { TrainingRun } from '../../src/train';
import { addStopSource } from '../../src/train';
import type { RunProgress } from '../protocol';

/** What the live display knows about a run beyond `TrainingRun`. */
export interface LiveRunState {
  progress: RunProgress | null;
  stepsPerEpoch: number | null;
  updates: number;
  displayMs: number;
  startedMs: number;
  endedMs: number | null;
}

export interface InterruptState {
  /** SIGINTs received so far. */
  count: number;
  /** Trainings in progress that stop gracefully on an interrupt. */
  activeTrainings: number;
  /** An interrupt arrived during training and is being honoured at the next batch boundary. */
  gracefulPending: boolean;
}

interface KernelState {
  locals: (() => Record<string, unknown>) | null;
  lastInputs: WeakMap<object, Tensor>;
  /** When each model last trained (ms since the epoch): set as a `fit` starts and ends. */
  trainedAt: WeakMap<object, number>;
  liveRuns: WeakMap<TrainingRun, LiveRunState>;
  tracked: Map<string, object>;
  interrupts: InterruptState;
}

const KEY = Symbol.for('nnlab.kernel.state');

export function kernelState(): KernelState {
  const g = globalThis as unknown as Record<symbol, KernelState | undefined>;
  return (g[KEY] ??= {
    locals: null, lastInputs: new WeakMap(), trainedAt: new WeakMap(), liveRuns: new WeakMap(), tracked: new Map(),
    interrupts: { count: 0, activeTrainings: 0, gracefulPending: false },
  });
}

/** The kernel launcher registers the notebook's variables (tslab's executor locals). */
export function setLocalsProvider(provider: (() => Record<string, unknown>) | null): void {
  kernelState().locals = provider;
}

/** The notebook's variables, plus objects registered with `track`. */
export function notebookVariables(): [string, unknown][] {
  const state = kernelState();
  const out = new Map<string, unknown>();
  if (state.locals) for (const [k, v] of Object.entries(state.locals())) out.set(k, v);
  for (const [k, v] of state.tracked) if (!out.has(k)) out.set(k, v);
  return [...out];
}

/**
 * Makes `value` visible to the extension's queries under `name` (variables
 * of the notebook are visible without this).
 * @example track('teacher', model)
 */
export function track(name: string, value: object): void {
  kernelState().tracked.set(name, value);
}

export function rememberInput(model: object, input: Tensor): void {
  kernelState().lastInputs.set(model, input);
}

export function lastInput(model: object): Tensor | null {
  return kernelState().lastInputs.get(model) ?? null;
}

/** When `model` last trained in a `fit` of this kernel (ms since the epoch), or null. */
export function lastTrainedAt(model: object): number | null {
  return kernelState().trainedAt.get(model) ?? null;
}

export function liveRunState(run: TrainingRun): LiveRunState | null {
  return kernelState().liveRuns.get(run) ?? null;
}

export function setLiveRunState(run: TrainingRun, state: LiveRunState): void {
  kernelState().liveRuns.set(run, state);
}

export function interruptState(): InterruptState {
  return kernelState().interrupts;
}

/**
 * Called by the kernel on SIGINT. Returns 'graceful' when a training is in
 * progress (it stops after the current batch; the cell ends normally), else
 * 'abort' (the kernel interrupts the cell).
 */
export function requestInterrupt(): 'graceful' | 'abort' {
  const s = interruptState();
  s.count++;
  if (s.activeTrainings > 0 && !s.gracefulPending) {
    s.gracefulPending = true;
    return 'graceful';
  }
  return 'abort';
}

let stopSourceAdded = false;

/** Makes every `fit` stop after the current batch on a kernel interrupt (a stop source of the core's loop). */
export function makeFitInterruptible(): void {
  if (!stopSourceAdded) addStopSource({ begin: beginTraining });
  stopSourceAdded = true;
}

/** A stop test for one training: true once an interrupt arrives after it started. Notes when `model` trained. */
export function beginTraining(model?: object): { shouldStop: () => boolean; end: () => void } {
  const s = interruptState();
  const trainedAt = kernelState().trainedAt;
  if (model) trainedAt.set(model, Date.now());
  const start = s.count;
  s.activeTrainings++;
  let ended = false;
  return {
    shouldStop: () => s.count > start,
    end: () => {
      if (ended) return;
      ended = true;
      if (model) trainedAt.set(model, Date.now());
      s.activeTrainings = Math.max(0, s.activeTrainings - 1);
      if (s.activeTrainings === 0) s.gracefulPending = false;
    },
  };
}
