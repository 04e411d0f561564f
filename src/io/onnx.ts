/**
 * ONNX export: `exportOnnx(model, sampleInput, 'model.onnx')` writes a model
 * that onnxruntime (or any ONNX runtime) runs with the same outputs.
 *
 * How it traces: the model runs once on the sample input (in eval mode, so
 * Dropout is the identity and BatchNorm uses its running statistics), with a
 * forward hook on every layer. Each layer call becomes ONNX nodes from the
 * layer's settings and weights (a `Linear` is a Gemm, an `LSTM` is ONNX LSTM
 * nodes with the gates reordered), never from its unrolled arithmetic. Tensor
 * operations written directly in a custom `forward` between layers (a
 * reshape, `out.select(1, -1)`, a residual `add`) are read from the autograd
 * graph between the layer outputs and exported too, for a small set of
 * primitives.
 *
 * Dynamic axes: the model runs again with each dynamic axis of the input one
 * longer (and fresh random values); a dimension that changes with it is
 * symbolic in the file ('batch'), and shapes baked into the graph (Reshape
 * targets) copy it instead of fixing it. A tensor created inside `forward`
 * whose shape or values change between the runs (a mask computed from the
 * input without autograd) cannot be exported and is reported.
 *
 * Opset 17, IR version 8; weights are float32 initializers named by their
 * state-dict keys ('features.0.weight').
 */
import { inspect } from 'node:util';
import { Tensor } from '../tensor';
import { isGradEnabled, type PrimOp } from '../autograd';
import { concat } from '../ops/movement';
import { ArgumentError, fmtShape } from '../errors';
import { sizeOf } from '../shape';
import { Module } from '../nn/module';
import { Linear, Flatten, Identity, Dropout, ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax } from '../nn/layers';
import { Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d } from '../nn/conv';
import { BatchNorm1d, BatchNorm2d } from '../nn/normalization';
import { RNN, LSTM, GRU, type RNNBase } from '../nn/recurrent';
import { toPair } from '../ops/conv';
import { Generator } from '../random';
import { onnxTypes, ONNX_ATTRIBUTE, ONNX_DTYPE } from './onnx-proto';
import { writeFileAtomic } from './atomic';
import { nnlabVersion } from './version';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

/** A model, or a part of one, that ONNX export cannot express; the message names the layer or op. */
export class OnnxExportError extends ArgumentError {}

/** A dimension: fixed, symbolic (named after the dynamic input axis it follows), or dynamic without a name. */
export type Dim = number | string | null;

export interface ExportOnnxOptions {
  /** Name of the graph input. Default 'input'. */
  inputName?: string;
  /** Names of the graph outputs, in the order `forward` returns them. Default 'output', 'output_1', ... */
  outputNames?: string[];
  /**
   * Input axes whose size may change at run time, with their names. Default
   * `{ 0: 'batch' }`; `{}` fixes every size to the sample's.
   */
  dynamicAxes?: Record<number, string>;
  /** Free text stored as the model's doc_string. */
  docString?: string;
}

// ---- Graph building ------------------------------------------------------------------

interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

const attr = {
  int: (name: string, i: number): Attribute => ({ name, type: ONNX_ATTRIBUTE.INT, i }),
  ints: (name: string, ints: readonly number[]): Attribute => ({ name, type: ONNX_ATTRIBUTE.INTS, ints: [...ints] }),
  float: (name: string, f: number): Attribute => ({ name, type: ONNX_ATTRIBUTE.FLOAT, f }),
  string: (name: string, s: string): Attribute => ({ name, type: ONNX_ATTRIBUTE.STRING, s: new TextEncoder().encode(s) }),
  strings: (name: string, list: readonly string[]): Attribute => ({ name, type: ONNX_ATTRIBUTE.STRINGS, strings: list.map((s) => new TextEncoder().encode(s)) }),
};

interface NodeRecord {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}

