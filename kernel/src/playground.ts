/**
 * TensorFlow Playground in a notebook: a small MLP learning a 2-D toy dataset
 * (circle, xor, spirals, gaussians), drawn as one PNG: the decision regions
 * with the data points, the loss curves, and every hidden neuron's output
 * over the plane as a thumbnail.
 *
 * Two ways to run it:
 * - `pg.show()` (or `pg.widget()` as a cell's last expression) displays
 *   widgets: dataset, noise, hidden layers, width, activation, learning rate,
 *   L2, batch size, Play/Pause and Reset, and an Image redrawn live while the
 *   network trains in the kernel (a frame of `stepsPerFrame` steps, then a
 *   yield with setImmediate so widget messages are handled). Changing the
 *   data or the architecture rebuilds the model; the learning rate, L2 and
 *   batch size re-tune the running one.
 * - `await pg.run({ steps, ...settings })` trains headless with fixed
 *   settings and returns the final frame (shown as `image/png`, and saved to
 *   `save` if given).
 *
 * The model: `hiddenLayers` × Linear(width) + activation, then Linear(1) to a
 * logit z; p = σ(z) is the probability of class 1. Loss: binary
 * cross-entropy on the logit, mean over the batch. Optimiser: plain SGD,
 * with the L2 penalty λ on the weights (not the biases), so each step is
 * W ← W − η(∂L/∂W + λW). With zero hidden layers the model is
 * σ(w·x + b): a straight boundary, which cannot separate XOR.
 *
 * @example
 *   import { Playground } from 'nnlab/kernel';
 *   const pg = new Playground({ dataset: 'xor', hiddenLayers: 2, width: 8 });
 *   pg.show();                                   // widgets; press Play
 *   const r = await pg.run({ steps: 2000 });     // headless: r.testAccuracy, r.png
 */
import { writeFileSync } from 'node:fs';
import '../../src/ops/rules'; // the backward rules (training here needs them even when nnlab's index is not loaded)
import { noGrad } from '../../src/autograd';
import { ArgumentError } from '../../src/errors';
import { binaryCrossEntropyWithLogits } from '../../src/functional';
import { TOY2D_NAMES, toy2d, type Toy2DName } from '../../src/data/toy2d';
import { Linear } from '../../src/nn/layers';
import { SGD } from '../../src/optim/sgd';
import { Generator } from '../../src/random';
import { tensor, type Tensor } from '../../src/tensor';
import type { MediaBundle } from '../protocol';
import { Canvas, FRAME, INK, LINE_HEIGHT, MUTED, TEXT_SIZE, WHITE, textWidth } from './canvas';
import { bundleOf, display, DISPLAY } from './display';
import { finiteRange } from './tiles';
import * as widgets from './widgets';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;
export type PlaygroundActivation = (typeof ACTIVATIONS)[number];
export const BATCH_SIZES = [1, 5, 10, 20, 50, 100] as const;

/** Everything that defines a Playground run. */
export interface PlaygroundSettings {
  dataset: Toy2DName;
  /** Standard deviation of the Gaussian jitter on the points (0 to 0.5). */
  noise: number;
  /** Number of hidden layers, 0 to 4 (0: logistic regression, a straight boundary). */
  hiddenLayers: number;
  /** Neurons per hidden layer, 1 to 8. */
  width: number;
  activation: PlaygroundActivation;
  /** SGD learning rate η. */
  learningRate: number;
  /** L2 penalty λ on the weights (0: none). */
  l2: number;
  batchSize: number;
  /** Number of points (half for training, half for testing). */
  samples: number;
  /** Seed of the data, the initial weights and the batch order. */
  seed: number;
  /** SGD steps per drawn frame (default: one epoch, ceil(training points / batch size)). */
  stepsPerFrame: number | null;
}

export const DEFAULT_SETTINGS: PlaygroundSettings = {
  dataset: 'circle', noise: 0, hiddenLayers: 2, width: 4, activation: 'tanh', learningRate: 0.1, l2: 0,
  batchSize: 10, samples: 400, seed: 0, stepsPerFrame: null,
};

