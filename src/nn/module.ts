/**
 * `Module` and `Parameter`, like PyTorch's `torch.nn.Module` and `torch.nn.Parameter`.
 *
 * A module finds its parameters and submodules in its own fields, in the
 * order they were assigned, so a model reads like PyTorch:
 *
 *   class MLP extends Module {
 *     fc1 = new Linear(784, 256);
 *     fc2 = new Linear(256, 10);
 *     forward(x: Tensor): Tensor { return this.fc2.forward(F.relu(this.fc1.forward(x))); }
 *   }
 *   new MLP().namedParameters().map(([name]) => name);  // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 *
 * JavaScript has no `__call__`, so `forward` itself runs the hooks: the base
 * constructor wraps the subclass's `forward` in an instance method that runs
 * the pre-hooks, the forward and the forward hooks.
 */
import { inspect } from 'node:util';
import { Tensor, zeros, type DType } from '../tensor';
import { noGrad } from '../autograd';
import { stridedAssign } from '../kernels/elementwise';
import { ArgumentError, fmtShape } from '../errors';
import { sameShape } from '../shape';
import type { SaveReport } from '../io/safetensors';

/**
 * A tensor that a module trains: a contiguous leaf with `requiresGrad = true`.
 * Built from a tensor, it shares that tensor's buffer when it can (as
 * `torch.nn.Parameter` does) and copies it otherwise.
 * @example this.scale = new Parameter(ones([10]));
 */
export class Parameter extends Tensor {
  constructor(value: Tensor, requiresGrad = true) {
    super(value.values(), [...value.shape]);
    this.requiresGrad = requiresGrad;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
  override [inspect.custom](): string {
    return this.toString();
  }
}

/** Runs before `forward` with its arguments; may return replacement arguments (an array, or one value). */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown;
/** Runs after `forward`; a returned value other than `undefined` replaces the output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: any) => unknown;

/** What `registerForwardHook` returns: `remove()` unregisters the hook. */
export class RemovableHandle {
  constructor(private readonly hooks: Map<number, unknown>, readonly id: number) {}
  remove(): void {
    this.hooks.delete(this.id);
  }
}

/** What a non-strict `loadStateDict` reports. */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A state dict that does not fit the module; lists every problem at once. */
export class StateDictError extends ArgumentError {
  constructor(
    message: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
    readonly shapeMismatches: string[],
  ) {
    super(message);
  }
}

let nextHookId = 0;

/**
 * The base class of layers and models, like `torch.nn.Module`.
 *
 * Children are the module's own enumerable fields that hold a `Module` (a
 * `ModuleList` included) or a `Parameter`, in assignment order (listings give
 * a module's own parameters before its children's, as PyTorch); buffers
 * (non-trainable state saved in the state dict) are declared with
 * `registerBuffer`. Subclasses implement `forward`, and may override
 * `extraRepr` for the one-line summary printed by `toString`.
 *
 * NOTE: field names that look like integers ('0', '1', ...) come first in
 * JavaScript's property order; `Sequential` and `ModuleList` rely on it.
 */
export abstract class Module {
  /** True in training mode (dropout active, batch statistics), false after `eval()`. */
  training = true;
  #buffers = new Set<string>();
  #nonPersistent = new Set<string>();
  #preHooks = new Map<number, ForwardPreHook>();
  #hooks = new Map<number, ForwardHook>();
  #path = '';
  #hasParent = false;