interface TensorRecord {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

function rawBytes(values: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  // NOTE: ONNX raw_data is little-endian, as typed arrays are on every platform Node ships for but s390x.
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** Nodes, initializers and value names of the graph being built. */
export class GraphBuilder {
  readonly nodes: NodeRecord[] = [];
  readonly initializers: TensorRecord[] = [];
  /** Known dims of each value. */
  readonly dims = new Map<string, Dim[]>();
  private readonly used = new Set<string>();
  private readonly tensorNames = new Map<Tensor, string>();
  private counter = 0;

  constructor(private readonly stateNames: Map<Tensor, string>) {}

  /** Marks names as taken (the graph's input and output names). */
  reserve(...names: string[]): void {
    for (const n of names) this.used.add(n);
  }

  /** A value name not used yet, from a hint ('features.0' → 'features.0', then 'features.0_1'). */
  unique(hint: string): string {
    const base = hint.replace(/\s+/g, '_') || 'value';
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; `outputs` are names or a count (fresh names from the hint). Returns the output names. */
  node(opType: string, inputs: string[], outputs: string[] | number = 1, attributes: Attribute[] = [], hint = opType): string[] {
    const out = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.unique(hint)) : outputs;
    this.nodes.push({ op_type: opType, name: `${hint}/${opType}_${this.counter++}`, input: inputs, output: out, attribute: attributes });
    return out;
  }

  /** One-output node. */
  op(opType: string, inputs: string[], attributes: Attribute[] = [], hint = opType): string {
    return this.node(opType, inputs, 1, attributes, hint)[0];
  }

  /** A float32 initializer. */
  floats(hint: string, values: ArrayLike<number>, dims: readonly number[]): string {
    const name = this.unique(hint);
    this.initializers.push({ name, dims: [...dims], data_type: ONNX_DTYPE.FLOAT, raw_data: rawBytes(Float32Array.from(values)) });
    this.dims.set(name, [...dims]);
    return name;
  }

  /** A 1-D int64 initializer (shapes, axes, slice bounds). */
  int64s(hint: string, values: readonly number[]): string {
    const name = this.unique(hint);
    this.initializers.push({ name, dims: [values.length], data_type: ONNX_DTYPE.INT64, raw_data: rawBytes(BigInt64Array.from(values.map((v) => BigInt(v)))) });
    this.dims.set(name, [values.length]);
    return name;
  }

  /** A float32 scalar initializer. */
  scalar(hint: string, value: number): string {
    return this.floats(hint, [value], []);
  }

  /** An nnlab tensor as a float32 initializer, once per tensor, named by its state-dict key when it has one. */
  weight(t: Tensor, hint: string): string {
    const known = this.tensorNames.get(t);
    if (known) return known;
    const name = this.floats(this.stateNames.get(t) ?? hint, t.values(), t.shape);
    this.tensorNames.set(t, name);
    return name;
  }
}

// ---- Layer converters ------------------------------------------------------------------

/** What a converter sees of one layer call. */
export interface LayerCall<M extends Module = Module> {
  g: GraphBuilder;
  module: M;
  /** The layer's dotted path in the model ('features.0'), or its class name at the root. */
  path: string;
  /** Value names of the tensor arguments, in order (arrays flattened: LSTM's (x, [h0, c0]) gives three). */
  inputs: string[];
  inputDims: Dim[][];
  /** Dims of each tensor the layer returned (flattened, in order). */
  outputDims: Dim[][];
  /** The call's arguments in the sample run. */
  args: unknown[];
}

/** Emits the nodes for one layer call and returns the value names of its outputs (flattened, in order). */
export type LayerConverter<M extends Module = Module> = (call: LayerCall<M>) => string[];

type Constructor<M> = abstract new (...args: any[]) => M;
const converters = new Map<Constructor<Module>, LayerConverter<any>>();

/**
 * Teaches `exportOnnx` a layer type (exact class; subclasses need their own entry).
 * @example registerOnnxConverter(Swish, ({ g, inputs: [x], path }) => [g.op('Mul', [x, g.op('Sigmoid', [x], [], path)], [], path)]);
 */
export function registerOnnxConverter<M extends Module>(cls: Constructor<M>, convert: LayerConverter<M>): void {
  converters.set(cls as Constructor<Module>, convert as LayerConverter<any>);
}

function converterFor(m: Module): LayerConverter | undefined {
  return converters.get(m.constructor as Constructor<Module>);
}

/** The layers exportOnnx knows, for error messages. */
export function supportedLayers(): string[] {
  return [...converters.keys()].map((c) => c.name);
}

function fail(call: { module: Module; path: string }, problem: string): never {
  throw new OnnxExportError(`exportOnnx: ${call.module.constructor.name}(${call.path}): ${problem}`);
}

/** Reshape to `outDims`, copying symbolic dims from the input where they line up (0) or inferring one (−1). */
function reshapeTo(g: GraphBuilder, x: string, inDims: Dim[], outDims: Dim[], hint: string, where: { module: Module; path: string }): string {
  let inferred = 0;
  const target = outDims.map((d, i) => {
    if (typeof d === 'number') {
      if (d === 0) fail(where, 'cannot export a reshape to an empty dimension');
      return d;
    }
    if (d !== null && inDims[i] === d) return 0;
    inferred++;
    return -1;
  });
  if (inferred > 1) fail(where, `a reshape to [${outDims.join(', ')}] has ${inferred} dynamic dimensions that do not line up with the input's [${inDims.join(', ')}]`);
  return g.op('Reshape', [x, g.int64s(`${hint}.shape`, target)], [], hint);
}

function convertLinear({ g, module: m, path, inputs: [x], inputDims: [dims] }: LayerCall<Linear>): string[] {
  const w = g.weight(m.weight, `${path}.weight`);
  const b = m.bias ? g.weight(m.bias, `${path}.bias`) : null;
  if (dims.length === 2) return [g.op('Gemm', b ? [x, w, b] : [x, w], [attr.int('transB', 1)], path)];
  const y = g.op('MatMul', [x, g.op('Transpose', [w], [attr.ints('perm', [1, 0])], `${path}.weight_T`)], [], path);
  return [b ? g.op('Add', [y, b], [], path) : y];
}

function convertConv2d({ g, module: m, path, inputs: [x] }: LayerCall<Conv2d>): string[] {
  const [top, bottom, left, right] = m.paddingAmounts();
  const inputs = [x, g.weight(m.weight, `${path}.weight`)];
  if (m.bias) inputs.push(g.weight(m.bias, `${path}.bias`));
  return [g.op('Conv', inputs, [
    attr.ints('kernel_shape', m.kernelSize), attr.ints('strides', m.stride), attr.ints('pads', [top, left, bottom, right]),
    attr.ints('dilations', m.dilation), attr.int('group', m.groups),
  ], path)];
}

function convertMaxPool2d({ g, module: m, path, inputs: [x] }: LayerCall<MaxPool2d>): string[] {
  const k = toPair(path, 'kernelSize', m.kernelSize, 1), [ph, pw] = toPair(path, 'padding', m.padding, 0);
  return [g.op('MaxPool', [x], [
    attr.ints('kernel_shape', k), attr.ints('strides', toPair(path, 'stride', m.stride, 1)), attr.ints('pads', [ph, pw, ph, pw]),
    attr.ints('dilations', toPair(path, 'dilation', m.dilation, 1)), attr.int('ceil_mode', m.ceilMode ? 1 : 0),
  ], path)];
}

function convertAvgPool2d({ g, module: m, path, inputs: [x] }: LayerCall<AvgPool2d>): string[] {
  const k = toPair(path, 'kernelSize', m.kernelSize, 1), [ph, pw] = toPair(path, 'padding', m.padding, 0);
  return [g.op('AveragePool', [x], [
    attr.ints('kernel_shape', k), attr.ints('strides', toPair(path, 'stride', m.stride, 1)), attr.ints('pads', [ph, pw, ph, pw]),
    attr.int('ceil_mode', m.ceilMode ? 1 : 0), attr.int('count_include_pad', m.countIncludePad ? 1 : 0),
  ], path)];
}

function convertAdaptiveAvgPool2d(call: LayerCall<AdaptiveAvgPool2d>): string[] {
  const { g, module: m, path, inputs: [x], inputDims: [dims] } = call;
  const [, , H, W] = dims;
  const o = m.outputSize;
  const [rh, rw] = typeof o === 'number' ? [o, o] : o;
  if (rh === 1 && rw === 1) return [g.op('GlobalAveragePool', [x], [], path)];
  if (typeof H !== 'number' || typeof W !== 'number') fail(call, `adaptive pooling to [${rh}, ${rw}] needs fixed input height and width, got [${dims.join(', ')}]`);
  const oH = rh ?? H, oW = rw ?? W;
  if (H % oH !== 0 || W % oW !== 0) {
    fail(call, `adaptive pooling from ${H}×${W} to ${oH}×${oW} has windows of unequal size, which one ONNX AveragePool cannot express (sizes that divide evenly, or 1×1, export)`);
  }
  const k = [H / oH, W / oW];
  return [g.op('AveragePool', [x], [attr.ints('kernel_shape', k), attr.ints('strides', k)], path)];
}

function convertGlobalAvgPool2d({ g, module: m, path, inputs: [x] }: LayerCall<GlobalAvgPool2d>): string[] {
  const y = g.op('GlobalAveragePool', [x], [], path);
  return [m.keepdim ? y : g.op('Flatten', [y], [attr.int('axis', 1)], path)];
}

function convertBatchNorm(call: LayerCall<BatchNorm1d | BatchNorm2d>): string[] {
  const { g, module: m, path, inputs: [x] } = call;
  if (!m.trackRunningStats || !m.running_mean || !m.running_var) {
    fail(call, 'uses batch statistics at inference (trackRunningStats = false); ONNX export needs running statistics');
  }
  const C = m.numFeatures;
  const scale = m.weight ? g.weight(m.weight, `${path}.weight`) : g.floats(`${path}.weight`, new Float32Array(C).fill(1), [C]);
  const bias = m.bias ? g.weight(m.bias, `${path}.bias`) : g.floats(`${path}.bias`, new Float32Array(C), [C]);
  const mean = g.weight(m.running_mean, `${path}.running_mean`), variance = g.weight(m.running_var, `${path}.running_var`);
  return [g.op('BatchNormalization', [x, scale, bias, mean, variance], [attr.float('epsilon', m.eps)], path)];
}

/** GELU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)); opset 17 has no Gelu op. */
function gelu(g: GraphBuilder, x: string, hint: string): string {
  const erf = g.op('Erf', [g.op('Div', [x, g.scalar(`${hint}.sqrt2`, Math.SQRT2)], [], hint)], [], hint);
  const onePlus = g.op('Add', [erf, g.scalar(`${hint}.one`, 1)], [], hint);
  return g.op('Mul', [g.op('Mul', [x, onePlus], [], hint), g.scalar(`${hint}.half`, 0.5)], [], hint);
}

function convertFlatten(call: LayerCall<Flatten>): string[] {
  const { g, module: m, path, inputs: [x], inputDims: [dims], outputDims: [outDims] } = call;
  const rank = dims.length;
  const start = m.startDim < 0 ? m.startDim + rank : m.startDim, end = m.endDim < 0 ? m.endDim + rank : m.endDim;
  if (start === 1 && end === rank - 1) return [g.op('Flatten', [x], [attr.int('axis', 1)], path)];
  if (start === end) return [x];
  return [reshapeTo(g, x, dims, outDims, path, call)];
}

/**
 * RNN/LSTM/GRU as ONNX RNN/LSTM/GRU nodes, one per layer (layout 0: [seq,
 * batch, features]). PyTorch's weights [gates·H, in] are reordered gate block
 * by gate block: LSTM i,f,g,o → ONNX i,o,f,c; GRU r,z,n → ONNX z,r,h with
 * linear_before_reset = 1 (PyTorch applies r to (W_hn·h + b_hn)). Biases
 * become ONNX's B = [b_ih, b_hh]. The outputs are PyTorch's: output
 * [seq, batch, D·H] (batch first when batchFirst), h_n [L·D, batch, H], and c_n for an LSTM.
 */
function convertRecurrent(call: LayerCall<RNNBase>): string[] {
  const { g, module: m, path, inputs, inputDims } = call;
  const kind = m instanceof LSTM ? 'LSTM' : m instanceof GRU ? 'GRU' : 'RNN';
  const gateOrder = kind === 'LSTM' ? [0, 3, 1, 2] : kind === 'GRU' ? [1, 0, 2] : [0];
  const H = m.hiddenSize, D = m.numDirections, G = gateOrder.length * H;
  const batched = inputDims[0].length === 3;
  const axis1 = batched ? '' : g.int64s(`${path}.axis1`, [1]);
  let x = inputs[0];
  // Initial states [L·D, B, H] (or [L·D, H] unbatched), when given: LSTM's (x, [h0, c0]) flattens to three inputs.
  let h0 = inputs[1] ?? null, c0 = kind === 'LSTM' ? inputs[2] ?? null : null;
  if (!batched) {
    x = g.op('Unsqueeze', [x, axis1], [], path);
    if (h0) h0 = g.op('Unsqueeze', [h0, axis1], [], path);
    if (c0) c0 = g.op('Unsqueeze', [c0, axis1], [], path);
  } else if (m.batchFirst) {
    x = g.op('Transpose', [x], [attr.ints('perm', [1, 0, 2])], path);
  }
  // One direction's [gates·H, width] matrix (or [gates·H] bias) with its gate blocks in ONNX order, as float32.
  const reorder = (t: Tensor): Float32Array => {
    const src = t.values(), block = t.size / gateOrder.length;
    const out = new Float32Array(t.size);
    gateOrder.forEach((from, to) => out.set(src.subarray(from * block, (from + 1) * block), to * block));
    return out;
  };
  const joined = (parts: Float32Array[]): Float32Array => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  };
  const hs: string[] = [], cs: string[] = [];
  for (let layer = 0; layer < m.numLayers; layer++) {
    const dirs = Array.from({ length: D }, (_, d) => m.weightsOf(layer, d === 1));
    const inSize = dirs[0].weightIh.shape[1];
    const W = g.floats(`${path}.W_l${layer}`, joined(dirs.map((w) => reorder(w.weightIh))), [D, G, inSize]);
    const R = g.floats(`${path}.R_l${layer}`, joined(dirs.map((w) => reorder(w.weightHh))), [D, G, H]);
    const B = m.bias ? g.floats(`${path}.B_l${layer}`, joined(dirs.flatMap((w) => [reorder(w.biasIh!), reorder(w.biasHh!)])), [D, 2 * G]) : '';
    // This layer's slice [layer·D, (layer+1)·D) of a PyTorch initial state.
    const stateOf = (s: string | null): string => (s ? g.op('Slice', [
      s, g.int64s(`${path}.l${layer}.start`, [layer * D]), g.int64s(`${path}.l${layer}.end`, [(layer + 1) * D]), g.int64s(`${path}.axis0`, [0]),
    ], [], path) : '');
    // Inputs X, W, R, B, sequence_lens, initial_h, initial_c; '' for an absent optional one, trailing ones dropped.
    const nodeInputs = [x, W, R, B, '', stateOf(h0), kind === 'LSTM' ? stateOf(c0) : ''];
    while (nodeInputs[nodeInputs.length - 1] === '') nodeInputs.pop();
    const attributes = [attr.int('hidden_size', H), attr.string('direction', D === 2 ? 'bidirectional' : 'forward')];
    if (kind === 'GRU') attributes.push(attr.int('linear_before_reset', 1));
    if (m instanceof RNN) attributes.push(attr.strings('activations', Array(D).fill(m.nonlinearity === 'relu' ? 'Relu' : 'Tanh')));
    const [y, yh, yc] = g.node(kind, nodeInputs, kind === 'LSTM' ? 3 : 2, attributes, `${path}.l${layer}`);
    hs.push(yh);
    if (yc) cs.push(yc);
    // Y [seq, D, batch, H] → [seq, batch, D·H], the next layer's input and, after the last, the output.
    const t = g.op('Transpose', [y], [attr.ints('perm', [0, 2, 1, 3])], path);
    x = g.op('Reshape', [t, g.int64s(`${path}.shape`, [0, 0, D * H])], [], path);
  }
  const byLayer = (parts: string[]) => (parts.length === 1 ? parts[0] : g.op('Concat', parts, [attr.int('axis', 0)], path));
  let output = x, hN = byLayer(hs), cN = cs.length > 0 ? byLayer(cs) : null;
  if (!batched) {
    output = g.op('Squeeze', [output, axis1], [], path);
    hN = g.op('Squeeze', [hN, axis1], [], path);
    if (cN) cN = g.op('Squeeze', [cN, axis1], [], path);
  } else if (m.batchFirst) {
    output = g.op('Transpose', [output], [attr.ints('perm', [1, 0, 2])], path);
  }
  return cN ? [output, hN, cN] : [output, hN];
}

const passThrough = ({ inputs: [x] }: LayerCall): string[] => [x];
const simple = (opType: string, attributes: (m: any) => Attribute[] = () => []) =>
  ({ g, module, path, inputs: [x] }: LayerCall): string[] => [g.op(opType, [x], attributes(module), path)];

registerOnnxConverter(Linear, convertLinear);
registerOnnxConverter(Conv2d, convertConv2d);
registerOnnxConverter(MaxPool2d, convertMaxPool2d);
registerOnnxConverter(AvgPool2d, convertAvgPool2d);
registerOnnxConverter(AdaptiveAvgPool2d, convertAdaptiveAvgPool2d);
registerOnnxConverter(GlobalAvgPool2d, convertGlobalAvgPool2d);
registerOnnxConverter(BatchNorm1d, convertBatchNorm);
registerOnnxConverter(BatchNorm2d, convertBatchNorm);
registerOnnxConverter(Flatten, convertFlatten);
registerOnnxConverter(RNN, convertRecurrent);
registerOnnxConverter(LSTM, convertRecurrent);
registerOnnxConverter(GRU, convertRecurrent);
registerOnnxConverter(Identity, passThrough);
registerOnnxConverter(Dropout, passThrough);
registerOnnxConverter(ReLU, simple('Relu'));
registerOnnxConverter(Sigmoid, simple('Sigmoid'));
registerOnnxConverter(Tanh, simple('Tanh'));
registerOnnxConverter(LeakyReLU, simple('LeakyRelu', (m: LeakyReLU) => [attr.float('alpha', m.negativeSlope)]));
registerOnnxConverter(ELU, simple('Elu', (m: ELU) => [attr.float('alpha', m.alpha)]));
registerOnnxConverter(GELU, ({ g, path, inputs: [x] }) => [gelu(g, x, path)]);
registerOnnxConverter(Softmax, simple('Softmax', (m: Softmax) => [attr.int('axis', m.dim)]));
registerOnnxConverter(LogSoftmax, simple('LogSoftmax', (m: LogSoftmax) => [attr.int('axis', m.dim)]));

// ---- Tracing ---------------------------------------------------------------------------

interface Call {
  module: Module;
  path: string;
  args: unknown[];
  output: unknown;
}

/** The tensors in a layer's output (a tensor, or arrays of them such as LSTM's [out, [h, c]]), flattened. */
function flattenTensors(value: unknown, where: string): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap((v) => flattenTensors(v, where));
  if (value === null || value === undefined) return [];
  throw new OnnxExportError(`exportOnnx: ${where} holds a ${typeof value}; only tensors and arrays of tensors can be exported`);
}

