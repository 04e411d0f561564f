// %% [markdown]
// # 5 · Recurrent neural networks (循环神经网络, RNN)
//
// MLPs and CNNs map one input to one output. Text, speech and time series are **sequences**, where
// what comes next depends on what came before. A recurrent network carries a hidden state from step
// to step: a loop, or feedback (反馈), in the network.
//
// 1. Feed-forward vs feedback (前馈 vs 反馈)
// 2. The unrolled RNN (按时间展开) with its U, V, W; one forward step by hand; an output o_t = softmax(V h_t) at every step
//    with the loss summed over time, or only the last output used
// 3. Backpropagation through time (BPTT, 随时间反向传播), and its truncated form
// 4. Vanishing gradients (梯度消失): per-step gradient norms of a vanilla RNN vs an LSTM (长短期记忆网络);
//    exploding gradients (梯度爆炸) and gradient clipping (梯度裁剪)
// 5. A character-level language model (字符级语言模型) that writes text by sampling
// 6. The recursive (tree) network (递归神经网络)

// %%
import * as nn from 'nnlab';
import { display, liveFit, linePlot, unrolledRNNDiagram, Figure, type Trace } from 'nnlab/kernel';
import { readFileSync } from 'fs';
nn.manualSeed(0);
const maxDiff = (a: nn.Tensor, b: nn.Tensor) => a.sub(b).abs().max().item();
const fmt = (t: nn.Tensor, d = 4) => `[${Array.from(t.values(), (v) => v.toFixed(d)).join(', ')}]`;
'nnlab ready'

// %% [markdown]
// ## 1 · Feed-forward vs feedback (前馈网络 vs 循环网络)
//
// A feed-forward network's output depends only on its current input. An RNN's output at step t
// depends on x₁ … x_t through its hidden state. Two sequences that end with the same input x:

// %%
const ffn = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
const rnn = new nn.TextbookRNN(3, 4, 2);
const xLast = [0.5, -0.5, 1.0];
const seqA = nn.tensor([[[1, 0, 0], [0, 1, 0], xLast]]), seqB = nn.tensor([[[0, 0, 1], [-1, 1, 0], xLast]]);
const ffnA = ffn.forward(seqA.select(1, 2)), ffnB = ffn.forward(seqB.select(1, 2));
const rnnA = rnn.forward(seqA).select(1, 2), rnnB = rnn.forward(seqB).select(1, 2);
console.log(`feed-forward at the last step: A ${fmt(ffnA)}  B ${fmt(ffnB)}  → same input, same output`);
console.log(`RNN at the last step:          A ${fmt(rnnA)}  B ${fmt(rnnB)}  → same input, different output (memory of earlier steps)`);

// %% [markdown]
// ## 2 · The unrolled RNN (按时间展开): U, V, W
//
// The RNN above (3 inputs, 4 hidden units, 2 outputs) drawn over three time steps:

// %%
unrolledRNNDiagram({ steps: 3, rnn })

// %% [markdown]
// Unrolled over time, an RNN is a deep feed-forward network with one layer per step, in which every
// step uses **the same** U (input → hidden), W (hidden → hidden) and V (hidden → output). The number
// of parameters does not depend on the length of the sequence:

// %%
console.log(String(rnn));
for (const [name, p] of rnn.namedParameters()) console.log(`  ${name}: [${p.shape.join(', ')}]`);
const long = nn.randn([1, 100, 3]);
console.log(`${rnn.numParameters()} parameters for sequences of 3 steps, and the same ${rnn.numParameters()} for 100: output ${JSON.stringify(rnn.forward(long).shape)}`);

// %% [markdown]
// The first two steps of sequence A by hand, with plain numbers, against `run` (which returns every h_t):

// %%
const U = rnn.U.toArray() as number[][], W = rnn.W.toArray() as number[][], V = rnn.V.toArray() as number[][];
const bVec = Array.from(rnn.b!.values()), cVec = Array.from(rnn.c!.values());
const xs = seqA.toArray() as number[][][];
const H = 4;
let hPrev = [0, 0, 0, 0];
const byHand: { h: number[]; o: number[] }[] = [];
for (let t = 0; t < 2; t++) {
  const h = Array.from({ length: H }, (_, i) => Math.tanh(
    U[i].reduce((s, u, j) => s + u * xs[0][t][j], 0) + W[i].reduce((s, w, j) => s + w * hPrev[j], 0) + bVec[i]));
  const o = V.map((row, k) => row.reduce((s, v, j) => s + v * h[j], 0) + cVec[k]);
  byHand.push({ h, o });
  hPrev = h;
}
const { output, hiddens } = rnn.run(seqA);
byHand.forEach(({ h, o }, t) => {
  console.log(`step ${t + 1}: h by hand [${h.map((v) => v.toFixed(4))}]  run() ${fmt(hiddens[t])}`);
  console.log(`        o by hand [${o.map((v) => v.toFixed(4))}]  run() ${fmt(output.select(1, t))}`);
});
console.log(`max |by hand − run()| over h₁, h₂: ${Math.max(...byHand.map(({ h }, t) => maxDiff(nn.tensor([h]), hiddens[t]))).toExponential(1)}`);

