// %% [markdown]
// # 7 · The Playground (神经网络游乐场): TensorFlow Playground in a notebook
//
// [TensorFlow Playground](https://playground.tensorflow.org) lets you train a tiny network on 2-D
// points and watch it learn: the colour of the plane is the network's answer, the curve its loss,
// and every hidden neuron shows what it has learned. Here the same thing runs in the nnlab kernel,
// with Jupyter widgets to steer it while it trains. This notebook:
//
// 1. The four datasets (数据集): circle, XOR, two spirals, two Gaussians, and what noise (噪声) does
// 2. No hidden layer: a perceptron's straight boundary (线性决策边界) fails on XOR
// 3. A hidden layer (隐藏层) bends the boundary: 2 × 8 neurons solve XOR, and each neuron's picture
// 4. Activations (激活函数), learning rate (学习率) and L2 regularisation (L2 正则化), measured
// 5. The two spirals (双螺旋): depth and patience
// 6. The live Playground: widgets, Play, and changing settings while it trains
//
// Every picture below is one PNG frame of `Playground`: the plane coloured by p = P(class 1)
// (blue 0, red 1, the black line p = 0.5), the points (filled: training, with a white centre: test),
// each hidden neuron's output over the plane (columns h1, h2, … are the layers), and the training
// (black) and test (orange) loss over the SGD steps.

// %%
import * as nn from 'nnlab';
import { display, Figure, Playground, type Trace } from 'nnlab/kernel';
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
'nnlab ready'

// %% [markdown]
// ## 1 · The datasets (数据集)
//
// Each set has two classes of points in about [−1, 1]², half of them class 1, shuffled, drawn from a
// seeded generator (the same seed gives the same points). `noise` adds Gaussian jitter of that
// standard deviation to every coordinate while each point keeps its label, so the classes start to
// overlap.

// %%
const NAMES = ['circle', 'xor', 'spirals', 'gaussians'] as const;
function scatter(set: nn.data.Toy2D): Figure {
  const x = set.x.values(), y = set.y.values();
  const traces = [0, 1].map((k) => {
    const idx = Array.from(y, (l, i) => (l === k ? i : -1)).filter((i) => i >= 0);
    return { type: 'scatter', mode: 'markers', name: `class ${k}`, x: idx.map((i) => x[2 * i]), y: idx.map((i) => x[2 * i + 1]), marker: { color: k ? '#c83c00' : '#103ea0', size: 5 } } as Trace;
  });
  return new Figure({ data: traces, layout: { title: `${set.name}, noise ${set.noise}`, width: 330, height: 300, xaxis: { title: 'x₁', range: [-1.4, 1.4] }, yaxis: { title: 'x₂', range: [-1.4, 1.4] } } });
}
for (const name of NAMES) {
  const set = nn.data.toy2d(name, { n: 400, seed: 0 });
  const ones = set.y.sum().item();
  console.log(`${name.padEnd(9)} x ${JSON.stringify(set.x.shape)}  y ${JSON.stringify(set.y.shape)}  class 1: ${ones} of ${set.y.shape[0]}`);
  display(scatter(set));
}

// %% [markdown]
// The same circle with noise 0.15: the same clean points (same seed), each moved by about 0.15.

// %%
const clean = nn.data.circle({ n: 400, seed: 0 }), noisy = nn.data.circle({ n: 400, noise: 0.15, seed: 0 });
const moved = noisy.x.sub(clean.x);
console.log(`standard deviation of the jitter: ${Math.sqrt(moved.pow(2).mean().item()).toFixed(3)} (noise 0.15)`);
scatter(noisy)

// %% [markdown]
// ## 2 · No hidden layer: a straight boundary (线性决策边界) fails on XOR
//
// With zero hidden layers the network is one neuron, p = σ(w·x + b): the perceptron of notebook 01
// with a sigmoid, trained by gradient descent on the cross-entropy (logistic regression, 逻辑回归).
// Its boundary p = 0.5 is the line w·x + b = 0, whatever it learns. XOR puts class 1 in two opposite
// quadrants: every line leaves about half the points on the wrong side, so the best it can do is a
// coin flip (loss log 2 ≈ 0.693, accuracy ≈ 50%).

// %%
const perceptronXor = await new Playground({ dataset: 'xor', hiddenLayers: 0, seed: 1 }).run({ steps: 2000 });
console.log(`no hidden layer on XOR: train loss ${perceptronXor.trainLoss.toFixed(3)} (log 2 = 0.693), test accuracy ${pct(perceptronXor.testAccuracy)} after ${perceptronXor.step} steps`);
perceptronXor

