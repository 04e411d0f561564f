/**
 * Layers: hold settings and parameters; the math is in `functional`.
 * Containers (`Sequential`, `ModuleList`), `Linear`, `Flatten`, `Identity`,
 * `Dropout` and the activations, with PyTorch's names, defaults and printed form.
 */
import { Tensor, type DType } from '../tensor';
import { Generator } from '../random';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import * as F from '../functional';
import { Module, Parameter, reprBool, reprFloat } from './module';
import { defaultParameters } from './defaults';

/** Throws unless `axis` is a valid axis of `x`, naming the layer. */
function checkAxis(layer: Module, setting: string, axis: number, x: Tensor): void {
  if (!Number.isInteger(axis) || axis < -x.ndim || axis >= x.ndim) {
    throw new ShapeError(`${layer.displayName}: ${setting} ${axis} is out of range for input of shape ${fmtShape(x.shape)}`);
  }
}

// ---- Containers -------------------------------------------------------------

function childAt(owner: Module, op: string, index: number): Module {
  const children = owner.children();
  const i = index < 0 ? index + children.length : index;
  if (!Number.isInteger(i) || i < 0 || i >= children.length) {
    throw new ArgumentError(`${op}: index ${index} is out of range for ${owner.displayName} of length ${children.length}`);
  }
  return children[i];
}

/**
 * Modules applied in order; children are named '0', '1', ... and reachable as
 * `seq[0]` or `seq.at(0)`, as `torch.nn.Sequential`.
 * @example const model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
 */
export class Sequential extends Module {
  readonly [index: number]: Module;

  constructor(...modules: Module[]) {
    super();
    this.push(...modules);
  }

  forward(x: Tensor): Tensor {
    for (const module of this.children()) x = module.forward(x);
    return x;
  }

  get length(): number {
    return this.children().length;
  }
  /** The i-th module (negative counts from the end). */
  at(index: number): Module {
    return childAt(this, 'Sequential.at', index);
  }
  /** Appends one module. Returns `this`. */
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }
  /** Appends modules; returns the new length. */
  push(...modules: Module[]): number {
    for (const m of modules) this.append(m);
    return this.length;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}

/**
 * A list of modules whose parameters the parent sees (a plain array would
 * hide them), as `torch.nn.ModuleList`. It has no forward of its own.
 * @example this.blocks = new ModuleList([new Linear(8, 8), new Linear(8, 8)]);
 */
export class ModuleList extends Module {
  readonly [index: number]: Module;

  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  forward(): never {
    throw new ArgumentError(`${this.displayName}: a ModuleList has no forward; loop over its modules`);
  }

  get length(): number {
    return this.children().length;
  }
  /** The i-th module (negative counts from the end). */
  at(index: number): Module {
    return childAt(this, 'ModuleList.at', index);
  }
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }
  /** Inserts before position `index` (the later modules are renumbered). */
  insert(index: number, module: Module): this {
    const list = this.children();
    const i = index < 0 ? Math.max(0, index + list.length) : Math.min(index, list.length);
    list.splice(i, 0, module);
    list.forEach((m, k) => this.registerModule(String(k), m));
    return this;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}

// ---- Linear -----------------------------------------------------------------------

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Source of the initial weights (default the global generator). */
  generator?: Generator;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/**
 * y = x Wᵀ + b, as `torch.nn.Linear`: weight [out, in], bias [out], both
 * initialised like PyTorch's default, U(−1/√in, 1/√in) (kaiming uniform with a = √5).
 * @example new Linear(784, 256).forward(randn([64, 784]))  // shape [64, 256]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ArgumentError(`Linear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    ({ weight: this.weight, bias: this.bias } = defaultParameters([outFeatures, inFeatures], opts.bias ?? true, opts.dtype ?? 'float32', opts.generator));
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`${this.displayName}: expected input with ${this.inFeatures} features (last axis), got shape ${fmtShape(x.shape)}`);
    }
    return F.linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${reprBool(this.bias !== null)}`;
  }
}

// ---- Shape and identity -------------------------------------------------------

/** Merges axes startDim..endDim into one, as `torch.nn.Flatten` (default keeps the batch axis). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    checkAxis(this, 'startDim', this.startDim, x);
    checkAxis(this, 'endDim', this.endDim, x);
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Returns its input. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

// ---- Dropout --------------------------------------------------------------------

/**
 * Inverted dropout in training mode, the identity after `eval()`, as `torch.nn.Dropout`.
 * @example new Dropout(0.5, { generator: new Generator(0) })
 */
export class Dropout extends Module {
  readonly generator: Generator | undefined;

  constructor(readonly p = 0.5, opts: { generator?: Generator } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ArgumentError(`Dropout: p must be in [0, 1], got ${p}`);
    this.generator = opts.generator;
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training, this.generator);
  }
  override extraRepr(): string {
    return `p=${reprFloat(this.p)}`;
  }
}

// ---- Activations ----------------------------------------------------------------

/** max(x, 0) */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** x for x > 0, negativeSlope·x otherwise (default 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${reprFloat(this.negativeSlope)}`;
  }
}

/** x for x > 0, α(eˣ − 1) otherwise (default α = 1). */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${reprFloat(this.alpha)}`;
  }
}

/** x·Φ(x), the exact GELU. */
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return F.gelu(x);
  }
}

/** 1 / (1 + e^−x) */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** tanh(x) */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** Softmax along `dim` (default −1, the last axis). */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    checkAxis(this, 'dim', this.dim, x);
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along `dim` (default −1), computed stably. */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    checkAxis(this, 'dim', this.dim, x);
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