// %% [markdown]
// ### An output at every step: o_t = softmax(V h_t + c), the loss summed over time
//
// When every step has a target y_t (the next character, a tag per word), the RNN emits a distribution
// over the classes at every step, `o_t = softmax(V h_t + c)`, and the loss of the sequence is the sum of
// the per-step losses, `L = Σ_t −log o_t[y_t]`. V is shared by the steps, so its gradient is again a sum
// over time: `∂L/∂V = Σ_t (o_t − onehot(y_t)) h_tᵀ`. By hand from the h_t of `run`, against the library
// (`crossEntropy` with `'sum'`, and autograd), for sequence A with targets 0, 1, 1:

// %%
const yA = [0, 1, 1];
const seqRun = rnn.run(seqA);
let lossByHand = 0;
let gV = nn.zeros([2, 4]);
const softmaxOf = (v: number[]) => { const m = Math.max(...v), e = v.map((x) => Math.exp(x - m)), s = e.reduce((a, b) => a + b, 0); return e.map((x) => x / s); };
seqRun.hiddens.forEach((h, t) => {
  const hv = Array.from(h.values());
  const o = softmaxOf(V.map((row, k) => row.reduce((a, v, j) => a + v * hv[j], 0) + cVec[k]));
  console.log(`t = ${t + 1}: o_t = softmax(V h_t + c) = [${o.map((p) => p.toFixed(4))}], target ${yA[t]}, −log o_t[y_t] = ${(-Math.log(o[yA[t]])).toFixed(4)}`);
  lossByHand += -Math.log(o[yA[t]]);
  gV = gV.add(nn.tensor(o.map((p, k) => p - (k === yA[t] ? 1 : 0))).reshape([2, 1]).matmul(h.detach()));
});
rnn.zeroGrad();
const lossSum = nn.F.crossEntropy(seqRun.output.reshape([-1, 2]), nn.tensor(yA, { dtype: 'int32' }), 'sum');
lossSum.backward();
console.log(`L = Σ_t −log o_t[y_t]: by hand ${lossByHand.toFixed(5)}, crossEntropy(…, 'sum') ${lossSum.item().toFixed(5)}`);
console.log(`∂L/∂V: max |Σ_t (o_t − onehot(y_t)) h_tᵀ − autograd| = ${maxDiff(gV, rnn.V.grad!).toExponential(1)}`);
rnn.zeroGrad();

// %% [markdown]
// Many tasks need **only the last output**: classify a whole sequence (a review's sentiment, the
// first symbol of section 4). Then o_T is the only output computed, `L = −log o_T[y]`, and ∂L/∂V has the
// last step's term alone; the earlier steps are still trained, through W. `outputs: 'last'` does that:

// %%
unrolledRNNDiagram({ steps: 4, inputSize: 4, hiddenSize: 16, outputSize: 4, outputs: 'last', title: "outputs: 'last' (many-to-one): o_T is the only output" })

// %% [markdown]
// Both kinds trained on one small task each (T = 20 one-hot steps of 4 symbols, 16 hidden units,
// 300 Adam steps of 32 sequences):
//
// - **every step** (many-to-many): at each step, output the symbol of the step before (y_t = x_{t−1});
//   the loss is summed over the 19 steps that have a target;
// - **last step only** (many-to-one): at the end, output which symbol was most frequent.

