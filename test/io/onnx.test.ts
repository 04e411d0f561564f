/**
 * ONNX export, verified by running the exported model in onnxruntime-node
 * and comparing with nnlab's own forward (eval mode) to 1e-5, at the sample's
 * batch size and at another one (the batch axis is dynamic).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  Module, Sequential, Linear, ReLU, Sigmoid, Tanh, LeakyReLU, ELU, GELU, Softmax, LogSoftmax, Dropout, Flatten, Identity,
  Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d, BatchNorm1d, BatchNorm2d, LocalResponseNorm,
  LSTM, GRU, RNN, Tensor, Generator, randn, zeros, noGrad, F, ArgumentError,
} from '../../src';
import { LeNet5 } from '../../src/models';
import { toOnnx, exportOnnx, OnnxExportError, ONNX_OPSET, type ExportOnnxOptions } from '../../src/io';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-onnx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runOrt(model: Uint8Array | string, x: Tensor, inputName = 'input'): Promise<ort.Tensor[]> {
  const session = await ort.InferenceSession.create(model as Uint8Array);
  const feeds = { [inputName]: new ort.Tensor('float32', Float32Array.from(x.values()), [...x.shape]) };
  const out = await session.run(feeds);
  return session.outputNames.map((name) => out[name]);
}

function flatOutputs(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  return (value as unknown[]).flatMap(flatOutputs);
}

/** Exports `model` traced on `sample`, runs it in onnxruntime on each input, and compares with nnlab. */
async function expectSameAsOrt(model: Module, sample: Tensor, inputs: Tensor[], opts: ExportOnnxOptions = {}, tol = 1e-5): Promise<Uint8Array> {
  const { bytes } = toOnnx(model, sample, opts);
  const wasTraining = model.training;
  model.eval();
  for (const x of inputs) {
    const expected = flatOutputs(noGrad(() => model.forward(x)));
    const got = await runOrt(bytes, x);
    expect(got.length).toBe(expected.length);
    got.forEach((o, k) => {
      expect(o.dims, `output ${k}`).toEqual(expected[k].shape);
      expect(Array.from(o.data as Float32Array)).toBeAllClose(expected[k].toFlatArray(), { atol: tol, rtol: tol });
    });
  }
  model.train(wasTraining);
  return bytes;
}

const gen = (seed: number) => new Generator(seed);

