/**
 * Learning-rate schedulers, as `torch.optim.lr_scheduler`: each sets
 * `group.lr` of an optimiser's param groups from the group's initial rate
 * η₀ and the number of `step()` calls t (epochs or iterations, your choice).
 *
 * Each schedule is a closed form of t (listed on each class), so the rate
 * does not depend on what was in `group.lr` before: a rate set by hand is
 * overwritten at the next `step()`. To chain schedules (warm-up, then cosine)
 * use `SequentialLR`. Like PyTorch, constructing a scheduler already sets the
 * rate for t = 0, and the first scheduler on an optimiser records each group's
 * `initialLr` (later ones start from it).
 *
 * @example
 *   const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 *   const sched = new optim.CosineAnnealingLR(opt, 100);
 *   for (let epoch = 0; epoch < 100; epoch++) { trainOneEpoch(opt); sched.step(); }
 */
import { ArgumentError } from '../errors';

/** What a scheduler needs of an optimiser: its groups' learning rates. */
export interface SchedulableOptimizer {
  paramGroups: Array<{ lr: number; initialLr?: number }>;
}

export interface SchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
}

export abstract class LRScheduler {
  readonly optimizer: SchedulableOptimizer;
  /** η₀ of each group (its `initialLr`). */
  readonly baseLrs: number[];
  /** t: the number of `step()` calls so far (0 right after construction). */
  lastEpoch = -1;
  private lastLrs: number[] = [];

  protected constructor(readonly name: string, optimizer: SchedulableOptimizer) {
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) {
      throw new ArgumentError(`${name}: expected an optimiser (with paramGroups), got ${String(optimizer)}`);
    }
    this.optimizer = optimizer;
    for (const group of optimizer.paramGroups) if (group.initialLr === undefined) group.initialLr = group.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** The learning rate of group `groupIndex` at step t, given its initial rate η₀ (the closed form). */
  abstract lrAt(t: number, baseLr: number, groupIndex: number): number;

  /** Subclasses call this at the end of their constructor: sets the rates for t = 0. */
  protected start(): void {
    this.step();
  }

  /** Advances t by one and sets every group's `lr`. */
  step(): void {
    this.lastEpoch++;
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new ArgumentError(`${this.name}: the optimiser has ${groups.length} param groups, the scheduler was built for ${this.baseLrs.length}`);
    }
    for (let i = 0; i < groups.length; i++) groups[i].lr = this.lrAt(this.lastEpoch, this.baseLrs[i], i);
    this.lastLrs = groups.map((g) => g.lr);
  }

  /** The rates set by the last `step()` (or the constructor), one per group. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores t and η₀, and sets the groups' rates for that t. */
  loadStateDict(state: SchedulerStateDict): void {
    if (!state || !Number.isInteger(state.lastEpoch) || !Array.isArray(state.baseLrs) || state.baseLrs.length !== this.baseLrs.length) {
      throw new ArgumentError(`${this.name}.loadStateDict: expected {lastEpoch, baseLrs} with ${this.baseLrs.length} rates, got ${JSON.stringify(state)}`);
    }
    this.baseLrs.splice(0, this.baseLrs.length, ...state.baseLrs);
    this.lastEpoch = state.lastEpoch - 1;
    this.step();
  }
}

function checkPositiveInt(name: string, key: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ArgumentError(`${name}: ${key} must be a positive integer, got ${String(value)}`);
  }
}

function checkPositive(name: string, key: string, value: unknown): void {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new ArgumentError(`${name}: ${key} must be a finite number > 0, got ${String(value)}`);
  }
}

/**
 * Decays by γ every `stepSize` steps: η = η₀ · γ^⌊t / stepSize⌋.
 * @example new optim.StepLR(opt, 30, 0.1) // ×0.1 at t = 30, 60, ...
 */
export class StepLR extends LRScheduler {
  constructor(optimizer: SchedulableOptimizer, readonly stepSize: number, readonly gamma = 0.1) {
    super('StepLR', optimizer);
    checkPositiveInt(this.name, 'stepSize', stepSize);
    checkPositive(this.name, 'gamma', gamma);
    this.start();
  }
  lrAt(t: number, baseLr: number): number {
    return baseLr * this.gamma ** Math.floor(t / this.stepSize);
  }
}

/**
 * Decays by γ at each milestone: η = η₀ · γ^(number of milestones ≤ t).
 * @example new optim.MultiStepLR(opt, [30, 80], 0.1)
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  constructor(optimizer: SchedulableOptimizer, milestones: number[], readonly gamma = 0.1) {
    super('MultiStepLR', optimizer);
    if (!Array.isArray(milestones) || milestones.some((m) => !Number.isInteger(m) || m < 0)) {
      throw new ArgumentError(`${this.name}: milestones must be an array of non-negative integers, got ${JSON.stringify(milestones)}`);
    }
    checkPositive(this.name, 'gamma', gamma);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.start();
  }
  lrAt(t: number, baseLr: number): number {
    let passed = 0;
    for (const m of this.milestones) if (m <= t) passed++;
    return baseLr * this.gamma ** passed;
  }
}

/**
 * Decays by γ every step: η = η₀ · γᵗ.
 * @example new optim.ExponentialLR(opt, 0.95)
 */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: SchedulableOptimizer, readonly gamma: number) {
    super('ExponentialLR', optimizer);
    checkPositive(this.name, 'gamma', gamma);
    this.start();
  }
  lrAt(t: number, baseLr: number): number {
    return baseLr * this.gamma ** t;
  }
}