// %%
const TE = 20, KE = 4;
function symbolBatch(g: nn.Generator, n: number) {
  const x = new Float32Array(n * TE * KE), sym = new Int32Array(n * TE), most = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    const counts = [0, 0, 0, 0];
    for (let t = 0; t < TE; t++) { const k = g.int(KE); sym[b * TE + t] = k; x[(b * TE + t) * KE + k] = 1; counts[k]++; }
    most[b] = counts.indexOf(Math.max(...counts));
  }
  return { x: new nn.Tensor(x, [n, TE, KE]), sym, most: new nn.Tensor(most, [n]) };
}
/** Targets y_t = x_{t−1} for t = 2…T, as [n·(T − 1)], and the matching outputs' rows. */
const echoTargets = (sym: Int32Array, n: number) => nn.tensor(Array.from({ length: n * (TE - 1) }, (_, i) => sym[Math.floor(i / (TE - 1)) * TE + (i % (TE - 1))]), { dtype: 'int32' });
const echoRows = (out: nn.Tensor) => out.narrow(1, 1, TE - 1).reshape([-1, KE]);
const evalSet = symbolBatch(new nn.Generator(50), 500);
const tasks = [
  { name: 'every step: y_t = x_{t−1}', net: new nn.TextbookRNN(KE, 16, KE, { generator: new nn.Generator(7) }),
    loss: (out: nn.Tensor, batch: ReturnType<typeof symbolBatch>, n: number) => nn.F.crossEntropy(echoRows(out), echoTargets(batch.sym, n), 'sum'),
    accuracy: (out: nn.Tensor) => nn.accuracy(echoRows(out), echoTargets(evalSet.sym, 500)), chance: 0.25 },
  { name: 'last step only: most frequent', net: new nn.TextbookRNN(KE, 16, KE, { outputs: 'last', generator: new nn.Generator(7) }),
    loss: (out: nn.Tensor, batch: ReturnType<typeof symbolBatch>) => nn.F.crossEntropy(out, batch.most, 'sum'),
    accuracy: (out: nn.Tensor) => nn.accuracy(out, evalSet.most), chance: 1 - Array.from(evalSet.most.values()).filter((v) => v !== 0).length / 500 },
];
for (const task of tasks) {
  const g = new nn.Generator(8), opt = new nn.optim.Adam(task.net.parameters(), { lr: 0.01 });
  for (let step = 0; step < 300; step++) {
    const batch = symbolBatch(g, 32);
    opt.zeroGrad();
    task.loss(task.net.forward(batch.x), batch, 32).div(32).backward();
    nn.optim.clipGradNorm(task.net.parameters(), 1);
    opt.step();
  }
  const out = nn.noGrad(() => task.net.forward(evalSet.x));
  console.log(`${task.name.padEnd(31)} outputs ${JSON.stringify(out.shape)}: accuracy ${(task.accuracy(out) * 100).toFixed(1)}% on 500 new sequences (always answering symbol 0: ${(task.chance * 100).toFixed(1)}%)`);
}

// %% [markdown]
// ## 3 · Backpropagation through time (BPTT, 随时间反向传播)
//
// Backpropagation on the unrolled graph is BPTT. Because W is shared by every step, its gradient is a
// **sum over time** of one term per step:
//
// `∂L/∂W = Σ_t δ_t h_{t−1}ᵀ`,  `∂L/∂U = Σ_t δ_t x_tᵀ`,  with `δ_t = ∂L/∂h_t ⊙ (1 − h_t²)`
//
// where `∂L/∂h_t` is the total derivative (through o_t and through all later steps). Computed both
// ways on a float64 RNN with the loss on the last output:

// %%
const net = new nn.TextbookRNN(3, 5, 2, { outputs: 'last', dtype: 'float64', generator: new nn.Generator(3) });
const xb = nn.randn([2, 6, 3], { dtype: 'float64', generator: new nn.Generator(4) });
const yb = nn.tensor([0, 1], { dtype: 'int32' });
const res = net.run(xb);
res.hiddens.forEach((h) => h.retainGrad());
nn.F.crossEntropy(res.output, yb).backward();
let gW = nn.zeros([5, 5], { dtype: 'float64' }), gU = nn.zeros([5, 3], { dtype: 'float64' });
const stepTerms: number[] = [];
res.hiddens.forEach((h, t) => {
  const delta = h.grad!.mul(h.detach().square().neg().add(1));                        // [B, H]
  const hPrevT = t === 0 ? nn.zeros([2, 5], { dtype: 'float64' }) : res.hiddens[t - 1].detach();
  const term = delta.T.matmul(hPrevT);
  stepTerms.push(Math.sqrt(term.square().sum().item()));
  gW = gW.add(term);
  gU = gU.add(delta.T.matmul(xb.select(1, t)));
});
console.log(`∂L/∂W: max |Σ_t δ_t h_{t−1}ᵀ − autograd| = ${maxDiff(gW, net.W.grad!).toExponential(1)}`);
console.log(`∂L/∂U: max |Σ_t δ_t x_tᵀ − autograd| = ${maxDiff(gU, net.U.grad!).toExponential(1)}`);
console.log(`size of each step's term in ∂L/∂W (t = 1…6): ${stepTerms.map((v) => v.toExponential(1)).join(', ')}`);

// %% [markdown]
// Long sequences make BPTT expensive, so it is often **truncated**: every k steps the hidden state is
// detached from the graph, and gradients flow back at most k steps. `hiddenGradNorms` returns
// `‖∂L/∂h_t‖` for every step; with `truncate: 3` the steps before the last window get none:

// %%
const full = new nn.TextbookRNN(3, 5, 2, { outputs: 'last', dtype: 'float64', generator: new nn.Generator(3) });
const truncated = new nn.TextbookRNN(3, 5, 2, { outputs: 'last', dtype: 'float64', generator: new nn.Generator(3), truncate: 3 });
for (const [name, m] of [['full BPTT', full], ['truncate: 3', truncated]] as const) {
  const norms = nn.hiddenGradNorms(() => {
    const r = m.run(xb);
    return { loss: nn.F.crossEntropy(r.output, yb), hiddens: r.hiddens };
  });
  console.log(`${name.padEnd(12)} ‖∂L/∂h_t‖, t = 1…6: ${norms.map((v) => v.toExponential(1)).join(', ')}`);
}

// %% [markdown]
// ## 4 · Vanishing gradients (梯度消失): vanilla RNN vs LSTM (长短期记忆网络)
//
// Each step back multiplies the gradient by `Wᵀ diag(1 − h_t²)`. When these factors are smaller than
// 1 the gradient shrinks geometrically: early steps get almost no learning signal, and the network
// cannot learn long-range dependencies. (Factors larger than 1 would make it grow instead, exploding
// gradients; that is why the training below clips the gradient norm with `clipGradNorm`.)
//
// The LSTM (长短期记忆网络) adds a cell state `c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t`, updated by addition
// and scaled by the forget gate f_t: with f_t ≈ 1 the gradient passes through many steps almost
// unchanged. (Its gate biases start with the *chrono* initialisation, `chronoInit_`, which sets the
// forget gates close to 1 for memories of about the sequence length.)
//
// The task: sequences of T = 50 one-hot steps; step 1 is one of 4 symbols, steps 2–50 are random
// distractors; predict the first symbol at the end (chance: 25%).

// %%
const T = 50, K = 4, D = 4, HID = 16;
function firstSymbolBatch(g: nn.Generator, n: number): [nn.Tensor, nn.Tensor] {
  const x = new Float32Array(n * T * (K + D)), y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    y[b] = g.int(K);
    x[b * T * (K + D) + y[b]] = 1;
    for (let t = 1; t < T; t++) x[(b * T + t) * (K + D) + K + g.int(D)] = 1;
  }
  return [new nn.Tensor(x, [n, T, K + D]), new nn.Tensor(y, [n])];
}
/** A recurrent layer reading the whole sequence, and a linear layer classifying its last hidden state. */
class Reader extends nn.Module {
  rnn: nn.RNN | nn.LSTM;
  fc: nn.Linear;
  constructor(kind: 'rnn' | 'lstm', g: nn.Generator) {
    super();
    this.rnn = kind === 'rnn' ? new nn.RNN(K + D, HID, { batchFirst: true, generator: g }) : new nn.LSTM(K + D, HID, { batchFirst: true, generator: g });
    this.fc = new nn.Linear(HID, K, { generator: g });
  }
  run(x: nn.Tensor) {
    const { hN, hiddens } = this.rnn.unroll(x);
    return { logits: this.fc.forward(hN.select(0, 0)), hiddens: hiddens[0] };
  }
  forward(x: nn.Tensor): nn.Tensor {
    return this.run(x).logits;
  }
}
const [testX, testY] = firstSymbolBatch(new nn.Generator(99), 256);
function gradNorms(model: Reader): number[] {
  const norms = nn.hiddenGradNorms(() => {
    const { logits, hiddens } = model.run(testX);
    return { loss: nn.F.crossEntropy(logits, testY), hiddens };
  });
  model.zeroGrad();
  return norms;
}
const vanilla = new Reader('rnn', new nn.Generator(1));
const lstm = new Reader('lstm', new nn.Generator(1));
nn.chronoInit_(lstm.rnn as nn.LSTM, T, new nn.Generator(3));
const normsRnn = gradNorms(vanilla), normsLstm = gradNorms(lstm);
console.log(`‖∂L/∂h₁‖ / ‖∂L/∂h₅₀‖ at initialisation: vanilla RNN ${(normsRnn[0] / normsRnn[T - 1]).toExponential(1)}, LSTM ${(normsLstm[0] / normsLstm[T - 1]).toExponential(1)}`);
const steps = Array.from({ length: T }, (_, t) => t + 1);
linePlot([
  { name: 'vanilla RNN', x: steps, y: normsRnn.map((v) => v / normsRnn[T - 1]) },
  { name: 'LSTM', x: steps, y: normsLstm.map((v) => v / normsLstm[T - 1]) },
], { title: 'gradient reaching each step, ‖∂L/∂h_t‖ / ‖∂L/∂h₅₀‖ (log scale)', xlabel: 'step t', ylabel: '‖∂L/∂h_t‖ / ‖∂L/∂h₅₀‖', logY: true, height: 340 })

// %% [markdown]
// Both trained the same way (200 updates of 32 sequences, Adam lr 0.01, gradient norm clipped at 1):

