/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70,000 28×28 greyscale images
 * of clothing in 10 classes, 60,000 for training and 10,000 for testing, 6,000
 * and 1,000 per class. A drop-in replacement for MNIST that is harder to solve.
 *
 * The files come from the Debian package `dataset-fashion-mnist`, which
 * installs them in /usr/share/datasets/fashion-mnist as
 * `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`.
 *
 * @example
 *   const { images, labels, classNames } = loadFashionMNIST({ split: 'train', limit: 1000 });
 *   images.shape  // [1000, 1, 28, 28], float32 in [0, 1]
 *   classNames[labels.values()[0]]  // 'Ankle boot'
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tensor } from '../tensor';
import { ArgumentError, FormatError, NNLabError, fmtShape } from '../errors';
import { readIdx, type IdxArray } from './idx';

/** The 10 class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** Where the Debian package `dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** A dataset file that is not on disk; the message says how to install it. */
export class DatasetNotFoundError extends NNLabError {
  constructor(message: string, readonly path: string) {
    super(message);
  }
}

export interface FashionMNISTOptions {
  /** 'train' (60,000 images) or 'test' (10,000). Default 'train'. */
  split?: 'train' | 'test';
  /** Keep only the first `limit` samples. */
  limit?: number;
  /** Directory with the four .gz files. Default: env NNLAB_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist. */
  dir?: string;
  /** Images as [N, 784] instead of [N, 1, 28, 28]. Default false. */
  flatten?: boolean;
  /** Scale pixels to [0, 1] (divide by 255). Default true; false keeps 0..255 as float32. */
  normalize?: boolean;
}

export interface FashionMNIST {
  /** float32 [N, 1, 28, 28] (or [N, 784] with `flatten`). */
  images: Tensor;
  /** int32 [N], values 0..9. */
  labels: Tensor;
  classNames: readonly string[];
}

const cache = new Map<string, IdxArray>();

function readCached(path: string): IdxArray {
  const key = resolve(path);
  let hit = cache.get(key);
  if (!hit) {
    hit = readIdx(key);
    cache.set(key, hit);
  }
  return hit;
}

/** Forgets the parsed files kept in memory by `loadFashionMNIST`. */
export function clearFashionMNISTCache(): void {
  cache.clear();
}

function fashionDir(dir: string | undefined): { dir: string; from: string } {
  if (dir !== undefined) return { dir, from: 'the `dir` option' };
  const env = process.env.NNLAB_FASHION_MNIST_DIR;
  if (env) return { dir: env, from: 'NNLAB_FASHION_MNIST_DIR' };
  return { dir: FASHION_MNIST_DEFAULT_DIR, from: 'the default directory' };
}

/**
 * Loads a Fashion-MNIST split as tensors. Parsed files are cached per process,
 * so a second call only copies (and scales) the pixels.
 *
 *     images[n, 0, i, j] = pixel(n, i, j) / 255     (with normalize, the default)
 *
 * @example
 *   const test = loadFashionMNIST({ split: 'test', flatten: true });  // images [10000, 784]
 */
export function loadFashionMNIST(opts: FashionMNISTOptions = {}): FashionMNIST {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test') {
    throw new ArgumentError(`loadFashionMNIST: split must be 'train' or 'test', got '${String(split)}'`);
  }
  const { dir, from } = fashionDir(opts.dir);
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagePath = join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const labelPath = join(dir, `${prefix}-labels-idx1-ubyte.gz`);
  for (const p of [imagePath, labelPath]) {
    if (!existsSync(p)) {
      throw new DatasetNotFoundError(
        `loadFashionMNIST: ${p} not found (directory from ${from}). ` +
          `Install the data with \`sudo apt-get install dataset-fashion-mnist\`, ` +
          `or set NNLAB_FASHION_MNIST_DIR (or the \`dir\` option) to a directory holding ` +
          `${prefix}-images-idx3-ubyte.gz and ${prefix}-labels-idx1-ubyte.gz`,
        p,
      );
    }
  }
  const img = readCached(imagePath);
  const lab = readCached(labelPath);
  if (img.dtype !== 'ubyte' || img.shape.length !== 3 || img.shape[1] !== 28 || img.shape[2] !== 28) {
    throw new FormatError(`loadFashionMNIST: ${imagePath}: expected ubyte images of shape [N, 28, 28], got ${img.dtype} ${fmtShape(img.shape)}`, imagePath);
  }
  if (lab.dtype !== 'ubyte' || lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
    throw new FormatError(
      `loadFashionMNIST: ${labelPath}: expected ${img.shape[0]} ubyte labels to match ${imagePath}, got ${lab.dtype} ${fmtShape(lab.shape)}`,
      labelPath,
    );
  }
  const total = img.shape[0];
  let n = total;
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 0) {
      throw new ArgumentError(`loadFashionMNIST: limit must be a non-negative integer, got ${opts.limit}`);
    }
    n = Math.min(opts.limit, total);
  }
  const pixels = 28 * 28;
  const src = img.data as Uint8Array;
  const out = new Float32Array(n * pixels);
  const divisor = opts.normalize === false ? 1 : 255;
  for (let i = 0; i < out.length; i++) out[i] = src[i] / divisor;
  const labels = new Int32Array(n);
  const lsrc = lab.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (lsrc[i] > 9) throw new FormatError(`loadFashionMNIST: ${labelPath}: label ${lsrc[i]} at index ${i} is outside 0..9`, labelPath);
    labels[i] = lsrc[i];
  }
  return {
    images: new Tensor(out, opts.flatten ? [n, pixels] : [n, 1, 28, 28]),
    labels: new Tensor(labels, [n]),
    classNames: FASHION_MNIST_CLASSES,
  };
}
