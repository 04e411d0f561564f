/**
 * Model summaries like torchinfo's: for every module, its output shape (from
 * a forward pass with hooks on a sample input), parameters, trainability and
 * multiply-adds, then totals and memory.
 *
 * Multiply-adds are estimated per call from the module's own weights (every
 * parameter with 2 or more axes): `weight.size x positions`, where positions
 * is the number of output vectors the weight is applied at, `output.size /
 * output.shape[featureAxis]` (featureAxis = 1 for conv weights with >= 3
 * axes, the last axis otherwise). This is exact for Linear (N x in x out),
 * ConvNd (N x H x W x Cout x Cin/groups x k...) and RNN/LSTM/GRU layers
 * (N x T x gates x H x (in + H)); biases and element-wise ops count 0;
 * embeddings count 0.
 *
 * Memory, as torchinfo: input bytes; forward/backward = 2 x bytes of every
 * leaf module's outputs; parameter bytes.
 *
 * @example
 *   summary(model, [64, 784])   // shows a table: Layer, Output Shape, Param #, Mult-Adds, Trainable
 */
import { Tensor, randn } from '../../src/tensor';
import { noGrad } from '../../src/autograd';
import { Module } from '../../src/nn/module';
import { MIME, type LayerNode, type MediaBundle, type ModelPayload, type ParameterInfo, type SummaryRow, type SummaryTotals } from '../protocol';
import { ArgumentError } from '../../src/errors';
import { escapeHtml, fmtCount, fmtMB, fmtNum, fmtShape, htmlTable, rethrowWithContext, textTable } from './format';
import { rememberInput } from './registry';
import { histogram, valueStats } from './stats';

const DISPLAY = Symbol.for('Jupyter.display');

export type SampleInput = Tensor | readonly number[] | Tensor[];

export interface SummaryOptions {
  /** A name for the header (the notebook variable). */
  name?: string;
  /** Rows deeper than this are left out of the tables (not the totals). Default: all. */
  depth?: number;
}

function bytesPer(t: Tensor): number {
  return t.dtype === 'float64' ? 8 : 4;
}

/** Every tensor inside a forward's output (a tensor, or nested arrays/objects of tensors). */
export function tensorsIn(out: unknown, found: Tensor[] = [], depth = 0): Tensor[] {
  if (out instanceof Tensor) found.push(out);
  else if (depth < 4 && Array.isArray(out)) for (const o of out) tensorsIn(o, found, depth + 1);
  else if (depth < 4 && out && typeof out === 'object' && Object.getPrototypeOf(out) === Object.prototype) {
    for (const o of Object.values(out)) tensorsIn(o, found, depth + 1);
  }
  return found;
}

/** Estimated multiply-adds of one call of `module` that produced `output` (see the file comment). */
export function callMultAdds(module: Module, output: Tensor | undefined): number {
  if (!output || output.ndim === 0 || /Embedding/.test(module.constructor.name)) return 0;
  let total = 0;
  for (const [, p] of module.namedParameters(false)) {
    if (p.ndim < 2) continue;
    const axis = p.ndim >= 3 ? Math.min(1, output.ndim - 1) : output.ndim - 1;
    const features = output.shape[axis];
    if (features > 0) total += p.size * (output.size / features);
  }
  return total;
}

function trainability(params: Tensor[]): boolean | 'partial' | null {
  if (params.length === 0) return null;
  const n = params.filter((p) => p.requiresGrad).length;
  return n === params.length ? true : n === 0 ? false : 'partial';
}

/** Statistics of one parameter (and its gradient), for the layer tree. */
export function parameterInfo(name: string, p: Tensor, withHistogram = true): ParameterInfo {
  const values = p.values();
  const stats = valueStats(values);
  return {
    name, shape: [...p.shape], dtype: p.dtype, size: p.size, requiresGrad: p.requiresGrad, stats,
    histogram: withHistogram ? histogram(values, 20, stats) : null,
    gradStats: p.grad ? valueStats(p.grad.values()) : null,
    gradHistogram: p.grad && withHistogram ? histogram(p.grad.values(), 20) : null,
  };
}

