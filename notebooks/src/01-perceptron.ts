// %% [markdown]
// # 1 · The perceptron (感知器)
//
// This is the first stop of the walk from the perceptron to CNNs and RNNs. Every claim below is
// followed by a cell that computes it; run the cells top to bottom with the **nnlab (TypeScript)**
// kernel (`npm start` opens JupyterLab on this folder; `bash scripts/run-notebooks.sh` re-executes
// every notebook headless and saves the outputs).
//
// 1. A neuron (神经元): `w·x + b`
// 2. An image is a vector: 28×28 → 784 (数据输入)
// 3. Binary classification (二分类) of two Fashion-MNIST classes with the perceptron rule
// 4. Multi-class (多分类): `W` is 10×784, `b` is 10, and each row of `W` is a 28×28 template
// 5. Perceptron vs support vector machine (支持向量机, SVM): margin (间隔) and support vectors (支持向量)
// 6. Kernels (核函数): linear vs RBF, with the decision boundaries (决策边界) drawn on 2-D data

// %%
import * as nn from 'nnlab';
import { display, filterImages, imageGrid, barChart, decisionRegions, linePlot, Figure, type Trace } from 'nnlab/kernel';
nn.manualSeed(0);
'nnlab ready'

// %% [markdown]
// ## 1 · A neuron (神经元): z = w·x + b
//
// A neuron multiplies each input `x_i` by a weight `w_i`, adds them up with a bias `b`, and passes
// the sum `z` through an activation. The perceptron's activation is the step function:
// `ŷ = 1` if `z > 0`, else `0`. Below, the sum written out term by term and as one dot product give
// the same `z`.

// %%
const w = nn.tensor([0.5, -1.0, 2.0]);
const b = -0.5;
const x = nn.tensor([1.0, 0.5, 0.75]);
const wv = w.values(), xv = x.values();
let zByHand = b;
for (let i = 0; i < 3; i++) zByHand += wv[i] * xv[i];
const zDot = w.matmul(x).item() + b;
const step = (z: number) => (z > 0 ? 1 : 0);
console.log(`by hand: z = 0.5·1.0 + (−1.0)·0.5 + 2.0·0.75 + (−0.5) = ${zByHand}`);
console.log(`as a dot product: z = w·x + b = ${zDot}, output step(z) = ${step(zDot)}`);

// %% [markdown]
// The same neuron is `nn.Perceptron` with fixed weights. `decisionFunction` is `w·x + b` and `predict`
// is the step of it:

// %%
const neuron = nn.Perceptron.fromWeights([0.5, -1.0, 2.0], -0.5);
console.log('decisionFunction:', neuron.decisionFunction([[1.0, 0.5, 0.75]]).toArray(), ' predict:', neuron.predict([[1.0, 0.5, 0.75]]).toArray());

// %% [markdown]
// ### Why a step is hard to train (阶跃函数 vs sigmoid)
//
// The step jumps from 0 to 1 at `z = 0`. Near the boundary a tiny change of the input flips the
// output, while a sigmoid `σ(z) = 1/(1 + e⁻ᶻ)` of the same `z` barely moves. And the step's slope is
// 0 everywhere else, so it tells a learning rule nothing about which way to move a weight; the sigmoid's
// slope is never 0. Below: the neuron above on an input near its boundary, nudged by 0.004 in `x₃`,
// then the slope `∂output/∂w₃` (autograd for the sigmoid; the step's is 0 on both sides of the jump).

