// %% [markdown]
// # 2 · The multilayer perceptron (多层感知器, MLP)
//
// One layer of weights can only draw straight boundaries (notebook 01). Stacking layers helps only
// with a non-linear **activation function** between them. This notebook shows, each time with a
// cell that computes it:
//
// 1. Stacked linear layers collapse into one linear layer (线性层的叠加)
// 2. Activation functions (激活函数) and their derivatives
// 3. NAND from one perceptron (与非门); XOR (异或) needs a hidden layer (隐藏层)
// 4. Universal approximation (万能逼近定理): more hidden units fit a 1-D function better
// 5. Gradient descent (梯度下降) on a 2-D loss surface: learning rates γ, divergence, a local minimum (局部极小值)
// 6. Loss functions (损失函数)
// 7. Backpropagation (反向传播) by hand on a tiny network, checked against autograd (自动微分)
// 8. An MLP on Fashion-MNIST with the live loss plot

// %%
import * as nn from 'nnlab';
import { display, linePlot, liveFit, summary, confusionMatrix, Figure, type Trace } from 'nnlab/kernel';
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
display(linePlot(curves.map((c) => ({ name: c.name, x: xv1, y: c.y })), { title: 'activation functions f(x)', xlabel: 'x', height: 340 }));
linePlot(curves.map((c) => ({ name: c.name, x: xv1, y: c.dy })), { title: "derivatives f′(x), by autograd", xlabel: 'x', height: 340 })

// %% [markdown]
// The sigmoid's derivative is at most 1/4 and nearly 0 for |x| > 4: a signal passed back through many
// sigmoid layers shrinks at each one (the vanishing gradient, 梯度消失, of notebook 05). ReLU passes
// a derivative of exactly 1 for every positive input.
//
// ## 3 · NAND from one perceptron (与非门); XOR (异或) needs a hidden layer (隐藏层)
//
// NAND is 0 only when both inputs are 1. One perceptron with `w = (−2, −2)`, `b = 3` computes it:
// `3 − 2x₁ − 2x₂ > 0` unless `x₁ = x₂ = 1`. (NAND is a universal gate: any logic circuit can be built
// from NAND gates alone, hence from perceptrons; the XOR below is one example.)

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
/** Segments of the curve f = level on a grid (marching squares); NaN separates segments (a gap in the plot). */
function contour(f: ArrayLike<number>, xs: number[], ys: number[], level: number, X: number[] = [], Y: number[] = []) {
  const nx = xs.length;
  for (let i = 0; i + 1 < ys.length; i++) {
    for (let j = 0; j + 1 < nx; j++) {
      const corners: [number, number, number][] = [
        [xs[j], ys[i], f[i * nx + j]], [xs[j + 1], ys[i], f[i * nx + j + 1]],
        [xs[j + 1], ys[i + 1], f[(i + 1) * nx + j + 1]], [xs[j], ys[i + 1], f[(i + 1) * nx + j]],
      ];
      const cut: [number, number][] = [];
      for (let k = 0; k < 4; k++) {
        const [xa, ya, fa] = corners[k], [xb, yb, fb] = corners[(k + 1) % 4];
        if ((fa > level) !== (fb > level)) {
          const t = (level - fa) / (fb - fa);
          cut.push([xa + t * (xb - xa), ya + t * (yb - ya)]);
        }
      }
      for (let k = 0; k + 1 < cut.length; k += 2) X.push(cut[k][0], cut[k + 1][0], NaN), Y.push(cut[k][1], cut[k + 1][1], NaN);
    }
  }
  return { x: X, y: Y };
}
/** Contour lines of loss over [x0, x1] × [y0, y1] at the given levels, as one grey trace. */
function contourTrace(loss: (w: nn.Tensor) => nn.Tensor, [x0, x1]: number[], [y0, y1]: number[], levels: number[]): Trace {
  const n = 50;
  const xs = Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
  const ys = Array.from({ length: n }, (_, i) => y0 + ((y1 - y0) * i) / (n - 1));
  const f = new Float64Array(n * n);
  ys.forEach((yv, i) => xs.forEach((xv, j) => (f[i * n + j] = loss(nn.tensor([xv, yv], { dtype: 'float64' })).item())));
  const X: number[] = [], Y: number[] = [];
  for (const level of levels) contour(f, xs, ys, level, X, Y);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { type: 'scatter', mode: 'lines', name: 'contours of L', x: X.map(round), y: Y.map(round), line: { color: '#b0b0b0', width: 1 } };
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
// ## 8 · An MLP (多层感知器) on Fashion-MNIST, with the live loss plot
//
// `784 → 256 → ReLU → 128 → ReLU → 10`, trained with mini-batch SGD (momentum 0.9, batch 64) on
// cross-entropy. `liveFit` is `fit` with a live display: progress, loss and accuracy update in place
// while it trains (and the final chart stays in the saved notebook as an image).
//
// To keep this notebook quick it trains on 12,000 images for 3 epochs. The full training set from
// the command line: `npm run train -- --model mlp --epochs 5`.

// %%
const fm = nn.data.loadFashionMNIST({ split: 'train', limit: 12000, flatten: true });
const fmTest = nn.data.loadFashionMNIST({ split: 'test', limit: 2000, flatten: true });
const trainLoader = new nn.data.DataLoader(new nn.data.TensorDataset(fm.images, fm.labels), { batchSize: 64, shuffle: true, generator: new nn.Generator(0) });
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

// %% [markdown]
// Which classes get confused? Rows are the true class, columns the prediction:

// %%
const testPred = nn.noGrad(() => mlp.forward(fmTest.images)).argmax(1);
confusionMatrix(testPred, fmTest.labels, { classNames: fm.classNames as string[] })

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
