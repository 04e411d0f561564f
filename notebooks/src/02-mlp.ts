// %% [markdown]
// # 2 · The multilayer perceptron (多层感知器, MLP)
//
// One layer of weights can only draw straight boundaries (notebook 01). Stacking layers helps only
// with a non-linear **activation function** between them. This notebook shows, each time with a
// cell that computes it:
//
// 1. Stacked linear layers collapse into one linear layer (线性层的叠加)
// 2. Activation functions (激活函数) and their derivatives
// 3. NAND from one perceptron (与非门); XOR (异或) needs a hidden layer (隐藏层); all 16 two-input functions from NAND alone
// 4. Universal approximation (万能逼近定理): more hidden units fit a 1-D function better
// 5. Gradient descent (梯度下降) on a 2-D loss surface: learning rates γ, divergence, a local minimum (局部极小值), when to stop
// 6. Loss functions (损失函数)
// 7. Backpropagation (反向传播) by hand on a tiny network, checked against autograd (自动微分); the Jacobian (雅可比矩阵) of a layer
// 8. An MLP on Fashion-MNIST with the live loss plot
// 9. Why deeper (深度): deep-narrow vs shallow-wide at the same parameter count

// %%
import * as nn from 'nnlab';
import { display, linePlot, liveFit, summary, confusionMatrix, contourLines, Figure, type Trace } from 'nnlab/kernel';
nn.manualSeed(0);
/** Largest absolute difference of two tensors of the same shape. */
const maxDiff = (a: nn.Tensor, b: nn.Tensor) => a.sub(b).abs().max().item();
'nnlab ready'

// %% [markdown]
// ## 1 · Stacked linear layers collapse into one (线性层的叠加)
//
// Two linear layers in a row compute `W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂)`: again one linear
// layer, with `W = W₂W₁` and `b = W₂b₁ + b₂`. However many linear layers we stack, without an
// activation in between the network is as expressive as a single layer. Numerically:

// %%
const deep = new nn.Sequential(new nn.Linear(4, 16), new nn.Linear(16, 8), new nn.Linear(8, 3)).double();
const [L1, L2, L3] = [0, 1, 2].map((i) => deep.getSubmodule(String(i)) as nn.Linear);
// W = W₃W₂W₁ and b = W₃(W₂b₁ + b₂) + b₃
const Wc = L3.weight.matmul(L2.weight).matmul(L1.weight);
const bc = L3.weight.matmul(L2.weight.matmul(L1.bias!).add(L2.bias!)).add(L3.bias!);
const collapsed = new nn.Linear(4, 3).double();
nn.noGrad(() => { collapsed.weight.data.set(Wc.values()); collapsed.bias!.data.set(bc.values()); });
const xs4 = nn.randn([5, 4], { dtype: 'float64' });
console.log('three layers:', deep.numParameters(), 'parameters; the single layer:', collapsed.numParameters());
console.log(`max |three layers(x) − one layer(x)| over 5 inputs = ${maxDiff(deep.forward(xs4), collapsed.forward(xs4)).toExponential(2)}`);

// %% [markdown]
// With a ReLU between the layers the collapse no longer holds: the same weights give a different function.

// %%
const withRelu = new nn.Sequential(L1, new nn.ReLU(), L2, new nn.ReLU(), L3);
console.log(`max |with ReLU(x) − one layer(x)| = ${maxDiff(withRelu.forward(xs4), collapsed.forward(xs4)).toFixed(3)}`);

// %% [markdown]
// ## 2 · Activation functions (激活函数) and their derivatives
//
// | name | f(x) | f′(x) |
// |---|---|---|
// | sigmoid σ | 1 / (1 + e⁻ˣ) | σ(x)(1 − σ(x)), at most 1/4 |
// | tanh | (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) | 1 − tanh²(x) |
// | ReLU | max(0, x) | 1 for x > 0, 0 for x < 0 |
// | leaky ReLU | x for x > 0, 0.1x otherwise | 1 or 0.1 |
// | ELU | x for x > 0, eˣ − 1 otherwise | 1 or eˣ |
// | GELU | x·Φ(x) | Φ(x) + x·φ(x) |
//
// The derivatives below are not typed in: autograd computes them (`y.sum().backward()` gives
// `dy_i/dx_i` in `x.grad`), and the cell checks them against the formulas in the table (all but
// GELU's, which needs the error function).

// %%
const grid1 = nn.linspace(-4, 4, 161, { dtype: 'float64' });
const activations: [string, (t: nn.Tensor) => nn.Tensor][] = [
  ['sigmoid', nn.sigmoid], ['tanh', nn.tanh], ['ReLU', nn.relu],
  ['leaky ReLU (0.1)', (t) => nn.leakyRelu(t, 0.1)], ['ELU', (t) => nn.elu(t)], ['GELU', nn.gelu],
];
const curves = activations.map(([name, f]) => {
  const xg = grid1.detach().requiresGrad_();
  const y = f(xg);
  y.sum().backward();
  return { name, y: Array.from(y.detach().values()), dy: Array.from(xg.grad!.values()) };
});
const xv1 = Array.from(grid1.values());
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const formulas: Record<string, (v: number) => number> = {
  sigmoid: (v) => sig(v) * (1 - sig(v)), tanh: (v) => 1 - Math.tanh(v) ** 2, ReLU: (v) => (v > 0 ? 1 : 0),
  'leaky ReLU (0.1)': (v) => (v > 0 ? 1 : 0.1), ELU: (v) => (v > 0 ? 1 : Math.exp(v)),
};
for (const c of curves) {
  const f = formulas[c.name];
  if (!f) continue;
  const err = Math.max(...xv1.map((v, i) => (v === 0 ? 0 : Math.abs(c.dy[i] - f(v)))));
  console.log(`${c.name.padEnd(17)} autograd f′ vs formula: max difference ${err.toExponential(1)}`);
}
console.log(`largest sigmoid derivative: ${Math.max(...curves[0].dy).toFixed(4)} (at x = 0; it is 1/4)`);
display(linePlot(curves.map((c) => ({ name: c.name, x: xv1, y: c.y })), { title: 'activation functions f(x)', xlabel: 'x', ylabel: 'f(x)', height: 340 }));
linePlot(curves.map((c) => ({ name: c.name, x: xv1, y: c.dy })), { title: "derivatives f′(x), by autograd", xlabel: 'x', ylabel: "f′(x)", height: 340 })