/**
 * Cosine annealing (SGDR without restarts), the closed form of
 * `torch.optim.lr_scheduler.CosineAnnealingLR`:
 * η = η_min + (η₀ − η_min)(1 + cos(π t / T_max)) / 2.
 * It reaches η_min at t = T_max (and, as in PyTorch, rises again after).
 * @example new optim.CosineAnnealingLR(opt, 100, 1e-5)
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: SchedulableOptimizer, readonly tMax: number, readonly etaMin = 0) {
    super('CosineAnnealingLR', optimizer);
    checkPositive(this.name, 'tMax', tMax);
    if (typeof etaMin !== 'number' || !(etaMin >= 0) || !Number.isFinite(etaMin)) {
      throw new ArgumentError(`${this.name}: etaMin must be a finite number ≥ 0, got ${String(etaMin)}`);
    }
    this.start();
  }
  lrAt(t: number, baseLr: number): number {
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/**
 * Linear ramp of the factor from `startFactor` to `endFactor` over `totalIters`
 * steps, then constant (a linear warm-up with the defaults of PyTorch's LinearLR):
 * η = η₀ · (s + (e − s) · min(t, T) / T).
 * @example new optim.LinearLR(opt, 0.01, 1, 500) // warm up over 500 iterations
 */
export class LinearLR extends LRScheduler {
  constructor(optimizer: SchedulableOptimizer, readonly startFactor = 1 / 3, readonly endFactor = 1, readonly totalIters = 5) {
    super('LinearLR', optimizer);
    if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) {
      throw new ArgumentError(`${this.name}: startFactor must be in (0, 1], got ${String(startFactor)}`);
    }
    if (typeof endFactor !== 'number' || !(endFactor >= 0 && endFactor <= 1)) {
      throw new ArgumentError(`${this.name}: endFactor must be in [0, 1], got ${String(endFactor)}`);
    }
    checkPositiveInt(this.name, 'totalIters', totalIters);
    this.start();
  }
  lrAt(t: number, baseLr: number): number {
    return baseLr * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(t, this.totalIters)) / this.totalIters);
  }
}

/**
 * A linear warm-up from 0: η = η₀ · min(1, (t + 1) / warmupSteps), so the
 * first step already moves and the full rate is reached at t = warmupSteps − 1.
 * This is `LambdaLR(opt, t => Math.min(1, (t + 1) / warmupSteps))`.
 * @example new optim.LinearWarmup(opt, 1000)
 */
export class LinearWarmup extends LRScheduler {
  constructor(optimizer: SchedulableOptimizer, readonly warmupSteps: number) {
    super('LinearWarmup', optimizer);
    checkPositiveInt(this.name, 'warmupSteps', warmupSteps);
    this.start();
  }
  lrAt(t: number, baseLr: number): number {
    return baseLr * Math.min(1, (t + 1) / this.warmupSteps);
  }
}

/**
 * η = η₀ · f(t), with one function for all groups or one per group.
 * @example new optim.LambdaLR(opt, (t) => 1 / (1 + 0.1 * t))
 */
export class LambdaLR extends LRScheduler {
  private readonly fns: Array<(t: number) => number>;
  constructor(optimizer: SchedulableOptimizer, lrLambda: ((t: number) => number) | Array<(t: number) => number>) {
    super('LambdaLR', optimizer);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n) throw new ArgumentError(`${this.name}: expected ${n} functions (one per param group), got ${lrLambda.length}`);
      this.fns = [...lrLambda];
    } else {
      this.fns = new Array(n).fill(lrLambda);
    }
    if (this.fns.some((f) => typeof f !== 'function')) throw new ArgumentError(`${this.name}: lrLambda must be a function or an array of functions`);
    this.start();
  }
  lrAt(t: number, baseLr: number, groupIndex: number): number {
    const factor = this.fns[groupIndex](t);
    if (typeof factor !== 'number' || Number.isNaN(factor)) {
      throw new ArgumentError(`${this.name}: the function for param group ${groupIndex} returned ${String(factor)} at t = ${t}`);
    }
    return baseLr * factor;
  }
}

/**
 * Runs schedulers one after another: scheduler i takes over at milestone i−1
 * and counts its own t from there, as `torch.optim.lr_scheduler.SequentialLR`.
 * The schedulers must be built on the same optimiser.
 * @example
 *   new optim.SequentialLR(opt, [new optim.LinearLR(opt, 0.1, 1, 5), new optim.CosineAnnealingLR(opt, 95)], [5]);
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];
  constructor(optimizer: SchedulableOptimizer, schedulers: LRScheduler[], milestones: number[]) {
    super('SequentialLR', optimizer);
    if (!Array.isArray(schedulers) || schedulers.length === 0 || schedulers.some((s) => !(s instanceof LRScheduler))) {
      throw new ArgumentError(`${this.name}: expected a non-empty array of schedulers`);
    }
    if (schedulers.some((s) => s.optimizer !== optimizer)) {
      throw new ArgumentError(`${this.name}: every scheduler must be built on the optimiser given to SequentialLR`);
    }
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new ArgumentError(`${this.name}: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${JSON.stringify(milestones)}`);
    }
    if (milestones.some((m, i) => !Number.isInteger(m) || m < 1 || (i > 0 && m <= milestones[i - 1]))) {
      throw new ArgumentError(`${this.name}: milestones must be increasing positive integers, got ${JSON.stringify(milestones)}`);
    }
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.start();
  }
  lrAt(t: number, baseLr: number, groupIndex: number): number {
    let k = 0;
    while (k < this.milestones.length && this.milestones[k] <= t) k++;
    return this.schedulers[k].lrAt(k === 0 ? t : t - this.milestones[k - 1], baseLr, groupIndex);
  }
}