/** Runs the model once with hooks and returns the layer calls at the outermost level, in order. */
function trace(model: Module, input: Tensor): { calls: Call[]; output: unknown } {
  const calls: Call[] = [];
  const handles: { remove(): void }[] = [];
  let depth = 0;
  for (const [name, m] of model.namedModules()) {
    const path = name || m.constructor.name;
    if (converterFor(m)) {
      handles.push(m.registerForwardPreHook(() => {
        depth++;
        return undefined;
      }));
      handles.push(m.registerForwardHook((_m, args, output) => {
        depth--;
        if (depth === 0) calls.push({ module: m, path, args: [...args], output });
        return undefined;
      }));
    } else if (m.children().length === 0) {
      handles.push(m.registerForwardPreHook(() => {
        if (depth === 0) {
          throw new OnnxExportError(
            `exportOnnx: unsupported layer ${m.constructor.name}(${path}); ONNX export knows ${supportedLayers().join(', ')} ` +
              '(and containers of them); registerOnnxConverter adds more',
          );
        }
        return undefined;
      }));
    }
  }
  try {
    return { calls, output: model.forward(input) };
  } finally {
    for (const h of handles) h.remove();
  }
}

/**
 * A second input for tracing: axis `axis` one longer (none when null), with
 * fresh random values of the sample's mean and spread (int inputs are
 * repeated, not changed), so that sizes and values derived from the input
 * show up as differences between the runs.
 */