describe('exportOnnx: feed-forward models', () => {
  it('an MLP with every activation matches onnxruntime at two batch sizes', async () => {
    const g = gen(1);
    const model = new Sequential(
      new Linear(6, 16, { generator: g }), new ReLU(), new Linear(16, 16, { generator: g }), new Sigmoid(),
      new Linear(16, 16, { generator: g }), new Tanh(), new Dropout(0.5), new Linear(16, 16, { generator: g }), new LeakyReLU(0.2),
      new Linear(16, 16, { generator: g }), new ELU(0.7), new Linear(16, 16, { generator: g }), new GELU(), new Identity(),
      new Linear(16, 5, { generator: g }), new Softmax(-1),
    );
    const bytes = await expectSameAsOrt(model, randn([3, 6], { generator: gen(2) }), [randn([3, 6], { generator: gen(3) }), randn([7, 6], { generator: gen(4) })]);
    expect(bytes.length).toBeGreaterThan(4 * model.numParameters());
    const logSoftmax = new Sequential(new Linear(6, 4, { generator: g }), new LogSoftmax(1));
    await expectSameAsOrt(logSoftmax, randn([2, 6]), [randn([5, 6], { generator: gen(5) })]);
  });

  it('exports in eval mode (Dropout is the identity) and restores training mode afterwards', async () => {
    const model = new Sequential(new Linear(4, 4, { generator: gen(6) }), new Dropout(0.9), new Linear(4, 2, { generator: gen(7) }));
    expect(model.training).toBe(true);
    const { report } = toOnnx(model, randn([2, 4]));
    expect(model.training).toBe(true);
    expect(model[1].training).toBe(true);
    expect(report.ops).toEqual({ Gemm: 2 });
    await expectSameAsOrt(model, randn([2, 4]), [randn([3, 4], { generator: gen(8) })]);
  });

  it('Linear on 3-D input is MatMul + Add; Flatten with other axes is a Reshape that keeps the batch dynamic', async () => {
    const g = gen(9);
    const model = new Sequential(new Linear(5, 6, { generator: g }), new Flatten(1, 2), new Flatten(), new Linear(72, 3, { generator: g, bias: false }));
    const { report } = toOnnx(model, randn([2, 3, 4, 5]));
    expect(report.ops).toEqual({ Transpose: 1, MatMul: 1, Add: 1, Reshape: 1, Flatten: 1, Gemm: 1 });
    await expectSameAsOrt(model, randn([2, 3, 4, 5]), [randn([4, 3, 4, 5], { generator: gen(10) })]);
  });

  it('LeNet-5 matches onnxruntime; the report lists the graph', async () => {
    const model = new LeNet5({ generator: gen(11) });
    const file = path.join(dir, 'lenet.onnx');
    const report = await exportOnnx(model, randn([1, 1, 28, 28], { generator: gen(12) }), file);
    expect(report.path).toBe(file);
    expect(report.bytes).toBe(readFileSync(file).length);
    expect(report.opset).toBe(ONNX_OPSET);
    expect(report.ops).toEqual({ Conv: 2, Relu: 4, MaxPool: 2, Flatten: 1, Gemm: 3 });
    expect(report.values).toBe(model.numParameters());
    expect(String(report)).toBe([
      `Exported ONNX (opset 17) to ${file}: ${report.bytes.toLocaleString('en-US')} bytes`,
      '  input   input  float32 [batch, 1, 28, 28]',
      '  output  output  float32 [batch, 10]',
      '  12 nodes: Conv ×2, Relu ×4, MaxPool ×2, Flatten, Gemm ×3',
      '  10 initializers (61,706 values)',
    ].join('\n'));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const x = randn([5, 1, 28, 28], { generator: gen(13) });
    const [out] = await runOrt(file, x);
    expect(Array.from(out.data as Float32Array)).toBeAllClose(noGrad(() => model.forward(x)).toFlatArray(), { atol: 1e-5, rtol: 1e-5 });
  });

  it('a CNN with BatchNorm (trained running stats), grouped/dilated/same convs and every pooling layer', async () => {
    const g = gen(14);
    const model = new Sequential(
      new Conv2d(3, 8, 3, { padding: 1, generator: g }), new BatchNorm2d(8), new ReLU(),
      new MaxPool2d(3, { stride: 2, padding: 1 }),
      new Conv2d(8, 8, 3, { padding: 'same', groups: 2, dilation: 2, generator: g }), new BatchNorm2d(8, { affine: false }), new ReLU(),
      new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
      new Conv2d(8, 6, [3, 2], { stride: [2, 1], padding: [1, 0], generator: g, bias: false }),
      new AvgPool2d(2), // [N, 6, 2, 3]
      new AdaptiveAvgPool2d([1, 3]), new Flatten(), new BatchNorm1d(18), new Linear(18, 4, { generator: g }),
    );
    for (let step = 0; step < 3; step++) model.forward(randn([6, 3, 17, 16], { generator: gen(20 + step) }).mul(2).add(0.5));
    const bn = model[1] as BatchNorm2d;
    expect(bn.running_mean!.toFlatArray().some((v) => v !== 0)).toBe(true);
    await expectSameAsOrt(model, randn([2, 3, 17, 16]), [randn([2, 3, 17, 16], { generator: gen(30) }), randn([5, 3, 17, 16], { generator: gen(31) })]);
  });

  it('MaxPool2d with ceil mode, AvgPool2d counting padding, global pooling with and without keepdim', async () => {
    const model = new Sequential(
      new MaxPool2d(2, { stride: 2, ceilMode: true }), new AvgPool2d(3, { stride: 2, padding: 1 }),
      new AdaptiveAvgPool2d(1), new GlobalAvgPool2d(true), new GlobalAvgPool2d(),
    );
    await expectSameAsOrt(model, randn([1, 2, 9, 7]), [randn([3, 2, 9, 7], { generator: gen(32) })]);
  });
});

