/**
 * The CNN Explainer view, on request: one channel of a layer's output in
 * full ('channel'), and how one pixel of a Conv2d output was made
 * ('explain'): the input window of every input channel, the kernel weights,
 * their products, the bias and the sum, with the pixel's receptive field on
 * the model's input.
 *
 * Both run the model once on one sample (eval mode, no graph, as
 * `featureMaps` does), with forward hooks recording every leaf layer's input
 * and output, so the numbers are the ones the activation maps show.
 *
 *   output[o, y, x] = Σ_c Σ_(i,j) W[o, c, i, j] · in[c, y·sh − pt + i·dh, x·sw − pl + j·dw] + b[o]
 *
 * @example explainPixel(model, sample, 'features.0', 2, 5, 7).sum  // === output up to float32 rounding
 */
import type { Tensor } from '../../src/tensor';
import { noGrad } from '../../src/autograd';
import { Module, type RemovableHandle } from '../../src/nn/module';
import { AvgPool2d, Conv2d, MaxPool2d } from '../../src/nn/conv';
import { ArgumentError, ShapeError } from '../../src/errors';
import type { ChannelResult, ExplainResult, ExplainTerm } from '../protocol';
import { fmtShape } from './format';
import { valueStats } from './stats';

interface Call {
  name: string;
  module: Module;
  input: Tensor | null;
  output: Tensor | null;
}

function isTensor(v: unknown): v is Tensor {
  return v !== null && typeof v === 'object' && 'shape' in v && 'data' in v;
}

/** Runs `model` on `sample` recording each leaf layer's first input and first output, in call order. */
function recordCalls(model: Module, sample: Tensor): Call[] {
  const calls: Call[] = [];
  const handles: RemovableHandle[] = [];
  const modules = model.namedModules();
  const modes = modules.map(([, m]) => m.training);
  try {
    for (const [name, module] of modules) {
      if (module.children().length > 0) continue;
      handles.push(module.registerForwardHook((m, inputs, output) => {
        const out = isTensor(output) ? output : Array.isArray(output) ? (output.find(isTensor) ?? null) : null;
        calls.push({ name, module: m, input: inputs.find(isTensor) ?? null, output: out });
      }));
    }
    model.eval();
    noGrad(() => model.forward(sample));
  } finally {
    for (const h of handles) h.remove();
    modules.forEach(([, m], i) => (m.training = modes[i]));
  }
  return calls;
}

function findCall(calls: Call[], layer: string, what: string): Call {
  const call = calls.find((c) => c.name === layer);
  if (!call) throw new ArgumentError(`${what}: no layer '${layer}' ran; leaf layers: ${[...new Set(calls.map((c) => c.name))].join(', ') || 'none'}`);
  if (!call.output) throw new ArgumentError(`${what}: layer '${layer}' returned no tensor`);
  return call;
}

/** Channel `channel` of layer `layer`'s output for a one-sample batch `sample` (see the file comment). */
export function channelOf(model: Module, sample: Tensor, layer: string, channel: number, meta: { model: string; index: number }): ChannelResult {
  const call = findCall(recordCalls(model, sample), layer, 'channel');
  const out = call.output as Tensor;
  if (out.ndim < 2) throw new ShapeError(`channel: layer '${layer}' output ${fmtShape(out.shape)} has no channels`);
  const [height, width, channels] = out.ndim === 2 ? [1, out.shape[1], 1] : out.ndim === 3 ? [out.shape[1], out.shape[2], 1] : [out.shape[out.ndim - 2], out.shape[out.ndim - 1], out.size / out.shape[0] / (out.shape[out.ndim - 2] * out.shape[out.ndim - 1])];
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels) {
    throw new ArgumentError(`channel: channel ${channel} is out of range for layer '${layer}' output ${fmtShape(out.shape)} (${channels} channel(s))`);
  }
  const all = out.values();
  const values = Array.from(all.subarray(channel * height * width, (channel + 1) * height * width), (v) => (Number.isFinite(v) ? v : null));
  return {
    model: meta.model, layer, className: call.module.constructor.name, shape: [...out.shape], sampleIndex: meta.index,
    channel, channels, height, width, values, stats: valueStats(all.subarray(channel * height * width, (channel + 1) * height * width)),
    explainable: call.module instanceof Conv2d && out.ndim === 4,
  };
}

const pair = (p: number | readonly number[]): [number, number] => (typeof p === 'number' ? [p, p] : [p[0], p[1] ?? p[0]]);

/** Maps output rows [a, b] (inclusive) of a window op back to its input rows, clipped to [0, size). */
function back(a: number, b: number, kernel: number, stride: number, pad: number, dilation: number, size: number): [number, number] {
  return [Math.max(0, a * stride - pad), Math.min(size - 1, b * stride - pad + dilation * (kernel - 1))];
}

/**
 * The box of the model's input that output box `box` of tensor `t` depends on,
 * following the recorded calls back (Conv2d, MaxPool2d, AvgPool2d map the box;
 * a layer keeping the spatial size passes it on); null when the path is unknown.
 */