// %%
const near = [1.0, 0.5, 0.251];                       // z = 0.002: just above the boundary
const nudged = [1.0, 0.5, 0.247];                     // x₃ lowered by 0.004: z = −0.006
const zOf = (v: number[]) => v.reduce((s, xi, i) => s + wv[i] * xi, b);
const sigmoidOut = (v: number[]) => nn.tensor(v).matmul(w).add(b).sigmoid().item();
for (const [label, v] of [['x ', near], ["x′", nudged]] as [string, number[]][]) {
  console.log(`${label} = [${v}]: z = ${zOf(v).toFixed(3)}, step(z) = ${step(zOf(v))}, σ(z) = ${sigmoidOut(v).toFixed(4)}`);
}
const stepChange = Math.abs(step(zOf(near)) - step(zOf(nudged))), sigChange = Math.abs(sigmoidOut(near) - sigmoidOut(nudged));
console.log(`input change 0.004: step output changes by ${stepChange}, sigmoid output by ${sigChange.toFixed(4)}`);
const wLeaf = nn.tensor([0.5, -1.0, 2.0], { requiresGrad: true });
nn.tensor(near).matmul(wLeaf).add(b).sigmoid().backward();
const h = 1e-3, stepSlope = (step(zOf(near) + h * near[2]) - step(zOf(near) - h * near[2])) / (2 * h);
console.log(`slope ∂output/∂w₃ at x: sigmoid ${wLeaf.grad!.values()[2].toFixed(4)} (autograd), step ${stepSlope} (central difference, h = ${h})`);

// %% [markdown]
// Stack step neurons and the whole network is a staircase: its loss as a function of one weight is
// flat almost everywhere. Take the 2-2-1 network of step neurons that computes XOR (built in notebook
// 02), sweep one hidden weight from −3 to 3 in 601 steps and count where the squared error on the
// four inputs has slope 0; the same network with sigmoids in place of the steps:

// %%
const xorInputs = [[0, 0], [0, 1], [1, 0], [1, 1]], xorTargets = [0, 1, 1, 0];
/** Squared error of the 2-2-1 XOR network (OR and NAND hidden units, AND output) with hidden weight w₁₁ = w and activation f. */
function xorLoss(wHidden: number, f: (z: number) => number): number {
  return xorInputs.reduce((s, [x1, x2], i) => {
    const h1 = f(wHidden * x1 + 2 * x2 - 1), h2 = f(-2 * x1 - 2 * x2 + 3);
    return s + (f(2 * h1 + 2 * h2 - 3) - xorTargets[i]) ** 2;
  }, 0);
}
const sigmoidFn = (zv: number) => 1 / (1 + Math.exp(-zv));
const sweep = Array.from({ length: 601 }, (_, i) => -3 + i * 0.01);
for (const [name, f] of [['step', step], ['sigmoid', sigmoidFn]] as [string, (z: number) => number][]) {
  const losses = sweep.map((wv1) => xorLoss(wv1, f));
  const flat = losses.slice(1).filter((l, i) => l === losses[i]).length;
  console.log(`${name.padEnd(7)} network: loss takes ${new Set(losses.map((l) => l.toFixed(9))).size} distinct values over the sweep; slope 0 between ${flat} of ${losses.length - 1} neighbouring points`);
}
linePlot(['step', 'sigmoid'].map((name) => ({ name: `${name} neurons`, x: sweep, y: sweep.map((wv1) => xorLoss(wv1, name === 'step' ? step : sigmoidFn)) })), { title: 'loss of the XOR network against one hidden weight', xlabel: 'hidden weight w₁₁', ylabel: 'squared error on the 4 inputs', height: 320 })

// %% [markdown]
// Gradient descent needs the slope: this is why multi-layer networks are trained with smooth
// activations (sigmoid, tanh, ReLU; notebook 02), and the perceptron rule only trains one layer.

// %% [markdown]
// ## 2 · An image is a vector (数据输入层): 28×28 → 784
//
// Fashion-MNIST has 70,000 greyscale 28×28 images of clothing in 10 classes (the files come from the
// Debian package `dataset-fashion-mnist`). Pixels are scaled to [0, 1]. We load the first 12,000
// training and 2,000 test images; a perceptron trains on them in seconds.

// %%
const train = nn.data.loadFashionMNIST({ split: 'train', limit: 12000 });
const test = nn.data.loadFashionMNIST({ split: 'test', limit: 2000 });
const classNames = train.classNames;
console.log('train images', train.images.shape, train.images.dtype, ' labels', train.labels.shape, train.labels.dtype);
console.log('classes:', classNames.map((c, i) => `${i} ${c}`).join(' · '));
const first = train.images.narrow(0, 0, 10);
const firstLabels = Array.from(train.labels.narrow(0, 0, 10).values(), (y) => classNames[y]);
console.log('their labels:', firstLabels.join(', '));
imageGrid(first, { labels: firstLabels, title: 'first 10 training images' })

