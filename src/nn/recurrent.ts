/**
 * Recurrent networks: the textbook RNN with its U, V, W; PyTorch's `RNN`,
 * `LSTM` and `GRU` layers and their cells, with PyTorch's parameter names,
 * shapes, gate order and initialisation; an `Embedding` table for token
 * inputs; and `hiddenGradNorms`, which makes vanishing and exploding
 * gradients measurable.
 *
 * Everything is composed from autograd ops, so backpropagation through time
 * is the ordinary backward over the unrolled graph (iterative, so a
 * 1,000-step unroll is fine).
 *
 * @example
 *   const lstm = new LSTM(28, 128, { batchFirst: true });
 *   const [out, [hN, cN]] = lstm.forward(x);   // x [64, 28, 28] → out [64, 28, 128], hN, cN [1, 64, 128]
 */
import { Tensor, allocate, zeros, type DType } from '../tensor';
import { noGrad, record } from '../autograd';
import { Generator, globalGenerator } from '../random';
import { matmul } from '../ops/matmul';
import { concat, stack } from '../ops/movement';
import { stridedAssign } from '../kernels/elementwise';
import { contiguousStrides, sameShape } from '../shape';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import * as F from '../functional';
import * as init from './init';
import { Module, Parameter, reprFloat } from './module';

/** The activation of a vanilla RNN. */
export type RNNNonlinearity = 'tanh' | 'relu';

// ---- Shared pieces ------------------------------------------------------------------

/** A parameter of `shape` filled from U(−bound, bound): PyTorch's init for every recurrent weight and bias. */
function uniformParameter(shape: number[], bound: number, dtype: DType, generator?: Generator): Parameter {
  return new Parameter(init.uniform_(zeros(shape, { dtype }), -bound, bound, generator));
}

function checkSize(layer: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new ArgumentError(`${layer}: ${name} must be an integer ≥ ${min}, got ${v}`);
}

function checkActivation(layer: string, name: string, v: string): void {
  if (v !== 'tanh' && v !== 'relu') throw new ArgumentError(`${layer}: ${name} must be 'tanh' or 'relu', got '${v}'`);
}

/**
 * x_t·Wᵀ for every step t at once: the steps are copied into one [T·B, in]
 * matrix and multiplied by one matmul, the fast way. Each step's block is
 * then recorded as its own `matmul(x_t, Wᵀ)` node (it holds exactly that
 * value), so the backward of step t costs O(B·in·out) — slicing one big
 * product instead would give every step a gradient the size of the whole
 * sequence, O(T²) in all.
 */
function projectSteps(steps: readonly Tensor[], weight: Tensor): Tensor[] {
  const T = steps.length;
  const [B, I] = steps[0].shape;
  const G = weight.shape[0];
  const wT = weight.T;
  const rows = allocate(steps[0].dtype, T * B * I);
  const rowStrides = contiguousStrides([B, I]);
  steps.forEach((x, t) => stridedAssign(x.shape, x.data, x.offset, x.strides, rows, t * B * I, rowStrides));
  const all = noGrad(() => matmul(new Tensor(rows, [T * B, I]), wT.detach()));
  return steps.map((x, t) => record(new Tensor(all.data, [B, G], [G, 1], t * B * G), 'matmul', [x, wT]));
}

/** Gate block `index` (columns [index·size, (index + 1)·size)) of a [B, G·H] gate matrix. */
function block(gates: Tensor, index: number, size: number): Tensor {
  return gates.narrow(1, index * size, size);
}

// ---- Functional cells -----------------------------------------------------------------
// `gx` is the input's pre-activation x·W_ihᵀ (+ b_ih), `wHhT` the transposed hidden weight.

function rnnStep(gx: Tensor, h: Tensor, wHhT: Tensor, bHh: Tensor | null, nonlinearity: RNNNonlinearity): Tensor {
  let a = gx.add(h.matmul(wHhT));
  if (bHh) a = a.add(bHh);
  return nonlinearity === 'tanh' ? a.tanh() : a.relu();
}

function lstmStep(gx: Tensor, h: Tensor, c: Tensor, wHhT: Tensor, bHh: Tensor | null): [Tensor, Tensor] {
  const H = h.shape[h.ndim - 1];
  let gates = gx.add(h.matmul(wHhT));
  if (bHh) gates = gates.add(bHh);
  const i = block(gates, 0, H).sigmoid();
  const f = block(gates, 1, H).sigmoid();
  const g = block(gates, 2, H).tanh();
  const o = block(gates, 3, H).sigmoid();
  const cNext = f.mul(c).add(i.mul(g));
  return [o.mul(cNext.tanh()), cNext];
}

