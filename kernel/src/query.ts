/**
 * The query entry point for the JupyterLab extension: what models and runs
 * are alive in the kernel, and on request one layer's weights or activation
 * maps. Answers are one JSON display, `application/vnd.nnlab.query+json`
 * (types in kernel/protocol.ts, protocol in kernel/README.md).
 *
 * Two ways in, same answers:
 *  - the nnlab kernel answers a (silent) execute request whose code is
 *    `%nnlab_query {"op":"list"}` directly, without compiling TypeScript and
 *    even while another cell is training (between batches);
 *  - from code: `query({ op: 'list' })` displays the answer.
 *
 * @example answerQuery({ op: 'weights', model: 'model', param: '0.weight' }).ok
 */
import { Tensor } from '../../src/tensor';
import { Module } from '../../src/nn/module';
import { TrainingRun, runRegistry } from '../../src/train';
import {
  MIME, QUERY_MAGIC, type ListResult, type MediaBundle, type ModelInfo, type QueryPayload, type QueryRequest, type QueryResult, type WeightsResult,
} from '../protocol';
import { featureMaps, filterImages } from './activations';
import { channelOf, explainPixel } from './explain';
import { displayBundle } from './display';
import { lastInput, lastTrainedAt, notebookVariables, rememberInput } from './registry';
import { runPayload } from './runView';
import { layerTree } from './summary';
import { tensorPayload } from './tensorView';

function versionOf(...paths: string[]): string | null {
  for (const p of paths) {
    try {
      return (require(p) as { version: string }).version;
    } catch {
      // try the next
    }
  }
  return null;
}

function models(): [string, Module][] {
  return notebookVariables().filter((e): e is [string, Module] => e[1] instanceof Module);
}

function findModel(name: string): Module {
  const found = models().find(([n]) => n === name);
  if (!found) throw new Error(`no model named '${name}' in the kernel; models: ${models().map(([n]) => n).join(', ') || 'none'}`);
  return found[1];
}

function findRun(id: string): TrainingRun {
  const byId = runRegistry.find((r) => r.id === id);
  if (byId) return byId;
  const byVar = notebookVariables().find(([n, v]) => n === id && v instanceof TrainingRun);
  if (byVar) return byVar[1] as TrainingRun;
  throw new Error(`no training run '${id}'; runs: ${runRegistry.map((r) => r.id).join(', ') || 'none'}`);
}

export function modelInfo(name: string, model: Module): ModelInfo {
  const params = model.parameters();
  const input = lastInput(model);
  const trained = lastTrainedAt(model);
  return {
    name, className: model.constructor.name,
    numParams: params.reduce((n, p) => n + p.size, 0),
    trainableParams: params.filter((p) => p.requiresGrad).reduce((n, p) => n + p.size, 0),
    training: model.training, lastInputShape: input ? [...input.shape] : null,
    lastTrainedAt: trained === null ? null : new Date(trained).toISOString(),
    tree: layerTree(model, { stats: true }),
  };
}

/** Sample `index` (default 0) of tensor variable `input`, or of the last batch the model saw, as a one-sample batch. */
function sampleOf(model: Module, request: { model: string; input?: string; index?: number }): { sample: Tensor; index: number } {
  let input: Tensor | null;
  if (request.input) {
    const v = notebookVariables().find(([n]) => n === request.input)?.[1];
    if (!(v instanceof Tensor)) throw new Error(`no tensor named '${request.input}' in the kernel`);
    input = v;
  } else {
    input = lastInput(model);
    if (!input) throw new Error(`model '${request.model}' has seen no input yet; pass "input": the name of a tensor variable`);
  }
  const index = request.index ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= input.shape[0]) throw new Error(`sample index ${index} is out of range for an input of shape [${input.shape.join(', ')}]`);
  return { sample: input.narrow(0, index, 1), index };
}

function filtersOf(param: Tensor): WeightsResult['filters'] {
  if (param.ndim < 2 || param.ndim > 4) return null;
  try {
    return filterImages(param).payload;
  } catch {
    return null;
  }
}