function receptiveField(calls: Call[], t: Tensor, box: [number, number, number, number], modelInput: Tensor): ExplainResult['receptiveField'] {
  let [y0, y1, x0, x1] = box;
  let current = t;
  for (let guard = 0; guard <= calls.length; guard++) {
    if (current === modelInput) return { y0, y1: y1 + 1, x0, x1: x1 + 1 };
    const producer = [...calls].reverse().find((c) => c.output === current);
    if (!producer || !producer.input || producer.input.ndim !== 4 || current.ndim !== 4) return null;
    const m = producer.module, input = producer.input;
    const [H, W] = [input.shape[2], input.shape[3]];
    if (m instanceof Conv2d || m instanceof MaxPool2d || m instanceof AvgPool2d) {
      const k = pair(m.kernelSize);
      const s = m instanceof Conv2d ? m.stride : pair(m.stride);
      const [pt, , pl] = m instanceof Conv2d ? m.paddingAmounts() : [pair(m.padding)[0], 0, pair(m.padding)[1]];
      const d = m instanceof AvgPool2d ? [1, 1] : pair(m.dilation);
      [y0, y1] = back(y0, y1, k[0], s[0], pt, d[0], H);
      [x0, x1] = back(x0, x1, k[1], s[1], pl, d[1], W);
    } else if (H !== current.shape[2] || W !== current.shape[3]) {
      return null;
    }
    current = input;
  }
  return null;
}

/** Explains pixel [channel, y, x] of Conv2d layer `layer`'s output for a one-sample batch `sample` (see the file comment). */
export function explainPixel(model: Module, sample: Tensor, layer: string, channel: number, y: number, x: number, meta: { model: string; index: number }): ExplainResult {
  const calls = recordCalls(model, sample);
  const call = findCall(calls, layer, 'explain');
  const conv = call.module;
  if (!(conv instanceof Conv2d)) throw new ArgumentError(`explain: layer '${layer}' is a ${conv.constructor.name}; only Conv2d outputs can be explained`);
  const out = call.output as Tensor, input = call.input as Tensor;
  const [, cout, oh, ow] = out.shape;
  for (const [name, v, n] of [['channel', channel, cout], ['y', y, oh], ['x', x, ow]] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= n) throw new ArgumentError(`explain: ${name} ${v} is out of range for layer '${layer}' output ${fmtShape(out.shape)}`);
  }
  const [kh, kw] = conv.kernelSize, [sh, sw] = conv.stride, [dh, dw] = conv.dilation;
  const padding = conv.paddingAmounts();
  const [, cin, H, W] = input.shape;
  const perGroup = cin / conv.groups;
  if (perGroup * kh * kw > 16384) throw new ArgumentError(`explain: layer '${layer}' has ${perGroup * kh * kw} products per output, more than 16384`);
  const firstIn = Math.floor(channel / (cout / conv.groups)) * perGroup;
  const rows = Array.from({ length: kh }, (_, i) => y * sh - padding[0] + i * dh);
  const cols = Array.from({ length: kw }, (_, j) => x * sw - padding[2] + j * dw);
  const inValues = input.values(), weights = conv.weight.values();
  const terms: ExplainTerm[] = [];
  let sum = 0;
  for (let c = 0; c < perGroup; c++) {
    const term: ExplainTerm = { inChannel: firstIn + c, window: [], padded: [], weights: [], products: [], sum: 0 };
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const [r, q] = [rows[i], cols[j]];
        const inside = r >= 0 && r < H && q >= 0 && q < W;
        const v = inside ? inValues[((firstIn + c) * H + r) * W + q] : 0;
        const w = weights[((channel * perGroup + c) * kh + i) * kw + j];
        term.window.push(v);
        term.padded.push(!inside);
        term.weights.push(w);
        term.products.push(v * w);
        term.sum += v * w;
      }
    }
    sum += term.sum;
    terms.push(term);
  }
  const bias = conv.bias ? conv.bias.values()[channel] : 0;
  sum += bias;
  const rf = receptiveField(calls, input, [Math.max(0, Math.min(...rows)), Math.min(H - 1, Math.max(...rows)), Math.max(0, Math.min(...cols)), Math.min(W - 1, Math.max(...cols))], sample);
  let inputImage: ExplainResult['inputImage'] = null;
  if (sample.ndim === 4 && sample.shape[1] * sample.shape[2] * sample.shape[3] <= 3 * 256 * 256) {
    const [, c, hh, ww] = sample.shape;
    inputImage = { channels: c, height: hh, width: ww, values: Array.from(sample.values(), (v) => (Number.isFinite(v) ? v : null)) };
  }
  return {
    model: meta.model, layer, className: 'Conv2d', sampleIndex: meta.index, channel, y, x,
    kernelSize: [kh, kw], stride: [sh, sw], padding, dilation: [dh, dw], groups: conv.groups,
    layerInputShape: [...input.shape], rows, cols, terms, bias, sum,
    output: out.values()[(channel * oh + y) * ow + x], receptiveField: rf, inputImage,
  };
}