function gruStep(gx: Tensor, h: Tensor, wHhT: Tensor, bHh: Tensor | null): Tensor {
  const H = h.shape[h.ndim - 1];
  let gh = h.matmul(wHhT);
  if (bHh) gh = gh.add(bHh);
  const rz = gx.narrow(1, 0, 2 * H).add(gh.narrow(1, 0, 2 * H)).sigmoid();
  const r = block(rz, 0, H), z = block(rz, 1, H);
  const n = block(gx, 2, H).add(r.mul(block(gh, 2, H))).tanh();
  // (1 − z)·n + z·h = n + z·(h − n)
  return n.add(z.mul(h.sub(n)));
}

/** A 1-D input (unbatched) as a batch of one. */
function batched(x: Tensor): Tensor {
  return x.ndim === 1 ? x.unsqueeze(0) : x;
}

/**
 * One step of a vanilla RNN, as PyTorch's `RNNCell`:
 * h' = f(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), f = tanh or relu.
 * Shapes: x [B, in], h [B, H], W_ih [H, in], W_hh [H, H] → h' [B, H].
 * @example rnnCell(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
 */
export function rnnCell(
  x: Tensor, h: Tensor, weightIh: Tensor, weightHh: Tensor,
  biasIh: Tensor | null = null, biasHh: Tensor | null = null, nonlinearity: RNNNonlinearity = 'tanh',
): Tensor {
  return rnnStep(F.linear(x, weightIh, biasIh), h, weightHh.T, biasHh, nonlinearity);
}

/**
 * One step of an LSTM, as PyTorch's `LSTMCell` (gate order i, f, g, o in the
 * rows of the weights):
 *
 *   [i, f, g, o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
 *   i, f, o = σ(·), g = tanh(·)
 *   c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')
 *
 * Shapes: x [B, in], h and c [B, H], W_ih [4H, in], W_hh [4H, H] → [h', c'].
 */
export function lstmCell(
  x: Tensor, [h, c]: readonly [Tensor, Tensor], weightIh: Tensor, weightHh: Tensor,
  biasIh: Tensor | null = null, biasHh: Tensor | null = null,
): [Tensor, Tensor] {
  return lstmStep(F.linear(x, weightIh, biasIh), h, c, weightHh.T, biasHh);
}

/**
 * One step of a GRU, as PyTorch's `GRUCell` (gate order r, z, n):
 *
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)
 *   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Shapes: x [B, in], h [B, H], W_ih [3H, in], W_hh [3H, H] → h' [B, H].
 */
export function gruCell(
  x: Tensor, h: Tensor, weightIh: Tensor, weightHh: Tensor,
  biasIh: Tensor | null = null, biasHh: Tensor | null = null,
): Tensor {
  return gruStep(F.linear(x, weightIh, biasIh), h, weightHh.T, biasHh);
}

// ---- Cells as modules -------------------------------------------------------------------

type CellKind = 'rnn' | 'lstm' | 'gru';
const GATES: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3 };

export interface RNNCellOptions {
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Source of the initial weights (default the global generator). */
  generator?: Generator;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/** weight_ih [G·H, in], weight_hh [G·H, H], bias_ih, bias_hh [G·H], all U(−1/√H, 1/√H), as PyTorch's cells. */
abstract class CellBase extends Module {
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(kind: CellKind, readonly inputSize: number, readonly hiddenSize: number, opts: RNNCellOptions) {
    super();
    const name = this.constructor.name;
    checkSize(name, 'inputSize', inputSize, 0);
    checkSize(name, 'hiddenSize', hiddenSize);
    const G = GATES[kind] * hiddenSize, bound = 1 / Math.sqrt(hiddenSize), dtype = opts.dtype ?? 'float32';
    this.weight_ih = uniformParameter([G, inputSize], bound, dtype, opts.generator);
    this.weight_hh = uniformParameter([G, hiddenSize], bound, dtype, opts.generator);
    const bias = opts.bias ?? true;
    this.bias_ih = bias ? uniformParameter([G], bound, dtype, opts.generator) : null;
    this.bias_hh = bias ? uniformParameter([G], bound, dtype, opts.generator) : null;
  }