// %% [markdown]
// The sigmoid's derivative is at most 1/4 and nearly 0 for |x| > 4: a signal passed back through many
// sigmoid layers shrinks at each one (the vanishing gradient, 梯度消失, of notebook 05). ReLU passes
// a derivative of exactly 1 for every positive input.
//
// ## 3 · NAND from one perceptron (与非门); XOR (异或) needs a hidden layer (隐藏层)
//
// NAND is 0 only when both inputs are 1. One perceptron with `w = (−2, −2)`, `b = 3` computes it:
// `3 − 2x₁ − 2x₂ > 0` unless `x₁ = x₂ = 1`. (NAND is a universal gate: any logic circuit can be built
// from NAND gates alone, hence from perceptrons; the XOR below is one example, and after it all
// 16 functions of two inputs are built from NAND and checked.)

// %%
const truthTable = [[0, 0], [0, 1], [1, 0], [1, 1]];
const inputs = nn.tensor(truthTable);
const nand = nn.Perceptron.fromWeights([-2, -2], 3);
const nandOut = nand.predict(inputs).values();
console.log('x1 x2 | w·x + b | NAND');
truthTable.forEach((row, i) => console.log(` ${row.join('  ')}  |   ${nand.decisionFunction([row]).item().toFixed(0).padStart(2)}    |  ${nandOut[i]}`));

// %% [markdown]
// XOR is 1 when exactly one input is 1. No line separates {(0,1), (1,0)} from {(0,0), (1,1)}, so the
// perceptron rule never finishes an epoch without a mistake:

// %%
const xorY = nn.tensor([0, 1, 1, 0], { dtype: 'int32' });
const xorPerceptron = new nn.Perceptron(2);
const xorHistory = xorPerceptron.fit(inputs, xorY, { epochs: 100, generator: new nn.Generator(0) });
console.log(`perceptron on XOR: converged ${xorHistory.converged} after 100 epochs; mistakes in the last 5 epochs: ${xorHistory.mistakes.slice(-5).join(', ')}`);
console.log(`accuracy of its final weights: ${xorPerceptron.score(inputs, xorY) * 100}%`);

// %% [markdown]
// One hidden layer is enough: XOR(x₁, x₂) = AND(OR(x₁, x₂), NAND(x₁, x₂)). Two hidden perceptrons
// (OR and NAND) feed one output perceptron (AND), all with hand-set weights:

// %%
const or = nn.Perceptron.fromWeights([2, 2], -1), and = nn.Perceptron.fromWeights([2, 2], -3);
const hidden = nn.stack([or.predict(inputs), nand.predict(inputs)], 1).float();
const xorOut = and.predict(hidden).values();
console.log('x1 x2 | OR NAND | XOR = AND(OR, NAND)');
const hv = hidden.values();
truthTable.forEach((row, i) => console.log(` ${row.join('  ')}  |  ${hv[2 * i]}   ${hv[2 * i + 1]}   |  ${xorOut[i]}`));

// %% [markdown]
// ### NAND is universal (与非门的完备性), computed
//
// Two inputs have 2⁴ = 16 boolean functions (one output bit for each of the 4 input rows). Starting
// from the inputs `x₁` and `x₂` alone, the cell below keeps joining two circuits it already has with
// one more NAND gate, until it has a circuit for every truth table. Each circuit is then *evaluated*
// with the NAND perceptron above as its only gate, on the 4 inputs, and compared with the function's
// truth table. (Gates counts distinct gates: a sub-circuit used twice is built once.)

// %%
type Circuit = { name: string } | { a: Circuit; b: Circuit };
const show = (c: Circuit): string => ('name' in c ? c.name : `NAND(${show(c.a)}, ${show(c.b)})`);
const gates = (c: Circuit, seen = new Set<string>()): number => {
  if ('name' in c) return 0;
  const key = show(c);
  if (seen.has(key)) return 0;
  seen.add(key);
  return 1 + gates(c.a, seen) + gates(c.b, seen);
};
/** The circuit's outputs on the 4 rows of the truth table, computed with the NAND perceptron as the only gate. */
function evaluate(c: Circuit): nn.Tensor {
  if ('name' in c) return inputs.select(1, c.name === 'x1' ? 0 : 1).float();
  return nand.predict(nn.stack([evaluate(c.a), evaluate(c.b)], 1).float()).float();
}
const bitsOf = (t: number[]) => t.join('');
// Truth tables as bit strings over the rows (0,0), (0,1), (1,0), (1,1).
const found = new Map<string, { circuit: Circuit; size: number }>([
  ['0011', { circuit: { name: 'x1' }, size: 0 }], ['0101', { circuit: { name: 'x2' }, size: 0 }],
]);
for (let round = 0; found.size < 16 && round < 10; round++) {
  const known = [...found.entries()];
  for (const [ta, ca] of known) for (const [tb, cb] of known) {
    const t = bitsOf([0, 1, 2, 3].map((i) => 1 - Number(ta[i]) * Number(tb[i])));
    const size = ca.size + cb.size + 1;
    if (!found.has(t) || found.get(t)!.size > size) found.set(t, { circuit: { a: ca.circuit, b: cb.circuit }, size });
  }
}
const functionNames: [string, string][] = [
  ['0000', 'FALSE'], ['0001', 'AND'], ['0010', 'x1 AND NOT x2'], ['0011', 'x1'], ['0100', 'NOT x1 AND x2'], ['0101', 'x2'],
  ['0110', 'XOR'], ['0111', 'OR'], ['1000', 'NOR'], ['1001', 'XNOR'], ['1010', 'NOT x2'], ['1011', 'x1 OR NOT x2'],
  ['1100', 'NOT x1'], ['1101', 'NOT x1 OR x2'], ['1110', 'NAND'], ['1111', 'TRUE'],
];
let correct = 0;
console.log('function        truth table | gates | evaluated | circuit');
for (const [table, fname] of functionNames) {
  const entry = found.get(table);
  if (!entry) { console.log(`${fname.padEnd(15)} ${table}        | not built`); continue; }
  const out = bitsOf(Array.from(evaluate(entry.circuit).values()));
  if (out === table) correct++;
  console.log(`${fname.padEnd(15)} ${table}        | ${String(gates(entry.circuit)).padStart(3)}   | ${out} ${out === table ? 'ok' : 'WRONG'} | ${show(entry.circuit)}`);
}
console.log(`${correct} of 16 two-input functions built from NAND gates alone and checked on all 4 inputs`);

// %% [markdown]
// The same network can be *learned*: a 2-4-1 MLP with tanh in the hidden layer, trained by gradient
// descent on the binary cross-entropy, reaches 100% on XOR (a single `Linear(2, 1)` trained the same
// way cannot, as its boundary is a line).