function variant(x: Tensor, axis: number | null, generator: Generator): Tensor {
  const grown = axis === null ? x.detach().clone() : concat([x.detach(), x.detach().narrow(axis, 0, 1)], axis);
  if (grown.dtype === 'int32') return grown;
  const src = x.values();
  let mean = 0, sq = 0;
  for (let i = 0; i < src.length; i++) mean += src[i] / src.length;
  for (let i = 0; i < src.length; i++) sq += (src[i] - mean) ** 2 / src.length;
  const spread = Math.sqrt(sq) || 1;
  const out = grown.dtype === 'float64' ? new Float64Array(grown.size) : new Float32Array(grown.size);
  for (let i = 0; i < out.length; i++) out[i] = mean + spread * generator.normal();
  return new Tensor(out, [...grown.shape]);
}

// ---- Glue: tensor ops between layers, from the autograd graph -------------------------------

const BINARY: Partial<Record<PrimOp, string>> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min', matmul: 'MatMul' };
const UNARY: Partial<Record<PrimOp, string>> = { neg: 'Neg', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', abs: 'Abs', relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const va = a.values(), vb = b.values();
  for (let i = 0; i < va.length; i++) if (va[i] !== vb[i] && !(Number.isNaN(va[i]) && Number.isNaN(vb[i]))) return false;
  return true;
}