class Residual extends Module {
  fc1 = new Linear(8, 8, { generator: gen(40) });
  fc2 = new Linear(8, 8, { generator: gen(41) });
  head = new Linear(8, 3, { generator: gen(42) });
  forward(x: Tensor): Tensor {
    const flat = x.flatten(1); // [B, 2, 4] → [B, 8], outside any layer
    const h = flat.add(this.fc2.forward(F.relu(this.fc1.forward(flat)))); // residual add, functional relu
    return this.head.forward(h.mul(0.5)).sub(h.mean(1, true)); // a scalar constant, a mean over an axis
  }
}

class LastStep extends Module {
  lstm = new LSTM(5, 12, { batchFirst: true, numLayers: 2, generator: gen(43) });
  head = new Linear(12, 3, { generator: gen(44) });
  forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x);
    return this.head.forward(out.select(1, -1));
  }
}

class EncoderDecoder extends Module {
  enc = new GRU(4, 6, { generator: gen(45) });
  dec = new GRU(4, 6, { generator: gen(46) });
  forward(x: Tensor): [Tensor, Tensor] {
    const [, h] = this.enc.forward(x); // x is [T, B, 4]
    return this.dec.forward(x, h); // the encoder's state as the decoder's initial state
  }
}

describe('exportOnnx: tensor ops between layers (from the autograd graph)', () => {
  it('reshape, residual add, functional relu, constants and means in a custom forward', async () => {
    const model = new Residual();
    const { report } = toOnnx(model, randn([2, 2, 4]));
    expect(report.ops.Reshape).toBe(1);
    await expectSameAsOrt(model, randn([2, 2, 4]), [randn([2, 2, 4], { generator: gen(47) }), randn([6, 2, 4], { generator: gen(48) })]);
  });

  it('an LSTM classifier reading the last time step (select on the sequence axis) matches', async () => {
    const model = new LastStep();
    const { report } = toOnnx(model, randn([2, 7, 5]));
    expect(report.ops.LSTM).toBe(2);
    expect(report.ops.Slice).toBe(1);
    await expectSameAsOrt(model, randn([2, 7, 5]), [randn([4, 7, 5], { generator: gen(49) })]);
  });

  it("a GRU decoder started from the encoder's state (ONNX initial_h)", async () => {
    const model = new EncoderDecoder();
    const bytes = await expectSameAsOrt(model, randn([5, 2, 4]), [randn([5, 3, 4], { generator: gen(50) })], { dynamicAxes: { 1: 'batch' } });
    expect(bytes.length).toBeGreaterThan(0);
  });
});