// %% [markdown]
// The same single neuron is enough where a line does separate the classes: the two Gaussians.

// %%
const perceptronBlobs = await new Playground({ dataset: 'gaussians', hiddenLayers: 0, noise: 0.1, seed: 1 }).run({ steps: 1000 });
console.log(`no hidden layer on the Gaussians: test accuracy ${pct(perceptronBlobs.testAccuracy)}`);
perceptronBlobs

// %% [markdown]
// ## 3 · Hidden layers (隐藏层) bend the boundary
//
// Two hidden layers of 8 tanh neurons (a 2-8-8-1 network). Each neuron of the first layer is again
// a straight boundary (its thumbnail in column h1 is split by a line); the second layer combines
// them into curved regions (column h2), and the output neuron combines those. XOR is solved:

// %%
const mlpXor = await new Playground({ dataset: 'xor', hiddenLayers: 2, width: 8, seed: 1 }).run({ steps: 2000 });
console.log(`2 × 8 tanh on XOR: train loss ${mlpXor.trainLoss.toFixed(3)}, test accuracy ${pct(mlpXor.testAccuracy)} after ${mlpXor.step} steps`);
mlpXor

// %% [markdown]
// How few neurons does XOR need? One hidden layer, 1 to 4 neurons (each run 3000 steps, same seed).
// In theory 2 suffice (XOR = AND of two half-planes, notebook 02); gradient descent finds it more
// reliably with a few spare neurons.

// %%
for (const width of [1, 2, 3, 4]) {
  const f = await new Playground({ dataset: 'xor', hiddenLayers: 1, width, seed: 1 }).run({ steps: 3000 });
  console.log(`1 hidden layer of ${width}: test accuracy ${pct(f.testAccuracy)}, train loss ${f.trainLoss.toFixed(3)}`);
}

// %% [markdown]
// ## 4 · Activations (激活函数), learning rate (学习率), L2 (L2 正则化)
//
// The circle with noise 0.1 and a 2-8-8-1 network, 1500 steps each. ReLU's boundary is made of
// straight pieces (each ReLU neuron is linear on either side of its own line); tanh gives smooth
// curves. The sigmoid passes back at most 1/4 of the gradient per layer (its derivative σ(1 − σ)
// ≤ 1/4), so at the same learning rate it has not yet left the coin flip (loss 0.693).

// %%
for (const activation of ['relu', 'tanh', 'sigmoid'] as const) {
  const f = await new Playground({ dataset: 'circle', noise: 0.1, hiddenLayers: 2, width: 8, activation, seed: 2 }).run({ steps: 1500 });
  console.log(`${activation.padEnd(7)}: train loss ${f.trainLoss.toFixed(3)}, test accuracy ${pct(f.testAccuracy)}`);
}
await new Playground({ dataset: 'circle', noise: 0.1, hiddenLayers: 2, width: 8, activation: 'relu', seed: 2 }).run({ steps: 1500 })

// %% [markdown]
// The learning rate η scales every step W ← W − η·∂L/∂W (the 4-4 tanh network on the same circle,
// 1500 steps each). Too small (0.001, 0.01) and the loss has hardly moved; 0.1 and 1 get there; too
// large (10) and the steps overshoot: the loss ends above log 2 and the accuracy at chance.

// %%
for (const learningRate of [0.001, 0.01, 0.1, 1, 10]) {
  const f = await new Playground({ dataset: 'circle', noise: 0.1, learningRate, seed: 2 }).run({ steps: 1500 });
  console.log(`lr ${String(learningRate).padEnd(5)}: train loss ${f.trainLoss.toFixed(3)}, test accuracy ${pct(f.testAccuracy)}`);
}

// %% [markdown]
// L2 regularisation adds λ·W to every weight's gradient (weight decay, 权重衰减), pulling weights
// towards 0, so the boundary stays simpler. On very noisy XOR (noise 0.35) with a 3 × 8 network,
// 4000 steps: a small λ = 0.001 lowers the test loss a little; from λ = 0.01 the penalty outweighs
// the data and the network flattens into a coin flip.

// %%
for (const l2 of [0, 0.001, 0.01, 0.1]) {
  const f = await new Playground({ dataset: 'xor', noise: 0.35, hiddenLayers: 3, width: 8, l2, seed: 3 }).run({ steps: 4000 });
  console.log(`L2 ${String(l2).padEnd(5)}: train loss ${f.trainLoss.toFixed(3)}, test loss ${f.testLoss.toFixed(3)}, test accuracy ${pct(f.testAccuracy)}`);
}

