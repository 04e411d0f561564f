/**
 * Ready recurrent models: a classifier that reads an image row by row, and
 * a character-level language model that samples text with a temperature.
 *
 * @example
 *   const model = new RowClassifier({ cell: 'lstm', hidden: 128 });
 *   model.forward(images)                       // [64, 28, 28] → logits [64, 10]
 *
 *   const lm = new CharLM({ vocab, hidden: 128 });
 *   lm.sample('This License', 200, { temperature: 0.8, generator: new Generator(1) })
 */
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import { Generator, globalGenerator } from '../random';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import * as F from '../functional';
import { Module } from '../nn/module';
import { Linear } from '../nn/layers';
import { RNN, LSTM, GRU, TextbookRNN, Embedding, type RNNBase } from '../nn/recurrent';
import type { CharVocab } from '../data/text';

/** The recurrent layers the models can use: PyTorch's three, and the textbook U/V/W RNN for the classifier. */
export type CellType = 'rnn' | 'lstm' | 'gru';

/** The hidden state a layer carries: h, or [h, c] for an LSTM. */
export type RecurrentState = Tensor | readonly [Tensor, Tensor];

function recurrentLayer(owner: string, cell: string, inputSize: number, hidden: number, opts: {
  numLayers?: number; dropout?: number; generator?: Generator;
}): RNNBase {
  const o = { batchFirst: true, numLayers: opts.numLayers, dropout: opts.dropout, generator: opts.generator };
  switch (cell) {
    case 'rnn': return new RNN(inputSize, hidden, o);
    case 'lstm': return new LSTM(inputSize, hidden, o);
    case 'gru': return new GRU(inputSize, hidden, o);
    default: throw new ArgumentError(`${owner}: cell must be 'rnn', 'lstm' or 'gru', got '${cell}'`);
  }
}

/** Runs any of the three layers from `state`; returns the output and the new state. */
function runLayer(layer: RNNBase, x: Tensor, state: RecurrentState | null): [Tensor, RecurrentState] {
  if (layer instanceof LSTM) return layer.forward(x, state as [Tensor, Tensor] | null);
  return (layer as RNN | GRU).forward(x, state as Tensor | null);
}

// ---- Row-wise image classifier ----------------------------------------------------------------

export interface RowClassifierOptions {
  /** 'rnn' (tanh), 'lstm', 'gru', or 'textbook' (the U/V/W TextbookRNN, many-to-one). Default 'rnn'. */
  cell?: CellType | 'textbook';
  /** Hidden units (default 128). */
  hidden?: number;
  /** Features per row, the input size (default 28). */
  features?: number;
  /** Classes (default 10). */
  classes?: number;
  /** Stacked recurrent layers (default 1; not for 'textbook'). */
  numLayers?: number;
  generator?: Generator;
}

/**
 * Reads an image one row per step (28 steps of 28 pixels for Fashion-MNIST)
 * and classifies it from the last step's hidden state:
 *
 *   h_t = cell(row_t, h_{t−1}),   logits = W_fc h_28 + b_fc
 *
 * Input [B, 28, 28] (also [B, 1, 28, 28] or [B, 784]) → logits [B, 10].
 * With 'textbook' the output layer is the cell's own V, c.
 * @example
 *   const model = new RowClassifier({ cell: 'lstm', hidden: 128 });
 *   await fit(model, { trainLoader, optimizer: new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }) });
 */
export class RowClassifier extends Module {
  readonly cell: CellType | 'textbook';
  readonly features: number;
  rnn: RNNBase | TextbookRNN;
  fc: Linear | null;

  constructor(opts: RowClassifierOptions = {}) {
    super();
    this.cell = opts.cell ?? 'rnn';
    const hidden = opts.hidden ?? 128, classes = opts.classes ?? 10;
    this.features = opts.features ?? 28;
    if (this.cell === 'textbook') {
      this.rnn = new TextbookRNN(this.features, hidden, classes, { outputs: 'last', generator: opts.generator });
      this.fc = null;
    } else {
      this.rnn = recurrentLayer('RowClassifier', this.cell, this.features, hidden, { numLayers: opts.numLayers, generator: opts.generator });
      this.fc = new Linear(hidden, classes, { generator: opts.generator });
    }
  }

  /** The images as [B, rows, features]. */
  #rows(x: Tensor): Tensor {
    const f = this.features;
    if (x.ndim === 3 && x.shape[2] === f) return x;
    if (x.ndim === 4 && x.shape[1] === 1 && x.shape[3] === f) return x.reshape([x.shape[0], x.shape[2], f]);
    if (x.ndim === 2 && x.shape[1] % f === 0 && x.shape[1] > 0) return x.reshape([x.shape[0], x.shape[1] / f, f]);
    throw new ShapeError(`${this.displayName}: expected images of shape [B, rows, ${f}], [B, 1, rows, ${f}] or [B, rows·${f}], got shape ${fmtShape(x.shape)}`);
  }

  /** The logits and the top layer's hidden state at every step (for `hiddenGradNorms`). */
  run(x: Tensor): { logits: Tensor; hiddens: Tensor[] } {
    const rows = this.#rows(x);
    if (this.rnn instanceof TextbookRNN) {
      const { output, hiddens } = this.rnn.run(rows);
      return { logits: output, hiddens };
    }
    const { hN, hiddens } = this.rnn.unroll(rows);
    return { logits: this.fc!.forward(hN.select(0, hN.shape[0] - 1)), hiddens: hiddens[hiddens.length - 1] };
  }

  forward(x: Tensor): Tensor {
    const rows = this.#rows(x);
    if (this.rnn instanceof TextbookRNN) return this.rnn.forward(rows);
    const [, state] = runLayer(this.rnn, rows, null);
    const hN = state instanceof Tensor ? state : state[0];
    return this.fc!.forward(hN.select(0, hN.shape[0] - 1));
  }
}