// %%
function trainXor(model: nn.Sequential | nn.Linear, steps = 600): number[] {
  const opt = new nn.optim.Adam(model.parameters(), { lr: 0.05 });
  const target = xorY.float().reshape([4, 1]);
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    nn.F.binaryCrossEntropyWithLogits(model.forward(inputs), target).backward();
    opt.step();
  }
  return Array.from(nn.noGrad(() => model.forward(inputs)).values(), (z) => (z > 0 ? 1 : 0));
}
nn.manualSeed(1);
const xorMlp = new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 1));
const xorLinear = new nn.Linear(2, 1);
const mlpPred = trainXor(xorMlp), linPred = trainXor(xorLinear);
const acc = (pred: number[]) => pred.filter((v, i) => v === xorY.values()[i]).length / 4;
console.log(`MLP 2-4-1:     predictions ${mlpPred.join(' ')} → accuracy ${acc(mlpPred) * 100}%`);
console.log(`Linear(2, 1):  predictions ${linPred.join(' ')} → accuracy ${acc(linPred) * 100}%`);

// %% [markdown]
// ## 4 · Universal approximation (万能逼近定理)
//
// A network with one hidden layer of enough units can approximate any continuous function on a
// bounded interval as closely as we like. We fit `f(x) = sin 2x + 0.5·exp(−4(x − 1)²) − 0.2x` on
// [−3, 3] with `Linear(1, H) → tanh → Linear(H, 1)` for H = 1, 2, 4, 8, 32 hidden units
// (2,000 full-batch Adam steps each) and watch the error fall as H grows.

// %%
const N = 120;
const xFit = nn.linspace(-3, 3, N).reshape([N, 1]);
const target1d = nn.tensor(Array.from(xFit.values(), (v) => Math.sin(2 * v) + 0.5 * Math.exp(-4 * (v - 1) ** 2) - 0.2 * v), { shape: [N, 1] });
const fits = [1, 2, 4, 8, 32].map((H) => {
  nn.manualSeed(0);
  const m = new nn.Sequential(new nn.Linear(1, H), new nn.Tanh(), new nn.Linear(H, 1));
  const opt = new nn.optim.Adam(m.parameters(), { lr: 0.02 });
  let loss = 0;
  for (let s = 0; s < 2000; s++) {
    opt.zeroGrad();
    const l = nn.F.mseLoss(m.forward(xFit), target1d);
    l.backward();
    opt.step();
    loss = l.item();
  }
  return { H, loss, y: Array.from(nn.noGrad(() => m.forward(xFit)).values()) };
});
fits.forEach(({ H, loss }) => console.log(`H = ${String(H).padStart(2)} hidden units: mean squared error ${loss.toExponential(2)}`));
const xPlot = Array.from(xFit.values());
new Figure({
  data: [
    ...fits.map((f) => ({ type: 'scatter', mode: 'lines', name: `H = ${f.H}`, x: xPlot, y: f.y } as Trace)),
    { type: 'scatter', mode: 'lines', name: 'target f(x)', x: xPlot, y: Array.from(target1d.values()), line: { color: '#000000', dash: 'dot', width: 2.5 } },
  ],
  layout: { title: 'one hidden layer of H tanh units fitting f(x)', height: 360, xaxis: { title: 'x' } },
})

// %% [markdown]
// ## 5 · Gradient descent (梯度下降) on a 2-D loss surface
//
// Training moves the weights downhill: `w ← w − γ ∇L(w)`, with learning rate γ (学习率). Take two
// weights and the loss `L(w₁, w₂) = ½(w₁² + 10·w₂²)`, a long narrow valley. Its curvature along w₂
// is 10, so a step multiplies w₂ by `1 − 10γ`: for γ > 2/10 = 0.2 that factor is below −1 and the
// iterates **diverge**. The gradient at each step comes from autograd.

// %%
function descend(loss: (w: nn.Tensor) => nn.Tensor, start: [number, number], lr: number, steps: number) {
  let w = nn.tensor(start, { dtype: 'float64' });
  const path: [number, number][] = [[start[0], start[1]]], losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const leaf = w.detach().requiresGrad_();
    const l = loss(leaf);
    l.backward();
    losses.push(l.item());
    w = nn.noGrad(() => leaf.sub(leaf.grad!.mul(lr)));
    const [a, b] = Array.from(w.values());
    path.push([a, b]);
  }
  losses.push(loss(w).item());
  return { path, losses };
}
const bowl = (w: nn.Tensor) => w.square().mul(nn.tensor([0.5, 5], { dtype: 'float64' })).sum();
const rates = [0.02, 0.1, 0.18, 0.21];
const runs = rates.map((lr) => ({ lr, ...descend(bowl, [-4, 1.5], lr, 30) }));
runs.forEach(({ lr, losses }) => console.log(`γ = ${lr.toFixed(2)}: loss ${losses[0].toFixed(2)} → ${losses[losses.length - 1].toExponential(2)} after 30 steps${losses[losses.length - 1] > losses[0] ? '  (diverged)' : ''}`));

// %% [markdown]
// The contour lines of L and the four trajectories. Small γ crawls along the valley; γ = 0.18
// zig-zags across it but converges; γ = 0.21 bounces ever higher up the walls (drawn until it leaves the plot).

// %%
/** Contour lines of loss over [x0, x1] × [y0, y1] at the given levels, as one grey trace. */
function contourTrace(loss: (w: nn.Tensor) => nn.Tensor, [x0, x1]: number[], [y0, y1]: number[], levels: number[]): Trace {
  const n = 50;
  const xs = Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
  const ys = Array.from({ length: n }, (_, i) => y0 + ((y1 - y0) * i) / (n - 1));
  const f = new Float64Array(n * n);
  ys.forEach((yv, i) => xs.forEach((xv, j) => (f[i * n + j] = loss(nn.tensor([xv, yv], { dtype: 'float64' })).item())));
  const lines = levels.map((level) => contourLines(f, xs, ys, level));
  const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return { type: 'scatter', mode: 'lines', name: 'contours of L', x: lines.flatMap((c) => c.x.map(round)), y: lines.flatMap((c) => c.y.map(round)), line: { color: '#b0b0b0', width: 1 } };
}
/** The path while it stays inside the box. */
function inside(path: [number, number][], [x0, x1]: number[], [y0, y1]: number[]) {
  const k = path.findIndex(([a, b]) => a < x0 || a > x1 || b < y0 || b > y1);
  return k < 0 ? path : path.slice(0, k);
}
const box: { x: [number, number]; y: [number, number] } = { x: [-5, 5], y: [-3, 3] };
new Figure({
  data: [
    contourTrace(bowl, box.x, box.y, [0.5, 2, 5, 10, 20, 35]),
    ...runs.map(({ lr, path }) => {
      const p = inside(path, box.x, box.y);
      return { type: 'scatter', mode: 'lines+markers', name: `γ = ${lr}`, x: p.map((q) => q[0]), y: p.map((q) => q[1]), marker: { size: 5 } } as Trace;
    }),
  ],
  layout: { title: 'gradient descent on L = ½(w₁² + 10 w₂²), start (−4, 1.5)', width: 720, height: 460, xaxis: { title: 'w₁', range: box.x }, yaxis: { title: 'w₂', range: box.y } },
})