/** Options of `run`: fixed settings, how many steps, and where to save the final PNG. */
export interface PlaygroundRunOptions extends Partial<PlaygroundSettings> {
  /** SGD steps to train (default 1000). */
  steps?: number;
  /** A path to write the final frame to, as PNG. */
  save?: string;
}

/** Side of the evaluation grid over the plane (cells); the heatmap draws each cell as SCALE × SCALE pixels. */
const GRID = 64;
const SCALE = 4;
/** The plane shown: [−EXTENT, EXTENT]². */
const EXTENT = 1.3;
/** Thumbnails show every THUMB_STEP-th grid cell. */
const THUMB_STEP = 2;
const THUMB = GRID / THUMB_STEP;

/** The colours of the two classes' points and of the test-loss curve. */
const CLASS0 = '#103ea0';
const CLASS1 = '#c83c00';
const TEST_CURVE = '#e67814';

function checkSettings(s: PlaygroundSettings, where: string): void {
  const fail = (name: string, expected: string, got: unknown) => {
    throw new ArgumentError(`${where}: ${name} must be ${expected}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`);
  };
  const known = Object.keys(DEFAULT_SETTINGS);
  for (const k of Object.keys(s)) if (!known.includes(k)) throw new ArgumentError(`${where}: unknown setting '${k}' (settings: ${known.join(', ')})`);
  if (!(TOY2D_NAMES as readonly string[]).includes(s.dataset)) fail('dataset', `one of ${TOY2D_NAMES.join(', ')}`, s.dataset);
  if (!(typeof s.noise === 'number' && s.noise >= 0 && s.noise <= 1)) fail('noise', 'a number in [0, 1]', s.noise);
  if (!(Number.isInteger(s.hiddenLayers) && s.hiddenLayers >= 0 && s.hiddenLayers <= 4)) fail('hiddenLayers', 'an integer from 0 to 4', s.hiddenLayers);
  if (!(Number.isInteger(s.width) && s.width >= 1 && s.width <= 8)) fail('width', 'an integer from 1 to 8', s.width);
  if (!(ACTIVATIONS as readonly string[]).includes(s.activation)) fail('activation', `one of ${ACTIVATIONS.join(', ')}`, s.activation);
  if (!(typeof s.learningRate === 'number' && s.learningRate > 0 && Number.isFinite(s.learningRate))) fail('learningRate', 'a positive number', s.learningRate);
  if (!(typeof s.l2 === 'number' && s.l2 >= 0 && Number.isFinite(s.l2))) fail('l2', 'a number ≥ 0', s.l2);
  if (!(Number.isInteger(s.samples) && s.samples >= 4)) fail('samples', 'an integer ≥ 4', s.samples);
  if (!(Number.isInteger(s.batchSize) && s.batchSize >= 1 && s.batchSize <= s.samples >> 1)) fail('batchSize', `an integer from 1 to the ${s.samples >> 1} training points`, s.batchSize);
  if (!Number.isInteger(s.seed)) fail('seed', 'an integer', s.seed);
  if (s.stepsPerFrame !== null && !(Number.isInteger(s.stepsPerFrame) && s.stepsPerFrame >= 1)) fail('stepsPerFrame', 'a positive integer or null', s.stepsPerFrame);
}

/** The numbers of one moment of training. */
export interface PlaygroundStats {
  step: number;
  trainLoss: number;
  testLoss: number;
  /** Fractions in [0, 1]. */
  trainAccuracy: number;
  testAccuracy: number;
}

/** A drawn frame: the PNG and the numbers it shows; displays as `image/png`. */
export class PlaygroundFrame implements PlaygroundStats {
  readonly step: number;
  readonly trainLoss: number;
  readonly testLoss: number;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;

  constructor(readonly png: Buffer, stats: PlaygroundStats, readonly settings: Readonly<PlaygroundSettings>, readonly width: number, readonly height: number) {
    ({ step: this.step, trainLoss: this.trainLoss, testLoss: this.testLoss, trainAccuracy: this.trainAccuracy, testAccuracy: this.testAccuracy } = stats);
  }