// %%
function trainReader(model: Reader, seed: number): number {
  const g = new nn.Generator(seed);
  const opt = new nn.optim.Adam(model.parameters(), { lr: 0.01 });
  for (let step = 0; step < 200; step++) {
    const [x, y] = firstSymbolBatch(g, 32);
    opt.zeroGrad();
    nn.F.crossEntropy(model.forward(x), y).backward();
    nn.optim.clipGradNorm(model.parameters(), 1);
    opt.step();
  }
  return nn.noGrad(() => nn.accuracy(model.forward(testX), testY));
}
const accRnn = trainReader(vanilla, 2), accLstm = trainReader(lstm, 2);
console.log(`remember the first of 50 steps: vanilla RNN ${(accRnn * 100).toFixed(1)}%, LSTM ${(accLstm * 100).toFixed(1)}% on 256 test sequences (chance 25%)`);

// %% [markdown]
// ### Exploding gradients (梯度爆炸), tamed by clipping (梯度裁剪)
//
// The other side: when the factors `Wᵀ diag(f′)` are larger than 1, the gradient **grows**
// geometrically going back in time. A ReLU RNN with `W = 1.15·I` (every step back multiplies by 1.15
// wherever a unit is active) on the same 50-step task: the gradient norm reaching each step, then 30
// steps of plain SGD (lr 0.01), once as it is and once with `clipGradNorm(parameters, 1)`, which rescales
// the whole gradient to norm 1 whenever it is larger. The norm is printed before and after clipping:

// %%
function explodingRnn() {
  const m = new nn.TextbookRNN(K + D, HID, K, { activation: 'relu', outputs: 'last', generator: new nn.Generator(5) });
  nn.noGrad(() => m.W.data.set(nn.eye(HID).mul(1.15).values()));
  return m;
}
const boom = explodingRnn();
const normsBoom = nn.hiddenGradNorms(() => { const r = boom.run(testX); return { loss: nn.F.crossEntropy(r.output, testY), hiddens: r.hiddens }; });
boom.zeroGrad();
console.log(`‖∂L/∂h₁‖ / ‖∂L/∂h₅₀‖ with W = 1.15·I and ReLU: ${(normsBoom[0] / normsBoom[T - 1]).toExponential(1)} (it grows going back)`);
const clipRuns = [Infinity, 1].map((maxNorm) => {
  const m = explodingRnn(), g = new nn.Generator(2), opt = new nn.optim.SGD(m.parameters(), { lr: 0.01 });
  const losses: number[] = [], before: number[] = [], after: number[] = [];
  for (let step = 0; step < 30; step++) {
    const [x, y] = firstSymbolBatch(g, 32);
    opt.zeroGrad();
    const loss = nn.F.crossEntropy(m.forward(x), y);
    loss.backward();
    before.push(nn.optim.clipGradNorm(m.parameters(), maxNorm));       // the norm before clipping
    after.push(nn.optim.clipGradNorm(m.parameters(), Infinity));       // maxNorm ∞ only measures
    losses.push(loss.item());
    opt.step();
  }
  return { maxNorm, losses, before, after };
});
const fmtList = (v: number[]) => v.map((x) => (Number.isFinite(x) ? x.toExponential(1) : String(x))).join(', ');
for (const r of clipRuns) {
  const label = r.maxNorm === Infinity ? 'no clipping  ' : `clipped at ${r.maxNorm}  `;
  console.log(`${label} loss, steps 1-5: ${fmtList(r.losses.slice(0, 5))} … step 30: ${fmtList(r.losses.slice(-1))}`);
  console.log(`${' '.repeat(label.length)} ‖∇‖ before clipping, steps 1-5: ${fmtList(r.before.slice(0, 5))}; largest ‖∇‖ the step used: ${Math.max(...r.after.filter(Number.isFinite)).toExponential(2)}${r.after.some((v) => !Number.isFinite(v)) ? ' (then NaN)' : ''}`);
}
linePlot([
  { name: '‖∂L/∂h_t‖, W = 1.15·I, ReLU', x: steps, y: normsBoom.map((v) => v / normsBoom[T - 1]) },
  { name: '‖∂L/∂h_t‖, vanilla tanh RNN', x: steps, y: normsRnn.map((v) => v / normsRnn[T - 1]) },
], { title: 'exploding vs vanishing: gradient reaching each step, relative to step 50 (log scale)', xlabel: 'step t', ylabel: '‖∂L/∂h_t‖ / ‖∂L/∂h₅₀‖', logY: true, height: 320 })

// %% [markdown]
// Without clipping the first step uses the whole gradient, tens of thousands of times longer than
// the clipped one (the norms above), and the weights leave the range where numbers are finite: the
// loss is NaN from the second step on. Clipping keeps the direction of the
// gradient and bounds its length, so every step moves the weights by at most lr · 1, and the loss comes
// down. (Clipping bounds the step; it does not remove the cause. Gated cells such as the LSTM, or a
// W with spectral radius near 1, do.)