// %% [markdown]
// A linear model does not see rows and columns: the image is flattened row by row into a vector of
// 28·28 = 784 numbers, so pixel (row r, column c) becomes element `28·r + c`.

// %%
const flat = train.images.reshape([-1, 784]);
const testFlat = test.images.reshape([-1, 784]);
const [r, c] = [20, 14];
console.log('flattened:', train.images.shape, '→', flat.shape);
console.log(`pixel (${r}, ${c}) of image 0 = ${train.images.values()[r * 28 + c].toFixed(4)}; element ${28 * r + c} of its vector = ${flat.select(0, 0).values()[28 * r + c].toFixed(4)}`);

// %% [markdown]
// ## 3 · Binary classification (二分类) with the perceptron rule (感知器学习规则)
//
// Take two classes, label one 0 and the other 1, and learn `w` (784 numbers) and `b`. The perceptron
// rule visits the samples one by one and changes the weights only on a mistake:
//
// `w ← w + η (y − ŷ) x`,  `b ← b + η (y − ŷ)`
//
// If some hyperplane separates the two classes, an epoch without a mistake comes after finitely
// many updates (Novikoff's theorem); the training then stops. *Bag* vs *Ankle boot*:

// %%
/** The samples of classes a (→ 0) and b (→ 1), flattened. */
function twoClasses(data: { images: nn.Tensor; labels: nn.Tensor }, a: number, bClass: number) {
  const idx: number[] = [], y: number[] = [];
  data.labels.values().forEach((v, i) => {
    if (v === a || v === bClass) { idx.push(i); y.push(v === bClass ? 1 : 0); }
  });
  return { X: data.images.reshape([-1, 784]).indexSelect(0, nn.tensor(idx, { dtype: 'int32' })), y: nn.tensor(y, { dtype: 'int32' }) };
}
const BAG = 8, BOOT = 9;
const bagBoot = twoClasses(train, BAG, BOOT), bagBootTest = twoClasses(test, BAG, BOOT);
const p = new nn.Perceptron(784);
const history = p.fit(bagBoot.X, bagBoot.y, { epochs: 30, generator: new nn.Generator(0) });
console.log(`${bagBoot.X.shape[0]} training images; mistakes per epoch: ${history.mistakes.join(', ')}; converged: ${history.converged}`);
console.log(`training accuracy ${(p.score(bagBoot.X, bagBoot.y) * 100).toFixed(1)}%, test accuracy ${(p.score(bagBootTest.X, bagBootTest.y) * 100).toFixed(1)}% on ${bagBootTest.X.shape[0]} test images`);

// %%
linePlot([{ name: 'mistakes', y: history.mistakes, mode: 'lines+markers' }], { title: 'Perceptron rule, Bag vs Ankle boot', xlabel: 'epoch', ylabel: 'mistakes during the epoch' })

// %% [markdown]
// The training set is linearly separable: the last epoch made no mistake, so every training image is
// on the right side of the hyperplane `w·x + b = 0`. The weights are 784 numbers, one per pixel, so
// they can be drawn as an image: red pixels push towards *Ankle boot* (1), blue ones towards *Bag* (0).

// %%
filterImages(p.weight.reshape([1, 784]), { name: 'w (Bag → blue, Ankle boot → red)' })

// %% [markdown]
// Not every pair is separable. *Pullover* vs *Coat* look alike; the perceptron keeps making mistakes
// and never converges, and the last weights are a poor classifier:

// %%
const PULLOVER = 2, COAT = 4;
const pc = twoClasses(train, PULLOVER, COAT), pcTest = twoClasses(test, PULLOVER, COAT);
const p2 = new nn.Perceptron(784);
const history2 = p2.fit(pc.X, pc.y, { epochs: 10, generator: new nn.Generator(0) });
console.log(`mistakes per epoch: ${history2.mistakes.join(', ')}; converged: ${history2.converged}`);
console.log(`test accuracy ${(p2.score(pcTest.X, pcTest.y) * 100).toFixed(1)}%`);

