/**
 * Input checks and label handling shared by the linear classifiers. Internal:
 * `linear/index.ts` re-exports none of it.
 */
import { Tensor, tensor, type NestedArray } from '../tensor';
import { ArgumentError, ShapeError, fmtShape } from '../errors';

/** A design matrix [N, D] as a tensor or nested arrays. */
export type MatrixLike = Tensor | number[][];
/** Labels [N] as a tensor or an array. */
export type LabelsLike = Tensor | readonly number[];

/** The two label conventions of binary classifiers. */
export type BinaryLabelStyle = '01' | 'pm1';

/** X as a 2-D tensor (int32 becomes float32), or a ShapeError naming `owner`. */
export function asMatrix(owner: string, X: MatrixLike, name = 'X'): Tensor {
  const t = X instanceof Tensor ? X : tensor(X as NestedArray);
  if (t.ndim !== 2) throw new ShapeError(`${owner}: ${name} must be 2-D [N, D], got shape ${fmtShape(t.shape)}`);
  return t.dtype === 'int32' ? t.float() : t;
}

/** X as a 2-D tensor with `numFeatures` columns (a 1-D vector is read as one sample). */
export function asSamples(owner: string, X: MatrixLike | readonly number[], numFeatures: number): Tensor {
  let t = X instanceof Tensor ? X : tensor(X as NestedArray);
  if (t.ndim === 1) t = t.unsqueeze(0);
  if (t.ndim !== 2 || t.shape[1] !== numFeatures) {
    throw new ShapeError(`${owner}: expected X of shape [N, ${numFeatures}] (${numFeatures} features), got shape ${fmtShape(X instanceof Tensor ? X.shape : t.shape)}`);
  }
  return t.dtype === 'int32' ? t.float() : t;
}

/** The labels as numbers, checked to be 1-D with one label per row of X. */
export function labelValues(owner: string, X: Tensor, y: LabelsLike): Float64Array {
  const t = y instanceof Tensor ? y : tensor(y as number[], { dtype: 'float64' });
  if (t.ndim !== 1 || t.shape[0] !== X.shape[0]) {
    throw new ShapeError(`${owner}: X has shape ${fmtShape(X.shape)} but y has shape ${fmtShape(t.shape)}; expected y of shape [${X.shape[0]}]`);
  }
  return Float64Array.from(t.values());
}

/**
 * Binary labels to signs ±1. Accepts {0, 1} (0 → −1) or {−1, +1}; both
 * classes must be present.
 */
export function binarySigns(owner: string, labels: Float64Array): { signs: Float64Array; style: BinaryLabelStyle } {
  const seen = new Set<number>(labels);
  const values = [...seen].sort((a, b) => a - b);
  const show = values.length > 6 ? `${values.slice(0, 6).join(', ')}, ...` : values.join(', ');
  const is01 = values.every((v) => v === 0 || v === 1);
  const isPm1 = values.every((v) => v === -1 || v === 1);
  if (!is01 && !isPm1) {
    throw new ArgumentError(`${owner}: labels must be binary, {0, 1} or {-1, +1}; got ${values.length} distinct values (${show})`);
  }
  if (values.length < 2) throw new ArgumentError(`${owner}: labels hold only the class ${show}; both classes are needed to fit`);
  const style: BinaryLabelStyle = is01 ? '01' : 'pm1';
  const signs = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) signs[i] = labels[i] > 0 ? 1 : -1;
  return { signs, style };
}

/** Like `binarySigns` but for scoring: one class alone is fine. Returns 0/1. */
export function binaryTargets(owner: string, labels: Float64Array): Float64Array {
  const out = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1 && v !== -1) {
      throw new ArgumentError(`${owner}: labels must be binary, {0, 1} or {-1, +1}; got ${v} at position ${i}`);
    }
    out[i] = v > 0 ? 1 : 0;
  }
  return out;
}

/** Checks class labels are integers in [0, numClasses). */
export function checkClassLabels(owner: string, labels: Float64Array, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new ArgumentError(`${owner}: label ${c} at position ${i} is not a class index in [0, ${numClasses})`);
    }
  }
}

export function checkPositive(owner: string, name: string, value: number, integer = false): void {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ArgumentError(`${owner}: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
}

/** Fraction of equal entries. */
export function accuracyOf(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let hits = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === target[i]) hits++;
  return pred.length === 0 ? 0 : hits / pred.length;
}