// ---- Character-level language model ---------------------------------------------------------------

export interface CharLMOptions {
  /** The characters the model reads and writes. */
  vocab: CharVocab;
  /** 'lstm' (default), 'gru' or 'rnn'. */
  cell?: CellType;
  /** Hidden units per layer (default 128). */
  hidden?: number;
  /** Size of the character embedding (default 32). */
  embedding?: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Dropout between layers (default 0). */
  dropout?: number;
  generator?: Generator;
}

export interface SampleOptions {
  /**
   * Softmax temperature τ: p_i ∝ exp(logit_i / τ). 1 (default) samples the
   * model's distribution, lower is more conservative, 0 is greedy (argmax),
   * higher is more diverse.
   */
  temperature?: number;
  /** Source of the draws (default the global generator); the same seed gives the same text. */
  generator?: Generator;
}

/**
 * Draws an index from softmax(logits / τ); τ = 0 gives the argmax (the first
 * one on ties). Uses one `generator.uniform()` per draw (none for τ = 0).
 * @example sampleLogits([1, 3, 2], 0)  // 1
 */
export function sampleLogits(logits: ArrayLike<number>, temperature = 1, generator: Generator = globalGenerator): number {
  if (!(temperature >= 0)) throw new ArgumentError(`sampleLogits: temperature must be ≥ 0, got ${temperature}`);
  if (logits.length === 0) throw new ArgumentError('sampleLogits: no logits');
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  const p = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    p[i] = Math.exp((logits[i] - logits[best]) / temperature);
    total += p[i];
  }
  let u = generator.uniform() * total;
  for (let i = 0; i < p.length; i++) {
    u -= p[i];
    if (u < 0) return i;
  }
  return best;
}

/**
 * A character-level language model (Karpathy's char-rnn): each character id
 * is embedded, a recurrent layer reads the sequence, and a linear head
 * gives logits for the next character at every step:
 *
 *   e_t = E[x_t],  h_t = cell(e_t, h_{t−1}),  logits_t = W h_t + b,
 *   loss = mean_t cross-entropy(logits_t, x_{t+1})
 *
 * forward(ids [B, T]) → logits [B, T, V]; train with `fit(model, { lossFn: CharLM.loss, ... })`.
 * @example
 *   const lm = new CharLM({ vocab, hidden: 128 });
 *   lm.sample('GNU ', 100, { temperature: 0.5 })
 */
export class CharLM extends Module {
  readonly vocab: CharVocab;
  embed: Embedding;
  rnn: RNNBase;
  head: Linear;

  constructor(opts: CharLMOptions) {
    super();
    if (!opts || !opts.vocab) throw new ArgumentError('CharLM: needs a vocab (CharVocab.fromText(text))');
    this.vocab = opts.vocab;
    const hidden = opts.hidden ?? 128, dim = opts.embedding ?? 32;
    this.embed = new Embedding(this.vocab.size, dim, { generator: opts.generator });
    this.rnn = recurrentLayer('CharLM', opts.cell ?? 'lstm', dim, hidden, { numLayers: opts.numLayers, dropout: opts.dropout, generator: opts.generator });
    this.head = new Linear(hidden, this.vocab.size, { generator: opts.generator });
  }

  /** Logits [B, T, V] and the final state, from `state` (zeros when null). */
  step(ids: Tensor, state: RecurrentState | null = null): [Tensor, RecurrentState] {
    if (ids.ndim !== 2) throw new ShapeError(`${this.displayName}: expected character ids of shape [B, T], got shape ${fmtShape(ids.shape)}`);
    const [out, next] = runLayer(this.rnn, this.embed.forward(ids), state);
    return [this.head.forward(out), next];
  }

  forward(ids: Tensor): Tensor {
    return this.step(ids)[0];
  }

  /** Mean cross-entropy of logits [B, T, V] against the next characters [B, T]. */
  static loss(logits: Tensor, targets: Tensor): Tensor {
    const V = logits.shape[logits.ndim - 1];
    return F.crossEntropy(logits.reshape([-1, V]), targets.reshape([-1]));
  }

  /**
   * `length` new characters after `prompt`: the prompt is read, then each
   * drawn character is fed back in (see `SampleOptions.temperature`).
   * Runs in eval mode without a graph; returns only the new characters.
   */
  sample(prompt: string, length: number, opts: SampleOptions = {}): string {
    const temperature = opts.temperature ?? 1;
    const generator = opts.generator ?? globalGenerator;
    if (!(temperature >= 0)) throw new ArgumentError(`${this.displayName}.sample: temperature must be ≥ 0, got ${temperature}`);
    if (!Number.isInteger(length) || length < 0) throw new ArgumentError(`${this.displayName}.sample: length must be a non-negative integer, got ${length}`);
    if (prompt.length === 0) throw new ArgumentError(`${this.displayName}.sample: the prompt must have at least one character`);
    const promptIds = this.vocab.encode(prompt);
    const wasTraining = this.training;
    this.eval();
    try {
      return noGrad(() => {
        let [logits, state] = this.step(promptIds.reshape([1, -1]));
        const out = new Int32Array(length);
        for (let i = 0; i < length; i++) {
          const last = logits.select(1, logits.shape[1] - 1).select(0, 0);
          out[i] = sampleLogits(last.values(), temperature, generator);
          if (i + 1 < length) [logits, state] = this.step(new Tensor(Int32Array.of(out[i]), [1, 1]), state);
        }
        return this.vocab.decode(out);
      });
    } finally {
      this.train(wasTraining);
    }
  }
}
