/**
 * Data input: IDX files, Fashion-MNIST, datasets and mini-batch loaders, and
 * the preprocessing layer (scalers, PCA, whitening, local contrast
 * normalisation), also exported on its own as `preprocess`, and the 2-D toy
 * datasets of TensorFlow Playground (circle, xor, spirals, gaussians).
 *
 * @example
 *   import { data } from 'nnlab';
 *   const { images, labels } = data.loadFashionMNIST({ split: 'train' });
 *   const loader = new data.DataLoader(new data.TensorDataset(images, labels), { batchSize: 64, shuffle: true });
 */
export { readIdx, parseIdx, writeIdx, encodeIdx, type IdxArray, type IdxData, type IdxDType } from './idx';
export {
  loadFashionMNIST, clearFashionMNISTCache, FASHION_MNIST_CLASSES, FASHION_MNIST_DEFAULT_DIR, DatasetNotFoundError,
  type FashionMNIST, type FashionMNISTOptions,
} from './fashion';
export {
  TensorDataset, Subset, DataLoader, randomSplit, defaultCollate,
  type Dataset, type DataLoaderOptions, type Batch,
} from './dataset';
export { symmetricEigen, eigh, type SymmetricEigen } from './linalg';
export * from './preprocess';
export { CharVocab, loadText, charSequences } from './text';
export { circle, xor, spirals, gaussians, toy2d, TOY2D_NAMES, type Toy2D, type Toy2DName, type Toy2DOptions } from './toy2d';