// %% [markdown]
// ## 4 · Multi-class (多分类): W is 10×784, b is 10
//
// For 10 classes there is one weight row per class: scores `s = W x + b` (10 numbers) and the
// prediction is the class with the largest score. On a mistake the row of the true class moves
// towards `x` and the row of the wrongly predicted class moves away. The *averaged* perceptron
// keeps the mean of the weights over training, which generalises better on data that are not separable.

// %%
const clf = new nn.MultiClassPerceptron(784, 10, { averaged: true });
const mcHistory = clf.fit(flat, train.labels, { epochs: 5, generator: new nn.Generator(0) });
const mcTestAcc = clf.score(testFlat, test.labels);
console.log('W', clf.weight.shape, ' b', clf.bias.shape);
console.log(`mistakes per epoch: ${mcHistory.mistakes.join(', ')}`);
console.log(`multi-class perceptron: test accuracy ${(mcTestAcc * 100).toFixed(1)}% (chance: 10%)`);

// %% [markdown]
// `predict` is nothing more than `argmax(W x + b)`; computed by hand for the 2,000 test images:

// %%
const scores = testFlat.matmul(clf.weight.T).add(clf.bias);
const byHand = scores.argmax(1).values(), fromPredict = clf.predict(testFlat).values();
let same = 0;
for (let i = 0; i < byHand.length; i++) if (byHand[i] === fromPredict[i]) same++;
console.log(`scores [${scores.shape.join(', ')}]; argmax by hand equals predict() for ${same} of ${byHand.length} images`);
barChart(scores.select(0, 0), classNames, { title: `the 10 scores s = Wx + b of test image 0 (a ${classNames[test.labels.values()[0]]})`, xlabel: 'class', ylabel: 'score' })

// %% [markdown]
// Each row of `W` has 784 weights, one per pixel, so it is a 28×28 image: the template the class is
// matched against (red: a bright pixel there raises the score; blue: it lowers it). In class order:
// T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.

// %%
filterImages(clf.weight, { name: 'rows of W', imageShape: [28, 28], labels: classNames })

// %% [markdown]
// ## 5 · Perceptron vs SVM (支持向量机): margin (间隔) and support vectors (支持向量)
//
// On separable data the perceptron stops at the *first* hyperplane with no mistake; which one depends
// on the order of the samples. The SVM picks the one hyperplane with the largest **margin**: the
// widest band `−1 ≤ w·x + b ≤ 1` with no training point inside. Its width is `2/‖w‖`. The points on
// the edge of the band, `y (w·x + b) = 1`, are the **support vectors**; the solution depends on them alone.
//
// Two clouds of 2-D points (labels 0 and 1):

// %%
const gen = new nn.Generator(3);
function cloud(n: number, cx: number, cy: number, s: number): number[][] {
  return Array.from({ length: n }, () => [cx + s * gen.normal(), cy + s * gen.normal()]);
}
const pts = [...cloud(30, -1.2, -0.8, 0.55), ...cloud(30, 1.2, 0.9, 0.55)];
const X2 = nn.tensor(pts, { dtype: 'float64' });
const y2 = nn.tensor([...Array(30).fill(0), ...Array(30).fill(1)], { dtype: 'int32' });

const perceptrons = [1, 2].map((seed) => {
  const q = new nn.Perceptron(2, { dtype: 'float64' });
  const h = q.fit(X2, y2, { epochs: 100, generator: new nn.Generator(seed) });
  return { q, converged: h.converged, updates: h.mistakes.reduce((a, m) => a + m, 0) };
});
const svm = new nn.SVC({ kernel: 'linear', C: 1000 }).fit(X2, y2);
perceptrons.forEach(({ q, converged, updates }, i) => console.log(`perceptron ${i + 1}: converged ${converged} after ${updates} updates, w = [${Array.from(q.weight.values(), (v) => v.toFixed(2))}], b = ${q.bias.item().toFixed(2)}`));
console.log(`SVM: w = [${Array.from(svm.coef.values(), (v) => v.toFixed(3))}], b = ${svm.intercept.toFixed(3)}, ${svm.supportVectors.shape[0]} support vectors, margin 2/‖w‖ = ${svm.margin.toFixed(3)}`);

