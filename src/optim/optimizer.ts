/**
 * The optimiser base class, as in `torch.optim.Optimizer`.
 *
 * An optimiser holds parameter groups: each group is a list of parameters
 * (leaf tensors) plus its own hyperparameters, filled in from the optimiser's
 * defaults. `step()` updates every parameter that requires grad and has a
 * `.grad`, in place in its `.data` buffer; `zeroGrad()` sets the gradients to
 * null before the next backward. Per-parameter state (momentum buffers, Adam's
 * moments...) lives in `state`, a Map keyed by the parameter tensor.
 *
 * @example
 *   const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 *   // Per-layer learning rates (fine-tuning): groups override the defaults.
 *   new optim.Adam([{ params: body.parameters(), lr: 1e-4 }, { params: head.parameters() }], { lr: 1e-3 });
 */
import { Tensor, allocate, isTensor, type Storage } from '../tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';

export type FloatStorage = Float32Array | Float64Array;
/** One entry of a parameter's state: a step count, a buffer shaped like the parameter, or null (not yet created). */
export type StateValue = number | FloatStorage | null;
export type ParamState = Record<string, StateValue>;

/** Every optimiser has a learning rate. */
export interface OptimizerOptions {
  lr: number;
}

/**
 * A parameter group: the parameters and the hyperparameters used for them.
 * Hyperparameters may be changed between steps (`group.lr = 0.01`); that is
 * what the LR schedulers do. `initialLr` is set by the first scheduler.
 */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O & { params: Tensor[]; initialLr?: number };
/** A group as passed to a constructor: any hyperparameter left out takes the optimiser's default. */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & { params: Iterable<Tensor>; initialLr?: number };
/** What an optimiser is built from: parameters, or parameter groups. */
export type ParamsInput<O extends OptimizerOptions = OptimizerOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Plain-data optimiser state (JSON-friendly), as `torch.optim.Optimizer.state_dict()`: parameters by index. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, number | number[] | null>>;
  paramGroups: Array<{ params: number[]; [hyperparameter: string]: unknown }>;
}