  toString(): string {
    return `Playground ${describeSettings(this.settings)}: step ${this.step}, train loss ${this.trainLoss.toFixed(3)}, test loss ${this.testLoss.toFixed(3)}, `
      + `train accuracy ${(100 * this.trainAccuracy).toFixed(1)}%, test accuracy ${(100 * this.testAccuracy).toFixed(1)}%`;
  }

  [DISPLAY](): MediaBundle {
    return { 'image/png': this.png.toString('base64'), 'text/plain': this.toString() };
  }
}

function describeSettings(s: PlaygroundSettings): string {
  const net = s.hiddenLayers === 0 ? 'no hidden layer' : `${Array(s.hiddenLayers).fill(s.width).join('-')} ${s.activation}`;
  return `${s.dataset} (noise ${s.noise}), ${net}, lr ${fmtSci(s.learningRate)}, L2 ${s.l2 === 0 ? 0 : fmtSci(s.l2)}, batch ${s.batchSize}`;
}

function fmtSci(v: number): string {
  return v >= 0.01 && v < 100 ? String(Number(v.toPrecision(2))) : v.toExponential(0);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Layer {
  linear: Linear;
}

/**
 * A Playground: data, model, optimiser and the drawing of frames, with
 * widgets to steer it (see the file's comment).
 */
export class Playground {
  #settings: PlaygroundSettings;
  #layers: Layer[] = [];
  #optimizer!: SGD;
  #order!: Generator;
  #trainX!: Float32Array;
  #trainY!: Float32Array;
  #testX!: Float32Array;
  #testY!: Float32Array;
  #perm: Int32Array = new Int32Array(0);
  #cursor = 0;
  #step = 0;
  #resets = 0;
  #history: PlaygroundStats[] = [];
  #grid: Tensor;
  #ui: PlaygroundWidgets | null = null;
  #playing = false;
  #loop: Promise<void> | null = null;
  /** Milliseconds of the last frames (training + drawing), for `framesPerSecond`. */
  #frameMs: number[] = [];
  /** At most this many frames per second while playing (the loop sleeps when ahead). */
  maxFps = 30;

  constructor(settings: Partial<PlaygroundSettings> = {}) {
    this.#settings = { ...DEFAULT_SETTINGS, ...settings };
    checkSettings(this.#settings, 'Playground');
    const g = new Float32Array(GRID * GRID * 2);
    for (let r = 0; r < GRID; r++) {
      for (let c = 0; c < GRID; c++) {
        // row 0 is the top of the image: x₂ = +EXTENT
        g[2 * (r * GRID + c)] = -EXTENT + (2 * EXTENT * (c + 0.5)) / GRID;
        g[2 * (r * GRID + c) + 1] = EXTENT - (2 * EXTENT * (r + 0.5)) / GRID;
      }
    }
    this.#grid = tensor(g, { shape: [GRID * GRID, 2] });
    this.makeData();
    this.makeModel();
  }

  /** A copy of the current settings. */
  get settings(): Readonly<PlaygroundSettings> {
    return { ...this.#settings };
  }

  /** SGD steps taken since the model was built. */
  get step(): number {
    return this.#step;
  }

  get playing(): boolean {
    return this.#playing;
  }

  /** Loss and accuracy after each frame since the model was built. */
  get history(): readonly PlaygroundStats[] {
    return this.#history;
  }

  /** Frames per second of the last (up to 30) frames while playing: training plus drawing, not the sleeps. */
  get framesPerSecond(): number {
    if (this.#frameMs.length === 0) return 0;
    return 1000 / (this.#frameMs.reduce((a, b) => a + b, 0) / this.#frameMs.length);
  }

  /**
   * Changes settings: the data or the architecture (dataset, noise, samples,
   * seed, hiddenLayers, width, activation) rebuild the model from fresh
   * weights; learningRate, l2, batchSize and stepsPerFrame re-tune the
   * model as it is. The widgets follow.
   */
  configure(changes: Partial<PlaygroundSettings>): void {
    const next = { ...this.#settings, ...changes };
    checkSettings(next, 'Playground.configure');
    const changed = (Object.keys(changes) as (keyof PlaygroundSettings)[]).filter((k) => changes[k] !== this.#settings[k]);
    if (changed.length === 0) return;
    this.#settings = next;
    const dataChanged = changed.some((k) => ['dataset', 'noise', 'samples', 'seed'].includes(k));
    if (dataChanged) this.makeData();
    if (dataChanged || changed.some((k) => ['hiddenLayers', 'width', 'activation'].includes(k))) this.makeModel();
    else this.tune();
    this.#ui?.sync(this.#settings);
  }

  /** Fresh random weights (another draw each time), step 0, history cleared. */
  reset(): void {
    this.#resets++;
    this.makeModel();
  }

  private makeData(): void {
    const { dataset, noise, samples, seed } = this.#settings;
    const { x, y } = toy2d(dataset, { n: samples, noise, seed });
    const xs = x.values() as Float32Array, ys = y.values() as Int32Array;
    const nTrain = samples >> 1;
    this.#trainX = xs.slice(0, 2 * nTrain);
    this.#trainY = Float32Array.from(ys.subarray(0, nTrain));
    this.#testX = xs.slice(2 * nTrain);
    this.#testY = Float32Array.from(ys.subarray(nTrain));
  }

  private makeModel(): void {
    const { hiddenLayers, width, seed } = this.#settings;
    const g = new Generator(seed * 7919 + this.#resets);
    const sizes = [2, ...Array<number>(hiddenLayers).fill(width), 1];
    this.#layers = sizes.slice(1).map((out, i) => ({ linear: new Linear(sizes[i], out, { generator: g }) }));
    this.#order = new Generator(seed * 104729 + this.#resets + 1);
    this.#perm = this.#order.permutation(this.#trainY.length);
    this.#cursor = 0;
    this.#step = 0;
    this.#history = [];
    this.tune();
    this.#history.push(this.evaluate());
  }

  /** A new optimiser with the current learning rate and L2 (plain SGD keeps no state to carry over). */
  private tune(): void {
    const { learningRate, l2 } = this.#settings;
    this.#optimizer = new SGD([
      { params: this.#layers.map((l) => l.linear.weight), weightDecay: l2 },
      { params: this.#layers.map((l) => l.linear.bias!), weightDecay: 0 },
    ], { lr: learningRate });
  }

  private activate(t: Tensor): Tensor {
    const a = this.#settings.activation;
    return a === 'relu' ? t.relu() : a === 'tanh' ? t.tanh() : t.sigmoid();
  }

  /** The logits [n, 1], and with `keep` every hidden layer's output [n, width]. */
  private forward(x: Tensor, keep?: Tensor[]): Tensor {
    let h = x;
    this.#layers.forEach((l, i) => {
      h = l.linear.forward(h);
      if (i < this.#layers.length - 1) {
        h = this.activate(h);
        keep?.push(h);
      }
    });
    return h;
  }

  /** One SGD step on the next mini-batch (a new shuffle of the training points each epoch). */
  private trainStep(): void {
    const { batchSize } = this.#settings;
    const n = this.#trainY.length;
    const bx = new Float32Array(batchSize * 2), by = new Float32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      if (this.#cursor >= n) {
        this.#perm = this.#order.permutation(n);
        this.#cursor = 0;
      }
      const j = this.#perm[this.#cursor++];
      bx[2 * i] = this.#trainX[2 * j];
      bx[2 * i + 1] = this.#trainX[2 * j + 1];
      by[i] = this.#trainY[j];
    }
    const logits = this.forward(tensor(bx, { shape: [batchSize, 2] }));
    const loss = binaryCrossEntropyWithLogits(logits, tensor(by, { shape: [batchSize, 1] }));
    this.#optimizer.zeroGrad();
    loss.backward();
    this.#optimizer.step();
    this.#step++;
  }

  /** Mean loss and accuracy on the training and the test points. */
  private evaluate(): PlaygroundStats {
    return noGrad(() => {
      const part = (xs: Float32Array, ys: Float32Array) => {
        const logits = this.forward(tensor(xs, { shape: [ys.length, 2] }));
        const loss = binaryCrossEntropyWithLogits(logits, tensor(ys, { shape: [ys.length, 1] })).item();
        const z = logits.values();
        let right = 0;
        for (let i = 0; i < ys.length; i++) if ((z[i] > 0 ? 1 : 0) === ys[i]) right++;
        return { loss, accuracy: right / ys.length };
      };
      const train = part(this.#trainX, this.#trainY), test = part(this.#testX, this.#testY);
      return { step: this.#step, trainLoss: train.loss, testLoss: test.loss, trainAccuracy: train.accuracy, testAccuracy: test.accuracy };
    });
  }

  private stepsPerFrame(): number {
    return this.#settings.stepsPerFrame ?? Math.ceil(this.#trainY.length / this.#settings.batchSize);
  }

  /** Trains one frame's steps (at most `limit`), records the loss, returns the stats. */
  private trainFrame(limit = Infinity): PlaygroundStats {
    const steps = Math.min(this.stepsPerFrame(), limit);
    for (let i = 0; i < steps; i++) this.trainStep();
    const stats = this.evaluate();
    this.#history.push(stats);
    if (this.#history.length > 2000) this.#history = this.#history.filter((_, i) => i % 2 === 0 || i === this.#history.length - 1);
    return stats;
  }

  /** Draws the current state: decision regions and points, loss curves, hidden neurons. */
  draw(): PlaygroundFrame {
    const stats = this.#history[this.#history.length - 1];
    const hidden: Tensor[] = [];
    const probs = noGrad(() => this.forward(this.#grid, hidden).sigmoid().values());
    const hiddenValues = hidden.map((h) => h.values());
    const { hiddenLayers, width } = this.#settings;

    const pad = 8, line = LINE_HEIGHT;
    const side = GRID * SCALE;
    const top = pad + 2 * line + 4;
    const thumbGap = 6, colGap = 14;
    // NOTE: between the regions and the neurons, the colour bar of p (a strip and its labels)
    const barX = pad + side + 6, neuronsX = barX + 8 + 44;
    const thumbs = Math.max(1, width);
    const neuronsH = thumbs * (THUMB + thumbGap);
    const columns = Math.max(1, hiddenLayers);
    const W = Math.max(neuronsX + columns * (THUMB + colGap) + pad, 480);
    const curveTop = top + Math.max(side, neuronsH + line) + 12;
    const curveH = 72;
    const H = curveTop + line + curveH + pad + line;
    const c = new Canvas(W, H, 'coolwarm');

    // title lines
    c.text(pad, pad, describeSettings(this.#settings), INK);
    c.text(pad, pad + line, `step ${stats.step}   train loss ${stats.trainLoss.toFixed(3)}   test loss ${stats.testLoss.toFixed(3)}   test accuracy ${(100 * stats.testAccuracy).toFixed(1)}%`, MUTED);

    // decision regions: p through the colour map, a little lighter than full strength so the points stand out
    c.heatmap(pad, top, probs, 0, GRID, GRID, GRID, -0.35, 1.35, SCALE);
    c.frame(pad, top, side, side);
    // the decision boundary p = 0.5: cells whose class differs from the cell to the right or below
    for (let r = 0; r < GRID; r++) {
      for (let q = 0; q < GRID; q++) {
        const here = probs[r * GRID + q] > 0.5;
        const right = q + 1 < GRID && probs[r * GRID + q + 1] > 0.5 !== here;
        const below = r + 1 < GRID && probs[(r + 1) * GRID + q] > 0.5 !== here;
        if (right) c.fillRect(pad + (q + 1) * SCALE - 1, top + r * SCALE, 2, SCALE, INK);
        if (below) c.fillRect(pad + q * SCALE, top + (r + 1) * SCALE - 1, SCALE, 2, INK);
      }
    }
    const toPx = (v: number) => ((v + EXTENT) / (2 * EXTENT)) * side;
    // NOTE: in passes by colour (white rims, class 0, class 1, hollow centres): each colour is set once, not per point.
    const dots = (xs: Float32Array, ys: Float32Array, pass: (px: number, py: number, label: number) => void) => {
      for (let i = 0; i < ys.length; i++) {
        const px = Math.round(pad + toPx(xs[2 * i])), py = Math.round(top + side - toPx(xs[2 * i + 1]));
        if (px < pad + 2 || py < top + 2 || px > pad + side - 3 || py > top + side - 3) continue;
        pass(px, py, ys[i]);
      }
    };
    for (const [xs, ys] of [[this.#trainX, this.#trainY], [this.#testX, this.#testY]]) dots(xs, ys, (px, py) => c.fillRect(px - 2, py - 2, 5, 5, WHITE));
    for (const label of [0, 1]) {
      for (const [xs, ys] of [[this.#trainX, this.#trainY], [this.#testX, this.#testY]]) {
        dots(xs, ys, (px, py, l) => l === label && c.fillRect(px - 1, py - 1, 3, 3, label === 1 ? CLASS1 : CLASS0));
      }
    }
    dots(this.#testX, this.#testY, (px, py) => c.fillRect(px, py, 1, 1, WHITE));
    // the colour bar of the regions: p from 1 (top) to 0, through the same lightened colour map
    const barValues = Float32Array.from({ length: side * 8 }, (_, i) => 1 - Math.floor(i / 8) / (side - 1));
    c.heatmap(barX, top, barValues, 0, side, 8, 8, -0.35, 1.35, 1);
    c.frame(barX, top, 8, side);
    c.text(barX + 11, top, 'p=1', MUTED, { size: TEXT_SIZE - 3 });
    c.text(barX + 11, top + side / 2 - 5, '0.5', MUTED, { size: TEXT_SIZE - 3 });
    c.text(barX + 11, top + side - 9, '0', MUTED, { size: TEXT_SIZE - 3 });

    // hidden neurons: one column per layer, each neuron's output over the plane in its own range
    if (hiddenLayers === 0) {
      c.text(neuronsX, top, 'no hidden layer:', MUTED);
      c.text(neuronsX, top + line, 'p = sigmoid(w.x + b)', MUTED);
    }
    hiddenValues.forEach((values, layer) => {
      const x0 = neuronsX + layer * (THUMB + colGap);
      c.text(x0, top, `h${layer + 1}`, MUTED);
      const sub = new Float32Array(THUMB * THUMB);
      for (let n = 0; n < width; n++) {
        for (let r = 0; r < THUMB; r++) {
          for (let q = 0; q < THUMB; q++) sub[r * THUMB + q] = values[((r * THUMB_STEP) * GRID + q * THUMB_STEP) * width + n];
        }
        let [lo, hi] = finiteRange(sub);
        if (hi - lo < 1e-6) [lo, hi] = [lo - 1, hi + 1];
        const y0 = top + line + n * (THUMB + thumbGap);
        c.heatmap(x0, y0, sub, 0, THUMB, THUMB, THUMB, lo, hi, 1);
        c.frame(x0, y0, THUMB, THUMB);
      }
    });

    // loss curves over steps: train (ink) and test (orange), on a shared scale from 0
    const hist = this.#history;
    const cx = pad + 30, cw = W - cx - pad;
    c.text(pad, curveTop, 'loss', INK);
    c.text(pad + textWidth('loss ') + 4, curveTop, 'train', INK);
    c.text(pad + textWidth('loss train ') + 8, curveTop, 'test', TEST_CURVE);
    const cy = curveTop + line;
    c.frame(cx, cy, cw, curveH, FRAME);
    const maxLoss = Math.max(1e-3, ...hist.map((h) => Math.max(finite(h.trainLoss), finite(h.testLoss))));
    const lastStep = Math.max(1, hist[hist.length - 1].step);
    c.text(pad, cy, maxLoss.toFixed(2), MUTED);
    c.text(pad, cy + curveH - TEXT_SIZE, '0', MUTED);
    const xOf = (s: number) => cx + (s / lastStep) * (cw - 1);
    const yOf = (v: number) => cy + curveH - 1 - (Math.min(finite(v), maxLoss) / maxLoss) * (curveH - 1);
    for (const [key, color] of [['testLoss', TEST_CURVE], ['trainLoss', INK]] as const) {
      c.polyline(hist.map((h) => [xOf(h.step), yOf(h[key])]), color, 1.5);
    }
    c.text(cx, cy + curveH + 3, '0', MUTED);
    const stepLabel = `step ${lastStep}`;
    c.text(cx + cw - textWidth(stepLabel), cy + curveH + 3, stepLabel, MUTED);
    // NOTE: a fast deflate level: a frame is redrawn many times a second and replaced at once.
    return new PlaygroundFrame(c.toPNG(2), stats, this.settings, W, H);
  }

  /**
   * Trains headless with fixed settings: `steps` SGD steps (in frames, with a
   * yield between them so the kernel stays responsive), then draws the final
   * frame, saves it to `save` if given and returns it.
   * @example const frame = await new Playground().run({ dataset: 'xor', hiddenLayers: 0, steps: 1000 });
   */
  async run(opts: PlaygroundRunOptions = {}): Promise<PlaygroundFrame> {
    const { steps = 1000, save, ...settings } = opts;
    if (!(Number.isInteger(steps) && steps >= 0)) throw new ArgumentError(`Playground.run: steps must be a non-negative integer, got ${String(steps)}`);
    this.pause();
    await this.#loop;
    this.configure(settings);
    const end = this.#step + steps;
    while (this.#step < end) {
      this.trainFrame(end - this.#step);
      await yieldToEventLoop();
    }
    const frame = this.draw();
    this.#ui?.show(frame);
    if (save !== undefined) writeFileSync(save, frame.png);
    return frame;
  }

  /** Starts training frame after frame, redrawing the widgets' image, until `pause()`. */
  play(): void {
    if (this.#playing) return;
    this.#playing = true;
    this.#ui?.setPlaying(true);
    this.#loop ??= this.loop().finally(() => (this.#loop = null));
  }

  pause(): void {
    this.#playing = false;
    this.#ui?.setPlaying(false);
  }

  /** The frames, until paused; an error stops the loop, shows in the status line and goes to stderr (the kernel log). */
  private async loop(): Promise<void> {
    try {
      await this.frames();
    } catch (err) {
      this.pause();
      const message = `Playground stopped at step ${this.#step}: ${err instanceof Error ? err.message : String(err)}`;
      this.#ui?.status.setState({ value: message });
      console.error(message);
    }
  }

  private async frames(): Promise<void> {
    while (this.#playing) {
      const t0 = performance.now();
      this.trainFrame();
      const frame = this.draw();
      this.#ui?.show(frame);
      const ms = performance.now() - t0;
      this.#frameMs.push(ms);
      if (this.#frameMs.length > 30) this.#frameMs.shift();
      // NOTE: always yield (setImmediate lets widget messages in); sleep too when faster than maxFps.
      const spare = 1000 / this.maxFps - ms;
      await (spare > 1 ? sleep(spare) : yieldToEventLoop());
    }
  }

  /** The widgets (made on first use): controls, the live image and a status line. */
  widget(): widgets.VBox {
    this.#ui ??= new PlaygroundWidgets(this);
    this.#ui.show(this.draw());
    return this.#ui.box;
  }

  /** Displays the widgets. */
  show(): void {
    display(this.widget());
  }

  [DISPLAY](): MediaBundle {
    return bundleOf(this.widget());
  }
}

function finite(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

/** L2 slider: log₁₀ λ from L2_MIN_EXP to −1; its leftmost position means λ = 0 (TensorFlow Playground's "none"). */
const L2_MIN_EXP = -6;

/** The Playground's widgets, wired both ways to its settings. */
class PlaygroundWidgets {
  readonly box: widgets.VBox;
  readonly image: widgets.Image;
  readonly status: widgets.Label;
  readonly playButton: widgets.Button;
  readonly resetButton: widgets.Button;
  readonly controls: {
    dataset: widgets.Dropdown<string>; noise: widgets.FloatSlider; hiddenLayers: widgets.IntSlider; width: widgets.IntSlider;
    activation: widgets.Dropdown<string>; learningRate: widgets.FloatLogSlider; l2: widgets.FloatLogSlider; batchSize: widgets.Dropdown<number>;
  };
  #syncing = false;

  constructor(readonly playground: Playground) {
    const s = playground.settings;
    const wide = { description_width: '90px' };
    this.controls = {
      dataset: new widgets.Dropdown<string>({ options: [...TOY2D_NAMES], value: s.dataset, description: 'dataset', style: wide }),
      noise: new widgets.FloatSlider({ value: s.noise, min: 0, max: 0.5, step: 0.01, description: 'noise', continuous_update: false, style: wide }),
      hiddenLayers: new widgets.IntSlider({ value: s.hiddenLayers, min: 0, max: 4, description: 'hidden layers', continuous_update: false, style: wide }),
      width: new widgets.IntSlider({ value: s.width, min: 1, max: 8, description: 'neurons', continuous_update: false, style: wide }),
      activation: new widgets.Dropdown<string>({ options: [...ACTIVATIONS], value: s.activation, description: 'activation', style: wide }),
      learningRate: new widgets.FloatLogSlider({ value: s.learningRate, min: -4, max: 0, step: 0.1, base: 10, description: 'learning rate', readout_format: '.4f', style: wide }),
      l2: new widgets.FloatLogSlider({ value: l2ToSlider(s.l2), min: L2_MIN_EXP, max: -1, step: 0.5, base: 10, description: 'L2 (left: 0)', readout_format: '.1e', style: wide }),
      batchSize: new widgets.Dropdown<number>({ options: BATCH_SIZES.filter((b) => b <= s.samples >> 1), value: s.batchSize, description: 'batch size', style: wide }),
    };
    this.playButton = new widgets.Button({ description: 'Play', icon: 'play', button_style: 'success' });
    this.resetButton = new widgets.Button({ description: 'Reset', icon: 'refresh' });
    this.image = new widgets.Image({ format: 'png' });
    this.status = new widgets.Label({ value: '' });
    this.playButton.onClick(() => (playground.playing ? playground.pause() : playground.play()));
    this.resetButton.onClick(() => {
      playground.reset();
      this.show(playground.draw());
    });
    for (const [key, w] of Object.entries(this.controls) as [keyof typeof this.controls, widgets.Widget][]) {
      w.observe((change) => {
        if (this.#syncing) return;
        const value = key === 'l2' ? sliderToL2(change.new as number) : change.new;
        playground.configure({ [key]: value } as Partial<PlaygroundSettings>);
        if (!playground.playing) this.show(playground.draw());
      }, 'value');
    }
    const c = this.controls;
    this.box = new widgets.VBox([
      new widgets.HBox([this.playButton, this.resetButton, c.dataset, c.noise]),
      new widgets.HBox([c.hiddenLayers, c.width, c.activation]),
      new widgets.HBox([c.learningRate, c.l2, c.batchSize]),
      this.image,
      this.status,
    ]);
  }

  /** Puts the settings into the controls without echoing them back. */
  sync(s: PlaygroundSettings): void {
    this.#syncing = true;
    try {
      const c = this.controls;
      c.dataset.value = s.dataset;
      c.noise.value = s.noise;
      c.hiddenLayers.value = s.hiddenLayers;
      c.width.value = s.width;
      c.activation.value = s.activation;
      c.learningRate.value = s.learningRate;
      c.l2.value = l2ToSlider(s.l2);
      c.batchSize.value = s.batchSize;
    } finally {
      this.#syncing = false;
    }
  }

  show(frame: PlaygroundFrame): void {
    // NOTE: the image's own width, so the browser shows its pixels as they are (the 5x8 font stays sharp)
    this.image.setState({ value: frame.png, width: String(frame.width) });
    const fps = this.playground.playing && this.playground.framesPerSecond > 0 ? `   ${this.playground.framesPerSecond.toFixed(0)} frames/s` : '';
    this.status.value = `step ${frame.step}   train loss ${frame.trainLoss.toFixed(3)}   test loss ${frame.testLoss.toFixed(3)}   test accuracy ${(100 * frame.testAccuracy).toFixed(1)}%${fps}`;
  }

  setPlaying(playing: boolean): void {
    this.playButton.setState({ description: playing ? 'Pause' : 'Play', icon: playing ? 'pause' : 'play', button_style: playing ? 'warning' : 'success' });
  }
}

function l2ToSlider(l2: number): number {
  return Math.max(l2, 10 ** L2_MIN_EXP);
}

function sliderToL2(v: number): number {
  return v <= 10 ** L2_MIN_EXP * 1.0001 ? 0 : v;
}