// %% [markdown]
// A non-convex loss (非凸) can have several valleys. `L(w₁, w₂) = (w₁² − 1)² + 0.5·w₁ + w₂²` has a
// global minimum near w₁ = −1 and a higher local minimum near w₁ = +1. Gradient descent only looks
// downhill, so the start decides where it ends:

// %%
const twoValleys = (w: nn.Tensor) => {
  const w1 = w.select(0, 0), w2 = w.select(0, 1);
  return w1.square().sub(1).square().add(w1.mul(0.5)).add(w2.square());
};
const starts: [number, number][] = [[1.8, 1.5], [-0.2, 1.8], [-1.8, -1.5]];
const valleyRuns = starts.map((s) => ({ start: s, ...descend(twoValleys, s, 0.05, 80) }));
valleyRuns.forEach(({ start, path, losses }) => {
  const [a, b] = path[path.length - 1];
  console.log(`start (${start.join(', ')}) → w = (${a.toFixed(3)}, ${b.toFixed(3)}), L = ${losses[losses.length - 1].toFixed(3)}  ${a > 0 ? 'local minimum: stuck' : 'global minimum'}`);
});
const vbox: { x: [number, number]; y: [number, number] } = { x: [-2, 2], y: [-2, 2] };
new Figure({
  data: [
    contourTrace(twoValleys, vbox.x, vbox.y, [-0.4, -0.2, 0, 0.5, 0.6, 1, 2, 3, 4]),
    ...valleyRuns.map(({ start, path }) => ({ type: 'scatter', mode: 'lines+markers', name: `from (${start.join(', ')})`, x: path.map((q) => q[0]), y: path.map((q) => q[1]), marker: { size: 4 } } as Trace)),
  ],
  layout: { title: 'a non-convex loss: two valleys, γ = 0.05', width: 620, height: 520, xaxis: { title: 'w₁', range: vbox.x }, yaxis: { title: 'w₂', range: vbox.y } },
})

// %% [markdown]
// ### When to stop (停止条件)
//
// So far every run took a fixed number of steps. A descent that stops by itself watches two things:
// the gradient norm `‖∇L‖` (below ε the iterate has reached a flat point: a minimum, or a saddle)
// and the loss (when a step no longer lowers it, γ is too large or rounding has taken over). The
// step count is only a safety limit.

// %%
/** Gradient descent from `start` until ‖∇L‖ < eps or a step that does not lower L (or maxSteps). */
function descendUntil(loss: (w: nn.Tensor) => nn.Tensor, start: [number, number], lr: number, eps = 1e-6, maxSteps = 100_000) {
  let w = nn.tensor(start, { dtype: 'float64' }), previous = Infinity;
  for (let s = 0; s < maxSteps; s++) {
    const leaf = w.detach().requiresGrad_();
    const l = loss(leaf);
    l.backward();
    const L = l.item(), gradNorm = Math.sqrt(leaf.grad!.square().sum().item());
    if (gradNorm < eps) return { steps: s, reason: `‖∇L‖ = ${gradNorm.toExponential(1)} < ε`, w: Array.from(w.values()), L };
    if (L >= previous) return { steps: s, reason: `L rose from ${previous.toExponential(3)} to ${L.toExponential(3)}`, w: Array.from(w.values()), L };
    previous = L;
    w = nn.noGrad(() => leaf.sub(leaf.grad!.mul(lr)));
  }
  return { steps: maxSteps, reason: 'step limit', w: Array.from(w.values()), L: loss(w).item() };
}
const stopRuns: [string, (w: nn.Tensor) => nn.Tensor, [number, number], number][] = [
  ['bowl', bowl, [-4, 1.5], 0.1], ['bowl', bowl, [-4, 1.5], 0.18], ['bowl', bowl, [-4, 1.5], 0.21],
  ['two valleys', twoValleys, [1.8, 1.5], 0.05], ['two valleys', twoValleys, [-1.8, -1.5], 0.05],
];
for (const [name, loss, start, lr] of stopRuns) {
  const r = descendUntil(loss, start, lr);
  console.log(`${name.padEnd(11)} γ = ${lr.toFixed(2)} from (${start.join(', ')}): stopped after ${String(r.steps).padStart(4)} steps at w = (${r.w.map((v) => v.toFixed(4)).join(', ')}), L = ${r.L.toFixed(6)}: ${r.reason}`);
}

// %% [markdown]
// On the bowl, γ = 0.1 and γ = 0.18 stop at the minimum (0, 0) when the gradient vanishes; γ = 0.18
// needs more steps, as it zig-zags. γ = 0.21 first lowers L (the slow w₁ direction still shrinks) and
// stops at the first step that raises it: from there on it would only diverge. In the two valleys the
// same ‖∇L‖ test stops both runs at a minimum: the local one from (1.8, 1.5). A flat gradient says
// the descent can no longer move, not that it found the best minimum.

// %% [markdown]
// ## 6 · Loss functions (损失函数)
//
// A loss turns the network's output and the target into one number to minimise.
//
// - **Mean squared error** (均方误差, regression): `MSE = mean (ŷ − y)²`
// - **Cross-entropy** (交叉熵, classification on logits z): `CE = −log softmax(z)_y = −z_y + log Σ_k e^{z_k}`
// - **Binary cross-entropy** on a logit z with target t ∈ {0, 1}: `−t log σ(z) − (1 − t) log(1 − σ(z))`
// - **Multi-class hinge** (合页损失, the SVM loss): `Σ_{k≠y} max(0, 1 − z_y + z_k) / C`
//
// Each by hand next to the library function:

// %%
const logits = nn.tensor([[1.0, 0.5, -1.0]], { dtype: 'float64' });
const label = nn.tensor([0], { dtype: 'int32' });
const z = Array.from(logits.values());
const ceHand = -z[0] + Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
const hingeHand = (Math.max(0, 1 - z[0] + z[1]) + Math.max(0, 1 - z[0] + z[2])) / 3;
const pred = nn.tensor([0.5, 2.0, 1.0], { dtype: 'float64' }), tgt = nn.tensor([1.0, 1.5, 1.0], { dtype: 'float64' });
const mseHand = ((0.5 - 1) ** 2 + (2 - 1.5) ** 2 + 0) / 3;
const bceHand = -Math.log(sig(0.8));
console.log(`cross-entropy  by hand ${ceHand.toFixed(6)}  F.crossEntropy     ${nn.F.crossEntropy(logits, label).item().toFixed(6)}`);
console.log(`hinge          by hand ${hingeHand.toFixed(6)}  F.multiMarginLoss  ${nn.F.multiMarginLoss(logits, label).item().toFixed(6)}`);
console.log(`MSE            by hand ${mseHand.toFixed(6)}  F.mseLoss          ${nn.F.mseLoss(pred, tgt).item().toFixed(6)}`);
console.log(`BCE (z=0.8,t=1) by hand ${bceHand.toFixed(6)} F.binaryCrossEntropyWithLogits ${nn.F.binaryCrossEntropyWithLogits(nn.tensor([0.8], { dtype: 'float64' }), nn.tensor([1.0], { dtype: 'float64' })).item().toFixed(6)}`);

// %% [markdown]
// How each classification loss punishes a score: two classes, the correct one's logit is `m` higher
// than the other's (m < 0: wrong). Cross-entropy `log(1 + e⁻ᵐ)` never reaches 0 and keeps pushing; the
// hinge is exactly 0 once the margin exceeds 1; the 0-1 loss (what accuracy counts) has no gradient
// at all, which is why we train on a smooth surrogate.

// %%
const ms = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);
linePlot([
  { name: 'cross-entropy log(1 + e^−m)', x: ms, y: ms.map((m) => nn.F.crossEntropy(nn.tensor([[m, 0]], { dtype: 'float64' }), nn.tensor([0], { dtype: 'int32' })).item()) },
  { name: 'hinge max(0, 1 − m)', x: ms, y: ms.map((m) => Math.max(0, 1 - m)) },
  { name: '0-1 loss', x: ms, y: ms.map((m) => (m > 0 ? 0 : 1)) },
], { title: 'loss against the margin m = z_correct − z_other', xlabel: 'm', ylabel: 'loss', height: 320 })

// %% [markdown]
// ## 7 · Backpropagation (反向传播) by hand
//
// A tiny network: input x ∈ ℝ², a hidden layer of 2 sigmoid units, one linear output, squared error:
//
// `z = W₁x + b₁`,  `h = σ(z)`,  `ŷ = W₂h + b₂`,  `L = ½(ŷ − t)²`
//
// Backpropagation applies the chain rule from the loss backwards, reusing each intermediate result:
//
// `∂L/∂ŷ = ŷ − t`;  `∂L/∂W₂ = (ŷ − t)·hᵀ`;  `∂L/∂b₂ = ŷ − t`;  `∂L/∂h = W₂ᵀ(ŷ − t)`;
// `∂L/∂z = ∂L/∂h ⊙ σ(z)(1 − σ(z))`;  `∂L/∂W₁ = ∂L/∂z · xᵀ`;  `∂L/∂b₁ = ∂L/∂z`
//
// First with plain numbers, no tensors:

// %%
const xh = [0.5, -1.0], t = 1.0;
const W1h = [[0.1, 0.4], [-0.3, 0.2]], b1h = [0.0, 0.1], W2h = [0.7, -0.5], b2h = 0.2;
// forward
const zh = [0, 1].map((i) => W1h[i][0] * xh[0] + W1h[i][1] * xh[1] + b1h[i]);
const hh = zh.map(sig);
const yh = W2h[0] * hh[0] + W2h[1] * hh[1] + b2h;
const Lh = 0.5 * (yh - t) ** 2;
// backward
const dy = yh - t;
const dW2 = hh.map((v) => dy * v), db2 = dy;
const dh = W2h.map((w) => w * dy);
const dz = dh.map((g, i) => g * hh[i] * (1 - hh[i]));
const dW1 = dz.map((g) => xh.map((xv) => g * xv)), db1 = dz;
console.log(`forward: z = [${zh.map((v) => v.toFixed(4))}], h = [${hh.map((v) => v.toFixed(4))}], ŷ = ${yh.toFixed(4)}, L = ${Lh.toFixed(6)}`);
console.log(`∂L/∂W₁ = ${JSON.stringify(dW1.map((r) => r.map((v) => +v.toFixed(6))))}, ∂L/∂b₁ = [${db1.map((v) => v.toFixed(6))}]`);
console.log(`∂L/∂W₂ = [${dW2.map((v) => v.toFixed(6))}], ∂L/∂b₂ = ${db2.toFixed(6)}`);

// %% [markdown]
// Then the same network with tensors and `backward()`; the gradients agree to float64 rounding:

// %%
const f64 = { dtype: 'float64' as const, requiresGrad: true };
const W1 = nn.tensor(W1h, f64), b1 = nn.tensor(b1h, f64), W2 = nn.tensor([W2h], f64), b2 = nn.tensor([b2h], f64);
const yAuto = nn.F.linear(nn.sigmoid(nn.F.linear(nn.tensor([xh], { dtype: 'float64' }), W1, b1)), W2, b2);
const LAuto = yAuto.sub(t).square().mul(0.5).sum();
LAuto.backward();
const byHandGrads: [string, nn.Tensor, number[] | number[][]][] = [['W₁', W1, dW1], ['b₁', b1, db1], ['W₂', W2, [dW2]], ['b₂', b2, [db2]]];
console.log(`loss: by hand ${Lh.toFixed(12)}, autograd ${LAuto.item().toFixed(12)}`);
for (const [name, param, hand] of byHandGrads) {
  console.log(`∂L/∂${name}: max |autograd − by hand| = ${maxDiff(param.grad!, nn.tensor(hand, { dtype: 'float64' })).toExponential(1)}`);
}

// %% [markdown]
// ### The Jacobian (雅可比矩阵) of a layer
//
// A layer `y = σ(Wx + b)` maps ℝⁿ to ℝᵐ; its Jacobian `J = ∂y/∂x` is the m×n matrix of every
// `∂yᵢ/∂xⱼ`. By the chain rule `∂yᵢ/∂xⱼ = σ′(zᵢ)·Wᵢⱼ`, so `J = diag(σ′(z))·W`, and backpropagation
// multiplies the incoming gradient by its transpose, `∂L/∂x = Wᵀ·diag(σ′(z))·∂L/∂y`: exactly the
// `∂L/∂h = W₂ᵀ(ŷ − t)` and `⊙ σ(z)(1 − σ(z))` steps above. Autograd never builds J; row i of it is
// what `backward` gives for the gradient `eᵢ` (1 at output i, 0 elsewhere). Built that way and
// checked against the formula, for one layer and for two layers in a row (`J = J₂·J₁`):