describe('exportOnnx: recurrent layers', () => {
  const cases: [string, () => Module, number[]][] = [
    ['LSTM, seq-first, 1 layer', () => new LSTM(3, 5, { generator: gen(60) }), [6, 2, 3]],
    ['LSTM, batch-first, 2 layers, bidirectional', () => new LSTM(3, 4, { batchFirst: true, numLayers: 2, bidirectional: true, generator: gen(61) }), [2, 6, 3]],
    ['GRU, seq-first, 2 layers', () => new GRU(3, 5, { numLayers: 2, generator: gen(62) }), [6, 2, 3]],
    ['GRU, batch-first, bidirectional, no bias', () => new GRU(3, 4, { batchFirst: true, bidirectional: true, bias: false, generator: gen(63) }), [2, 5, 3]],
    ['RNN tanh, seq-first', () => new RNN(3, 5, { generator: gen(64) }), [4, 2, 3]],
    ['RNN relu, batch-first, 3 layers, bidirectional', () => new RNN(3, 4, { nonlinearity: 'relu', batchFirst: true, numLayers: 3, bidirectional: true, generator: gen(65) }), [2, 4, 3]],
  ];
  for (const [name, make, shape] of cases) {
    it(`${name}: output, h_n (and c_n) match onnxruntime`, async () => {
      const model = make();
      const batchFirst = (model as LSTM).batchFirst;
      const other = [...shape];
      other[batchFirst ? 0 : 1] += 2;
      const dynamicAxes: Record<number, string> = batchFirst ? { 0: 'batch' } : { 1: 'batch' };
      const { bytes, report } = toOnnx(model, randn(shape), { dynamicAxes });
      const kind = model.constructor.name;
      expect(report.ops[kind]).toBe((model as LSTM).numLayers);
      expect(report.outputs.map((o) => o.name)).toEqual(kind === 'LSTM' ? ['output', 'output_1', 'output_2'] : ['output', 'output_1']);
      for (const x of [randn(shape, { generator: gen(70) }), randn(other, { generator: gen(71) })]) {
        const expected = flatOutputs(noGrad(() => model.forward(x)));
        const got = await runOrt(bytes, x);
        got.forEach((o, k) => {
          expect(o.dims, `output ${k}`).toEqual(expected[k].shape);
          expect(Array.from(o.data as Float32Array)).toBeAllClose(expected[k].toFlatArray(), { atol: 1e-5, rtol: 1e-5 });
        });
      }
    });
  }

  it('an unbatched sequence [T, features]', async () => {
    const model = new LSTM(3, 4, { numLayers: 2, generator: gen(66) });
    const x = randn([5, 3]);
    const { bytes } = toOnnx(model, x, { dynamicAxes: { 0: 'time' } });
    for (const input of [x, randn([8, 3], { generator: gen(67) })]) {
      const expected = flatOutputs(noGrad(() => model.forward(input)));
      const got = await runOrt(bytes, input);
      got.forEach((o, k) => expect(Array.from(o.data as Float32Array)).toBeAllClose(expected[k].toFlatArray(), { atol: 1e-5, rtol: 1e-5 }));
    }
  });
});

describe('exportOnnx: dynamic axes and names', () => {
  it('names the dynamic axes in the file; {} fixes every size, so onnxruntime rejects another batch', async () => {
    const model = new Sequential(new Linear(4, 2, { generator: gen(80) }));
    const dynamic = toOnnx(model, randn([3, 4]), { inputName: 'x', outputNames: ['logits'] });
    expect(dynamic.report.inputs).toEqual([{ name: 'x', dims: ['batch', 4] }]);
    expect(dynamic.report.outputs).toEqual([{ name: 'logits', dims: ['batch', 2] }]);
    const [out] = await runOrt(dynamic.bytes, randn([5, 4]), 'x');
    expect(out.dims).toEqual([5, 2]);
    const fixed = toOnnx(model, randn([3, 4]), { dynamicAxes: {} });
    expect(fixed.report.inputs[0].dims).toEqual([3, 4]);
    await expect(runOrt(fixed.bytes, randn([5, 4]))).rejects.toThrow(/dimension|Got: 5/i);
  });

  it('rejects bad options', () => {
    const model = new Sequential(new Linear(4, 2));
    expect(() => toOnnx(model, randn([3, 4]), { dynamicAxes: { 2: 'batch' } })).toThrow(/dynamic axis 2 is out of range for the sample input of shape \[3, 4\]/);
    expect(() => toOnnx(model, randn([3, 4]), { inputName: 'output' })).toThrow(/input and output names must differ/);
    expect(() => toOnnx(model, [1, 2] as unknown as Tensor)).toThrow(ArgumentError);
    expect(() => noGrad(() => toOnnx(model, randn([3, 4])))).toThrow(/call it outside noGrad/);
  });
});

class PoolsInForward extends Module {
  conv = new Conv2d(1, 2, 3);
  forward(x: Tensor): Tensor {
    return F.maxPool2d(this.conv.forward(x), 2);
  }
}