/**
 * Builds the graph from the traced runs: run 0 is the sample, runs 1.. are the
 * variants. Tensors correspond across runs by position (the k-th input of the
 * i-th call), which is how dims are found.
 */
class Exporter {
  readonly g: GraphBuilder;
  /** Value name of each tensor of run 0. */
  private readonly names = new Map<Tensor, string>();
  private readonly paramNames: Map<Tensor, string>;

  constructor(private readonly model: Module, private readonly axisNames: string[]) {
    const stateNames = new Map<Tensor, string>();
    for (const [name, p] of model.namedParameters()) stateNames.set(p, name);
    for (const [name, b] of model.namedBuffers()) if (!stateNames.has(b)) stateNames.set(b, name);
    this.paramNames = stateNames;
    this.g = new GraphBuilder(stateNames);
  }

  /** Dims from the shapes a value had in each run: fixed where all agree, else named after the run's dynamic axis. */
  dimsOf(tensors: Tensor[], what: string): Dim[] {
    const [first] = tensors;
    for (const t of tensors) {
      if (t.ndim !== first.ndim) throw new OnnxExportError(`exportOnnx: ${what} changes rank with the input size (${fmtShape(first.shape)} vs ${fmtShape(t.shape)}); it cannot be exported with dynamic axes`);
    }
    return first.shape.map((d, i) => {
      const changed = tensors.map((t, run) => (t.shape[i] !== d ? run : -1)).filter((run) => run > 0);
      if (changed.length === 0) return d;
      return changed.length === 1 ? this.axisNames[changed[0] - 1] : null;
    });
  }