// %%
nn.manualSeed(2);
const Wj = nn.randn([3, 4], { dtype: 'float64' }), bj = nn.randn([3], { dtype: 'float64' });
const Vj = nn.randn([2, 3], { dtype: 'float64' }), cj = nn.randn([2], { dtype: 'float64' });
const x0 = nn.randn([4], { dtype: 'float64' });
const layer1 = (x: nn.Tensor) => nn.sigmoid(Wj.matmul(x).add(bj));
const layer2 = (h: nn.Tensor) => nn.tanh(Vj.matmul(h).add(cj));
/** The Jacobian of f at x, one row per output: row i is the gradient of output i (backward of eᵢ). */
function jacobian(f: (x: nn.Tensor) => nn.Tensor, x: nn.Tensor): nn.Tensor {
  const m = f(x).shape[0];
  const rows = Array.from({ length: m }, (_, i) => {
    const leaf = x.detach().requiresGrad_();
    f(leaf).backward(nn.oneHot(nn.tensor([i], { dtype: 'int32' }), m).reshape([m]).double());
    return leaf.grad!;
  });
  return nn.stack(rows);
}
const zj = Wj.matmul(x0).add(bj), sj = nn.sigmoid(zj);
const J1formula = sj.mul(sj.neg().add(1)).reshape([3, 1]).mul(Wj);           // diag(σ′(z))·W
const h1 = layer1(x0), u = nn.tanh(Vj.matmul(h1).add(cj));
const J2formula = u.square().neg().add(1).reshape([2, 1]).mul(Vj);            // diag(tanh′)·V
const J1auto = jacobian(layer1, x0), Jauto = jacobian((x) => layer2(layer1(x)), x0);
console.log(`J of σ(Wx + b) [${J1auto.shape.join(', ')}]: max |autograd − diag(σ′(z))·W| = ${maxDiff(J1auto, J1formula).toExponential(1)}`);
console.log(`J of tanh(V σ(Wx + b) + c) [${Jauto.shape.join(', ')}]: max |autograd − J₂·J₁| = ${maxDiff(Jauto, J2formula.matmul(J1formula)).toExponential(1)}`);
const gOut = nn.tensor([0.3, -1.2], { dtype: 'float64' });
const xLeaf = x0.detach().requiresGrad_();
layer2(layer1(xLeaf)).backward(gOut);
console.log(`backward of g = [0.3, −1.2]: max |x.grad − Jᵀg| = ${maxDiff(xLeaf.grad!, Jauto.T.matmul(gOut)).toExponential(1)}`);

// %% [markdown]
// ## 8 · An MLP (多层感知器) on Fashion-MNIST, with the live loss plot
//
// `784 → 256 → ReLU → 128 → ReLU → 10`, trained with mini-batch SGD (momentum 0.9, batch 64) on
// cross-entropy. `liveFit` is `fit` with a live display: progress, loss and accuracy update in place
// while it trains (and the final chart stays in the saved notebook as an image).
//
// To keep this notebook quick it trains on 12,000 images for 3 epochs. The full training set from
// the command line: `npm run train -- --model mlp --epochs 5`.
//
// 12,000 = 187 × 64 + 32, so each epoch would end with a batch of 32 images. Its loss is a mean over
// half as many images, so it scatters √2 times as much as the others (measured after training,
// below), and it showed as a lone spike at the end of each epoch on the loss chart. `dropLast: true`
// leaves that batch out: a different 32 images each epoch, as the order is shuffled.

// %%
const fm = nn.data.loadFashionMNIST({ split: 'train', limit: 12000, flatten: true });
const fmTest = nn.data.loadFashionMNIST({ split: 'test', limit: 2000, flatten: true });
const trainLoader = new nn.data.DataLoader(new nn.data.TensorDataset(fm.images, fm.labels), { batchSize: 64, shuffle: true, dropLast: true, generator: new nn.Generator(0) });
const testLoader = new nn.data.DataLoader(new nn.data.TensorDataset(fmTest.images, fmTest.labels), { batchSize: 500 });
nn.manualSeed(0);
const mlp = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
summary(mlp, [1, 784])

// %%
const optimizer = new nn.optim.SGD(mlp.parameters(), { lr: 0.05, momentum: 0.9 });
const run = await liveFit(mlp, { trainLoader, valLoader: testLoader, optimizer, epochs: 3, name: 'MLP 784-256-128-10' });

// %%
const testResult = nn.evaluate(mlp, testLoader);
console.log(`MLP test accuracy: ${(testResult.accuracy! * 100).toFixed(1)}% on ${fmTest.images.shape[0]} test images after ${run.epochs.length} epochs on ${fm.images.shape[0]} images`);
console.log(`${trainLoader.length} batches of 64 per epoch (dropLast: the last ${fm.images.shape[0] % 64} images of each shuffled epoch are left out)`);
/** Standard deviation of the trained MLP's mean loss over consecutive batches of `size` training images. */
function batchLossStd(size: number): number {
  const losses: number[] = [];
  nn.noGrad(() => {
    for (let i = 0; i + size <= fm.images.shape[0]; i += size) losses.push(nn.F.crossEntropy(mlp.forward(fm.images.narrow(0, i, size)), fm.labels.narrow(0, i, size)).item());
  });
  const mean = losses.reduce((a, v) => a + v, 0) / losses.length;
  return Math.sqrt(losses.reduce((a, v) => a + (v - mean) ** 2, 0) / (losses.length - 1));
}
const std64 = batchLossStd(64), std32 = batchLossStd(32);
console.log(`spread of the batch loss: batches of 64 std ${std64.toFixed(3)}, batches of 32 std ${std32.toFixed(3)}: ratio ${(std32 / std64).toFixed(2)} (√2 = 1.41)`);

// %% [markdown]
// Which classes get confused? Rows are the true class, columns the prediction:

// %%
const testPred = nn.noGrad(() => mlp.forward(fmTest.images)).argmax(1);
confusionMatrix(testPred, fmTest.labels, { classNames: fm.classNames as string[] })