// %% [markdown]
// The distance of a point to the hyperplane is `|w·x + b| / ‖w‖`. The *geometric margin* of a
// classifier is the smallest signed distance `y±·(w·x + b)/‖w‖` over the training points (`y± = ±1`).
// All three separate the data (positive margins), the SVM's margin is the largest, and it equals
// half the band width:

// %%
const ypm = Array.from(y2.values(), (v) => (v === 1 ? 1 : -1));
function geometricMargin(f: nn.Tensor, wNorm: number): number {
  const fv = f.values();
  let m = Infinity;
  for (let i = 0; i < fv.length; i++) m = Math.min(m, (ypm[i] * fv[i]) / wNorm);
  return m;
}
const norm = (t: nn.Tensor) => Math.sqrt(t.square().sum().item());
perceptrons.forEach(({ q }, i) => console.log(`perceptron ${i + 1}: geometric margin ${geometricMargin(q.decisionFunction(X2), norm(q.weight)).toFixed(3)}`));
const svmMargin = geometricMargin(svm.decisionFunction(X2), norm(svm.coef));
console.log(`SVM:          geometric margin ${svmMargin.toFixed(3)} = half of 2/‖w‖ = ${(svm.margin / 2).toFixed(3)}`);
const fSV = svm.decisionFunction(svm.supportVectors).values();
const svIdx = svm.supportIndices.values();
console.log(`y±·f(x) at the support vectors: ${Array.from(svIdx, (i, k) => (ypm[i] * fSV[k]).toFixed(3)).join(', ')}  (all 1: on the edge of the band)`);

// %% [markdown]
// Drawn: the two perceptron lines (dashed) both separate the clouds; the SVM line (solid) lies in the
// middle of the widest empty band (dotted edges `w·x + b = ±1`), and the support vectors (ringed) sit on its edges.

// %%
const COLOR0 = '#3b6fb6', COLOR1 = '#d1495b';
/** Scatter traces of 2-D points by label. */
function pointTraces(X: nn.Tensor, y: nn.Tensor, names: [string, string]): Trace[] {
  const xv = X.values(), yv = y.values();
  return [0, 1].map((k) => {
    const xs: number[] = [], ys: number[] = [];
    for (let i = 0; i < yv.length; i++) if (yv[i] === k) { xs.push(xv[2 * i]); ys.push(xv[2 * i + 1]); }
    return { type: 'scatter', mode: 'markers', name: names[k], x: xs, y: ys, marker: { color: k ? COLOR1 : COLOR0, size: 7 } } as Trace;
  });
}
/** The line w0·x + w1·y + b = level across [lo, hi] on the x axis. */
function lineTrace(wt: nn.Tensor, bias: number, level: number, lo: number, hi: number, name: string, color: string, dash: 'solid' | 'dash' | 'dot'): Trace {
  const [w0, w1] = Array.from(wt.values());
  return { type: 'scatter', mode: 'lines', name, x: [lo, hi], y: [lo, hi].map((u) => (level - bias - w0 * u) / w1), line: { color, dash, width: 2 } };
}
const ringed: Trace = {
  type: 'scatter', mode: 'markers', name: 'support vectors', marker: { color: '#222222', size: 13 },
  x: Array.from(svIdx, (i) => pts[i][0]), y: Array.from(svIdx, (i) => pts[i][1]),
};
new Figure({
  data: [
    ringed, ...pointTraces(X2, y2, ['class 0', 'class 1']),
    ...perceptrons.map(({ q }, i) => lineTrace(q.weight, q.bias.item(), 0, -3, 3, `perceptron ${i + 1}`, ['#8c8c8c', '#e69f00'][i], 'dash')),
    lineTrace(svm.coef, svm.intercept, 0, -3, 3, 'SVM', '#2a9d8f', 'solid'),
    lineTrace(svm.coef, svm.intercept, 1, -3, 3, 'SVM margin', '#2a9d8f', 'dot'),
    { ...lineTrace(svm.coef, svm.intercept, -1, -3, 3, '', '#2a9d8f', 'dot'), showlegend: false },
  ],
  layout: { title: 'Separating lines: perceptron vs SVM', width: 720, height: 520, xaxis: { title: 'x₁', range: [-3, 3] }, yaxis: { title: 'x₂', range: [-3, 3] } },
})

