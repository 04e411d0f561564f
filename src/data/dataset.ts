/**
 * Datasets and mini-batches, as in `torch.utils.data`.
 *
 * A `Dataset<T>` is anything with a `length` and `get(i)`. A `DataLoader`
 * walks a dataset in batches, shuffled afresh every epoch when asked:
 *
 *     for epoch: order = shuffle ? permutation(N) : 0..N-1
 *                for b: batch = collate([dataset.get(i) for i in order[b·B : (b+1)·B]])
 *
 * @example
 *   const ds = new TensorDataset(images, labels);             // [N, 1, 28, 28], [N]
 *   const loader = new DataLoader(ds, { batchSize: 64, shuffle: true, generator: new Generator(0) });
 *   for (const [x, y] of loader) { ... }                        // x [64, 1, 28, 28], y [64]
 */
import { Tensor, tensor } from '../tensor';
import { Generator, globalGenerator } from '../random';
import { indexSelect } from '../ops/indexing';
import { stack } from '../ops/movement';
import { ArgumentError, ShapeError, fmtShape } from '../errors';

/** Anything indexable with a length: `get(i)` for 0 ≤ i < length. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

function checkIndex(where: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ArgumentError(`${where}: index ${index} is out of range for a dataset of length ${length}`);
  }
}

/**
 * Tensors that share their first axis; sample i is `[t0[i], t1[i], ...]`
 * (views, no copy). Like `torch.utils.data.TensorDataset`.
 * @example new TensorDataset(x, y).get(0)  // [x[0], y[0]]
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ArgumentError('TensorDataset: needs at least one tensor');
    for (const t of tensors) {
      if (t.ndim === 0 || t.shape[0] !== tensors[0].shape[0]) {
        throw new ShapeError(
          `TensorDataset: all tensors need the same size along axis 0, got shapes ${tensors.map((u) => fmtShape(u.shape)).join(', ')}`,
        );
      }
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.select(0, index));
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (`torch.utils.data.Subset`).
 * @example new Subset(ds, [0, 2, 4]).get(1)  // ds.get(2)
 */
export class Subset<T> implements Dataset<T> {
  readonly indices: Int32Array;

  constructor(readonly dataset: Dataset<T>, indices: ArrayLike<number>) {
    this.indices = Int32Array.from(indices as ArrayLike<number>);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= dataset.length) {
        throw new ArgumentError(`Subset: index ${i} (position ${k}) is out of range for a dataset of length ${dataset.length}`);
      }
    }
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex('Subset.get', index, this.indices.length);
    return this.dataset.get(this.indices[index]);
  }
}

/**
 * Splits a dataset into non-overlapping random subsets. `lengths` are counts
 * summing to `dataset.length`, or fractions summing to 1 (then each part gets
 * floor(f·N) and the remainder goes one by one to the first parts, as in PyTorch).
 * @example const [train, val] = randomSplit(ds, [50000, 10000], new Generator(0));
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], generator: Generator = globalGenerator): Subset<T>[] {
  const n = dataset.length;
  let counts: number[];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every((l) => Number.isInteger(l) && l >= 0) && total === n) {
    counts = [...lengths];
  } else if (lengths.every((l) => l >= 0 && l <= 1) && Math.abs(total - 1) < 1e-9) {
    counts = lengths.map((f) => Math.floor(f * n));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
  } else {
    throw new ArgumentError(
      `randomSplit: lengths [${lengths.join(', ')}] must be counts summing to the dataset length ${n} or fractions summing to 1`,
    );
  }
  const order = generator.permutation(n);
  const parts: Subset<T>[] = [];
  let start = 0;
  for (const c of counts) {
    parts.push(new Subset(dataset, order.subarray(start, start + c)));
    start += c;
  }
  return parts;
}

/** What the default collate makes of a sample type: tensors and numbers become batched tensors, arrays and objects are batched field by field. */
export type Batch<T> = T extends Tensor
  ? Tensor
  : T extends number
    ? Tensor
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Batch<T[K]> }
      : T extends object
        ? { [K in keyof T]: Batch<T[K]> }
        : never;

export interface DataLoaderOptions<T, B> {
  /** Samples per batch. Default 1. */
  batchSize?: number;
  /** Draw a fresh permutation from `generator` at the start of every epoch. Default false. */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than `batchSize`. Default false. */
  dropLast?: boolean;
  /** Source of the shuffles. Default: the global generator (see `manualSeed`). */
  generator?: Generator;
  /** Turns a list of samples into a batch. Default `defaultCollate`. */
  collate?: (samples: T[]) => B;
}