  constructor() {
    const forward = this.forward;
    // NOTE: shadows the prototype's forward (the most derived one) with a wrapper that runs the hooks.
    Object.defineProperty(this, 'forward', {
      value: (...args: unknown[]) => this.#run(forward, args),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  /** The computation. Call it directly: `layer.forward(x)` runs the hooks too. */
  abstract forward(...args: any[]): any;

  #run(forward: (...args: any[]) => any, args: unknown[]): any {
    // A root names its descendants, so that layer errors say `Linear(encoder.0)`.
    if (!this.#hasParent) this.#walk(true, () => undefined);
    for (const hook of [...this.#preHooks.values()]) {
      const replaced = hook(this, args);
      if (replaced !== undefined) args = Array.isArray(replaced) ? replaced : [replaced];
    }
    let out = forward.apply(this, args);
    for (const hook of [...this.#hooks.values()]) {
      const replaced = hook(this, args, out);
      if (replaced !== undefined) out = replaced;
    }
    return out;
  }

  // ---- Names ------------------------------------------------------------------

  /** The dotted path from the root model ('features.0'), '' for a root. Set when a parent walks its children. */
  get qualifiedName(): string {
    return this.#path;
  }

  /** `Linear(fc1)`: the class name and, inside a model, the path; used in error messages. */
  get displayName(): string {
    const cls = this.constructor.name;
    return this.#path ? `${cls}(${this.#path})` : cls;
  }

  // ---- Registration -------------------------------------------------------------

  #checkName(op: string, name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new ArgumentError(`${op}: ${this.displayName}: name must be a non-empty string without '.', got '${name}'`);
    }
    const own = Object.getOwnPropertyDescriptor(this, name);
    if (name in this && (!own || !own.enumerable)) {
      throw new ArgumentError(`${op}: ${this.displayName}: '${name}' would hide the method or property of the same name`);
    }
    const current: unknown = own?.value;
    if (current !== undefined && current !== null && !(current instanceof Module) && !(current instanceof Tensor)) {
      throw new ArgumentError(`${op}: ${this.displayName}: the field '${name}' already holds a ${typeof current}`);
    }
  }

  /** Adds a parameter (or `null`, a declared but absent one) under `name`; the same as assigning the field. */
  registerParameter(name: string, param: Parameter | null): void {
    this.#checkName('registerParameter', name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new ArgumentError(`registerParameter: ${this.displayName}: '${name}' must be a Parameter (wrap the tensor: new Parameter(t))`);
    }
    this.#buffers.delete(name);
    (this as Record<string, unknown>)[name] = param;
  }

  /**
   * Adds a buffer: a tensor that is part of the module's state but not trained
   * (BatchNorm's running mean). Persistent buffers are saved in `stateDict`.
   * Reassigning the field (`this.runningMean = ...`) updates the buffer.
   */
  registerBuffer(name: string, value: Tensor | null, opts: { persistent?: boolean } = {}): void {
    this.#checkName('registerBuffer', name);
    if (value !== null && (!(value instanceof Tensor) || value instanceof Parameter)) {
      throw new ArgumentError(`registerBuffer: ${this.displayName}: '${name}' must be a Tensor that is not a Parameter`);
    }
    this.#buffers.add(name);
    if (opts.persistent === false) this.#nonPersistent.add(name);
    else this.#nonPersistent.delete(name);
    (this as Record<string, unknown>)[name] = value;
  }

  /** Adds a child module (or `null`) under `name`; the same as assigning the field. */
  registerModule(name: string, module: Module | null): void {
    this.#checkName('registerModule', name);
    if (module !== null && !(module instanceof Module)) {
      throw new ArgumentError(`registerModule: ${this.displayName}: '${name}' must be a Module`);
    }
    this.#buffers.delete(name);
    (this as Record<string, unknown>)[name] = module;
    if (module) {
      module.#path = this.#path ? `${this.#path}.${name}` : name;
      module.#hasParent = true;
    }
  }

  /** This module's own parameters, buffers and children, in field order; names the children on the way. */
  #members(): { params: [string, Parameter][]; buffers: [string, Tensor, boolean][]; children: [string, Module][] } {
    const params: [string, Parameter][] = [], buffers: [string, Tensor, boolean][] = [], children: [string, Module][] = [];
    for (const key of Object.keys(this)) {
      const value = (this as Record<string, unknown>)[key];
      if (value instanceof Parameter) params.push([key, value]);
      else if (value instanceof Module) {
        children.push([key, value]);
        value.#path = this.#path ? `${this.#path}.${key}` : key;
        value.#hasParent = true;
      } else if (value instanceof Tensor) {
        if (this.#buffers.has(key)) buffers.push([key, value, !this.#nonPersistent.has(key)]);
      } else if (Array.isArray(value)) {
        if (value.some((v) => v instanceof Module)) {
          throw new ArgumentError(`${this.displayName}: field '${key}' is an array of modules, which a Module cannot see; use new ModuleList([...]) instead`);
        }
        if (value.some((v) => v instanceof Parameter)) {
          throw new ArgumentError(`${this.displayName}: field '${key}' is an array of parameters, which a Module cannot see; give each its own field or registerParameter(name, p)`);
        }
      }
    }
    return { params, buffers, children };
  }

  /**
   * Pre-order walk: this module (name ''), then each child subtree in field
   * order (`#members` names every descendant on the way). With
   * `dedupe`, a module reachable by two paths is visited once; without, it is
   * visited under each name (as PyTorch's state_dict), cycles excepted.
   */
  #walk(dedupe: boolean, visit: (module: Module, name: string) => void): void {
    interface Entry { module: Module; name: string; parent: Entry | null }
    const seen = new Set<Module>();
    const stack: Entry[] = [{ module: this, name: '', parent: null }];
    while (stack.length > 0) {
      const entry = stack.pop()!;
      const { module, name } = entry;
      if (dedupe && seen.has(module)) continue;
      seen.add(module);
      visit(module, name);
      const children = module.#members().children;
      for (let i = children.length - 1; i >= 0; i--) {
        const [key, child] = children[i];
        let cycle = false;
        for (let e: Entry | null = entry; e && !cycle; e = e.parent) cycle = e.module === child;
        if (cycle) continue;
        stack.push({ module: child, name: name ? `${name}.${key}` : key, parent: entry });
      }
    }
  }

  // ---- Traversal ------------------------------------------------------------

  /** [name, child] for the direct children, in field order. */
  namedChildren(): [string, Module][] {
    return this.#members().children;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** [name, module] for this module ('') and every descendant, pre-order, each once. */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    this.#walk(true, (m, name) => out.push([name, m]));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * [dotted name, parameter] for every parameter ('features.0.weight'), each
   * shared parameter once; with `recurse = false` only this module's own.
   */
  namedParameters(recurse = true): [string, Parameter][] {
    if (!recurse) return this.#members().params;
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    this.#walk(true, (m, prefix) => {
      for (const [key, p] of m.#members().params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${key}` : key, p]);
      }
    });
    return out;
  }