// %% [markdown]
// ## 6 · Kernels (核函数): linear vs RBF
//
// Some data no line can separate: here class 1 is a ring around class 0. The SVM only needs inner
// products `K(xᵢ, xⱼ)`; replacing `xᵢ·xⱼ` by the RBF kernel `K(x, x′) = exp(−γ‖x − x′‖²)` draws
// the boundary in an implicit feature space where the classes *are* separable. The decision function
// is `f(x) = Σᵢ αᵢ yᵢ K(xᵢ, x) + b` over the support vectors.

// %%
const ring: number[][] = [], ringY: number[] = [];
for (let i = 0; i < 120; i++) {
  const inner = i < 60;
  const radius = inner ? 1.0 * Math.sqrt(gen.uniform()) : 1.6 + 0.6 * gen.uniform();
  const angle = 2 * Math.PI * gen.uniform();
  ring.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
  ringY.push(inner ? 0 : 1);
}
const XR = nn.tensor(ring, { dtype: 'float64' }), yR = nn.tensor(ringY, { dtype: 'int32' });
const linearSvm = new nn.SVC({ kernel: 'linear', C: 1 }).fit(XR, yR);
const rbfSvm = new nn.SVC({ kernel: 'rbf', gamma: 1, C: 10 }).fit(XR, yR);
console.log(`linear kernel: training accuracy ${(linearSvm.score(XR, yR) * 100).toFixed(1)}%, ${linearSvm.supportVectors.shape[0]} support vectors`);
console.log(`RBF kernel:    training accuracy ${(rbfSvm.score(XR, yR) * 100).toFixed(1)}%, ${rbfSvm.supportVectors.shape[0]} support vectors`);

// %% [markdown]
// The decision regions: the background is the decision function f(x) on a grid (blue: class 0,
// red: class 1, white near the boundary), the black curve is `f(x) = 0`, and ringed points are support vectors. The linear SVM can only cut the plane
// in two halves; the RBF SVM draws a closed curve around the inner class.

// %%
const ringOpts = (model: nn.SVC, title: string) => ({
  classNames: ['class 0 (inside)', 'class 1 (ring)'], highlight: model.supportIndices.values(), highlightName: 'support vectors', title,
  extent: [[-2.6, 2.6], [-2.6, 2.6]] as [[number, number], [number, number]],
});
display(decisionRegions(linearSvm, XR, yR, ringOpts(linearSvm, `linear kernel: ${(linearSvm.score(XR, yR) * 100).toFixed(0)}% correct`)));
decisionRegions(rbfSvm, XR, yR, ringOpts(rbfSvm, `RBF kernel (γ = 1): ${(rbfSvm.score(XR, yR) * 100).toFixed(0)}% correct`))

// %% [markdown]
// ## Summary
//
// - A neuron computes `w·x + b`; the perceptron thresholds it. An image enters as a vector of 784 pixels.
// - The perceptron rule converges on separable data (Bag vs Ankle boot) and never on non-separable data (Pullover vs Coat).
// - Ten weight rows give a 10-class linear classifier; each row is a 28×28 template.
// - The SVM chooses the separating hyperplane with the widest margin, fixed by a few support vectors;
//   kernels let it draw non-linear boundaries.
//
// A single layer stays linear, whatever the training rule. Next, **02-mlp**: stacking layers with
// activation functions (多层感知器).