/**
 * Stacks samples into a batch: tensors with `stack` along a new axis 0;
 * numbers into a 1-D tensor, int32 when every number in the batch is an
 * integer, float32 otherwise (return 0-d tensors from `get` to choose the
 * dtype yourself); arrays and plain objects position by position / key by key.
 * @example defaultCollate([[x0, 3], [x1, 7]])  // [stack([x0, x1]), tensor([3, 7], int32)]
 */
export function defaultCollate<T>(samples: T[]): Batch<T> {
  return collate(samples as unknown[], 'sample') as Batch<T>;
}

function collate(items: unknown[], where: string): unknown {
  const first = items[0];
  if (first instanceof Tensor) {
    for (let i = 0; i < items.length; i++) {
      const t = items[i];
      if (!(t instanceof Tensor) || t.ndim !== first.ndim || t.shape.some((d, k) => d !== first.shape[k])) {
        const got = t instanceof Tensor ? `shape ${fmtShape(t.shape)}` : typeof t;
        throw new ShapeError(`DataLoader: cannot batch ${where}: item 0 has shape ${fmtShape(first.shape)}, item ${i} has ${got}`);
      }
    }
    return stack(items as Tensor[], 0);
  }
  if (typeof first === 'number') {
    let integers = true;
    for (let i = 0; i < items.length; i++) {
      if (typeof items[i] !== 'number') throw new ArgumentError(`DataLoader: cannot batch ${where}: item 0 is a number, item ${i} is ${typeof items[i]}`);
      if (!Number.isInteger(items[i])) integers = false;
    }
    return tensor(items as number[], { dtype: integers ? 'int32' : 'float32' });
  }
  if (Array.isArray(first)) {
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (!Array.isArray(it) || it.length !== first.length) {
        throw new ArgumentError(`DataLoader: cannot batch ${where}: item 0 has ${first.length} fields, item ${i} has ${Array.isArray(it) ? it.length : typeof it}`);
      }
    }
    return first.map((_, k) => collate(items.map((it) => (it as unknown[])[k]), `${where}[${k}]`));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collate(items.map((it) => (it as Record<string, unknown>)[key]), `${where}.${key}`);
    }
    return out;
  }
  const kind = first === null ? 'null' : typeof first === 'object' ? (first as object).constructor.name : typeof first;
  throw new ArgumentError(`DataLoader: cannot batch ${where} of type ${kind}; pass a collate function`);
}

/** Follows Subsets down to a TensorDataset, so batches can be cut with one indexSelect per tensor. */
function tensorSource(dataset: Dataset<unknown>): { base: TensorDataset; maps: Int32Array[] } | null {
  const maps: Int32Array[] = [];
  let d: Dataset<unknown> = dataset;
  while (d instanceof Subset) {
    maps.push(d.indices);
    d = d.dataset;
  }
  return d instanceof TensorDataset ? { base: d, maps } : null;
}

/**
 * Iterates over a dataset in mini-batches (`torch.utils.data.DataLoader`).
 * A `TensorDataset` (or a Subset of one) is batched with `indexSelect` on
 * axis 0; other datasets with `collate` (default `defaultCollate`). With
 * `shuffle`, every `for...of` draws a new permutation from the generator, so
 * the same seed gives the same sequence of epochs.
 *
 *     length = dropLast ? floor(N / batchSize) : ceil(N / batchSize)
 *
 * @example
 *   const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true });
 *   for (const [xb, yb] of loader) model.forward(xb);
 */
export class DataLoader<T, B = Batch<T>> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator;
  private readonly collateFn: ((samples: T[]) => B) | null;

  constructor(readonly dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    const batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new ArgumentError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.batchSize = batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.generator = opts.generator ?? globalGenerator;
    this.collateFn = opts.collate ?? null;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch. The permutation is drawn here, when the iteration starts. */
  [Symbol.iterator](): Iterator<B> {
    const n = this.dataset.length;
    const order = this.shuffle ? this.generator.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    return this.batches(order);
  }

  private *batches(order: Int32Array): IterableIterator<B> {
    const count = this.length;
    const source = this.collateFn ? null : tensorSource(this.dataset);
    for (let b = 0; b < count; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
      if (source) {
        let rows = idx;
        for (const map of source.maps) rows = rows.map((i) => map[i]);
        yield source.base.tensors.map((t) => indexSelect(t, 0, rows)) as unknown as B;
      } else {
        const samples: T[] = [];
        for (let k = 0; k < idx.length; k++) samples.push(this.dataset.get(idx[k]));
        yield this.collateFn ? this.collateFn(samples) : (defaultCollate(samples) as unknown as B);
      }
    }
  }
}