  /** Checks x [B, in] or [in]; returns B (0 for unbatched). */
  protected checkInput(x: Tensor): number {
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${this.displayName}: expected input of shape [B, ${this.inputSize}] or [${this.inputSize}], got shape ${fmtShape(x.shape)}`);
    }
    return x.ndim === 2 ? x.shape[0] : 0;
  }

  /** The given state checked against [B, H] (or [H]), or zeros. */
  protected state(name: string, s: Tensor | null | undefined, x: Tensor, B: number): Tensor {
    const expected = x.ndim === 2 ? [B, this.hiddenSize] : [this.hiddenSize];
    if (s === null || s === undefined) return zeros(expected, { dtype: x.dtype === 'float64' ? 'float64' : this.weight_ih.dtype });
    if (!sameShape(s.shape, expected)) {
      throw new ShapeError(`${this.displayName}: expected ${name} of shape ${fmtShape(expected)}, got ${fmtShape(s.shape)}`);
    }
    return s;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias_ih === null) s += ', bias=False';
    return s;
  }
}

/**
 * One step of a vanilla RNN, as `torch.nn.RNNCell`:
 * h' = f(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), f = tanh (default) or relu.
 * forward(x [B, in], h? [B, H]) → h' [B, H]; a missing h is zeros.
 * @example const cell = new RNNCell(10, 20); let h = cell.forward(x0); h = cell.forward(x1, h);
 */
export class RNNCell extends CellBase {
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions & { nonlinearity?: RNNNonlinearity } = {}) {
    super('rnn', inputSize, hiddenSize, opts);
    this.nonlinearity = opts.nonlinearity ?? 'tanh';
    checkActivation('RNNCell', 'nonlinearity', this.nonlinearity);
  }

  forward(x: Tensor, h?: Tensor | null): Tensor {
    const B = this.checkInput(x);
    const h0 = this.state('h', h, x, B);
    const out = rnnCell(batched(x), batched(h0), this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh, this.nonlinearity);
    return x.ndim === 1 ? out.squeeze(0) : out;
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity !== 'tanh' ? `, nonlinearity=${this.nonlinearity}` : '');
  }
}

/**
 * One step of an LSTM, as `torch.nn.LSTMCell` (gate order i, f, g, o; see `lstmCell`).
 * forward(x [B, in], [h, c]? each [B, H]) → [h', c']; a missing state is zeros.
 */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super('lstm', inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const B = this.checkInput(x);
    const h0 = this.state('h', hx?.[0], x, B), c0 = this.state('c', hx?.[1], x, B);
    const [h, c] = lstmCell(batched(x), [batched(h0), batched(c0)], this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
    return x.ndim === 1 ? [h.squeeze(0), c.squeeze(0)] : [h, c];
  }
}

/**
 * One step of a GRU, as `torch.nn.GRUCell` (gate order r, z, n; see `gruCell`).
 * forward(x [B, in], h? [B, H]) → h' [B, H]; a missing h is zeros.
 */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super('gru', inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, h?: Tensor | null): Tensor {
    const B = this.checkInput(x);
    const h0 = this.state('h', h, x, B);
    const out = gruCell(batched(x), batched(h0), this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
    return x.ndim === 1 ? out.squeeze(0) : out;
  }
}

// ---- Layers ---------------------------------------------------------------------------------

export interface RNNOptions {
  /** Stacked layers; layer k > 0 reads layer k − 1's output (default 1). */
  numLayers?: number;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as [B, T, features] instead of [T, B, features] (default false). The states stay [layers·directions, B, H]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Also run a second set of layers from the last step to the first; outputs are concatenated (default false). */
  bidirectional?: boolean;
  /** Source of the initial weights and dropout masks (default the global generator). */
  generator?: Generator;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/** What `unroll` returns: the forward's results plus every step's hidden state. */
export interface RecurrentUnroll {
  /** The top layer's h_t for every step, [T, B, D·H] ([B, T, D·H] with batchFirst; [T, D·H] unbatched). */
  output: Tensor;
  /** The final hidden state of every layer and direction, [L·D, B, H] ([L·D, H] unbatched). */
  hN: Tensor;
  /** The LSTM's final cell state, like hN; null for RNN and GRU. */
  cN: Tensor | null;
  /**
   * hiddens[layer·D + direction][t] is h_t [B, H] of that layer and direction, in time
   * order (the reverse direction's h_t has seen steps t..T−1). These are the graph's own
   * tensors: call `retainGrad()` on them before `backward()` to read ∂L/∂h_t.
   */
  hiddens: Tensor[][];
}

/** The four parameters of one layer and direction. */
interface LayerWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
}

/**
 * Runs one layer in one direction over the steps (each [B, in]) from the
 * state h0 (and c0), with the input projections for all steps done by one
 * matmul. Returns h_t for every t (in time order) and the final state.
 */
function runDirection(
  kind: CellKind, nonlinearity: RNNNonlinearity, steps: readonly Tensor[], reverse: boolean,
  w: LayerWeights, h0: Tensor, c0: Tensor | null,
): { hs: Tensor[]; h: Tensor; c: Tensor | null } {
  const T = steps.length;
  const projected = projectSteps(steps, w.weightIh);
  const wHhT = w.weightHh.T;
  const hs = new Array<Tensor>(T);
  let h = h0, c = c0;
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    const gx = w.biasIh ? projected[t].add(w.biasIh) : projected[t];
    if (kind === 'rnn') h = rnnStep(gx, h, wHhT, w.biasHh, nonlinearity);
    else if (kind === 'gru') h = gruStep(gx, h, wHhT, w.biasHh);
    else [h, c] = lstmStep(gx, h, c!, wHhT, w.biasHh);
    hs[t] = h;
  }
  return { hs, h, c };
}

/**
 * The shared machinery of `RNN`, `LSTM` and `GRU`, with PyTorch's layout:
 * for layer k and direction suffix s ('' or '_reverse') the parameters
 * `weight_ih_l{k}{s}` [G·H, in_k], `weight_hh_l{k}{s}` [G·H, H],
 * `bias_ih_l{k}{s}`, `bias_hh_l{k}{s}` [G·H], with G = 1, 4, 3 and
 * in_0 = inputSize, in_k = D·H (D = 2 when bidirectional); all U(−1/√H, 1/√H).
 */
export abstract class RNNBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly generator: Generator | undefined;
  readonly #kind: CellKind;

  constructor(kind: CellKind, inputSize: number, hiddenSize: number, opts: RNNOptions) {
    super();
    const name = this.constructor.name;
    checkSize(name, 'inputSize', inputSize, 0);
    checkSize(name, 'hiddenSize', hiddenSize);
    const numLayers = opts.numLayers ?? 1;
    checkSize(name, 'numLayers', numLayers);
    const dropout = opts.dropout ?? 0;
    if (!(dropout >= 0 && dropout <= 1)) throw new ArgumentError(`${name}: dropout must be in [0, 1], got ${dropout}`);
    this.#kind = kind;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = opts.bidirectional ?? false;
    this.generator = opts.generator;
    const G = GATES[kind] * hiddenSize, bound = 1 / Math.sqrt(hiddenSize), dtype = opts.dtype ?? 'float32';
    const D = this.numDirections;
    // Registered in PyTorch's order: per layer, per direction, w_ih, w_hh, b_ih, b_hh.
    for (let layer = 0; layer < numLayers; layer++) {
      const inSize = layer === 0 ? inputSize : D * hiddenSize;
      for (let dir = 0; dir < D; dir++) {
        const s = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih${s}`, uniformParameter([G, inSize], bound, dtype, opts.generator));
        this.registerParameter(`weight_hh${s}`, uniformParameter([G, hiddenSize], bound, dtype, opts.generator));
        if (this.bias) {
          this.registerParameter(`bias_ih${s}`, uniformParameter([G], bound, dtype, opts.generator));
          this.registerParameter(`bias_hh${s}`, uniformParameter([G], bound, dtype, opts.generator));
        }
      }
    }
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** The parameters of one layer and direction, read from the fields (so `toDType` and `loadStateDict` are seen). */
  weightsOf(layer: number, reverse = false): LayerWeights {
    const s = `_l${layer}${reverse ? '_reverse' : ''}`;
    const fields = this as unknown as Record<string, Parameter | undefined>;
    const get = (name: string) => {
      const p = fields[name];
      if (!p) throw new ArgumentError(`${this.displayName}: has no parameter '${name}'`);
      return p;
    };
    return {
      weightIh: get(`weight_ih${s}`),
      weightHh: get(`weight_hh${s}`),
      biasIh: this.bias ? get(`bias_ih${s}`) : null,
      biasHh: this.bias ? get(`bias_hh${s}`) : null,
    };
  }

  /** Checks the input; returns whether it is batched, B and T. */
  #checkInput(x: Tensor): { isBatched: boolean; B: number; T: number } {
    const layout = this.batchFirst ? `[B, T, ${this.inputSize}]` : `[T, B, ${this.inputSize}]`;
    if (x.ndim !== 2 && x.ndim !== 3) {
      throw new ShapeError(`${this.displayName}: expected input of shape ${layout} (or [T, ${this.inputSize}] unbatched), got shape ${fmtShape(x.shape)}`);
    }
    if (x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${this.displayName}: expected input with ${this.inputSize} features (last axis), got shape ${fmtShape(x.shape)}`);
    }
    const isBatched = x.ndim === 3;
    const T = isBatched && this.batchFirst ? x.shape[1] : x.shape[0];
    const B = isBatched ? (this.batchFirst ? x.shape[0] : x.shape[1]) : 1;
    if (T === 0) throw new ShapeError(`${this.displayName}: expected a sequence of at least one step, got shape ${fmtShape(x.shape)}`);
    return { isBatched, B, T };
  }

  /** The initial state as [L·D, B, H], checked; zeros when absent. */
  #initialState(name: string, s: Tensor | null | undefined, x: Tensor, isBatched: boolean, B: number): Tensor {
    const LD = this.numLayers * this.numDirections, H = this.hiddenSize;
    const expected = isBatched ? [LD, B, H] : [LD, H];
    if (s === null || s === undefined) {
      return zeros([LD, B, H], { dtype: x.dtype === 'float64' ? 'float64' : this.weightsOf(0).weightIh.dtype });
    }
    if (!sameShape(s.shape, expected)) {
      throw new ShapeError(`${this.displayName}: expected ${name} of shape ${fmtShape(expected)}, got ${fmtShape(s.shape)}`);
    }
    return isBatched ? s : s.unsqueeze(1);
  }

  /**
   * Runs the layers over the sequence and keeps every step's hidden state
   * (for gradient studies). `forward` is this without the per-step states
   * (and with the hooks).
   */
  unroll(x: Tensor, h0?: Tensor | null, c0?: Tensor | null): RecurrentUnroll {
    const { isBatched, T, B } = this.#checkInput(x);
    const kind = this.#kind;
    const hInit = this.#initialState('h0', h0, x, isBatched, B);
    const cInit = kind === 'lstm' ? this.#initialState('c0', c0, x, isBatched, B) : null;
    const timeAxis = isBatched && this.batchFirst ? 1 : 0;
    let steps: Tensor[] = [];
    for (let t = 0; t < T; t++) steps.push(isBatched ? x.select(timeAxis, t) : x.select(0, t).unsqueeze(0));
    const D = this.numDirections;
    const hFinal: Tensor[] = [], cFinal: Tensor[] = [], hiddens: Tensor[][] = [];
    const nonlinearity = this instanceof RNN ? this.nonlinearity : 'tanh';
    for (let layer = 0; layer < this.numLayers; layer++) {
      const perDirection: Tensor[][] = [];
      for (let dir = 0; dir < D; dir++) {
        const k = layer * D + dir;
        const run = runDirection(kind, nonlinearity, steps, dir === 1, this.weightsOf(layer, dir === 1),
          hInit.select(0, k), cInit ? cInit.select(0, k) : null);
        perDirection.push(run.hs);
        hiddens.push(run.hs);
        hFinal.push(run.h);
        if (run.c) cFinal.push(run.c);
      }
      steps = D === 1 ? perDirection[0] : perDirection[0].map((hf, t) => concat([hf, perDirection[1][t]], 1));
      if (layer < this.numLayers - 1 && this.dropout > 0 && this.training) {
        steps = steps.map((s) => F.dropout(s, this.dropout, true, this.generator));
      }
    }
    let output = stack(steps, isBatched ? timeAxis : 0);
    let hN = stack(hFinal, 0), cN = cInit ? stack(cFinal, 0) : null;
    if (!isBatched) {
      output = output.squeeze(1);
      hN = hN.squeeze(1);
      cN = cN ? cN.squeeze(1) : null;
    }
    return { output, hN, cN, hiddens };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout !== 0) s += `, dropout=${reprFloat(this.dropout)}`;
    if (this.bidirectional) s += ', bidirectional=True';
    return s;
  }
}

/**
 * A vanilla (Elman) RNN, as `torch.nn.RNN`: for each layer,
 * h_t = f(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), f = tanh (default) or relu.
 *
 * forward(x, h0?) → [output, hN]: x [T, B, in] ([B, T, in] with batchFirst,
 * [T, in] unbatched), h0 [L·D, B, H] (zeros when absent); output holds the
 * top layer's h_t for every step [T, B, D·H]; hN the last step's state of
 * every layer and direction [L·D, B, H].
 *
 * @example
 *   const rnn = new RNN(28, 128, { batchFirst: true });
 *   const [out, hN] = rnn.forward(images.reshape([64, 28, 28]));  // out [64, 28, 128], hN [1, 64, 128]
 */
export class RNN extends RNNBase {
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions & { nonlinearity?: RNNNonlinearity } = {}) {
    super('rnn', inputSize, hiddenSize, opts);
    this.nonlinearity = opts.nonlinearity ?? 'tanh';
    checkActivation('RNN', 'nonlinearity', this.nonlinearity);
  }

  forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { output, hN } = this.unroll(x, h0);
    return [output, hN];
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity !== 'tanh' ? `, nonlinearity=${this.nonlinearity}` : '');
  }
}

/**
 * Long short-term memory, as `torch.nn.LSTM` (gate order i, f, g, o in the
 * rows of each weight; see `lstmCell` for the step).
 *
 * forward(x, [h0, c0]?) → [output, [hN, cN]], shapes as `RNN`.
 * @example const [out, [hN, cN]] = new LSTM(28, 128, { batchFirst: true }).forward(x);
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super('lstm', inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const { output, hN, cN } = this.unroll(x, hx?.[0], hx?.[1]);
    return [output, [hN, cN!]];
  }
}

/**
 * Gated recurrent unit, as `torch.nn.GRU` (gate order r, z, n; see `gruCell`).
 * forward(x, h0?) → [output, hN], shapes as `RNN`.
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super('gru', inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { output, hN } = this.unroll(x, h0);
    return [output, hN];
  }
}

/**
 * Chrono initialisation of an LSTM's gate biases (Tallec & Ollivier 2018,
 * "Can recurrent neural networks warp time?"): for every unit
 *
 *   b_f = log(u),  u ~ U(1, maxSteps − 1),   b_i = −b_f
 *
 * in `bias_ih` of every layer and direction (the i and f rows of `bias_hh`
 * are zeroed). Each cell then starts out remembering over a time scale
 * between 1 and maxSteps steps, so information — and gradient — can cross
 * long sequences from the first update (PyTorch's default init forgets half
 * of the cell every step). Returns the layer.
 * @example chronoInit_(new LSTM(8, 16, { batchFirst: true }), 50)
 */
export function chronoInit_(lstm: LSTM | LSTMCell, maxSteps: number, generator: Generator = globalGenerator): LSTM | LSTMCell {
  if (!(maxSteps > 2)) throw new ArgumentError(`chronoInit_: maxSteps must be > 2, got ${maxSteps}`);
  const pairs: [Tensor | null, Tensor | null][] = [];
  if (lstm instanceof LSTMCell) pairs.push([lstm.bias_ih, lstm.bias_hh]);
  else if (lstm instanceof LSTM) {
    for (let layer = 0; layer < lstm.numLayers; layer++) {
      for (let dir = 0; dir < lstm.numDirections; dir++) {
        const w = lstm.weightsOf(layer, dir === 1);
        pairs.push([w.biasIh, w.biasHh]);
      }
    }
  } else throw new ArgumentError('chronoInit_: needs an LSTM or an LSTMCell');
  const H = lstm.hiddenSize;
  noGrad(() => {
    for (const [bIh, bHh] of pairs) {
      if (!bIh || !bHh) throw new ArgumentError(`chronoInit_: ${lstm.displayName} has no biases (bias: false)`);
      for (let j = 0; j < H; j++) {
        const bf = Math.log(1 + (maxSteps - 2) * generator.uniform());
        bIh.data[bIh.offset + H + j] = bf;
        bIh.data[bIh.offset + j] = -bf;
        bHh.data[bHh.offset + j] = 0;
        bHh.data[bHh.offset + H + j] = 0;
      }
    }
  });
  return lstm;
}

// ---- The textbook RNN -----------------------------------------------------------------------

export interface TextbookRNNOptions {
  /** f in h_t = f(U x_t + W h_{t−1} + b): 'tanh' (default) or 'relu'. */
  activation?: RNNNonlinearity;
  /** 'all' (many-to-many, default): o_t for every step, [B, T, out]; 'last' (many-to-one): o_T only, [B, out]. */
  outputs?: 'all' | 'last';
  /**
   * Truncated BPTT: every `truncate` steps the hidden state passed on is
   * detached, so gradients flow back at most through the current window of
   * that many steps (default: none, full BPTT).
   */
  truncate?: number;
  /** Learn b and c (default true). */
  bias?: boolean;
  generator?: Generator;
  dtype?: DType;
}

/** What `TextbookRNN.run` returns. */
export interface TextbookRNNResult {
  /** o_t = V h_t + c: [B, T, out] for outputs 'all', [B, out] for 'last' (no batch axis when the input had none). */
  output: Tensor;
  /** h_1..h_T, each [B, H], the graph's own tensors (retainGrad them to read ∂L/∂h_t). */
  hiddens: Tensor[];
  /** h_T. */
  hN: Tensor;
}

/**
 * The recurrent network of the textbooks (Goodfellow et al., ch. 10), with
 * its parameters by their letters: U [H, in] input → hidden, W [H, H]
 * hidden → hidden, V [out, H] hidden → output, biases b [H] and c [out]:
 *
 *   h_t = f(U x_t + W h_{t−1} + b),   o_t = V h_t + c,   ŷ_t = softmax(o_t)
 *
 * The same U, V, W serve every step. Input x [B, T, in] (batch first) or
 * [T, in]; h0 [B, H] (zeros when absent). `forward` returns o (every step
 * or the last, see `outputs`), `probabilities` softmax(o), `run` also the
 * hidden states. All parameters start U(−1/√H, 1/√H).
 *
 * @example
 *   const net = new TextbookRNN(4, 16, 4, { outputs: 'last' });
 *   const logits = net.forward(x);                 // x [32, 50, 4] → [32, 4]
 *   const { hiddens } = net.run(x);                // 50 tensors [32, 16]
 */
export class TextbookRNN extends Module {
  U: Parameter;
  W: Parameter;
  V: Parameter;
  b: Parameter | null;
  c: Parameter | null;
  readonly activation: RNNNonlinearity;
  readonly outputs: 'all' | 'last';
  readonly truncate: number | null;

  constructor(readonly inputSize: number, readonly hiddenSize: number, readonly outputSize: number, opts: TextbookRNNOptions = {}) {
    super();
    checkSize('TextbookRNN', 'inputSize', inputSize, 0);
    checkSize('TextbookRNN', 'hiddenSize', hiddenSize);
    checkSize('TextbookRNN', 'outputSize', outputSize);
    this.activation = opts.activation ?? 'tanh';
    checkActivation('TextbookRNN', 'activation', this.activation);
    this.outputs = opts.outputs ?? 'all';
    if (this.outputs !== 'all' && this.outputs !== 'last') throw new ArgumentError(`TextbookRNN: outputs must be 'all' or 'last', got '${this.outputs}'`);
    this.truncate = opts.truncate ?? null;
    if (this.truncate !== null) checkSize('TextbookRNN', 'truncate', this.truncate);
    const bound = 1 / Math.sqrt(hiddenSize), dtype = opts.dtype ?? 'float32', g = opts.generator;
    this.U = uniformParameter([hiddenSize, inputSize], bound, dtype, g);
    this.W = uniformParameter([hiddenSize, hiddenSize], bound, dtype, g);
    this.V = uniformParameter([outputSize, hiddenSize], bound, dtype, g);
    const bias = opts.bias ?? true;
    this.b = bias ? uniformParameter([hiddenSize], bound, dtype, g) : null;
    this.c = bias ? uniformParameter([outputSize], bound, dtype, g) : null;
  }

  /** Unrolls over the sequence: the outputs, every h_t and h_T. */
  run(x: Tensor, h0?: Tensor | null): TextbookRNNResult {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${this.displayName}: expected input of shape [B, T, ${this.inputSize}] or [T, ${this.inputSize}], got shape ${fmtShape(x.shape)}`);
    }
    const isBatched = x.ndim === 3;
    const xb = isBatched ? x : x.unsqueeze(0);
    const [B, T] = xb.shape;
    if (T === 0) throw new ShapeError(`${this.displayName}: expected a sequence of at least one step, got shape ${fmtShape(x.shape)}`);
    const H = this.hiddenSize;
    let h: Tensor;
    if (h0 === null || h0 === undefined) h = zeros([B, H], { dtype: x.dtype === 'float64' ? 'float64' : this.U.dtype });
    else {
      const expected = isBatched ? [B, H] : [H];
      if (!sameShape(h0.shape, expected)) {
        throw new ShapeError(`${this.displayName}: expected h0 of shape ${fmtShape(expected)}, got ${fmtShape(h0.shape)}`);
      }
      h = isBatched ? h0 : h0.unsqueeze(0);
    }
    const steps: Tensor[] = [];
    for (let t = 0; t < T; t++) steps.push(xb.select(1, t));
    const ux = projectSteps(steps, this.U);
    const wT = this.W.T;
    const hiddens: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      // Truncated BPTT: the state entering a new window is cut from the graph.
      if (this.truncate !== null && t > 0 && t % this.truncate === 0) h = h.detach();
      h = rnnStep(ux[t], h, wT, this.b, this.activation);
      hiddens.push(h);
    }
    let output = this.outputs === 'last' ? F.linear(h, this.V, this.c) : F.linear(stack(hiddens, 1), this.V, this.c);
    if (!isBatched) output = output.squeeze(0);
    return { output, hiddens, hN: isBatched ? h : h.squeeze(0) };
  }

  /** o_t = V h_t + c for every step ([B, T, out]) or the last ([B, out]). */
  forward(x: Tensor, h0?: Tensor | null): Tensor {
    return this.run(x, h0).output;
  }

  /** ŷ_t = softmax(o_t) over the output axis. */
  probabilities(x: Tensor, h0?: Tensor | null): Tensor {
    return F.softmax(this.forward(x, h0), -1);
  }

  override extraRepr(): string {
    let s = `in=${this.inputSize}, hidden=${this.hiddenSize}, out=${this.outputSize}, activation=${this.activation}, outputs=${this.outputs}`;
    if (this.truncate !== null) s += `, truncate=${this.truncate}`;
    if (this.b === null) s += ', bias=False';
    return s;
  }
}