  /** Every parameter, each once (what an optimiser takes). */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters(recurse).map(([, p]) => p);
  }

  /** [dotted name, buffer] for every buffer (persistent or not). */
  namedBuffers(recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const collect = (m: Module, prefix: string) => {
      for (const [key, b] of m.#members().buffers) out.push([prefix ? `${prefix}.${key}` : key, b]);
    };
    if (recurse) this.#walk(true, collect);
    else collect(this, '');
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers(recurse).map(([, b]) => b);
  }

  /** Calls `fn` on every child subtree, then on this module (as PyTorch). Returns `this`. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** The submodule at a dotted path ('features.0'); '' is this module. Unknown names throw. */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let module: Module = this;
    let path = '';
    for (const part of target.split('.')) {
      const children = module.namedChildren();
      const child = children.find(([key]) => key === part);
      if (!child) {
        const names = children.map(([key]) => key).join(', ') || 'none';
        throw new ArgumentError(`getSubmodule: ${this.displayName} has no submodule '${target}' (${path ? `'${path}'` : 'the root'} has no child '${part}'; its children: ${names})`);
      }
      module = child[1];
      path = path ? `${path}.${part}` : part;
    }
    return module;
  }

  /** The parameter at a dotted path ('features.0.weight'). Unknown names throw. */
  getParameter(target: string): Parameter {
    const [owner, key] = this.#split(target);
    const module = this.getSubmodule(owner);
    const found = module.#members().params.find(([k]) => k === key);
    if (!found) {
      const names = module.#members().params.map(([k]) => k).join(', ') || 'none';
      throw new ArgumentError(`getParameter: ${this.displayName} has no parameter '${target}' (parameters of ${module.constructor.name}${owner ? ` '${owner}'` : ''}: ${names})`);
    }
    return found[1];
  }

