// %% [markdown]
// # 6 · Exporting trained weights (模型导出): safetensors and ONNX
//
// A trained network is only useful if its weights leave the notebook. Two formats, both written
// from a cell:
//
// - **safetensors**: the tensors by name (`features.0.weight`, …) with their dtype and shape, as
//   PyTorch names them: for reloading here, or into the same architecture in PyTorch;
// - **ONNX**: the whole computation graph with its weights, runnable by any ONNX runtime (here
//   `onnxruntime-node`) without nnlab.
//
// Each file is reloaded and must give the same outputs as the model that wrote it.

// %%
import * as nn from 'nnlab';
import { summary } from 'nnlab/kernel';
import { readFileSync, statSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
nn.manualSeed(0);
const maxDiff = (a: nn.Tensor, b: nn.Tensor) => a.sub(b).abs().max().item();
const outDir = mkdtempSync(join(tmpdir(), 'nnlab-export-'));
console.log('files go to', outDir);

// %% [markdown]
// ## 1 · A trained model (训练好的模型)
//
// LeNet-5 trained briefly on Fashion-MNIST (150 steps of 32 images; notebook 03 explains it, and
// `npm run train -- --model lenet --epochs 5` trains it fully):

// %%
const train = nn.data.loadFashionMNIST({ split: 'train', limit: 6000 });
const test = nn.data.loadFashionMNIST({ split: 'test', limit: 1000 });
const loader = new nn.data.DataLoader(new nn.data.TensorDataset(train.images, train.labels), { batchSize: 32, shuffle: true, generator: new nn.Generator(0) });
const testLoader = new nn.data.DataLoader(new nn.data.TensorDataset(test.images, test.labels), { batchSize: 500 });
const model = nn.models.lenet5();
await nn.fit(model, { trainLoader: loader, optimizer: new nn.optim.Adam(model.parameters(), { lr: 2e-3 }), epochs: 1, maxBatchesPerEpoch: 150 });
model.eval();
const logits = nn.noGrad(() => model.forward(test.images));
console.log(`test accuracy ${(nn.accuracy(logits, test.labels) * 100).toFixed(1)}% on ${test.images.shape[0]} images`);

// %% [markdown]
// ## 2 · safetensors (权重文件)
//
// `save` writes the state dict (atomically: a temporary file, then a rename):

// %%
const stPath = join(outDir, 'lenet5.safetensors');
const saved = await nn.save(model, stPath);
console.log(String(saved));

// %% [markdown]
// The format is simple enough to read by hand: 8 bytes giving the length n of a JSON header
// (little-endian), the header (each tensor's dtype, shape and byte range), then the raw little-endian
// values. Reading the first weight straight from the bytes:

// %%
const bytes = readFileSync(stPath);
const n = Number(bytes.readBigUInt64LE(0));
const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
console.log(`file: ${bytes.length.toLocaleString('en')} bytes; header: ${n} bytes of JSON`);
console.log('metadata:', JSON.stringify({ format: header.__metadata__.format, 'nnlab.class': header.__metadata__['nnlab.class'] }));
console.log('features.0.weight:', JSON.stringify(header['features.0.weight']));
const [begin] = header['features.0.weight'].data_offsets;
const raw = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + n + begin, bytes.byteOffset + 8 + n + begin + 5 * 4));
console.log(`first 5 values from the bytes: [${Array.from(raw, (v) => v.toFixed(5))}]`);
console.log(`first 5 values of the tensor:  [${Array.from(model.stateDict()['features.0.weight'].values().slice(0, 5), (v) => v.toFixed(5))}]`);

// %% [markdown]
// A **fresh** model (different random weights) loads the file and then computes exactly the same logits:

// %%
nn.manualSeed(123);
const fresh = nn.models.lenet5();
fresh.eval();
const beforeLoad = nn.noGrad(() => fresh.forward(test.images));
console.log(`before loading: max |fresh − trained| logits = ${maxDiff(beforeLoad, logits).toFixed(3)}`);
const weights = await nn.load(stPath, { into: fresh });
console.log(String(weights));
const reloaded = nn.noGrad(() => fresh.forward(test.images));
console.log(`after loading:  max |fresh − trained| logits = ${maxDiff(reloaded, logits)} over ${test.images.shape[0]} images; same predictions: ${maxDiff(reloaded.argmax(1).float(), logits.argmax(1).float()) === 0}`);