// %% [markdown]
// ## 9 · Why deeper (为什么要深)? Deep-narrow vs shallow-wide at the same parameter count
//
// One hidden layer can approximate anything (section 4), so why stack more? Because some functions
// need exponentially fewer parameters when layers are composed. The **tent map**
// `t(u) = 2u` for `u < ½`, `2 − 2u` otherwise, is one ReLU layer of width 2 on [0, 1]:
// `t(u) = 2·relu(u) − 4·relu(u − ½)`. Composed k times it is a sawtooth with 2ᵏ linear pieces, built by
// a network of depth k and width 2 with 6k + 1 parameters. A network with one hidden layer of H ReLUs
// has one kink per unit, so at most H + 1 pieces; with the same 6k + 1 parameters (3H + 1 of them)
// it has H = 2k units. For k = 6, measured (pieces counted from the slopes on a grid of 4,097 points,
// the shallow net's kinks from its weights; it starts with its 12 kinks spread evenly over [0, 1]
// and is trained on the sawtooth). To draw all 64 pieces, one hidden layer needs 64 units, built
// last: `Σⱼ cⱼ·relu(x − j/64)`, j = 0…63, with the slope 64 at the start and changing by ∓128 at each kink.

// %%
const depthK = 6;
/** The k-fold tent map as a ReLU network of depth k and width 2 (weights set by hand, float64). */
function sawtoothNet(k: number): nn.Sequential {
  const layers: nn.Module[] = [];
  const set = (l: nn.Linear, wts: number[], bias: number[]) => nn.noGrad(() => { l.weight.data.set(wts); l.bias!.data.set(bias); });
  const first = new nn.Linear(1, 2).double();
  set(first, [1, 1], [0, -0.5]);
  layers.push(first, new nn.ReLU());
  for (let i = 1; i < k; i++) {
    const l = new nn.Linear(2, 2).double();
    set(l, [2, -4, 2, -4], [0, -0.5]);   // t(u) = 2a₁ − 4a₂ of the layer before, fed to the next tent
    layers.push(l, new nn.ReLU());
  }
  const last = new nn.Linear(2, 1).double();
  set(last, [2, -4], [0]);
  layers.push(last);
  return new nn.Sequential(...layers);
}
const tent = (v: number) => (v < 0.5 ? 2 * v : 2 - 2 * v);
const sawtooth = (v: number) => { let q = v; for (let i = 0; i < depthK; i++) q = tent(q); return q; };
const G = 4096;
const xGrid = nn.linspace(0, 1, G + 1, { dtype: 'float64' }).reshape([G + 1, 1]);
const sawTarget = nn.tensor(Array.from(xGrid.values(), sawtooth), { shape: [G + 1, 1], dtype: 'float64' });
/** Linear pieces of y on the grid: 1 + the number of slope changes between neighbouring grid intervals. */
function pieces(y: ArrayLike<number>): number {
  let n = 1;
  for (let i = 1; i + 1 < y.length; i++) if (Math.abs((y[i + 1] - y[i]) - (y[i] - y[i - 1])) * G > 1e-6) n++;
  return n;
}
const deepSaw = sawtoothNet(depthK);
const deepOut = nn.noGrad(() => deepSaw.forward(xGrid));
console.log(`deep: ${depthK} layers of width 2, ${deepSaw.numParameters()} parameters: ${pieces(deepOut.values())} linear pieces, max |net(x) − sawtooth(x)| = ${maxDiff(deepOut, sawTarget).toExponential(1)}`);
const Hsh = (deepSaw.numParameters() - 1) / 3;
nn.manualSeed(0);
const shallowSaw = new nn.Sequential(new nn.Linear(1, Hsh), new nn.ReLU(), new nn.Linear(Hsh, 1)).double();
nn.noGrad(() => {   // kinks at x = (i + ½)/H, where a unit of weight 1 and bias −(i + ½)/H turns on
  (shallowSaw.getSubmodule('0') as nn.Linear).weight.data.set(Array(Hsh).fill(1));
  (shallowSaw.getSubmodule('0') as nn.Linear).bias!.data.set(Array.from({ length: Hsh }, (_, i) => -(i + 0.5) / Hsh));
});
const shOpt = new nn.optim.Adam(shallowSaw.parameters(), { lr: 0.01 });
for (let s = 0; s < 3000; s++) {
  shOpt.zeroGrad();
  nn.F.mseLoss(shallowSaw.forward(xGrid), sawTarget).backward();
  shOpt.step();
}
const shW = (shallowSaw.getSubmodule('0') as nn.Linear).weight.values(), shB = (shallowSaw.getSubmodule('0') as nn.Linear).bias!.values();
const kinks = Array.from(shW).filter((wk, i) => wk !== 0 && -shB[i] / wk > 0 && -shB[i] / wk < 1).length;
const shOut = nn.noGrad(() => shallowSaw.forward(xGrid));
console.log(`shallow: 1 hidden layer of ${Hsh} ReLUs, ${shallowSaw.numParameters()} parameters: ${kinks} kinks inside [0, 1], so at most ${kinks + 1} linear pieces (≤ H + 1 = ${Hsh + 1})`);
console.log(`shallow, trained 3,000 Adam steps on the sawtooth: mean squared error ${nn.F.mseLoss(shOut, sawTarget).item().toFixed(4)} (the constant ½ scores the sawtooth's variance, ${sawTarget.sub(sawTarget.mean()).square().mean().item().toFixed(4)}); deep, by construction: ${nn.F.mseLoss(deepOut, sawTarget).item().toExponential(1)}`);
const pieceCount = 2 ** depthK, wideSaw = new nn.Sequential(new nn.Linear(1, pieceCount), new nn.ReLU(), new nn.Linear(pieceCount, 1)).double();
nn.noGrad(() => {   // slope 2ᵏ on the first piece, then −2ᵏ⁺¹, +2ᵏ⁺¹, … at the kinks j/2ᵏ
  (wideSaw.getSubmodule('0') as nn.Linear).weight.data.set(Array(pieceCount).fill(1));
  (wideSaw.getSubmodule('0') as nn.Linear).bias!.data.set(Array.from({ length: pieceCount }, (_, j) => -j / pieceCount));
  (wideSaw.getSubmodule('2') as nn.Linear).weight.data.set(Array.from({ length: pieceCount }, (_, j) => (j === 0 ? pieceCount : (j % 2 ? -2 : 2) * pieceCount)));
  (wideSaw.getSubmodule('2') as nn.Linear).bias!.data.set([0]);
});
const wideOut = nn.noGrad(() => wideSaw.forward(xGrid));
console.log(`shallow with ${pieceCount} ReLUs (weights set by hand): ${wideSaw.numParameters()} parameters, ${pieces(wideOut.values())} linear pieces, max |net(x) − sawtooth(x)| = ${maxDiff(wideOut, sawTarget).toExponential(1)}: ${(wideSaw.numParameters() / deepSaw.numParameters()).toFixed(1)}× the deep network's parameters`);
const stride = 8;
linePlot([
  { name: `deep ${depthK}×2 (${deepSaw.numParameters()} parameters)`, x: Array.from(xGrid.values()).filter((_, i) => i % stride === 0), y: Array.from(deepOut.values()).filter((_, i) => i % stride === 0) },
  { name: `shallow 1×${Hsh} (${shallowSaw.numParameters()} parameters), trained`, x: Array.from(xGrid.values()).filter((_, i) => i % stride === 0), y: Array.from(shOut.values()).filter((_, i) => i % stride === 0) },
], { title: `the ${depthK}-fold tent map: ${2 ** depthK} pieces`, xlabel: 'x', ylabel: 'network output', height: 320 })

