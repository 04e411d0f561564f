/**
 * Export weights: saves a model's weights next to its notebook.
 *   - `<model>.safetensors`, written by the kernel (which runs in the
 *     notebook's folder) with nnlab's `save`: the weights I/O format
 *     (safetensors, names and layouts as torch.nn);
 *   - where the library has no `save`, `<model>.state_dict.json`:
 *     `{format: 'nnlab-state-dict', version: 1, className, tensors: {name:
 *     {shape, dtype, values}}}` from `model.stateDict()`, printed by the kernel
 *     and written by the extension through the server's contents API.
 * The code runs as a silent request (it waits for running cells) and prints
 * one line, `nnlab-export {...}`, that this module reads.
 */
import type { Contents, Kernel } from '@jupyterlab/services';
import { runSilently } from './query';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MARK = 'nnlab-export ';

export interface ExportResult {
  /** Path relative to the server root. */
  path: string;
  file: string;
  bytes: number;
  format: 'safetensors' | 'json';
}

/**
 * The TypeScript the kernel runs to export `model` (a variable name). tslab
 * compiles it with TypeScript 5.0 and no Node types, hence the `any`s; the
 * block scope keeps its names out of the notebook.
 */
export function exportCode(model: string): string {
  if (!IDENTIFIER.test(model)) throw new Error(`Export weights: '${model}' is not a variable name`);
  const file = JSON.stringify(`${model}.safetensors`);
  return `{
  const nnlab$: any = await import('nnlab');
  const model$: any = ${model};
  const save$: any = nnlab$.save ?? nnlab$.io?.save;
  if (typeof save$ === 'function') {
    await save$(model$, ${file});
    console.log(${JSON.stringify(MARK)} + JSON.stringify({ format: 'safetensors', file: ${file} }));
  } else {
    const dict$: any = model$.stateDict();
    const tensors$: any = {};
    for (const name of Object.keys(dict$)) {
      const t: any = dict$[name];
      tensors$[name] = { shape: Array.from(t.shape), dtype: t.dtype, values: Array.from(t.contiguous().toFlatArray()) };
    }
    console.log(${JSON.stringify(MARK)} + JSON.stringify({ format: 'json', file: ${JSON.stringify(`${model}.state_dict.json`)}, content: { format: 'nnlab-state-dict', version: 1, className: model$.constructor.name, tensors: tensors$ } }));
  }
}`;
}

/**
 * Which model Export weights offers first: the one selected in the Layer
 * Inspector, else the one a `fit` trained most recently, else the first.
 */
export function defaultExportModel(models: readonly { name: string; lastTrainedAt?: string | null }[], chosen: string | null): string | null {
  if (chosen && models.some(m => m.name === chosen)) return chosen;
  let best: { name: string; at: number } | null = null;
  for (const m of models) {
    const at = m.lastTrainedAt ? Date.parse(m.lastTrainedAt) : NaN;
    if (Number.isFinite(at) && (!best || at > best.at)) best = { name: m.name, at };
  }
  return best?.name ?? models[0]?.name ?? null;
}

/** Runs the export in the kernel; `directory` is the notebook's folder (server path). */
export async function exportWeights(kernel: Kernel.IKernelConnection, contents: Contents.IManager, model: string, directory: string): Promise<ExportResult> {
  const out = await runSilently(kernel, exportCode(model));
  const line = out.split('\n').find(l => l.startsWith(MARK));
  if (!line) throw new Error(`Export weights: the kernel did not report a file (output: ${out.trim().slice(0, 200) || 'none'})`);
  const info = JSON.parse(line.slice(MARK.length)) as { file: string; format: 'safetensors' | 'json'; content?: unknown };
  const path = directory ? `${directory}/${info.file}` : info.file;
  if (info.format === 'json') {
    await contents.save(path, { type: 'file', format: 'text', content: JSON.stringify(info.content) });
  }
  const saved = await contents.get(path, { content: false });
  return { file: info.file, format: info.format, bytes: typeof saved.size === 'number' ? saved.size : 0, path };
}