// ---- Embedding ------------------------------------------------------------------------------

/**
 * A lookup table, as `torch.nn.Embedding`: row i of weight [num, dim] is
 * the vector of token i (N(0, 1) initially). forward(ids) maps integer ids
 * of any shape to [..., dim]; the gradient reaches only the rows used.
 * @example new Embedding(85, 32).forward(tensor([[3, 1, 4]], { dtype: 'int32' }))  // [1, 3, 32]
 */
export class Embedding extends Module {
  weight: Parameter;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: { generator?: Generator; dtype?: DType } = {}) {
    super();
    checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    checkSize('Embedding', 'embeddingDim', embeddingDim);
    this.weight = new Parameter(init.normal_(zeros([numEmbeddings, embeddingDim], { dtype: opts.dtype ?? 'float32' }), 0, 1, opts.generator));
  }

  forward(ids: Tensor): Tensor {
    const v = ids.values();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] >= this.numEmbeddings) {
        throw new ShapeError(`${this.displayName}: index ${v[i]} at position ${i} is outside [0, ${this.numEmbeddings}) (ids of shape ${fmtShape(ids.shape)})`);
      }
    }
    return this.weight.indexSelect(0, v).reshape([...ids.shape, this.embeddingDim]);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}

// ---- Gradient norms over time ------------------------------------------------------------