export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions, S extends ParamState = ParamState> {
  /** The optimiser's name in messages ('SGD', 'Adam'...). */
  readonly name: string;
  /** Hyperparameters a group gets when it does not set them. */
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created at a parameter's first update. */
  readonly state = new Map<Tensor, S>();

  protected constructor(name: string, params: ParamsInput<O>, defaults: O, options: Partial<O>) {
    this.name = name;
    checkKeys(name, 'option', options as object, defaults as object);
    const merged = { ...defaults } as Record<string, unknown>;
    for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = copyValue(value);
    this.defaults = merged as unknown as O;

    if (isTensor(params)) {
      throw new ArgumentError(`${name}: expected an array of parameters or of param groups, got a single Tensor of shape ${fmtShape(params.shape)}; wrap it: [tensor]`);
    }
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      const hint = params !== null && typeof params === 'object' && 'parameters' in params ? ' (for a module, pass module.parameters())' : '';
      throw new ArgumentError(`${name}: expected an array of parameters or of param groups, got ${describe(params)}${hint}`);
    }
    const entries = Array.from(params as Iterable<unknown>);
    if (entries.length === 0) throw new ArgumentError(`${name}: got an empty parameter list`);
    if (entries.every((e) => isTensor(e))) {
      this.addGroup({ params: entries as Tensor[] } as unknown as ParamGroupInput<O>, '');
    } else if (entries.every((e) => e !== null && typeof e === 'object' && !isTensor(e) && 'params' in e)) {
      for (const group of entries as ParamGroupInput<O>[]) this.addParamGroup(group);
    } else {
      const bad = entries.findIndex((e) => !isTensor(e));
      throw new ArgumentError(`${name}: expected all entries to be Tensors or all to be param groups {params, ...}; entry ${bad} is ${describe(entries[bad])}`);
    }
  }

  /** Checks a group's hyperparameters (called for every group, with ` (param group i)` or '' as `where`). */
  protected abstract validate(group: ParamGroup<O>, where: string): void;
  /** The state of a parameter before its first update. */
  protected abstract initState(param: Tensor, group: ParamGroup<O>): S;
  /**
   * Updates `n` values of a parameter in place: `param[paramOffset + i]`, with
   * gradient `grad[gradOffset + i]`.
   */
  protected abstract update(
    param: FloatStorage, paramOffset: number, grad: Storage, gradOffset: number, n: number, state: S, group: ParamGroup<O>, dtype: 'float32' | 'float64',
  ): void;

  /** Adds a group (e.g. layers unfrozen during fine-tuning); missing hyperparameters take the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    this.addGroup(group, ` (param group ${this.paramGroups.length})`);
  }

  private addGroup(input: ParamGroupInput<O>, where: string): void {
    if (input === null || typeof input !== 'object' || !('params' in input)) {
      throw new ArgumentError(`${this.name}: a param group must be an object {params, ...}, got ${describe(input)}${where}`);
    }
    checkKeys(this.name, `param group ${this.paramGroups.length} key`, input, this.defaults as object, ['params', 'initialLr']);
    const raw = input.params as unknown;
    if (isTensor(raw)) throw new ArgumentError(`${this.name}: params of a group must be an array of Tensors, got a single Tensor${where}; wrap it: [tensor]`);
    if (raw === null || typeof raw !== 'object' || typeof (raw as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(`${this.name}: params of a group must be an array of Tensors, got ${describe(raw)}${where}`);
    }
    const params = Array.from(raw as Iterable<unknown>);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!isTensor(p)) throw new ArgumentError(`${this.name}: parameter ${i}${where} is not a Tensor (got ${describe(p)})`);
      if (p.dtype !== 'float32' && p.dtype !== 'float64') {
        throw new DTypeError(`${this.name}: parameter ${i}${where} of shape ${fmtShape(p.shape)} has dtype ${p.dtype}; only float32 and float64 tensors can be optimised`);
      }
      if (!p.isLeaf) throw new ArgumentError(`${this.name}: parameter ${i}${where} of shape ${fmtShape(p.shape)} is not a leaf tensor; optimise x.detach().requiresGrad_() instead`);
      if (!p.isContiguous()) throw new ArgumentError(`${this.name}: parameter ${i}${where} of shape ${fmtShape(p.shape)} is not contiguous; optimise x.contiguous() instead`);
      if (seen.has(p)) throw new ArgumentError(`${this.name}: parameter ${i}${where} of shape ${fmtShape(p.shape)} appears more than once in the optimiser`);
      seen.add(p);
    });
    const group: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.defaults)) {
      const given = (input as Record<string, unknown>)[key];
      group[key] = copyValue(given !== undefined ? given : value);
    }
    group.params = params;
    if (input.initialLr !== undefined) group.initialLr = input.initialLr;
    const typed = group as unknown as ParamGroup<O>;
    this.checkGroup(typed, where);
    this.paramGroups.push(typed);
  }

  private checkGroup(group: ParamGroup<O>, where: string): void {
    if (group.lr === undefined) {
      throw new ArgumentError(`${this.name}: a learning rate is required: pass {lr} in the options or in every param group${where}`);
    }
    checkNonNegative(this.name, 'lr', group.lr, where);
    this.validate(group, where);
  }

  /**
   * Sets hyperparameter `key` to `value` between steps (in every param group,
   * or only in group `groupIndex`), checked as the constructor checks it: if a
   * group would reject the value, no group changes. Training runs steer their
   * optimiser through this (`run.setMomentum(0.5)`).
   * @example opt.setHyperparameter('lr', 0.01); opt.setHyperparameter('weightDecay', 1e-4, 1)
   */
  setHyperparameter(key: string, value: unknown, groupIndex?: number): void {
    if (key === 'params' || !(key in this.defaults)) {
      throw new ArgumentError(`${this.name}: unknown hyperparameter '${key}' (expected ${Object.keys(this.defaults).join(', ')})`);
    }
    if (groupIndex !== undefined && !(Number.isInteger(groupIndex) && groupIndex >= 0 && groupIndex < this.paramGroups.length)) {
      throw new ArgumentError(`${this.name}: no param group ${groupIndex} (the optimiser has ${this.paramGroups.length})`);
    }
    const targets = groupIndex === undefined ? this.paramGroups.map((_, i) => i) : [groupIndex];
    for (const gi of targets) {
      const trial = { ...this.paramGroups[gi], [key]: copyValue(value) } as ParamGroup<O>;
      this.checkGroup(trial, this.paramGroups.length > 1 ? ` (param group ${gi})` : '');
    }
    for (const gi of targets) (this.paramGroups[gi] as unknown as Record<string, unknown>)[key] = copyValue(value);
  }

  /** Sets the gradient of every parameter to null (call before each backward). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  /**
   * One update of every parameter that requires grad and has a gradient;
   * the others are skipped. With a closure, calls it first (it should zero the
   * grads, compute the loss and call backward) and returns its result.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure ? closure() : undefined;
    for (let gi = 0; gi < this.paramGroups.length; gi++) {
      const group = this.paramGroups[gi];
      for (let pi = 0; pi < group.params.length; pi++) {
        const p = group.params[pi];
        const grad = p.grad;
        if (!p.requiresGrad || grad === null) continue;
        if (grad.size !== p.size || grad.ndim !== p.ndim || grad.shape.some((d, k) => d !== p.shape[k])) {
          throw new ShapeError(`${this.name}: gradient of shape ${fmtShape(grad.shape)} for parameter ${pi} (param group ${gi}) of shape ${fmtShape(p.shape)}`);
        }
        let state = this.state.get(p);
        if (state === undefined) {
          state = this.initState(p, group);
          this.state.set(p, state);
        }
        const contiguous = grad.isContiguous();
        const g = contiguous ? grad.data : grad.values();
        this.update(p.data as FloatStorage, p.offset, g, contiguous ? grad.offset : 0, p.size, state, group, p.dtype as 'float32' | 'float64');
      }
    }
    return loss;
  }

  /** The optimiser state as plain data: parameters are numbered in group order. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...hyper } = group;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(hyper)) out[key] = copyValue(value);
      out.params = params.map((p) => {
        index.set(p, index.size);
        return index.size - 1;
      });
      return out as OptimizerStateDict['paramGroups'][number];
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: Record<string, number | number[] | null> = {};
      for (const [key, value] of Object.entries(s)) entry[key] = value === null || typeof value === 'number' ? value : Array.from(value);
      state[i] = entry;
    }
    return { state, paramGroups };
  }

  /** Restores hyperparameters and state saved by `stateDict()` of an optimiser of the same kind over same-shaped parameters. */
  loadStateDict(dict: OptimizerStateDict): void {
    const groups = dict?.paramGroups;
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new ArgumentError(`${this.name}.loadStateDict: the state has ${Array.isArray(groups) ? groups.length : 'no'} param groups, the optimiser has ${this.paramGroups.length}`);
    }
    const flat: [Tensor, ParamGroup<O>][] = [];
    const updated = groups.map((saved, gi) => {
      const group = this.paramGroups[gi];
      if (!Array.isArray(saved.params) || saved.params.length !== group.params.length) {
        throw new ArgumentError(`${this.name}.loadStateDict: param group ${gi} has ${saved.params?.length} parameters in the state, ${group.params.length} in the optimiser`);
      }
      checkKeys(`${this.name}.loadStateDict`, `param group ${gi} key`, saved, this.defaults as object, ['params', 'initialLr']);
      const next: Record<string, unknown> = { ...(group as object) };
      for (const [key, value] of Object.entries(saved)) if (key !== 'params') next[key] = copyValue(value);
      const typed = next as unknown as ParamGroup<O>;
      this.checkGroup(typed, ` (param group ${gi})`);
      for (const p of group.params) flat.push([p, typed]);
      return typed;
    });
    const state = new Map<Tensor, S>();
    for (const [key, saved] of Object.entries(dict.state ?? {})) {
      const i = Number(key);
      if (!Number.isInteger(i) || i < 0 || i >= flat.length) {
        throw new ArgumentError(`${this.name}.loadStateDict: state for parameter ${key}, but the optimiser has ${flat.length} parameters`);
      }
      const [p, group] = flat[i];
      const template = this.initState(p, group) as Record<string, StateValue>;
      const restored: Record<string, StateValue> = {};
      for (const name of Object.keys(saved)) {
        if (!(name in template)) throw new ArgumentError(`${this.name}.loadStateDict: unknown state '${name}' for parameter ${i} (expected ${Object.keys(template).join(', ')})`);
      }
      for (const [name, like] of Object.entries(template)) {
        const value = saved[name];
        if (typeof like === 'number') {
          if (typeof value !== 'number') throw new ArgumentError(`${this.name}.loadStateDict: state '${name}' of parameter ${i} should be a number, got ${describe(value)}`);
          restored[name] = value;
        } else if (value === null || value === undefined) {
          if (like !== null) throw new ArgumentError(`${this.name}.loadStateDict: state '${name}' of parameter ${i} is missing`);
          restored[name] = null;
        } else {
          if (!Array.isArray(value) || value.length !== p.size) {
            throw new ArgumentError(`${this.name}.loadStateDict: state '${name}' of parameter ${i} (shape ${fmtShape(p.shape)}) should have ${p.size} values, got ${describe(value)}`);
          }
          const buf = allocate(p.dtype, p.size) as FloatStorage;
          buf.set(value);
          restored[name] = buf;
        }
      }
      state.set(p, restored as S);
    }
    updated.forEach((group, gi) => (this.paramGroups[gi] = group));
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }

  /** `SGD(lr=0.1, momentum=0.9, ...) over 4 parameters`, one line per group when there are several. */
  toString(): string {
    const show = (g: ParamGroup<O>) => {
      const hyper = Object.entries(g).filter(([k]) => k !== 'params').map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(', ')}]` : v}`);
      return `(${hyper.join(', ')}) over ${g.params.length} parameter${g.params.length === 1 ? '' : 's'}`;
    };
    if (this.paramGroups.length === 1) return `${this.name}${show(this.paramGroups[0])}`;
    return `${this.name}\n${this.paramGroups.map((g, i) => `  group ${i}: ${show(g)}`).join('\n')}`;
  }
}