/** The layer tree of a model with parameter counts (and statistics when `stats`). */
export function layerTree(model: Module, opts: { stats?: boolean } = {}): LayerNode {
  const build = (m: Module, name: string, key: string): LayerNode => {
    const own = m.namedParameters(false);
    const children = m.namedChildren().map(([k, c]) => build(c, name ? `${name}.${k}` : k, k));
    const ownParams = own.reduce((n, [, p]) => n + p.size, 0);
    const subtree = m.parameters();
    let params = 0;
    for (const p of subtree) params += p.size;
    return {
      name, key, className: m.constructor.name, extraRepr: m.extraRepr(), ownParams, params,
      trainable: trainability(subtree),
      parameters: opts.stats ? own.map(([k, p]) => parameterInfo(name ? `${name}.${k}` : k, p)) : own.map(([k, p]) => ({
        name: name ? `${name}.${k}` : k, shape: [...p.shape], dtype: p.dtype, size: p.size, requiresGrad: p.requiresGrad,
        stats: valueStats([]), histogram: null, gradStats: null,
      })),
      children,
    };
  };
  return build(model, '', '');
}

interface CallRecord {
  calls: number;
  outputShapes: number[][];
  multAdds: number;
  outputBytes: number;
}

function sampleTensors(input: SampleInput): Tensor[] {
  if (input instanceof Tensor) return [input];
  if (Array.isArray(input) && input.every((x) => x instanceof Tensor)) return input as Tensor[];
  const shape = input as readonly number[];
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ArgumentError(`summary: input must be a Tensor, an array of Tensors or a shape, got ${String(input)}`);
  }
  return [randn([...shape])];
}

/**
 * Runs one forward pass of `model` on `inputs` in eval mode without a graph,
 * recording every module's calls, output shapes and multiply-adds. Training
 * flags and hooks are restored afterwards.
 */
export function traceModel(model: Module, inputs: Tensor[]): Map<Module, CallRecord> {
  const records = new Map<Module, CallRecord>();
  const modules = model.namedModules().map(([, m]) => m);
  const modes = modules.map((m) => m.training);
  const handles = modules.map((m) =>
    m.registerForwardHook((mod, _inputs, out) => {
      const tensors = tensorsIn(out);
      let r = records.get(mod);
      if (!r) records.set(mod, (r = { calls: 0, outputShapes: [], multAdds: 0, outputBytes: 0 }));
      r.calls++;
      r.outputShapes = tensors.map((t) => [...t.shape]);
      r.multAdds += callMultAdds(mod, tensors[0]);
      for (const t of tensors) r.outputBytes += t.size * bytesPer(t);
    }),
  );
  try {
    model.eval();
    noGrad(() => model.forward(...inputs));
  } catch (err) {
    rethrowWithContext(err, `summary: the forward pass of ${model.constructor.name} on input ${inputs.map((t) => fmtShape(t.shape)).join(', ')} failed: `);
  } finally {
    for (const h of handles) h.remove();
    modules.forEach((m, i) => (m.training = modes[i]));
  }
  return records;
}