function run(request: QueryRequest): QueryResult {
  switch (request.op) {
    case 'list': {
      const result: ListResult = {
        models: models().map(([n, m]) => modelInfo(n, m)),
        runs: runRegistry.map((r) => runPayload(r, { maxPoints: 200 })),
        kernel: {
          // NOTE: this file runs from dist/kernel/src (kernel) or kernel/src (tests).
          nnlab: versionOf('../../../package.json', '../../package.json') ?? 'unknown',
          tslab: versionOf('tslab/package.json'), node: process.version,
        },
      };
      return result;
    }
    case 'model':
      return modelInfo(request.name, findModel(request.name));
    case 'weights': {
      const model = findModel(request.model);
      const param = model.getParameter(request.param);
      return {
        model: request.model, param: request.param, tensor: tensorPayload(param, { valueLimit: Math.min(request.maxValues ?? 65536, MAX_QUERY_VALUES) }),
        filters: filtersOf(param),
      };
    }
    case 'activations': {
      const model = findModel(request.model);
      const { sample, index } = sampleOf(model, request);
      // NOTE: featureMaps remembers its input; a query must not replace the batch the model last saw.
      const previous = lastInput(model);
      const maps = featureMaps(model, sample, {
        name: request.model, layers: request.layer ? [request.layer] : 'leaves', maxChannels: request.maxChannels ?? 32, includeInput: !request.layer,
      });
      if (previous) rememberInput(model, previous);
      return { model: request.model, activations: maps.payload };
    }
    case 'run':
      return runPayload(findRun(request.id), { maxPoints: 2000 });
    case 'channel': {
      const model = findModel(request.model);
      const { sample, index } = sampleOf(model, request);
      return channelOf(model, sample, request.layer, request.channel, { model: request.model, index });
    }
    case 'explain': {
      const model = findModel(request.model);
      const { sample, index } = sampleOf(model, request);
      return explainPixel(model, sample, request.layer, request.channel, request.y, request.x, { model: request.model, index });
    }
    default:
      throw new Error(`unknown op '${(request as { op?: unknown }).op}'; ops: list, model, weights, activations, run, channel, explain`);
  }
}

/** Answers a request as a payload (never throws: errors come back as `ok: false`). */
/**
 * The most values a 'weights' reply carries, whatever `maxValues` asks for:
 * 2^20 (about 20 MB of JSON). A larger parameter comes back without values;
 * the reply's `tensor.valueLimit` says the cap that applied.
 */
export const MAX_QUERY_VALUES = 2 ** 20;

export function answerQuery(request: QueryRequest | string): QueryPayload {
  let req: QueryRequest;
  try {
    req = typeof request === 'string' ? (JSON.parse(request) as QueryRequest) : request;
    if (!req || typeof req !== 'object' || typeof req.op !== 'string') throw new Error('a request is an object with an "op"');
  } catch (err) {
    return { version: 1, kind: 'query', op: 'invalid', ok: false, error: `bad query: ${err instanceof Error ? err.message : String(err)}` };
  }
  try {
    return { version: 1, kind: 'query', op: req.op, ok: true, result: run(req) };
  } catch (err) {
    return { version: 1, kind: 'query', op: req.op, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The bundle of an answer: nnlab's query JSON and a one-line text. */
export function queryBundle(payload: QueryPayload): MediaBundle {
  return { 'text/plain': payload.ok ? `nnlab query '${payload.op}': ok` : `nnlab query '${payload.op}' failed: ${payload.error}`, [MIME.query]: payload };
}

/** Parses the code of a `%nnlab_query {...}` request; null when the code is not one. */
export function parseQueryCode(code: string): string | null {
  const trimmed = code.trim();
  if (!trimmed.startsWith(QUERY_MAGIC)) return null;
  return trimmed.slice(QUERY_MAGIC.length).trim() || '{"op":"list"}';
}

/**
 * Displays the answer to `request` (from notebook code).
 * @example query({ op: 'list' })
 */
export function query(request: QueryRequest): void {
  displayBundle(queryBundle(answerQuery(request)));
}