// %% [markdown]
// ## 5 · A character-level language model (字符级语言模型)
//
// A language model predicts the next character from the ones before it. Trained on text, it can then
// **write**: feed it a prompt, draw the next character from its predicted distribution, feed that
// back in, and repeat. The model: an embedding of each character (`Embedding`), an LSTM, and a linear
// layer giving a score for every character of the vocabulary at every step:
//
// `e_t = E[x_t]`,  `h_t = LSTM(e_t, h_{t−1})`,  `logits_t = W_out h_t + b`,  loss = cross-entropy with x_{t+1}
//
// The text is the first 20,000 characters of the GNU GPL version 3 (in every Debian system).

// %%
const licence = readFileSync('/usr/share/common-licenses/GPL-3', 'utf8');
const text = licence.slice(0, 20000);
const chars = [...new Set(text)].sort();
const charId = new Map(chars.map((c, i) => [c, i] as [string, number]));
const ids = Int32Array.from(text, (c) => charId.get(c)!);
console.log(`${text.length} of the licence's ${licence.length} characters; vocabulary of ${chars.length}: ${JSON.stringify(chars.join(''))}`);

class CharModel extends nn.Module {
  embed = new nn.Embedding(chars.length, 24);
  lstm = new nn.LSTM(24, 128, { batchFirst: true });
  head = new nn.Linear(128, chars.length);
  /** Logits [B, T, V] for character ids [B, T], from the state (zeros when null), and the new state. */
  step(x: nn.Tensor, state: [nn.Tensor, nn.Tensor] | null = null): [nn.Tensor, [nn.Tensor, nn.Tensor]] {
    const [out, next] = this.lstm.forward(this.embed.forward(x), state);
    return [this.head.forward(out), next];
  }
  forward(x: nn.Tensor): nn.Tensor {
    return this.step(x)[0];
  }
}
/** `length` characters after `prompt`, each drawn from softmax(logits / temperature). */
function sample(model: CharModel, prompt: string, length: number, temperature: number, g: nn.Generator): string {
  return nn.noGrad(() => {
    let [logits, state] = model.step(nn.tensor([[...prompt].map((c) => charId.get(c)!)], { dtype: 'int32' }));
    let out = '';
    for (let i = 0; i < length; i++) {
      const last = Array.from(logits.select(1, logits.shape[1] - 1).select(0, 0).values());
      const m = Math.max(...last);
      const p = last.map((v) => Math.exp((v - m) / temperature));
      let u = g.uniform() * p.reduce((a, b) => a + b, 0), next = 0;
      while (next < p.length - 1 && (u -= p[next]) > 0) next++;
      out += chars[next];
      [logits, state] = model.step(nn.tensor([[next]], { dtype: 'int32' }), state);
    }
    return out;
  });
}
/** The fraction of the sampled words (runs of letters) that occur in the training text. */
const knownWords = new Set(text.toLowerCase().match(/[a-z]+/g));
const wordScore = (s: string) => { const w = s.toLowerCase().match(/[a-z]+/g) ?? []; return w.length ? w.filter((x) => knownWords.has(x)).length / w.length : 0; };
nn.manualSeed(0);
const lm = new CharModel();
const before = sample(lm, 'The ', 160, 1.0, new nn.Generator(5));
console.log(`untrained, from "The ":\n${JSON.stringify(before)}\nwords that occur in the text: ${(wordScore(before) * 100).toFixed(0)}%`);

// %% [markdown]
// Training pairs are windows of 32 characters and the same windows shifted by one. `liveFit` takes any
// loss; here cross-entropy over every position of every window:

// %%
const SEQ = 32, nSeq = Math.floor((ids.length - 1) / SEQ);
const xIds = new Int32Array(nSeq * SEQ), yIds = new Int32Array(nSeq * SEQ);
for (let k = 0; k < nSeq * SEQ; k++) { xIds[k] = ids[k]; yIds[k] = ids[k + 1]; }
const textLoader = new nn.data.DataLoader(new nn.data.TensorDataset(new nn.Tensor(xIds, [nSeq, SEQ]), new nn.Tensor(yIds, [nSeq, SEQ])), { batchSize: 32, shuffle: true, dropLast: true, generator: new nn.Generator(0) });
const V = chars.length;
console.log(`${nSeq} windows of ${SEQ} characters: ${textLoader.length} batches of 32 per epoch (dropLast: the last ${nSeq % 32} windows of each shuffled epoch are left out, so no small batch spikes the loss chart)`);
const lmLoss = (logits: nn.Tensor, target: nn.Tensor) => nn.F.crossEntropy(logits.reshape([-1, V]), target.reshape([-1]));
const lmOpt = new nn.optim.Adam(lm.parameters(), { lr: 0.005 });
const lmRun = await liveFit(lm, {
  trainLoader: textLoader, optimizer: lmOpt, epochs: 8, lossFn: lmLoss, name: 'char LSTM on GPL-3',
  beforeStep: () => { nn.optim.clipGradNorm(lm.parameters(), 1); },
});