  bind(tensors: Tensor[], name: string, what: string): void {
    this.names.set(tensors[0], name);
    this.g.dims.set(name, this.dimsOf(tensors, what));
  }

  /** The value name of a tensor (its versions across runs), converting tensor ops outside layers as needed. */
  resolve(runs: Tensor[], consumer: string): string {
    const known = this.names.get(runs[0]);
    if (known !== undefined) return known;
    const t = runs[0];
    const param = this.paramNames.get(t);
    if (param !== undefined) return this.g.weight(t, param);
    if (!t.node) {
      // A constant made in forward: fine if it is the same in every run.
      if (!runs.every((r) => sameValues(r, t))) {
        throw new OnnxExportError(
          `exportOnnx: ${consumer} uses a tensor of shape ${fmtShape(t.shape)} made inside forward without autograd ` +
            '(e.g. a comparison mask or a tensor sized from the input) whose values or shape change with the input; it cannot be baked into the graph',
        );
      }
      const name = this.g.floats('const', t.values(), t.shape);
      this.names.set(t, name);
      return name;
    }
    const op = t.node.op;
    for (const r of runs) {
      if (r.node?.op !== op) throw new OnnxExportError(`exportOnnx: ${consumer}: the model computes different operations for different input sizes; it cannot be exported with dynamic axes`);
    }
    const inputs = t.node.inputs.map((_, k) => this.resolve(runs.map((r) => r.node!.inputs[k]), consumer));
    const inDims = t.node.inputs.map((_, k) => this.g.dims.get(inputs[k])!);
    const outDims = this.dimsOf(runs, `the result of ${op} before ${consumer}`);
    const hint = `${op}`;
    const g = this.g;
    const where = { module: this.model, path: consumer };
    let name: string;
    if (BINARY[op]) name = g.op(BINARY[op]!, inputs, [], hint);
    else if (UNARY[op]) name = g.op(UNARY[op]!, inputs, [], hint);
    else if (op === 'gelu') name = gelu(g, inputs[0], hint);
    else if (op === 'cast') name = inputs[0];
    else if (op === 'reshape') name = reshapeTo(g, inputs[0], inDims[0], outDims, hint, where);
    else if (op === 'permute') name = g.op('Transpose', inputs, [attr.ints('perm', t.node.saved.axes as number[])], hint);
    else if (op === 'concat') name = g.op('Concat', inputs, [attr.int('axis', t.node.saved.axis as number)], hint);
    else if (op === 'expand') {
      const target = outDims.map((d, i) => {
        const src = inDims[0][inDims[0].length - outDims.length + i];
        if (typeof d === 'number') return d;
        if (src === d) return 1;
        return fail(where, `expanding [${inDims[0].join(', ')}] to a dynamic size [${outDims.join(', ')}] is not supported`);
      });
      name = g.op('Expand', [inputs[0], g.int64s(`${hint}.shape`, target)], [], hint);
    } else if (op === 'sum' || op === 'max') {
      const axes = t.node.saved.axes as number[];
      const keep = outDims.length === inDims[0].length ? 1 : 0;
      name = op === 'sum'
        ? g.op('ReduceSum', [inputs[0], g.int64s(`${hint}.axes`, axes)], [attr.int('keepdims', keep)], hint)
        : g.op('ReduceMax', inputs, [attr.ints('axes', axes), attr.int('keepdims', keep)], hint);
    } else if (op === 'slice') name = this.slice(runs, inputs[0], hint, where);
    else {
      throw new OnnxExportError(
        `exportOnnx: ${consumer} is computed with ${op} outside any layer (in a custom forward); ` +
          `that op is not exported between layers; use the matching layer instead (e.g. ${op === 'conv2d' ? 'Conv2d' : op.endsWith('Pool2d') ? 'MaxPool2d/AvgPool2d' : 'a layer'})`,
      );
    }
    this.bind(runs, name, `the result of ${op}`);
    return name;
  }

