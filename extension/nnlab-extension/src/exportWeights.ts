/**
 * Export weights: saves a model's weights next to its notebook, written by
 * the kernel itself (the kernel runs in the notebook's folder):
 *   - `<model>.safetensors` with nnlab's `save` (the weights I/O format:
 *     safetensors, names and layouts as torch.nn) when the library has it;
 *   - otherwise `<model>.state_dict.json`: `{format: 'nnlab-state-dict',
 *     version: 1, className, tensors: {name: {shape, dtype, values}}}` from
 *     `model.stateDict()`.
 * The code runs as a silent request (it waits for running cells) and prints
 * one line, `nnlab-export {"file":…,"bytes":…}`, that this module reads.
 */
import type { Kernel } from '@jupyterlab/services';
import { runSilently } from './query';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export interface ExportResult {
  /** Path relative to the server root. */
  path: string;
  file: string;
  bytes: number;
  format: 'safetensors' | 'json';
}

/**
 * The TypeScript the kernel runs to export `model` (a variable name). tslab
 * compiles it with TypeScript 5.0 and no Node types, hence the `any`s and
 * `globalThis.require`; the block scope keeps its names out of the notebook.
 */
export function exportCode(model: string): string {
  if (!IDENTIFIER.test(model)) throw new Error(`Export weights: '${model}' is not a variable name`);
  const safetensors = JSON.stringify(`${model}.safetensors`);
  const json = JSON.stringify(`${model}.state_dict.json`);
  return `{
  const nnlab$: any = await import('nnlab');
  const model$: any = ${model};
  const require$: any = (globalThis as any).require;
  const save$: any = nnlab$.save ?? nnlab$.io?.save;
  let file$: string;
  let format$: string;
  if (typeof save$ === 'function') {
    await save$(model$, ${safetensors});
    file$ = ${safetensors};
    format$ = 'safetensors';
  } else {
    const dict$: any = model$.stateDict();
    const tensors$: any = {};
    for (const name of Object.keys(dict$)) {
      const t: any = dict$[name];
      tensors$[name] = { shape: Array.from(t.shape), dtype: t.dtype, values: Array.from(t.toFlatArray()) };
    }
    require$('fs').writeFileSync(${json}, JSON.stringify({ format: 'nnlab-state-dict', version: 1, className: model$.constructor.name, tensors: tensors$ }));
    file$ = ${json};
    format$ = 'json';
  }
  console.log('nnlab-export ' + JSON.stringify({ file: file$, format: format$, bytes: require$('fs').statSync(file$).size }));
}`;
}

/** Runs the export in the kernel; `directory` is the notebook's folder (server path). */
export async function exportWeights(kernel: Kernel.IKernelConnection, model: string, directory: string): Promise<ExportResult> {
  const out = await runSilently(kernel, exportCode(model));
  const line = out.split('\n').find(l => l.startsWith('nnlab-export '));
  if (!line) throw new Error(`Export weights: the kernel did not report a file (output: ${out.trim().slice(0, 200) || 'none'})`);
  const info = JSON.parse(line.slice('nnlab-export '.length)) as { file: string; format: 'safetensors' | 'json'; bytes: number };
  return { file: info.file, format: info.format, bytes: info.bytes, path: directory ? `${directory}/${info.file}` : info.file };
}