// %%
const firstLoss = lmRun.stepLosses[0], lastLoss = lmRun.epochs[lmRun.epochs.length - 1].trainLoss;
console.log(`cross-entropy per character: ${firstLoss.toFixed(3)} at the first step (ln ${V} = ${Math.log(V).toFixed(3)} is a uniform guess), ${lastLoss.toFixed(3)} in the last epoch`);
for (const temperature of [0.5, 1.0]) {
  const s = sample(lm, 'The ', 160, temperature, new nn.Generator(5));
  console.log(`\ntemperature ${temperature}, from "The ":\n${JSON.stringify(s)}\nwords that occur in the text: ${(wordScore(s) * 100).toFixed(0)}%`);
}

// %% [markdown]
// After 152 updates (8 epochs of 19 batches) it has learned spaces, spelling fragments and frequent
// words of the licence (the share of real words above); lower temperatures (温度) pick likely characters more often (more real words, more repetition),
// higher ones are more varied. More epochs and more text (`licence` above holds all of it) give more
// fluent output. The same LSTM layer also classifies images read row by row:
// `npm run train -- --model lstm`.
//
// ## 6 · The recursive (tree) network (递归神经网络)
//
// "RNN" also names the **recursive** network: instead of a chain over time, one shared layer composes
// two child vectors into their parent, bottom-up along a tree, as a parser builds a phrase from its halves:
//
// leaf: `h = E[token]`;  inner node: `h = tanh(W [h_left; h_right] + b)`;  tree: `logits = W_out h_root + b_out`
//
// The task: evaluate boolean expressions such as `(T and (F or T))`, given as trees `[a, [op, b]]` whose
// leaves are the tokens F, T, and, or. The network must learn what "and" and "or" mean from examples.

// %%
const g6 = new nn.Generator(0);
const exprs = nn.booleanExpressions(2000, { maxDepth: 3, generator: g6 });
console.log(exprs.texts.slice(0, 4).map((t, i) => `${t} = ${exprs.labels.values()[i] ? 'T' : 'F'}   tree ${JSON.stringify(exprs.trees[i])}`).join('\n'));
const treeNet = new nn.RecursiveNet({ vocabSize: nn.BOOLEAN_TOKENS.length, dim: 16, classes: 2, generator: g6 });
console.log(String(treeNet));

// %% [markdown]
// The root vector of `(T and F)`, i.e. the tree `[1, [2, 0]]`, by hand with the shared layer, against `encode`:

// %%
const E = treeNet.embedding.weight, Wc = treeNet.compose.weight, bc = treeNet.compose.bias!;
const composeByHand = (l: nn.Tensor, r: nn.Tensor) => nn.F.linear(nn.concat([l, r], 0).unsqueeze(0), Wc, bc).tanh().squeeze(0);
const inner = composeByHand(E.select(0, 2), E.select(0, 0));          // [and, F]
const root = composeByHand(E.select(0, 1), inner);                     // [T, [and, F]]
console.log(`max |by hand − encode| = ${maxDiff(root.unsqueeze(0), treeNet.encode([[1, [2, 0]]])).toExponential(1)}`);

// %% [markdown]
// Trained for 150 steps of 32 expressions, then scored on expressions it has never seen, including
// deeper ones (up to 5 operators) than any in training:

// %%
const seen = new Set(exprs.texts);
function heldOut(maxDepth: number) {
  const all = nn.booleanExpressions(600, { maxDepth, generator: new nn.Generator(100 + maxDepth) });
  const keep = all.texts.map((t, i) => (seen.has(t) ? -1 : i)).filter((i) => i >= 0);
  return { trees: keep.map((i) => all.trees[i]), labels: all.labels.indexSelect(0, keep), texts: keep.map((i) => all.texts[i]) };
}
const same = heldOut(3), deeper = heldOut(5);
const treeOpt = new nn.optim.Adam(treeNet.parameters(), { lr: 0.01 });
const treeLosses: number[] = [];
for (let step = 0; step < 150; step++) {
  const idx = Array.from({ length: 32 }, () => g6.int(2000));
  treeOpt.zeroGrad();
  const loss = nn.F.crossEntropy(treeNet.forward(idx.map((i) => exprs.trees[i])), exprs.labels.indexSelect(0, idx));
  loss.backward();
  treeOpt.step();
  treeLosses.push(loss.item());
}
const accSame = nn.noGrad(() => nn.accuracy(treeNet.forward(same.trees), same.labels));
const accDeeper = nn.noGrad(() => nn.accuracy(treeNet.forward(deeper.trees), deeper.labels));
const majority = Math.max(same.labels.float().mean().item(), 1 - same.labels.float().mean().item());
console.log(`held-out accuracy: ${(accSame * 100).toFixed(1)}% (depth ≤ 3, ${same.texts.length} expressions), ${(accDeeper * 100).toFixed(1)}% (depth ≤ 5, ${deeper.texts.length}); always answering the majority class: ${(majority * 100).toFixed(1)}%`);
const preds = nn.noGrad(() => treeNet.forward(deeper.trees.slice(0, 5))).argmax(1).values();
deeper.texts.slice(0, 5).forEach((t, i) => console.log(`  ${t} → predicted ${preds[i] ? 'T' : 'F'}, true ${deeper.labels.values()[i] ? 'T' : 'F'}`));
linePlot([{ name: 'training loss', y: treeLosses }], { title: 'recursive network on boolean expressions', xlabel: 'step', ylabel: 'cross-entropy', height: 280 })