  /** nnlab's slice (start/step/count per axis, some axes dropped) as ONNX Slice + Squeeze. */
  private slice(runs: Tensor[], x: string, hint: string, where: { module: Module; path: string }): string {
    interface Info { starts: number[]; steps: number[]; counts: number[]; drop: boolean[] }
    const infos = runs.map((r) => r.node!.saved.info as Info);
    const sizes = runs.map((r) => r.node!.inputs[0].shape);
    const [info] = infos;
    const starts: number[] = [], ends: number[] = [], axes: number[] = [], steps: number[] = [];
    for (let a = 0; a < info.starts.length; a++) {
      const whole = infos.every((s, run) => s.starts[a] === 0 && s.steps[a] === 1 && s.counts[a] === sizes[run][a] && !s.drop[a]);
      if (whole) continue;
      // Bounds are absolute when they agree across runs, else counted from the end (x[-1] on a dynamic axis).
      const bound = (f: (s: Info) => number, name: string): number => {
        const v = infos.map(f);
        if (v.every((b) => b === v[0])) return v[0];
        const fromEnd = v.map((b, run) => b - sizes[run][a]);
        if (fromEnd.every((b) => b === fromEnd[0])) return fromEnd[0] === 0 ? Number.MAX_SAFE_INTEGER : fromEnd[0];
        return fail(where, `slice ${name} on axis ${a} depends on the input size in a way ONNX Slice cannot express`);
      };
      starts.push(bound((s) => s.starts[a], 'start'));
      ends.push(bound((s) => s.starts[a] + s.counts[a] * s.steps[a] - (s.steps[a] - 1), 'end'));
      axes.push(a);
      steps.push(info.steps[a]);
    }
    let y = x;
    if (axes.length > 0) {
      y = this.g.op('Slice', [x, this.g.int64s(`${hint}.starts`, starts), this.g.int64s(`${hint}.ends`, ends), this.g.int64s(`${hint}.axes`, axes), this.g.int64s(`${hint}.steps`, steps)], [], hint);
    }
    const dropped = info.drop.map((d, a) => (d ? a : -1)).filter((a) => a >= 0);
    if (dropped.length > 0) y = this.g.op('Squeeze', [y, this.g.int64s(`${hint}.squeeze_axes`, dropped)], [], hint);
    return y;
  }

  /** Converts one layer call (its versions across runs). */
  layer(calls: Call[]): void {
    const [call] = calls;
    const consumer = `${call.module.constructor.name}(${call.path})`;
    const argRuns = calls.map((c) => flattenTensors(c.args, `the arguments of ${consumer}`));
    const inputs = argRuns[0].map((_, k) => this.resolve(argRuns.map((a) => a[k]), `the input of ${consumer}`));
    const outRuns = calls.map((c) => flattenTensors(c.output, `the output of ${consumer}`));
    const outputDims = outRuns[0].map((_, k) => this.dimsOf(outRuns.map((o) => o[k]), `output ${k} of ${consumer}`));
    const convert = converterFor(call.module)!;
    const names = convert({
      g: this.g, module: call.module, path: call.path, inputs,
      inputDims: inputs.map((n) => this.g.dims.get(n)!), outputDims, args: call.args,
    });
    if (names.length !== outRuns[0].length) {
      throw new OnnxExportError(`exportOnnx: the converter for ${consumer} gave ${names.length} outputs for ${outRuns[0].length} tensors`);
    }
    names.forEach((name, k) => {
      this.names.set(outRuns[0][k], name);
      this.g.dims.set(name, outputDims[k]);
    });
  }

  input(runs: Tensor[], name: string): void {
    this.g.reserve(name);
    this.bind(runs, name, 'the input');
  }
}

// ---- Export ---------------------------------------------------------------------------------

/** What `exportOnnx` wrote, with a readable `toString`. */
export class OnnxExportReport {
  readonly format = 'onnx' as const;
  constructor(
    readonly path: string,
    readonly bytes: number,
    readonly opset: number,
    readonly inputs: { name: string; dims: Dim[] }[],
    readonly outputs: { name: string; dims: Dim[] }[],
    /** Node count per ONNX op type, in first-use order. */
    readonly ops: Record<string, number>,
    readonly initializers: number,
    /** Scalar values in the initializers (weights and constants). */
    readonly values: number,
  ) {}

  get nodes(): number {
    return Object.values(this.ops).reduce((a, b) => a + b, 0);
  }

  toString(): string {
    const fmt = (dims: Dim[]) => `[${dims.map((d) => (d === null ? '?' : d)).join(', ')}]`;
    const ops = Object.entries(this.ops).map(([op, n]) => (n > 1 ? `${op} ×${n}` : op)).join(', ');
    return [
      `Exported ONNX (opset ${this.opset}) to ${this.path}: ${this.bytes.toLocaleString('en-US')} bytes`,
      ...this.inputs.map((v) => `  input   ${v.name}  float32 ${fmt(v.dims)}`),
      ...this.outputs.map((v) => `  output  ${v.name}  float32 ${fmt(v.dims)}`),
      `  ${this.nodes} nodes: ${ops}`,
      `  ${this.initializers} initializers (${this.values.toLocaleString('en-US')} values)`,
    ].join('\n');
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

function valueInfo(name: string, dims: Dim[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: ONNX_DTYPE.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : typeof d === 'string' ? { dim_param: d } : {})) },
      },
    },
  };
}

/**
 * Traces `model` on `sampleInput` and returns the ONNX file as bytes with a
 * report (whose path is ''). `exportOnnx` writes it to a file.
 */