// %% [markdown]
// Loading into a model of another shape fails loudly, naming every mismatch (here a 5-class head):

// %%
try {
  await nn.load(stPath, { into: nn.models.lenet5({ numClasses: 5 }) });
} catch (err) {
  console.log(`${(err as Error).name}: ${(err as Error).message}`);
}

// %% [markdown]
// ## 3 · ONNX (开放神经网络交换格式)
//
// `exportOnnx` traces one forward pass on a sample input and writes the graph (opset 17) with the
// weights as initializers. The batch axis stays dynamic, so the file accepts any batch size:

// %%
const onnxPath = join(outDir, 'lenet5.onnx');
const onnxReport = await nn.exportOnnx(model, test.images.narrow(0, 0, 1), onnxPath);
console.log(String(onnxReport));

// %% [markdown]
// Run by `onnxruntime-node` (Microsoft's ONNX Runtime for Node.js; a dev dependency of this project)
// on the 1,000 test images, without nnlab. Its logits match nnlab's to float32 rounding:

// %%
let ort: any = null;
try {
  ort = require('onnxruntime-node');
} catch (err) {
  console.log(`onnxruntime-node is not installed here (${(err as Error).message.split('\n')[0]}); install it with: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`);
}
if (ort) {
  const session = await ort.InferenceSession.create(onnxPath);
  console.log(`onnxruntime: inputs ${JSON.stringify(session.inputNames)}, outputs ${JSON.stringify(session.outputNames)}`);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(test.images.values()), test.images.shape) };
  const results = await session.run(feeds);
  const out = results[session.outputNames[0]];
  const ortLogits = nn.tensor(Float32Array.from(out.data as Float32Array), { shape: out.dims as number[] });
  console.log(`onnxruntime logits ${JSON.stringify(out.dims)}: max |onnxruntime − nnlab| = ${maxDiff(ortLogits, logits).toExponential(1)}`);
  console.log(`predictions that agree: ${Array.from(ortLogits.argmax(1).values()).filter((p, i) => p === logits.argmax(1).values()[i]).length} of ${test.images.shape[0]}`);
  console.log(`onnxruntime accuracy: ${(nn.accuracy(ortLogits, test.labels) * 100).toFixed(1)}%`);
}

// %% [markdown]
// ## 4 · The same weights in PyTorch (跨框架加载)
//
// The safetensors names and layouts are PyTorch's, so a PyTorch LeNet-5 with `features` and
// `classifier` Sequentials laid out the same way loads the file. If Debian's `python3-torch` is
// installed, this cell runs such a script (it parses the safetensors file with numpy, as above, since the
// `safetensors` Python package is not needed for that) and compares PyTorch's logits with nnlab's:

// %%
const { spawnSync } = require('child_process');
const inputPath = join(outDir, 'input.safetensors');
await nn.save({ images: test.images.narrow(0, 0, 8).contiguous() }, inputPath);
const script = `
import json, sys, numpy as np, torch, torch.nn as tnn
def read(path):
    b = open(path, 'rb').read(); n = int.from_bytes(b[:8], 'little'); h = json.loads(b[8:8 + n])
    return {k: torch.from_numpy(np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], dtype=np.float32).reshape(v['shape']).copy())
            for k, v in h.items() if k != '__metadata__'}
class LeNet5(tnn.Module):
    def __init__(self):
        super().__init__()
        self.features = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2))
        self.classifier = tnn.Sequential(tnn.Flatten(), tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))
    def forward(self, x):
        return self.classifier(self.features(x))
net = LeNet5()
print(net.load_state_dict(read(sys.argv[1])), file=sys.stderr)
with torch.no_grad():
    print(json.dumps(net(read(sys.argv[2])['images']).tolist()))
`;
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) {
  console.log('PyTorch is not installed here (Debian: apt-get install python3-torch); skipped.');
} else {
  const r = spawnSync('/usr/bin/python3', ['-c', script, stPath, inputPath], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the PyTorch script failed:\n${r.stderr}`);
  const torchLogits = nn.tensor(JSON.parse(r.stdout));
  console.log(`PyTorch ${r.stderr.trim()}`);
  console.log(`PyTorch logits ${JSON.stringify(torchLogits.shape)} for 8 test images: max |PyTorch − nnlab| = ${maxDiff(torchLogits, logits.narrow(0, 0, 8)).toExponential(1)}`);
}

// %% [markdown]
// ## Summary
//
// - `save(model, 'x.safetensors')` and `load('x.safetensors', { into: model })` move weights by name;
//   shape mismatches are reported, never silently ignored.
// - `exportOnnx(model, sampleInput, 'x.onnx')` writes a self-contained graph that ONNX Runtime runs
//   with the same results.
// - The names and layouts are PyTorch's: the same file loads into a PyTorch module with the same architecture.
//
// This is the end of the walk: perceptron (01), MLP (02), CNN (03), fine-tuning (04), RNN (05), export (06).

// %% [markdown]
// ## Exercises (练习)
//
// Try each one first; the solution cell below it is collapsed (click the bar to show it) and runs
// with the rest of the notebook.
//
// **1.** Save the model in float64 (`nn.models.lenet5().double()` with the trained weights loaded) and
// compare the file size with the float32 file. What is the ratio, and where does the rest come from?

// %% [solution]
{
  const wide = nn.models.lenet5().double();
  wide.loadStateDict(Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.double()])));
  const path64 = join(outDir, 'lenet5-f64.safetensors');
  await nn.save(wide, path64);
  const [s32, s64] = [statSync(stPath).size, statSync(path64).size];
  const headerBytes = (p: string) => 8 + Number(readFileSync(p).readBigUInt64LE(0));
  console.log(`float32 ${s32.toLocaleString('en')} bytes, float64 ${s64.toLocaleString('en')} bytes: ratio ${(s64 / s32).toFixed(3)}; the data doubles (${(s32 - headerBytes(stPath)).toLocaleString('en')} → ${(s64 - headerBytes(path64)).toLocaleString('en')} bytes), the JSON header (${headerBytes(stPath)} and ${headerBytes(path64)} bytes) does not`);
}

// %% [markdown]
// **2.** Load the 10-class file into a 5-class LeNet-5 (`nn.models.lenet5({ numClasses: 5 })`). What
// does `load` report? Then load everything but the head with `loadWeights(…, { exclude: 'classifier.5' })`.

// %% [solution]
{
  const five = nn.models.lenet5({ numClasses: 5 });
  try {
    await nn.load(stPath, { into: five });
    console.log('loaded without complaint?');
  } catch (err) {
    console.log(`load refused: ${(err as Error).message.split('\n').slice(0, 3).join(' / ')}`);
  }
  const r = nn.loadWeights(five, await nn.load(stPath), { exclude: 'classifier.5' });
  console.log(`loadWeights with exclude: ${r.loaded.length} tensors loaded, not loaded: ${r.notLoaded.join(', ')}`);
}

// %% [markdown]
// **3.** Give the ONNX model a batch of 3 images instead of the whole test set. Does the exported graph
// accept another batch size, and do its outputs still match nnlab's?

// %% [solution]
if (!ort) {
  console.log('onnxruntime-node is not installed; skipped.');
} else {
  const session = await ort.InferenceSession.create(onnxPath);
  const three = test.images.narrow(0, 0, 3).contiguous();
  const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(three.values()), three.shape) });
  const o = res[session.outputNames[0]];
  console.log(`batch of 3: output ${JSON.stringify(o.dims)}, max |onnxruntime − nnlab| = ${maxDiff(nn.tensor(Float32Array.from(o.data as Float32Array), { shape: o.dims as number[] }), logits.narrow(0, 0, 3)).toExponential(1)}`);
}