// %% [markdown]
// ## Exercises (练习)
//
// Try each one yourself first; the solution cell below it is collapsed (click the bar or the
// three dots to show it) and runs with the rest of the notebook.
//
// **1.** Find weights and a bias for a perceptron that computes OR, and one for AND. Check them on the
// four inputs with `nn.Perceptron.fromWeights`.

// %% [solution]
const gateInputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
for (const [gate, wGate, bGate, truth] of [['OR', [1, 1], -0.5, [0, 1, 1, 1]], ['AND', [1, 1], -1.5, [0, 0, 0, 1]]] as [string, number[], number, number[]][]) {
  const out = Array.from(nn.Perceptron.fromWeights(wGate, bGate).predict(gateInputs).values());
  console.log(`${gate}: w = [${wGate}], b = ${bGate} → outputs ${out.join(' ')}; truth table ${truth.join(' ')}; ${out.every((v, i) => v === truth[i]) ? 'correct' : 'WRONG'}`);
}

// %% [markdown]
// **2.** Is *T-shirt/top* (0) vs *Trouser* (1) linearly separable on our 12,000 training images?
// Train a perceptron for up to 30 epochs and report whether it converged and its test accuracy.

// %% [solution]
const tt = twoClasses(train, 0, 1), ttTest = twoClasses(test, 0, 1);
const pTT = new nn.Perceptron(784);
const hTT = pTT.fit(tt.X, tt.y, { epochs: 30, generator: new nn.Generator(0) });
console.log(`T-shirt/top vs Trouser: mistakes in the last 3 epochs ${hTT.mistakes.slice(-3).join(', ')}; converged: ${hTT.converged}; test accuracy ${(pTT.score(ttTest.X, ttTest.y) * 100).toFixed(1)}%`);

// %% [markdown]
// **3.** A soft-margin SVM trades margin for mistakes through `C`. Fit the linear SVM of section 5
// with `C = 0.05` instead of 1000: is the margin `2/‖w‖` wider, and how many support vectors does it have now?

// %% [solution]
const softSvm = new nn.SVC({ kernel: 'linear', C: 0.05 }).fit(X2, y2);
console.log(`C = 1000: margin ${svm.margin.toFixed(3)}, ${svm.supportVectors.shape[0]} support vectors, training accuracy ${(svm.score(X2, y2) * 100).toFixed(0)}%`);
console.log(`C = 0.05: margin ${softSvm.margin.toFixed(3)}, ${softSvm.supportVectors.shape[0]} support vectors, training accuracy ${(softSvm.score(X2, y2) * 100).toFixed(0)}%`);
console.log(`the smaller C allows points inside the band, so the band is ${softSvm.margin > svm.margin ? 'wider' : 'not wider'}`);

// %% [markdown]
// **4.** The RBF kernel's `γ` sets how far one support vector reaches. On the ring, compare γ = 0.01,
// 1 and 100 (C = 10): training accuracy, test accuracy on a fresh ring, and the number of support vectors.
// Which γ overfits?

// %% [solution]
function makeRing(n: number, g2: nn.Generator) {
  const P: number[][] = [], Y: number[] = [];
  for (let i = 0; i < n; i++) {
    const inner = i < n / 2;
    const radius = inner ? Math.sqrt(g2.uniform()) : 1.6 + 0.6 * g2.uniform(), angle = 2 * Math.PI * g2.uniform();
    P.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
    Y.push(inner ? 0 : 1);
  }
  return { X: nn.tensor(P, { dtype: 'float64' }), y: nn.tensor(Y, { dtype: 'int32' }) };
}
const freshRing = makeRing(400, new nn.Generator(11));
for (const gamma of [0.01, 1, 100]) {
  const m = new nn.SVC({ kernel: 'rbf', gamma, C: 10 }).fit(XR, yR);
  console.log(`γ = ${String(gamma).padEnd(4)}: training ${(m.score(XR, yR) * 100).toFixed(1)}%, fresh ring ${(m.score(freshRing.X, freshRing.y) * 100).toFixed(1)}%, ${m.supportVectors.shape[0]} support vectors`);
}