  /** The buffer at a dotted path ('bn.runningMean'). Unknown names throw. */
  getBuffer(target: string): Tensor {
    const [owner, key] = this.#split(target);
    const module = this.getSubmodule(owner);
    const found = module.#members().buffers.find(([k]) => k === key);
    if (!found) {
      const names = module.#members().buffers.map(([k]) => k).join(', ') || 'none';
      throw new ArgumentError(`getBuffer: ${this.displayName} has no buffer '${target}' (buffers of ${module.constructor.name}${owner ? ` '${owner}'` : ''}: ${names})`);
    }
    return found[1];
  }

  #split(target: string): [string, string] {
    const dot = target.lastIndexOf('.');
    return dot < 0 ? ['', target] : [target.slice(0, dot), target.slice(dot + 1)];
  }

  // ---- Modes and gradients ------------------------------------------------------

  /** Sets training mode on this module and every descendant. Returns `this`. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ArgumentError(`train: ${this.displayName}: mode must be a boolean, got ${String(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): dropout off, running statistics used. */
  eval(): this {
    return this.train(false);
  }

  /** Sets `requiresGrad` on every parameter (false freezes the module). Returns `this`. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }

  /** Clears every parameter's gradient: to `null` (default, as PyTorch), or to zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else if (p.grad) p.grad = zeros(p.shape, { dtype: p.dtype });
    }
  }

  /** The number of scalar parameters (each shared parameter once). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /**
   * Converts every parameter and buffer to `dtype` (new Parameter objects:
   * build optimisers afterwards). Returns `this`.
   * @example model.toDType('float64')  // for gradient checks
   */
  toDType(dtype: DType): this {
    for (const m of this.modules()) {
      const own = m.#members();
      for (const [key, p] of own.params) {
        if (p.dtype !== dtype) (m as unknown as Record<string, unknown>)[key] = new Parameter(noGrad(() => p.toDType(dtype)), p.requiresGrad);
      }
      for (const [key, b] of own.buffers) {
        if (b.dtype !== dtype && b.dtype !== 'int32') (m as unknown as Record<string, unknown>)[key] = noGrad(() => b.toDType(dtype));
      }
    }
    return this;
  }
  double(): this {
    return this.toDType('float64');
  }
  float(): this {
    return this.toDType('float32');
  }

  // ---- State --------------------------------------------------------------------

  /** [key, tensor] for every parameter and persistent buffer: each module's own, then its children's. */
  #stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    this.#walk(false, (m, prefix) => {
      const own = m.#members();
      for (const [key, p] of own.params) out.push([prefix ? `${prefix}.${key}` : key, p]);
      for (const [key, b, persistent] of own.buffers) if (persistent) out.push([prefix ? `${prefix}.${key}` : key, b]);
    });
    return out;
  }

  /**
   * Copies of the parameters and persistent buffers, keyed by dotted name
   * ('features.0.weight'), as `torch.nn.Module.state_dict`.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    noGrad(() => {
      for (const [key, t] of this.#stateEntries()) out[key] = t.detach().clone();
    });
    return out;
  }

  /**
   * Copies values from a state dict into the parameters and buffers (in
   * place, so optimisers keep working). With `strict` (default) every key
   * must match: all missing keys, unexpected keys and shape mismatches are
   * listed in one `StateDictError` and nothing is changed. Non-strict loads
   * the keys that exist and reports the rest; shape mismatches throw either way
   * (as PyTorch's `load_state_dict`).
   */
  loadStateDict(dict: Record<string, Tensor> | Map<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const given = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const entries = this.#stateEntries();
    const expected = new Set(entries.map(([key]) => key));
    const missingKeys = entries.map(([key]) => key).filter((key) => !given.has(key));
    const unexpectedKeys = [...given.keys()].filter((key) => !expected.has(key));
    const shapeMismatches: string[] = [];
    for (const [key, target] of entries) {
      const value = given.get(key);
      if (value === undefined) continue;
      if (!(value instanceof Tensor)) shapeMismatches.push(`${key}: expected a Tensor, got ${typeof value}`);
      else if (!sameShape(value.shape, target.shape)) {
        shapeMismatches.push(`${key}: copying a tensor of shape ${fmtShape(value.shape)}, the shape in the current model is ${fmtShape(target.shape)}`);
      }
    }
    if (shapeMismatches.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
      const lines = [`loadStateDict: error(s) in loading the state dict for ${this.displayName}:`];
      if (strict && missingKeys.length > 0) lines.push(`  Missing key(s): ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (strict && unexpectedKeys.length > 0) lines.push(`  Unexpected key(s): ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
      for (const m of shapeMismatches) lines.push(`  Size mismatch for ${m}.`);
      throw new StateDictError(lines.join('\n'), missingKeys, unexpectedKeys, shapeMismatches);
    }
    for (const [key, target] of entries) {
      const value = given.get(key);
      if (value === undefined) continue;
      stridedAssign(target.shape, value.data, value.offset, value.strides, target.data, target.offset, target.strides);
    }
    return { missingKeys, unexpectedKeys };
  }

  // ---- Hooks ----------------------------------------------------------------------

  /**
   * `hook(module, inputs, output)` runs after every `forward`; returning a
   * value replaces the output.
   * @example const h = layer.registerForwardHook((m, _in, out) => { acts.push(out); }); ... h.remove();
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    const id = nextHookId++;
    this.#hooks.set(id, hook);
    return new RemovableHandle(this.#hooks, id);
  }

  /** `hook(module, inputs)` runs before every `forward`; returning a value replaces the arguments. */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    const id = nextHookId++;
    this.#preHooks.set(id, hook);
    return new RemovableHandle(this.#preHooks, id);
  }

  // ---- Saving -----------------------------------------------------------------------

  /**
   * Saves the state dict as safetensors, atomically; resolves to a report
   * (path, tensors, bytes). Load it back with `nn.load(path)`.
   * @example await model.save('lenet.safetensors')
   */
  async save(path: string, opts: { metadata?: Record<string, string> } = {}): Promise<SaveReport> {
    // NOTE: imported lazily because io imports nn.
    const { save } = await import('../io');
    return save(this, path, opts);
  }

  // ---- Printing ---------------------------------------------------------------------

  /** The settings shown between the parentheses of the printed form, e.g. `in_features=784, out_features=256, bias=True`. */
  extraRepr(): string {
    return '';
  }

  /**
   * The printed form, as PyTorch's module repr:
   *
   *   Sequential(
   *     (0): Linear(in_features=784, out_features=256, bias=True)
   *     (1): ReLU()
   *   )
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.namedChildren().map(([key, child]) => `(${key}): ${child.toString().split('\n').join('\n  ')}`);
    const lines = [...extraLines, ...childLines];
    let body = '';
    if (extraLines.length === 1 && childLines.length === 0) body = extraLines[0];
    else if (lines.length > 0) body = `\n  ${lines.join('\n  ')}\n`;
    return `${this.constructor.name}(${body})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** PyTorch's spelling of a number in a repr: 1 → '1.0', 0.01 → '0.01'. */
export function reprFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/** PyTorch's spelling of a boolean in a repr. */
export function reprBool(x: boolean): string {
  return x ? 'True' : 'False';
}
