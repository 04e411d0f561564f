/**
 * Rosenblatt's perceptron: the first learned linear classifier, taught before
 * neural networks. A binary `Perceptron` (one weight vector and a bias, a step
 * output) and a `MultiClassPerceptron` (one weight row per class, argmax).
 *
 * The learning loops run per sample over typed arrays (no autograd: the
 * perceptron rule is not a gradient step of a differentiable loss).
 */
import { inspect } from 'node:util';
import { Tensor, allocate, tensor, zeros } from '../tensor';
import { Generator, globalGenerator } from '../random';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import {
  accuracyOf, asMatrix, asSamples, binarySigns, binaryTargets, checkClassLabels, checkPositive, labelValues,
  type BinaryLabelStyle, type LabelsLike, type MatrixLike,
} from './common';

export interface PerceptronOptions {
  /** dtype of the weights, float32 (default) or float64. */
  dtype?: 'float32' | 'float64';
}

export interface PerceptronFitOptions {
  /** Passes over the data at most (default 20); training stops at the first epoch without a mistake. */
  epochs?: number;
  /** Learning rate η (default 1). */
  lr?: number;
  /** Visit the samples in a new random order each epoch (default true). */
  shuffle?: boolean;
  /** Source of the shuffles (default: the global generator, see `manualSeed`). */
  generator?: Generator;
}

export interface PerceptronHistory {
  /** Misclassified samples seen during each epoch (while the weights were changing). */
  mistakes: number[];
  /** True when some epoch made no mistake: the data are separated and the weights are final. */
  converged: boolean;
}

function checkFitOptions(owner: string, opts: PerceptronFitOptions): { epochs: number; lr: number; shuffle: boolean; generator: Generator } {
  const epochs = opts.epochs ?? 20, lr = opts.lr ?? 1;
  checkPositive(owner, 'epochs', epochs, true);
  checkPositive(owner, 'lr', lr);
  return { epochs, lr, shuffle: opts.shuffle ?? true, generator: opts.generator ?? globalGenerator };
}