/**
 * ‖∂L/∂h_t‖ for every step t: calls `run` (which builds the graph and
 * returns the loss and the hidden states h_1..h_T it used), keeps the
 * gradients of those states, backpropagates and returns their L2 norms
 * (over the whole [B, H] tensor). Each is the total derivative: through o_t
 * and through every later step. A state the loss does not reach gets 0.
 * Parameter gradients accumulate as after any `backward()`.
 *
 * Small norms at early t are vanishing gradients; growing ones, exploding.
 * @example
 *   const norms = hiddenGradNorms(() => {
 *     const { output, hiddens } = net.run(x);
 *     return { loss: F.crossEntropy(output, y), hiddens };
 *   });
 *   norms[0] / norms[norms.length - 1]   // 1e-12 for a vanilla RNN over 50 steps
 */
export function hiddenGradNorms(run: () => { loss: Tensor; hiddens: readonly Tensor[] }): number[] {
  const { loss, hiddens } = run();
  if (loss.size !== 1) throw new ShapeError(`hiddenGradNorms: the loss must be a scalar, got shape ${fmtShape(loss.shape)}`);
  for (const h of hiddens) {
    if (h.requiresGrad) {
      h.retainGrad();
      h.grad = null;
    }
  }
  loss.backward();
  return hiddens.map((h) => {
    if (!h.grad) return 0;
    const g = h.grad.values();
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    return Math.sqrt(s);
  });
}
