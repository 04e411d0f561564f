/**
 * Cross-check with PyTorch (Debian python3-torch at /usr/bin/python3):
 * nnlab saves MLP, LeNet-5, LSTM, GRU and BatchNorm-CNN weights; a Python
 * script parses the safetensors files with numpy, loads them into the
 * equivalent torch.nn models with load_state_dict(strict=True), and its
 * outputs must match nnlab's to 1e-4. The same script builds the models in
 * torch and writes their weights; nnlab loads them and must match torch's
 * outputs to 1e-4.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Module, Sequential, Linear, ReLU, Tanh, Flatten, Conv2d, MaxPool2d, BatchNorm2d, LSTM, GRU, Tensor, Generator, randn, noGrad,
} from '../../src';
import { LeNet5 } from '../../src/models';
import { save, load, saveSafetensors } from '../../src/io';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'torch_check.py');
const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
const torchMissing = probe.status === 0 ? null : `${PYTHON} cannot import torch and numpy (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}); install Debian python3-torch python3-numpy (scripts/setup.sh --test)`;
if (torchMissing) console.warn(`SKIPPING the PyTorch cross-check: ${torchMissing}`);

class LSTMClassifier extends Module {
  lstm: LSTM;
  head: Linear;
  constructor(g?: Generator) {
    super();
    this.lstm = new LSTM(5, 12, { batchFirst: true, numLayers: 2, generator: g });
    this.head = new Linear(12, 3, { generator: g });
  }
  forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x);
    return this.head.forward(out.select(1, -1));
  }
}

class GRUClassifier extends Module {
  gru: GRU;
  head: Linear;
  constructor(g?: Generator) {
    super();
    this.gru = new GRU(4, 6, { bidirectional: true, generator: g });
    this.head = new Linear(12, 3, { generator: g });
  }
  forward(x: Tensor): Tensor {
    const [out] = this.gru.forward(x); // [T, B, 12], sequence first
    return this.head.forward(out.select(0, -1));
  }
}

/** The models of torch_check.py, with the same names and input shapes. */
const MODELS: Record<string, { make: (g?: Generator) => Module; shape: number[] }> = {
  mlp: { make: (g) => new Sequential(new Linear(6, 16, { generator: g }), new ReLU(), new Linear(16, 16, { generator: g }), new Tanh(), new Linear(16, 3, { generator: g })), shape: [4, 6] },
  lenet: { make: (g) => new LeNet5({ generator: g }), shape: [3, 1, 28, 28] },
  lstm: { make: (g) => new LSTMClassifier(g), shape: [3, 7, 5] },
  gru: { make: (g) => new GRUClassifier(g), shape: [6, 3, 4] },
  bncnn: {
    make: (g) => new Sequential(
      new Conv2d(3, 4, 3, { padding: 1, generator: g }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(64, 5, { generator: g }),
    ),
    shape: [4, 3, 8, 8],
  },
};

interface PythonReport {
  checked: Record<string, { max_abs_diff: number; shape: number[]; keys: string[]; nnlab_class: string; format: string }>;
  written: string[];
  torch: string;
}

let dir: string;
let report: PythonReport;
const nnlabOutputs: Record<string, Tensor> = {};
const nnlabKeys: Record<string, string[]> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-torch-'));
  if (torchMissing) return;
  let seed = 1;
  for (const [name, { make, shape }] of Object.entries(MODELS)) {
    const model = make(new Generator(seed++));
    if (name === 'bncnn') {
      // Training-mode batches move BatchNorm's running statistics (and num_batches_tracked to 3).
      for (let step = 0; step < 3; step++) model.forward(randn([8, 3, 8, 8], { generator: new Generator(50 + step) }).mul(2).add(0.5));
    }
    model.eval();
    const x = randn(shape, { generator: new Generator(seed++) });
    const y = noGrad(() => model.forward(x) as Tensor);
    await save(model, path.join(dir, `${name}.safetensors`));
    await saveSafetensors(path.join(dir, `${name}.io.safetensors`), { x, y });
    nnlabOutputs[name] = y;
    nnlabKeys[name] = Object.keys(model.stateDict());
  }
  const run = spawnSync(PYTHON, [SCRIPT, dir], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`torch_check.py failed (status ${run.status}):\n${run.stderr}`);
  report = JSON.parse(run.stdout.trim().split('\n').pop()!) as PythonReport;
  const diffs = Object.entries(report.checked).map(([n, r]) => `${n} ${r.max_abs_diff.toExponential(1)}`).join(', ');
  console.log(`PyTorch ${report.torch} cross-check, max |torch − nnlab| per model: ${diffs}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(torchMissing !== null)('PyTorch cross-check (python3-torch)', () => {
  for (const name of Object.keys(MODELS)) {
    it(`${name}: torch loads nnlab's safetensors with load_state_dict(strict=True) and its outputs match nnlab's to 1e-4`, () => {
      const r = report.checked[name];
      expect(r.keys).toEqual(nnlabKeys[name]);
      expect(r.shape).toEqual(nnlabOutputs[name].shape);
      expect(r.format).toBe('pt');
      expect(r.max_abs_diff).toBeLessThan(1e-4);
    });

    it(`${name}: nnlab loads torch's safetensors (strict) and its outputs match torch's to 1e-4`, async () => {
      const weights = await load(path.join(dir, `${name}.torch.safetensors`));
      expect(weights.metadata.format).toBe('pt');
      const model = MODELS[name].make();
      model.loadStateDict(weights); // strict: every torch key has an nnlab twin of the same shape
      model.eval();
      const io = await load(path.join(dir, `${name}.torch.io.safetensors`));
      const y = noGrad(() => model.forward(io.get('x')!) as Tensor);
      expect(y).toBeAllClose(io.get('y')!, { atol: 1e-4, rtol: 0 });
      if (name === 'bncnn') {
        // PyTorch stores num_batches_tracked as int64; nnlab reads it as int32.
        expect(weights.fileDTypes.get('1.num_batches_tracked')).toBe('I64');
        expect((model as Sequential).at(1).stateDict().num_batches_tracked.item()).toBe(3);
      }
    });
  }

  it("reads PyTorch's float16 and bfloat16 tensors exactly as torch converts them to float32", async () => {
    expect(report.written).toContain('halfs');
    const w = await load(path.join(dir, 'halfs.torch.safetensors'));
    expect(w.fileDTypes.get('half')).toBe('F16');
    expect(w.fileDTypes.get('bf16')).toBe('BF16');
    expect(w.get('half')!.dtype).toBe('float32');
    expect(w.get('half')!).toBeAllClose(w.get('half_as_f32')!, { atol: 0, rtol: 0 });
    expect(w.get('bf16')!).toBeAllClose(w.get('bf16_as_f32')!, { atol: 0, rtol: 0 });
  });
});