/** The summary's data (application/vnd.nnlab.model+json). */
export function summaryPayload(model: Module, input?: SampleInput | null, opts: SummaryOptions = {}): ModelPayload {
  if (!(model instanceof Module)) throw new ArgumentError(`summary: expected a Module, got ${Object.prototype.toString.call(model)}`);
  const inputs = input === undefined || input === null ? null : sampleTensors(input);
  const records = inputs ? traceModel(model, inputs) : null;
  if (inputs) rememberInput(model, inputs[0]);
  const named = model.namedModules();
  const rows: SummaryRow[] = named.map(([name, m]) => {
    const own = m.namedParameters(false);
    const subtree = m.parameters();
    const r = records?.get(m);
    return {
      name, className: m.constructor.name, depth: name === '' ? 0 : name.split('.').length,
      outputShape: r?.outputShapes[0] ?? null, outputShapes: r?.outputShapes ?? [], calls: r?.calls ?? 0,
      ownParams: own.reduce((n, [, p]) => n + p.size, 0), params: subtree.reduce((n, p) => n + p.size, 0),
      trainable: trainability(subtree), multAdds: records ? (r?.multAdds ?? 0) : null, isLeaf: m.namedChildren().length === 0,
    };
  });
  const params = model.parameters();
  const total = params.reduce((n, p) => n + p.size, 0);
  const trainable = params.filter((p) => p.requiresGrad).reduce((n, p) => n + p.size, 0);
  const paramBytes = params.reduce((n, p) => n + p.size * bytesPer(p), 0);
  let inputBytes: number | null = null, fb: number | null = null, multAdds: number | null = null;
  if (inputs && records) {
    inputBytes = inputs.reduce((n, t) => n + t.size * bytesPer(t), 0);
    fb = 0;
    multAdds = 0;
    for (const [, m] of named) {
      const r = records.get(m);
      if (!r) continue;
      multAdds += r.multAdds;
      if (m.namedChildren().length === 0) fb += 2 * r.outputBytes;
    }
  }
  const totals: SummaryTotals = {
    params: total, trainableParams: trainable, nonTrainableParams: total - trainable, multAdds,
    inputBytes, forwardBackwardBytes: fb, paramBytes,
    totalBytes: inputBytes !== null && fb !== null ? inputBytes + fb + paramBytes : null,
  };
  return {
    version: 1, kind: 'model', name: opts.name ?? null, className: model.constructor.name,
    inputShape: inputs ? [...inputs[0].shape] : null, rows, totals, tree: layerTree(model),
  };
}

function trainableText(t: boolean | 'partial' | null): string {
  return t === null ? '--' : t === 'partial' ? 'Partial' : t ? 'True' : 'False';
}

/** Tree-drawing prefixes ('├─', '│ └─') for pre-order rows with depths. */
function treePrefixes(rows: SummaryRow[]): string[] {
  return rows.map((row, i) => {
    if (row.depth === 0) return '';
    let prefix = '';
    for (let d = 1; d <= row.depth; d++) {
      // Is there a later row at depth d before the subtree at depth d-1 closes?
      let more = false;
      for (let j = i + 1; j < rows.length && rows[j].depth >= d; j++) {
        if (rows[j].depth === d) {
          more = true;
          break;
        }
      }
      if (d < row.depth) prefix += more ? '│ ' : '  ';
      else prefix += more ? '├─' : '└─';
    }
    return prefix;
  });
}

function rowCells(payload: ModelPayload, depth: number): { label: string; shape: string; params: string; multAdds: string; trainable: string }[] {
  const visible = payload.rows.filter((r) => r.depth <= depth);
  const prefixes = treePrefixes(visible);
  return visible.map((r, i) => ({
    label: r.depth === 0 ? r.className : `${prefixes[i]}${r.name.split('.').pop()} (${r.className})`,
    shape: r.outputShape ? fmtShape(r.outputShape) + (r.calls > 1 ? ` x${r.calls}` : '') : '--',
    params: r.isLeaf || r.ownParams > 0 ? (r.ownParams > 0 ? fmtCount(r.ownParams) : '--') : `(${fmtCount(r.params)})`,
    multAdds: r.multAdds === null || r.multAdds === 0 ? '--' : fmtCount(r.multAdds),
    trainable: trainableText(r.trainable),
  }));
}

function totalsLines(t: SummaryTotals): string[] {
  const lines = [
    `Total params: ${fmtCount(t.params)}`,
    `Trainable params: ${fmtCount(t.trainableParams)}`,
    `Non-trainable params: ${fmtCount(t.nonTrainableParams)}`,
  ];
  if (t.multAdds !== null) lines.push(`Total mult-adds (M): ${(t.multAdds / 1e6).toFixed(2)}`);
  lines.push('');
  if (t.inputBytes !== null) lines.push(`Input size (MB): ${fmtMB(t.inputBytes)}`);
  if (t.forwardBackwardBytes !== null) lines.push(`Forward/backward pass size (MB): ${fmtMB(t.forwardBackwardBytes)}`);
  lines.push(`Params size (MB): ${fmtMB(t.paramBytes)}`);
  if (t.totalBytes !== null) lines.push(`Estimated Total Size (MB): ${fmtMB(t.totalBytes)}`);
  return lines;
}