// %% [markdown]
// ## 5 · The two spirals (双螺旋)
//
// The hardest set: the boundary must wind around the origin almost twice. Plain SGD needs several
// layers and many steps (TensorFlow Playground's users add sin x features for it; here only x₁ and
// x₂ go in). Three layers of 8, learning rate 0.3, 20,000 steps:

// %%
const spiral = await new Playground({ dataset: 'spirals', hiddenLayers: 3, width: 8, learningRate: 0.3, seed: 0 }).run({ steps: 20000 });
console.log(`3 × 8 tanh on the spirals: test accuracy ${pct(spiral.testAccuracy)} after ${spiral.step} steps`);
spiral

// %% [markdown]
// ## 6 · The live Playground
//
// `pg.widget()` shows the controls and the image. Press **Play**: the network trains in the kernel,
// one epoch (a pass over the 200 training points) per frame, and the picture is redrawn after each
// (about 30 frames a second; `npm run bench:playground` measures how fast it can go). While it plays:
//
// - the **learning rate**, **L2** and **batch size** re-tune the running network (the steps go on);
// - the **dataset**, **noise**, **hidden layers**, **neurons** and **activation** build a new
//   network from fresh weights (step 0);
// - **Reset** draws new weights; **Pause** stops after the current frame.
//
// Try: hidden layers 0 on xor (the straight line never gets it), then 1 or 2; the spirals with 4
// layers; a learning rate of 1 on the circle. The L2 slider's leftmost position is λ = 0.
//
// (Widgets need a live kernel and a frontend with the Jupyter widgets manager. A saved notebook
// shows the frame below, drawn headless with the same settings.)

// %%
const pg = new Playground({ dataset: 'xor', hiddenLayers: 2, width: 8 });
pg.widget()

// %% [markdown]
// Without a frontend the same Playground trains with fixed settings: `run` pauses the live loop,
// trains, and returns the final frame (in a live notebook the widgets' image shows it too).

// %%
const final = await pg.run({ steps: 1500 });
console.log(String(final));
final

// %% [markdown]
// ## Summary
//
// - One neuron draws one straight line: it cannot separate XOR, whatever it learns (≈ 50%).
// - Hidden layers combine straight boundaries into curved ones; each hidden neuron's picture shows
//   the feature it computes.
// - The activation shapes the boundary (ReLU piecewise straight, tanh/sigmoid smooth), the learning
//   rate decides how fast (or whether) it gets there, L2 keeps it simple on noisy data.
//
// `Playground` is in `nnlab/kernel`; the datasets are `nn.data.circle`, `xor`, `spirals`, `gaussians`.

// %% [markdown]
// ## Exercises (练习)
//
// Try each one first; the solution cell below it is collapsed (click the bar to show it) and runs
// with the rest of the notebook.
//
// **1.** Can a network with no hidden layer separate the circle? Train one for 2000 steps (lr 0.3) and
// compare with one hidden layer of 2 and of 3 neurons. Why is 3 the smallest width that can enclose
// the inner class?

// %% [solution]
for (const [hiddenLayers, width] of [[0, 1], [1, 2], [1, 3]]) {
  const f = await new Playground({ dataset: 'circle', hiddenLayers, width, learningRate: 0.3, seed: 1 }).run({ steps: 2000 });
  console.log(`circle, ${hiddenLayers ? `1 hidden layer of ${width} neurons` : 'no hidden layer'}: test accuracy ${pct(f.testAccuracy)}`);
}
console.log('each hidden neuron draws one line; the inner disc needs a closed region, and the fewest lines that close one are 3 (a triangle).');

// %% [markdown]
// **2.** Noise makes the classes overlap. Train the 2 × 8 network on the Gaussians with noise 0, 0.3
// and 0.6 (1500 steps). How does the best possible accuracy change?

// %% [solution]
for (const noise of [0, 0.3, 0.6]) {
  const f = await new Playground({ dataset: 'gaussians', noise, hiddenLayers: 2, width: 8, seed: 4 }).run({ steps: 1500 });
  console.log(`gaussians, noise ${noise}: train loss ${f.trainLoss.toFixed(3)}, test accuracy ${pct(f.testAccuracy)}`);
}

// %% [markdown]
// **3.** The spirals with 3 × 8 tanh needed 20,000 steps. How far do 3 × 4 and 3 × 8 get in 5,000
// steps? (The Playground allows at most 8 neurons a layer, as TensorFlow Playground does.)

// %% [solution]
for (const width of [4, 8]) {
  const f = await new Playground({ dataset: 'spirals', hiddenLayers: 3, width, learningRate: 0.3, seed: 0 }).run({ steps: 5000 });
  console.log(`spirals, 3 × ${width}, 5000 steps: test accuracy ${pct(f.testAccuracy)}`);
}