// %% [markdown]
// With the same 37 parameters the shallow network does no better than a constant, and it needs 5×
// the parameters to draw the sawtooth at all; for k layers the ratio grows like 2ᵏ/(6k). That is
// what depth can *represent*. What training *finds* is another matter. The same Fashion-MNIST
// images, epochs, optimiser, batches and test set as in section 8, two MLPs with about 100,000
// parameters each: deep-narrow `784 → 100 → 100 → 100 → 10` and shallow-wide `784 → 126 → 10`:

// %%
function mlpOf(widths: number[]): nn.Sequential {
  const layers: nn.Module[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push(new nn.Linear(widths[i], widths[i + 1]));
    if (i + 2 < widths.length) layers.push(new nn.ReLU());
  }
  return new nn.Sequential(...layers);
}
const depthRuns: { name: string; params: number; acc: number; trainAcc: number; seconds: number }[] = [];
for (const widths of [[784, 100, 100, 100, 10], [784, 126, 10]]) {
  nn.manualSeed(0);
  const net = mlpOf(widths);
  const loader = new nn.data.DataLoader(new nn.data.TensorDataset(fm.images, fm.labels), { batchSize: 64, shuffle: true, dropLast: true, generator: new nn.Generator(0) });
  const r = await nn.fit(net, { trainLoader: loader, valLoader: testLoader, optimizer: new nn.optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 }), epochs: 3, name: widths.join('-') });
  const last = r.epochs[r.epochs.length - 1];
  depthRuns.push({ name: widths.join('-'), params: net.numParameters(), acc: last.valAccuracy!, trainAcc: last.trainAccuracy!, seconds: r.epochs.reduce((a, e) => a + e.seconds, 0) });
}
for (const d of depthRuns) console.log(`${d.name.padEnd(20)} ${d.params.toLocaleString('en')} parameters: training accuracy ${(d.trainAcc * 100).toFixed(1)}%, test accuracy ${(d.acc * 100).toFixed(1)}%, ${d.seconds.toFixed(1)} s`);
const [deepRun, wideRun] = depthRuns;
console.log(`deep − shallow: ${((deepRun.acc - wideRun.acc) * 100).toFixed(1)} points on the test set`);

// %% [markdown]
// Here, after 3 epochs on 12,000 images, the shallow-wide network is as good or better: recognising
// a garment from its pixels needs no 64-piece sawtooth, and the deeper network trains more slowly
// (each extra layer multiplies the gradient by another Jacobian, section 7). Depth pays off when the
// task has structure that composes (edges → parts → objects), with enough data and with layers
// that keep the gradients alive: convolutions (notebook 03), ReLU, batch normalisation. Exercise 4
// below trains both for longer.

// %% [markdown]
// ## Summary
//
// - Without activations, layers collapse into one linear map; with them, one hidden layer can
//   compute XOR and approximate smooth functions, better with more units.
// - Gradient descent follows `−∇L`; too large a learning rate diverges, and on a non-convex loss the
//   start decides which minimum it reaches.
// - Backpropagation is the chain rule applied layer by layer; autograd does exactly what we did by hand.
//
// An MLP treats the image as an unordered list of 784 pixels. Next, **03-cnn**: convolutions
// (卷积神经网络) that use the 2-D structure of images.

// %% [markdown]
// ## Exercises (练习)
//
// Try each one first; the solution cell below it is collapsed (click the bar to show it) and runs
// with the rest of the notebook.
//
// **1.** Replace tanh by ReLU in the 2-4-1 XOR network and train it from seeds 1 to 5. How often does it
// reach 100%? (Hint: a ReLU unit whose input is negative on all four points never learns: a dead unit.)

// %% [solution]
const reluWins = [1, 2, 3, 4, 5].map((seed) => {
  nn.manualSeed(seed);
  const pred = trainXor(new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 1)));
  return acc(pred);
});
console.log(`ReLU 2-4-1 on XOR, seeds 1-5: accuracy ${reluWins.map((a) => a * 100 + '%').join(', ')}; 100% in ${reluWins.filter((a) => a === 1).length} of 5`);

// %% [markdown]
// **2.** Find the largest learning rate for which gradient descent on the bowl `½(w₁² + 10w₂²)` still
// converges, and check the prediction 2/10: run 200 steps with γ = 0.19, 0.199, 0.201 and 0.21.

// %% [solution]
for (const lr of [0.19, 0.199, 0.201, 0.21]) {
  const { losses } = descend(bowl, [-4, 1.5], lr, 200);
  console.log(`γ = ${lr}: loss after 200 steps ${losses[losses.length - 1].toExponential(2)} (${losses[losses.length - 1] < losses[0] ? 'converges' : 'diverges'})`);
}

// %% [markdown]
// **3.** The softplus `log(1 + eˣ)` is a smooth ReLU. Show with autograd that its derivative is the sigmoid.

// %% [solution]
const xs3 = nn.linspace(-6, 6, 121, { dtype: 'float64' }).requiresGrad_();
xs3.exp().add(1).log().sum().backward();
console.log(`max |d softplus/dx − σ(x)| over [−6, 6] = ${maxDiff(xs3.grad!, nn.sigmoid(xs3.detach())).toExponential(1)}`);

// %% [markdown]
// **4.** Train the deep-narrow and shallow-wide MLPs of section 9 for 6 epochs instead of 3 (same
// data, seed and optimiser). Does the gap close?

// %% [solution]
for (const widths of [[784, 100, 100, 100, 10], [784, 126, 10]]) {
  nn.manualSeed(0);
  const net = mlpOf(widths);
  const loader = new nn.data.DataLoader(new nn.data.TensorDataset(fm.images, fm.labels), { batchSize: 64, shuffle: true, dropLast: true, generator: new nn.Generator(0) });
  const r = await nn.fit(net, { trainLoader: loader, valLoader: testLoader, optimizer: new nn.optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 }), epochs: 6 });
  console.log(`${widths.join('-').padEnd(20)} test accuracy by epoch: ${r.epochs.map((e) => (e.valAccuracy! * 100).toFixed(1)).join(' ')}`);
}