/** torchinfo-style plain-text table. */
export function summaryText(payload: ModelPayload, depth = Infinity): string {
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds', 'Trainable'];
  const cells = rowCells(payload, depth).map((c) => [c.label, c.shape, c.params, c.multAdds, c.trainable]);
  const table = textTable(header, cells, ['l', 'l', 'r', 'r', 'l']);
  const width = Math.max(...table.split('\n').map((l) => l.length));
  const rule = '='.repeat(width);
  const lines = table.split('\n');
  const title = `${payload.name ? `${payload.name}: ` : ''}${payload.className}${payload.inputShape ? ` on input ${fmtShape(payload.inputShape)}` : ' (no sample input: output shapes and mult-adds need summary(model, input))'}`;
  return [title, rule, lines[0], rule, ...lines.slice(1), rule, ...totalsLines(payload.totals), rule].join('\n');
}

export function summaryHtml(payload: ModelPayload, depth = Infinity): string {
  const cells = rowCells(payload, depth).map((c) => [
    `<span style="white-space:pre">${escapeHtml(c.label)}</span>`, escapeHtml(c.shape), c.params, c.multAdds, c.trainable,
  ]);
  const title = `${payload.name ? `${escapeHtml(payload.name)}: ` : ''}<b>${escapeHtml(payload.className)}</b>${payload.inputShape ? ` on input ${fmtShape(payload.inputShape)}` : ''}`;
  const t = payload.totals;
  const foot = [
    `Total params <b>${fmtCount(t.params)}</b> (trainable ${fmtCount(t.trainableParams)}, non-trainable ${fmtCount(t.nonTrainableParams)})`,
    t.multAdds === null
      ? 'Mult-adds and output shapes: pass a sample input, summary(model, input)'
      : `Mult-adds ${t.multAdds >= 1e6 ? `${fmtNum(t.multAdds / 1e6)} M` : fmtCount(t.multAdds)}`,
    `Memory (MB): input ${fmtMB(t.inputBytes)} · forward/backward ${fmtMB(t.forwardBackwardBytes)} · params ${fmtMB(t.paramBytes)} · total ${fmtMB(t.totalBytes)}`,
  ];
  return `<div class="nnlab-model" style="font-size:12px"><div>${title}</div>${htmlTable(['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds', 'Trainable'], cells, ['l', 'l', 'r', 'r', 'l'])}<div style="font-family:monospace">${foot.join('<br>')}</div></div>`;
}

/** A model summary: its data, a text table and an HTML table. Displayable. */
export class ModelSummary {
  constructor(readonly payload: ModelPayload, readonly depth = Infinity) {}
  toString(): string {
    return summaryText(this.payload, this.depth);
  }
  toJSON(): ModelPayload {
    return this.payload;
  }
  [DISPLAY](): MediaBundle {
    return summaryBundle(this.payload, this.depth);
  }
}

export function summaryBundle(payload: ModelPayload, depth = Infinity): MediaBundle {
  return { 'text/plain': summaryText(payload, depth), 'text/html': summaryHtml(payload, depth), [MIME.model]: payload };
}

/**
 * A torchinfo-like summary of `model`. With a sample `input` (a tensor, tensors,
 * or a shape for a random float32 input) it runs one forward pass to get
 * output shapes and mult-adds.
 * @example summary(model, [1, 1, 28, 28])
 */
export function summary(model: Module, input?: SampleInput | null, opts: SummaryOptions = {}): ModelSummary {
  return new ModelSummary(summaryPayload(model, input, opts), opts.depth ?? Infinity);
}