function visitOrder(n: number, shuffle: boolean, g: Generator): Int32Array {
  if (shuffle) return g.permutation(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

function checkFloatDType(owner: string, dtype: string): 'float32' | 'float64' {
  if (dtype !== 'float32' && dtype !== 'float64') throw new ArgumentError(`${owner}: dtype must be float32 or float64, got ${dtype}`);
  return dtype;
}

/**
 * A binary perceptron: ŷ = step(w·x + b), with step(z) = 1 for z > 0 and 0
 * otherwise (Nielsen's convention: a zero sum gives 0).
 *
 * Learning rule, on each sample in turn: w ← w + η (y − ŷ) x, b ← b + η (y − ŷ).
 * Nothing changes on a correct prediction. If the two classes can be split by
 * a hyperplane, an epoch with no mistake comes after finitely many updates
 * (Novikoff's theorem); on XOR it never comes.
 *
 * Labels are {0, 1}; {−1, +1} is accepted too (−1 is read as 0) and then
 * `predict` answers in ±1.
 *
 * @example
 *   const nand = Perceptron.fromWeights([-2, -2], 3);
 *   nand.predict(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]));  // [1, 1, 1, 0]
 *
 *   const p = new Perceptron(2);
 *   const { converged } = p.fit(X, y, { epochs: 50, generator: new Generator(0) });
 */
export class Perceptron {
  readonly numFeatures: number;
  /** w, shape [D]. */
  readonly weight: Tensor;
  /** b, a 0-d tensor. */
  readonly bias: Tensor;
  /** The label convention `predict` answers in: the one seen by the last `fit` ('01' before any). */
  labelStyle: BinaryLabelStyle = '01';

  constructor(numFeatures: number, opts: PerceptronOptions = {}) {
    checkPositive('Perceptron', 'numFeatures', numFeatures, true);
    const dtype = checkFloatDType('Perceptron', opts.dtype ?? 'float32');
    this.numFeatures = numFeatures;
    this.weight = zeros([numFeatures], { dtype });
    this.bias = zeros([], { dtype });
  }

  /**
   * A perceptron with given weights, for hand-built logic gates.
   * @example Perceptron.fromWeights([1, 1], -1.5)  // AND
   */
  static fromWeights(weight: Tensor | readonly number[], bias: number | Tensor, opts: PerceptronOptions = {}): Perceptron {
    const w = weight instanceof Tensor ? weight : tensor(weight as number[], { dtype: 'float64' });
    if (w.ndim !== 1 || w.shape[0] === 0) throw new ShapeError(`Perceptron.fromWeights: weight must be 1-D [D], got shape ${fmtShape(w.shape)}`);
    const b = bias instanceof Tensor ? bias : null;
    if (b && b.size !== 1) throw new ShapeError(`Perceptron.fromWeights: bias must hold one value, got shape ${fmtShape(b.shape)}`);
    const dtype = opts.dtype ?? (w.dtype === 'float64' && weight instanceof Tensor ? 'float64' : 'float32');
    const p = new Perceptron(w.shape[0], { dtype });
    p.weight.data.set(w.values());
    p.bias.data[0] = b ? b.item() : (bias as number);
    return p;
  }

  /** w·x + b for each row of X [N, D] (or one sample [D]), shape [N]. */
  decisionFunction(X: MatrixLike | readonly number[]): Tensor {
    const x = asSamples('Perceptron', X, this.numFeatures);
    return x.matmul(this.weight).add(this.bias);
  }

  /** step(w·x + b): int32 labels [N] in {0, 1} (or ±1 after fitting on ±1); a 0-d tensor for one sample [D]. */
  predict(X: MatrixLike | readonly number[]): Tensor {
    const single = X instanceof Tensor ? X.ndim === 1 : typeof (X as unknown[])[0] === 'number';
    const z = this.decisionFunction(X).values();
    const out = allocate('int32', z.length) as Int32Array;
    const low = this.labelStyle === '01' ? 0 : -1;
    for (let i = 0; i < z.length; i++) out[i] = z[i] > 0 ? 1 : low;
    return new Tensor(out, single ? [] : [z.length]);
  }

  /**
   * Runs the perceptron rule over X [N, D] with labels y [N], starting from the
   * current weights, until an epoch has no mistake or `epochs` run out.
   */
  fit(X: MatrixLike, y: LabelsLike, opts: PerceptronFitOptions = {}): PerceptronHistory {
    const x = asSamples('Perceptron.fit', asMatrix('Perceptron.fit', X), this.numFeatures);
    const { signs, style } = binarySigns('Perceptron.fit', labelValues('Perceptron.fit', x, y));
    const { epochs, lr, shuffle, generator } = checkFitOptions('Perceptron.fit', opts);
    this.labelStyle = style;
    const n = x.shape[0], d = this.numFeatures;
    const xv = x.contiguous().values();
    const w = this.weight.data;
    const bias = this.bias.data;
    const mistakes: number[] = [];
    let converged = false;
    for (let epoch = 0; epoch < epochs && !converged; epoch++) {
      const order = visitOrder(n, shuffle, generator);
      let wrong = 0;
      for (let k = 0; k < n; k++) {
        const i = order[k], row = i * d;
        let z = bias[0];
        for (let j = 0; j < d; j++) z += w[j] * xv[row + j];
        const predicted = z > 0 ? 1 : 0;
        const target = signs[i] > 0 ? 1 : 0;
        if (predicted === target) continue;
        wrong++;
        const step = lr * (target - predicted);
        for (let j = 0; j < d; j++) w[j] += step * xv[row + j];
        bias[0] += step;
      }
      mistakes.push(wrong);
      converged = wrong === 0;
    }
    return { mistakes, converged };
  }

  /** Accuracy on X, y (labels {0, 1} or ±1). */
  score(X: MatrixLike, y: LabelsLike): number {
    const x = asSamples('Perceptron.score', asMatrix('Perceptron.score', X), this.numFeatures);
    const target = binaryTargets('Perceptron.score', labelValues('Perceptron.score', x, y));
    const pred = this.predict(x).values();
    const hits = Float64Array.from(pred, (v) => (v > 0 ? 1 : 0));
    return accuracyOf(hits, target);
  }

  toString(): string {
    return `Perceptron(numFeatures=${this.numFeatures}, dtype=${this.weight.dtype})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export interface MultiClassPerceptronOptions extends PerceptronOptions {
  /**
   * Averaged perceptron (after Freund & Schapire's voted perceptron): after
   * `fit` the weights are the mean of the weights over every step of training,
   * which generalises better than the last ones on data that are not
   * separable. Default false.
   */
  averaged?: boolean;
}

/**
 * The multi-class perceptron: one weight row per class, score s = W x + b,
 * prediction ŷ = argmax s (the first class on ties).
 *
 * On a mistake (ŷ ≠ y): W[y] ← W[y] + η x, b[y] ← b[y] + η,
 * W[ŷ] ← W[ŷ] − η x, b[ŷ] ← b[ŷ] − η.
 *
 * Works on images flattened to vectors: 28×28 images are D = 784.
 *
 * @example
 *   const clf = new MultiClassPerceptron(784, 10, { averaged: true });
 *   clf.fit(images.reshape(-1, 784), labels, { epochs: 5 });
 *   clf.score(testImages.reshape(-1, 784), testLabels);  // accuracy
 */
export class MultiClassPerceptron {
  readonly numFeatures: number;
  readonly numClasses: number;
  readonly averaged: boolean;
  /** W, shape [C, D]. */
  readonly weight: Tensor;
  /** b, shape [C]. */
  readonly bias: Tensor;

  constructor(numFeatures: number, numClasses: number, opts: MultiClassPerceptronOptions = {}) {
    checkPositive('MultiClassPerceptron', 'numFeatures', numFeatures, true);
    checkPositive('MultiClassPerceptron', 'numClasses', numClasses, true);
    if (numClasses < 2) throw new ArgumentError(`MultiClassPerceptron: numClasses must be at least 2, got ${numClasses}`);
    const dtype = checkFloatDType('MultiClassPerceptron', opts.dtype ?? 'float32');
    this.numFeatures = numFeatures;
    this.numClasses = numClasses;
    this.averaged = opts.averaged ?? false;
    this.weight = zeros([numClasses, numFeatures], { dtype });
    this.bias = zeros([numClasses], { dtype });
  }

  /** Scores W x + b for each row of X [N, D], shape [N, C]. */
  decisionFunction(X: MatrixLike | readonly number[]): Tensor {
    const x = asSamples('MultiClassPerceptron', X, this.numFeatures);
    return x.matmul(this.weight.T).add(this.bias);
  }

  /** argmax of the scores: int32 class indices [N]. */
  predict(X: MatrixLike | readonly number[]): Tensor {
    return this.decisionFunction(X).argmax(1);
  }

  /**
   * Runs the multi-class perceptron rule over X [N, D] with class indices
   * y [N] in [0, C), starting from the current weights.
   */
  fit(X: MatrixLike, y: LabelsLike, opts: PerceptronFitOptions = {}): PerceptronHistory {
    const owner = 'MultiClassPerceptron.fit';
    const x = asSamples(owner, asMatrix(owner, X), this.numFeatures);
    const labels = labelValues(owner, x, y);
    checkClassLabels(owner, labels, this.numClasses);
    const { epochs, lr, shuffle, generator } = checkFitOptions(owner, opts);
    const n = x.shape[0], d = this.numFeatures, numClasses = this.numClasses;
    const xv = x.contiguous().values();
    const W = this.weight.data, b = this.bias.data;
    // Averaging trick (Daumé, "A Course in Machine Learning", alg. 7): keep
    // U = Σ c·Δw with c the sample counter; the mean of all weights is W − U/c.
    const U = this.averaged ? new Float64Array(W.length) : null;
    const V = this.averaged ? new Float64Array(b.length) : null;
    let counter = 1;
    const mistakes: number[] = [];
    let converged = false;
    for (let epoch = 0; epoch < epochs && !converged; epoch++) {
      const order = visitOrder(n, shuffle, generator);
      let wrong = 0;
      for (let k = 0; k < n; k++, counter++) {
        const i = order[k], row = i * d;
        let best = 0, bestScore = -Infinity;
        for (let c = 0; c < numClasses; c++) {
          let s = b[c];
          const wr = c * d;
          for (let j = 0; j < d; j++) s += W[wr + j] * xv[row + j];
          if (s > bestScore) {
            bestScore = s;
            best = c;
          }
        }
        const target = labels[i];
        if (best === target) continue;
        wrong++;
        const up = target * d, down = best * d;
        for (let j = 0; j < d; j++) {
          const v = lr * xv[row + j];
          W[up + j] += v;
          W[down + j] -= v;
        }
        b[target] += lr;
        b[best] -= lr;
        if (U && V) {
          const cl = counter * lr;
          for (let j = 0; j < d; j++) {
            const v = cl * xv[row + j];
            U[up + j] += v;
            U[down + j] -= v;
          }
          V[target] += cl;
          V[best] -= cl;
        }
      }
      mistakes.push(wrong);
      converged = wrong === 0;
    }
    if (U && V) {
      for (let j = 0; j < W.length; j++) W[j] -= U[j] / counter;
      for (let c = 0; c < b.length; c++) b[c] -= V[c] / counter;
    }
    return { mistakes, converged };
  }

  /** Accuracy on X, y (class indices). */
  score(X: MatrixLike, y: LabelsLike): number {
    const x = asSamples('MultiClassPerceptron.score', asMatrix('MultiClassPerceptron.score', X), this.numFeatures);
    const labels = labelValues('MultiClassPerceptron.score', x, y);
    return accuracyOf(this.predict(x).values(), labels);
  }

  toString(): string {
    return `MultiClassPerceptron(numFeatures=${this.numFeatures}, numClasses=${this.numClasses}${this.averaged ? ', averaged' : ''})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
