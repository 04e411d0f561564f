/**
 * Weights in and out, from a notebook cell:
 *
 *   await save(model, 'lenet.safetensors')        // → Saved 10 tensors (61,706 values, ...) to lenet.safetensors
 *   const weights = await load('lenet.safetensors')
 *   model.loadStateDict(weights)                  // a LoadedWeights is a Map of name → tensor
 *   await load('lenet.safetensors', { into: model })
 *   await exportOnnx(model, sampleInput, 'lenet.onnx')
 *
 * Files are safetensors (readable by PyTorch's ecosystem, names and layouts as
 * `torch.nn`) and ONNX (opset 17). Every write is atomic: temporary file,
 * fsync, rename.
 */
import type { Tensor } from '../tensor';
import { ArgumentError } from '../errors';
import { Module } from '../nn/module';
import { loadSafetensors, saveSafetensors, type LoadedWeights, type SaveReport } from './safetensors';
import { nnlabVersion } from './version';

export {
  MAX_HEADER_BYTES, MAX_FILE_BYTES, MAX_RANK, MAX_TENSORS, MAX_HEADER_DEPTH, SAFETENSORS_DTYPES, type SafetensorsDType, type TensorInfo, type DecodedSafetensors,
  serializeSafetensors, encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, findDuplicateKey,
  SaveReport, LoadedWeights,
} from './safetensors';
export {
  exportOnnx, toOnnx, registerOnnxConverter, supportedLayers, OnnxExportError, OnnxExportReport, GraphBuilder,
  ONNX_OPSET, ONNX_IR_VERSION, type ExportOnnxOptions, type LayerCall, type LayerConverter, type Dim,
} from './onnx';
export { writeFileAtomic, removeStaleTempFiles, type AtomicWriteOptions, type Chunks } from './atomic';

export interface SaveOptions {
  /** Extra `__metadata__` entries (strings), merged over the defaults. */
  metadata?: Record<string, string>;
}

/**
 * The default metadata: `format: 'pt'` (what the Hugging Face loaders expect
 * of PyTorch weights), the nnlab version, and for a module its class and
 * printed architecture.
 */
export function defaultMetadata(source: Module | null): Record<string, string> {
  const meta: Record<string, string> = { format: 'pt', 'nnlab.version': nnlabVersion() };
  if (source) {
    meta['nnlab.class'] = source.constructor.name;
    meta['nnlab.architecture'] = source.toString();
  }
  return meta;
}

/**
 * Saves a module's state dict (or any name → tensor map) as safetensors,
 * atomically. Resolves to a report of what was written.
 * @example
 *   const report = await save(model, 'lenet.safetensors');
 *   String(report)   // 'Saved 10 tensors (61,706 values, 247,288 bytes) to lenet.safetensors' + a table
 */
export async function save(
  source: Module | Record<string, Tensor> | Map<string, Tensor>,
  path: string,
  opts: SaveOptions = {},
): Promise<SaveReport> {
  if ((path as unknown) instanceof Module) {
    throw new ArgumentError(`save: the arguments are (model, path), got a ${(path as unknown as Module).constructor.name} module as the path; call save(model, 'weights.safetensors')`);
  }
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`save: path must be a non-empty string, got ${JSON.stringify(path)}`);
  const module = source instanceof Module ? source : null;
  const tensors = module ? module.stateDict() : (source as Record<string, Tensor> | Map<string, Tensor>);
  if (!module && (typeof tensors !== 'object' || tensors === null)) {
    throw new ArgumentError(`save: expected a Module, a state dict or a Map of tensors, got ${tensors === null ? 'null' : typeof tensors}`);
  }
  return saveSafetensors(path, tensors, { ...defaultMetadata(module), ...opts.metadata });
}

export interface LoadOptions {
  /** Copy the weights into this module (`loadStateDict`) before resolving. */
  into?: Module;
  /**
   * With `into`: true (default) requires the file and the module to have the
   * same keys, and lists every missing/unexpected key and shape mismatch in
   * one StateDictError; false loads the keys both have (a partial load) and
   * reports the rest in `loadedInto`. Shape mismatches throw either way.
   */
  strict?: boolean;
}

/**
 * Reads a safetensors file (nnlab's or PyTorch's). Resolves to a
 * `LoadedWeights`: a Map of name → tensor with `path`, `metadata`, `bytes`
 * and a readable `toString`. With `{ into: model }` the weights are also
 * loaded into the model (strict unless `strict: false`).
 * @example
 *   const weights = await load('lenet.safetensors');
 *   model.loadStateDict(weights);
 *   await load('pretrained.safetensors', { into: model, strict: false });
 *   loadWeights(model, await load('lenet10.safetensors'), { exclude: 'classifier.5' });  // all but a resized head
 */
export async function load(path: string, opts: LoadOptions = {}): Promise<LoadedWeights> {
  if ((path as unknown) instanceof Module) {
    throw new ArgumentError(`load: the first argument is the file's path, got a ${(path as unknown as Module).constructor.name} module; to load into it, call load('weights.safetensors', { into: model })`);
  }
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`load: path must be a non-empty string, got ${JSON.stringify(path)}`);
  const weights = await loadSafetensors(path);
  if (opts.into !== undefined) {
    if (!(opts.into instanceof Module)) throw new ArgumentError(`load: 'into' must be a Module, got ${typeof opts.into}`);
    const result = opts.into.loadStateDict(weights, { strict: opts.strict ?? true });
    weights.loadedInto = { module: opts.into.constructor.name, ...result };
  }
  return weights;
}