function copyValue<T>(value: T): T {
  return (Array.isArray(value) ? [...value] : value) as T;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (isTensor(x)) return `a Tensor of shape ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'object') return `an object of type ${(x as object).constructor?.name ?? 'Object'}`;
  return `${typeof x} ${String(x)}`;
}

function checkKeys(name: string, what: string, given: object, known: object, extra: string[] = []): void {
  for (const key of Object.keys(given)) {
    if (!(key in known) && !extra.includes(key)) {
      throw new ArgumentError(`${name}: unknown ${what} '${key}' (known: ${[...extra, ...Object.keys(known)].join(', ')})`);
    }
  }
}

/** Throws unless `value` is a finite number ≥ 0. */
export function checkNonNegative(name: string, key: string, value: unknown, where = ''): void {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new ArgumentError(`${name}: ${key} must be a finite number ≥ 0, got ${String(value)}${where}`);
  }
}

/** Throws unless `value` is in [0, 1). */
export function checkUnitInterval(name: string, key: string, value: unknown, where = ''): void {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new ArgumentError(`${name}: ${key} must be in [0, 1), got ${String(value)}${where}`);
  }
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(name: string, key: string, value: unknown, where = ''): void {
  if (typeof value !== 'boolean') throw new ArgumentError(`${name}: ${key} must be true or false, got ${String(value)}${where}`);
}

/** A zero-filled state buffer of the parameter's dtype. */
export function zerosLikeParam(param: Tensor): FloatStorage {
  return allocate(param.dtype, param.size) as FloatStorage;
}