class BatchSizedConstant extends Module {
  fc = new Linear(4, 4);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x).add(zeros([x.shape[0], 4]));
  }
}

class MaskFromInput extends Module {
  fc = new Linear(4, 4);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x).mul(x.detach().gt(0));
  }
}

describe('exportOnnx: clear errors for what it cannot export', () => {
  it('names an unsupported layer and lists the supported ones', () => {
    const model = new Sequential(new Conv2d(3, 4, 3), new LocalResponseNorm(2));
    expect(() => toOnnx(model, randn([1, 3, 8, 8]))).toThrow(/exportOnnx: unsupported layer LocalResponseNorm\(1\); ONNX export knows Linear, Conv2d, .*LSTM, GRU/);
  });

  it('names an op used outside any layer that is not exported', () => {
    expect(() => toOnnx(new PoolsInForward(), randn([1, 1, 8, 8]))).toThrow(/exportOnnx: output 0 of PoolsInForward is computed with maxPool2d outside any layer .*use the matching layer instead \(e\.g\. MaxPool2d\/AvgPool2d\)/);
  });

  it('refuses a tensor made in forward whose shape follows the batch, or whose values follow the input', () => {
    expect(() => toOnnx(new BatchSizedConstant(), randn([2, 4]))).toThrow(/uses a tensor of shape \[2, 4\] made inside forward without autograd/);
    expect(() => toOnnx(new MaskFromInput(), randn([2, 4]), { dynamicAxes: {} })).toThrow(/uses a tensor of shape \[2, 4\] made inside forward without autograd .* whose values or shape change with the input/);
  });

  it('refuses adaptive pooling with unequal windows and BatchNorm without running statistics', () => {
    expect(() => toOnnx(new Sequential(new AdaptiveAvgPool2d(3)), randn([1, 1, 7, 7]))).toThrow(/AdaptiveAvgPool2d\(0\): adaptive pooling from 7×7 to 3×3 has windows of unequal size/);
    const bn = new Sequential(new BatchNorm2d(2, { trackRunningStats: false }));
    expect(() => toOnnx(bn, randn([2, 2, 3, 3]))).toThrow(/BatchNorm2d\(0\): uses batch statistics at inference \(trackRunningStats = false\)/);
  });
});

describe('exportOnnx: the files pass the ONNX checker (python3-onnx)', () => {
  it('onnx.checker.check_model with full_check accepts LeNet, the BatchNorm CNN and recurrent models', async () => {
    const files: string[] = [];
    const add = async (name: string, model: Module, x: Tensor, opts = {}) => {
      const file = path.join(dir, `${name}.onnx`);
      await exportOnnx(model, x, file, opts);
      files.push(file);
    };
    await add('lenet', new LeNet5(), randn([1, 1, 28, 28]));
    await add('bn', new Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4), new ReLU(), new GlobalAvgPool2d(), new BatchNorm1d(4), new Linear(4, 2)), randn([2, 3, 8, 8]));
    await add('laststep', new LastStep(), randn([2, 7, 5]));
    await add('gru', new GRU(3, 4, { bidirectional: true, numLayers: 2 }), randn([5, 2, 3]), { dynamicAxes: { 1: 'batch' } });
    await add('residual', new Residual(), randn([2, 2, 4]));
    const script = [
      'import sys, onnx',
      'for f in sys.argv[1:]:',
      '    m = onnx.load(f)',
      '    onnx.checker.check_model(m, full_check=True)',
      '    print(f, m.opset_import[0].version, len(m.graph.node))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8', timeout: 60_000 });
    if (r.error || /No module named 'onnx'/.test(r.stderr)) {
      throw new Error(`/usr/bin/python3 with the onnx module is needed (Debian python3-onnx; scripts/setup.sh --test installs it): ${r.error?.message ?? r.stderr}`);
    }
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(files.length);
  });
});