// %% [markdown]
// ## Summary
//
// - An RNN reuses U, W, V at every step; unrolled, it is a deep network with shared weights.
// - BPTT is backpropagation on the unrolled graph: the gradient of a shared weight is a sum over steps.
// - Through a vanilla RNN the gradient vanishes geometrically with distance; the LSTM's additive cell
//   state keeps it, and only the LSTM learns to remember the first of 50 steps.
// - A character LSTM learns to spell from raw text and writes by sampling.
// - A recursive network composes along a tree instead of a chain, and generalises to deeper trees.
//
// - An output at every step sums the losses over time; a sequence label uses the last output alone.
// - Gradients vanish or explode geometrically with distance; clipping the norm bounds an exploding step.
//
// Next, **06-export**: save the trained weights as safetensors and ONNX.

// %% [markdown]
// ## Exercises (练习)
//
// Try each one first; the solution cell below it is collapsed (click the bar to show it) and runs
// with the rest of the notebook.
//
// **1.** Where does the gradient stop vanishing and start exploding? For the ReLU RNN of section 4 set
// `W = s·I` with s = 0.9, 1.0, 1.1 and 1.2 and print `‖∂L/∂h₁‖ / ‖∂L/∂h₅₀‖`.

// %% [solution]
for (const sc of [0.9, 1.0, 1.1, 1.2]) {
  const m = new nn.TextbookRNN(K + D, HID, K, { activation: 'relu', outputs: 'last', generator: new nn.Generator(5) });
  nn.noGrad(() => m.W.data.set(nn.eye(HID).mul(sc).values()));
  const nrm = nn.hiddenGradNorms(() => { const r = m.run(testX); return { loss: nn.F.crossEntropy(r.output, testY), hiddens: r.hiddens }; });
  console.log(`W = ${sc.toFixed(1)}·I: ‖∂L/∂h₁‖ / ‖∂L/∂h₅₀‖ = ${(nrm[0] / nrm[T - 1]).toExponential(1)}`);
}

// %% [markdown]
// **2.** `clipGradValue(parameters, v)` clips every gradient element to [−v, v] instead of rescaling
// the whole vector. Train the exploding RNN with `clipGradValue(…, 0.01)` for 30 steps. Does the
// loss come down too? How does the direction of the step differ from norm clipping?

// %% [solution]
{
  const m = explodingRnn(), g = new nn.Generator(2), opt = new nn.optim.SGD(m.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  for (let step = 0; step < 30; step++) {
    const [x, y] = firstSymbolBatch(g, 32);
    opt.zeroGrad();
    const loss = nn.F.crossEntropy(m.forward(x), y);
    loss.backward();
    nn.optim.clipGradValue(m.parameters(), 0.01);
    losses.push(loss.item());
    opt.step();
  }
  console.log(`clipGradValue 0.01: loss at steps 1, 10, 20, 30: ${[0, 9, 19, 29].map((i) => losses[i].toExponential(1)).join(', ')}`);
  console.log('value clipping bounds each element, so the step is no longer parallel to the gradient: large components are cut, small ones kept.');
}

// %% [markdown]
// **3.** Sample 160 characters from the trained language model at temperature 0.2 and at 2.0. What
// share of the words occur in the text, and why?

// %% [solution]
for (const temperature of [0.2, 2.0]) {
  const s = sample(lm, 'The ', 160, temperature, new nn.Generator(5));
  console.log(`temperature ${temperature}: words that occur in the text ${(wordScore(s) * 100).toFixed(0)}%\n${JSON.stringify(s)}`);
}
console.log('a low temperature almost always picks the likeliest character (real but repetitive words); a high one flattens the distribution towards uniform (fewer real words).');