export function toOnnx(model: Module, sampleInput: Tensor, opts: ExportOnnxOptions = {}): { bytes: Uint8Array; report: OnnxExportReport } {
  if (!(model instanceof Module)) throw new ArgumentError(`exportOnnx: expected a Module, got ${typeof model}`);
  if (!(sampleInput instanceof Tensor)) throw new ArgumentError(`exportOnnx: expected a sample input Tensor, got ${typeof sampleInput}`);
  if (!isGradEnabled()) throw new ArgumentError('exportOnnx: call it outside noGrad(): the tensor ops between layers are read from the autograd graph');
  const dynamic = Object.entries(opts.dynamicAxes ?? { 0: 'batch' }).map(([axis, name]) => {
    const a = Number(axis);
    if (!Number.isInteger(a) || a < 0 || a >= sampleInput.ndim) {
      throw new ArgumentError(`exportOnnx: dynamic axis ${axis} is out of range for the sample input of shape ${fmtShape(sampleInput.shape)}`);
    }
    if (typeof name !== 'string' || name === '') throw new ArgumentError(`exportOnnx: dynamic axis ${axis} needs a non-empty name, got ${JSON.stringify(name)}`);
    return [a, name] as const;
  });
  const inputName = opts.inputName ?? 'input';

  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  const generator = new Generator(20240613);
  const samples = [sampleInput.detach().clone(), ...(dynamic.length > 0 ? dynamic.map(([a]) => variant(sampleInput, a, generator)) : [variant(sampleInput, null, generator)])];
  let runs: { calls: Call[]; output: unknown }[];
  try {
    runs = samples.map((x) => {
      if (x.dtype !== 'int32') x.requiresGrad = true;
      return trace(model, x);
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
  }

  const axisNames = dynamic.length > 0 ? dynamic.map(([, name]) => name) : ['static'];
  const exporter = new Exporter(model, axisNames);
  exporter.input(samples, inputName);
  const inputDims = exporter.g.dims.get(inputName)!;
  if (dynamic.length === 0) inputDims.splice(0, inputDims.length, ...sampleInput.shape);

  const [main] = runs;
  for (const r of runs) {
    if (r.calls.length !== main.calls.length || r.calls.some((c, i) => c.module !== main.calls[i].module)) {
      throw new OnnxExportError('exportOnnx: the model calls different layers for different input sizes (data-dependent control flow); it cannot be exported with dynamic axes');
    }
  }
  const outRuns = runs.map((r) => flattenTensors(r.output, `the output of ${model.constructor.name}.forward`));
  if (outRuns[0].length === 0) throw new OnnxExportError(`exportOnnx: ${model.constructor.name}.forward returned no tensor`);
  const outputNames = outRuns[0].map((_, k) => opts.outputNames?.[k] ?? (k === 0 ? 'output' : `output_${k}`));
  if (new Set([inputName, ...outputNames]).size !== outputNames.length + 1) {
    throw new ArgumentError(`exportOnnx: input and output names must differ, got input '${inputName}' and outputs ${outputNames.map((n) => `'${n}'`).join(', ')}`);
  }
  const g = exporter.g;
  g.reserve(...outputNames);
  main.calls.forEach((_, i) => exporter.layer(runs.map((r) => r.calls[i])));
  const renamed = new Map<string, string>();
  const outputs = outRuns[0].map((_, k) => {
    const name = outputNames[k];
    const value = exporter.resolve(outRuns.map((o) => o[k]), `output ${k} of ${model.constructor.name}`);
    const dims = dynamic.length === 0 ? [...outRuns[0][k].shape] : g.dims.get(value)!;
    // The node that makes the value writes the output name directly; an input, a weight or a repeated output goes through an Identity.
    const producedByNode = value !== inputName && g.nodes.some((n) => n.output.includes(value));
    if (producedByNode && !renamed.has(value)) {
      for (const n of g.nodes) {
        n.input = n.input.map((v) => (v === value ? name : v));
        n.output = n.output.map((v) => (v === value ? name : v));
      }
      renamed.set(value, name);
    } else {
      g.node('Identity', [renamed.get(value) ?? value], [name], [], name);
    }
    return { name, dims };
  });

  const ops: Record<string, number> = {};
  for (const n of g.nodes) ops[n.op_type] = (ops[n.op_type] ?? 0) + 1;
  const { ModelProto } = onnxTypes();
  const message = ModelProto.fromObject({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'nnlab',
    producer_version: nnlabVersion(),
    doc_string: opts.docString ?? '',
    graph: {
      name: model.constructor.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(inputName, inputDims)],
      output: outputs.map((o) => valueInfo(o.name, o.dims)),
    },
    metadata_props: [{ key: 'nnlab.architecture', value: model.toString() }],
  });
  const bytes = ModelProto.encode(message).finish();
  const values = g.initializers.reduce((n, t) => n + sizeOf(t.dims), 0);
  const report = new OnnxExportReport('', bytes.length, ONNX_OPSET, [{ name: inputName, dims: inputDims }], outputs, ops, g.initializers.length, values);
  return { bytes, report };
}

/**
 * Exports `model` to an ONNX file (written atomically), tracing it on
 * `sampleInput` for shapes; the batch axis (0) stays dynamic by default.
 * @example
 *   const report = await exportOnnx(model, images.slice([[0, 1]]), 'lenet.onnx');
 *   String(report)  // Exported ONNX (opset 17) to lenet.onnx: ... input [batch, 1, 28, 28] ...
 */
export async function exportOnnx(model: Module, sampleInput: Tensor, path: string, opts: ExportOnnxOptions = {}): Promise<OnnxExportReport> {
  const { bytes, report } = toOnnx(model, sampleInput, opts);
  await writeFileAtomic(path, bytes);
  return new OnnxExportReport(path, report.bytes, report.opset, report.inputs, report.outputs, report.ops, report.initializers, report.values);
}
