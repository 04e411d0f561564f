// %% [markdown]
// # 3 · Convolutional neural networks (卷积神经网络, CNN)
//
// An MLP sees an image as 784 unrelated numbers. A CNN keeps the 2-D layout: small kernels slide
// over the image and the same weights are used at every position. The classic layer sequence is
//
// **data input layer (数据输入层) → convolution (卷积层) → ReLU (激励层) → pooling (池化层) → … → fully connected (全连接层)**
//
// and this notebook goes through it layer by layer, then trains LeNet-5 and looks inside it:
//
// 1. The data input layer: mean subtraction (去均值), normalisation (归一化), PCA and whitening (白化), local contrast normalisation (局部对比度归一化)
// 2. Convolution arithmetic: output size, padding (填充), stride (步长), odd kernels
// 3. A Sobel filter (边缘检测) on an image
// 4. Multi-channel convolution by hand vs `Conv2d`
// 5. ReLU, pooling (max and average), batch normalisation (批归一化), the FC layer
// 6. LeNet-5 trained with the live plot; activation maps (特征图) of every layer; filters; model summary; confusion matrix (混淆矩阵)

// %%
import * as nn from 'nnlab';
import { display, displayBundle, featureMaps, filterImages, summary, confusionMatrix, liveFit, linePlot, tensorHeatmap, Figure, type Trace } from 'nnlab/kernel';
nn.manualSeed(0);
const maxDiff = (a: nn.Tensor, b: nn.Tensor) => a.sub(b).abs().max().item();
const shapeOf = (t: nn.Tensor) => `[${t.shape.join(', ')}]`;
/** Images [N, 1, 28, 28] or [N, 784] as one PNG row of tiles (shared colour scale), with a caption for text-only viewers. */
function showImages(images: nn.Tensor, caption: string) {
  const heat = tensorHeatmap(images.reshape([images.shape[0], 28, 28]))!;
  displayBundle({ 'image/png': heat.png, 'text/plain': caption });
}
const train = nn.data.loadFashionMNIST({ split: 'train', limit: 12000 });
const test = nn.data.loadFashionMNIST({ split: 'test', limit: 1000 });
const classNames = train.classNames as string[];
console.log('train', train.images.shape, ' test', test.images.shape);

// %% [markdown]
// ## 1 · The data input layer (数据输入层)
//
// Before the first layer, the data are usually
//
// - **mean-subtracted** (去均值): every feature centred at 0, `x − μ`;
// - **normalised** (归一化): every feature scaled to unit standard deviation, `(x − μ)/σ`;
// - sometimes **decorrelated by PCA** (rotated onto the principal axes, the eigenvectors of the
//   covariance) and **whitened** (白化): each principal axis scaled to unit variance, so the covariance becomes the identity.
//
// On a 2-D cloud of correlated points, with the covariance matrix printed after each step:

// %%
const g = new nn.Generator(7);
const cloud = nn.tensor(Array.from({ length: 300 }, () => {
  const a = g.normal(), b = g.normal();
  return [3 + 2.0 * a, 2 + 1.2 * a + 0.5 * b];
}), { dtype: 'float64' });
/** Sample covariance (N − 1) of X [N, D]. */
function cov(X: nn.Tensor): nn.Tensor {
  const c = X.sub(X.mean(0, true));
  return c.T.matmul(c).div(X.shape[0] - 1);
}
const fmtCov = (X: nn.Tensor) => JSON.stringify((cov(X).toArray() as number[][]).map((r) => r.map((v) => +v.toFixed(3))));
const centred = new nn.preprocess.MeanSubtraction().fitTransform(cloud);
const standardised = new nn.preprocess.StandardScaler().fitTransform(cloud);
const decorrelated = new nn.preprocess.PCA().fitTransform(cloud);
const whitened = new nn.preprocess.PCA({ whiten: true }).fitTransform(cloud);
const means = (X: nn.Tensor) => Array.from(X.mean(0).values(), (v) => +v.toFixed(3));
console.log(`original      mean ${JSON.stringify(means(cloud))}  covariance ${fmtCov(cloud)}`);
console.log(`centred       mean ${JSON.stringify(means(centred))}  covariance ${fmtCov(centred)}`);
console.log(`standardised  mean ${JSON.stringify(means(standardised))}  covariance ${fmtCov(standardised)}  (unit variances, still correlated)`);
console.log(`PCA           mean ${JSON.stringify(means(decorrelated))}  covariance ${fmtCov(decorrelated)}  (diagonal: decorrelated)`);
console.log(`PCA-whitened  mean ${JSON.stringify(means(whitened))}  covariance ${fmtCov(whitened)}  (the identity)`);

// %%
function cloudTrace(X: nn.Tensor, name: string, color: string): Trace {
  const v = X.values();
  return { type: 'scatter', mode: 'markers', name, x: Array.from({ length: X.shape[0] }, (_, i) => +v[2 * i].toFixed(3)), y: Array.from({ length: X.shape[0] }, (_, i) => +v[2 * i + 1].toFixed(3)), marker: { color, size: 4 } };
}
const square = { width: 480, height: 500, xaxis: { range: [-7, 9] as [number, number] }, yaxis: { range: [-7, 9] as [number, number] } };
display(new Figure({ data: [cloudTrace(cloud, 'original', '#9e9e9e'), cloudTrace(centred, 'centred', '#3b6fb6'), cloudTrace(standardised, 'standardised', '#d1495b')], layout: { title: 'mean subtraction and normalisation', ...square } }));
new Figure({ data: [cloudTrace(centred, 'centred', '#3b6fb6'), cloudTrace(decorrelated, 'PCA (decorrelated)', '#2a9d8f'), cloudTrace(whitened, 'whitened', '#e69f00')], layout: { title: 'PCA and whitening', ...square } })

// %% [markdown]
// ### The same steps on images
//
// Each of the 784 pixels is a feature. The **mean image** is the average training image; subtracting
// it leaves what is particular to each image:

// %%
const X = train.images.reshape([-1, 784]).narrow(0, 0, 3000);
const meanSub = new nn.preprocess.MeanSubtraction().fit(X);
showImages(nn.stack([meanSub.mean, X.select(0, 1), meanSub.transform(X.narrow(0, 1, 1)).select(0, 0)]), 'the mean image, image 1, image 1 minus the mean');
console.log(`mean of the centred pixels over 3,000 images: ${meanSub.transform(X).mean().item().toExponential(1)}`);

// %% [markdown]
// **PCA** finds the directions (principal components, each a 28×28 image) along which the images vary
// most. A few components hold most of the variance, so an image can be stored as, say, 50 numbers
// and reconstructed as `x̂ = μ + Σₖ zₖ uₖ`:

// %%
const pca = new nn.preprocess.PCA({ nComponents: 50 }).fit(X);
const ratio = Array.from(pca.explainedVarianceRatio.values());
const cumulative = ratio.map((_, i) => ratio.slice(0, i + 1).reduce((a, b) => a + b, 0));
console.log(`variance explained by the first 1 / 10 / 50 components: ${[1, 10, 50].map((k) => (cumulative[k - 1] * 100).toFixed(1) + '%').join(' / ')}`);
display(linePlot([{ name: 'cumulative explained variance', x: ratio.map((_, i) => i + 1), y: cumulative, mode: 'lines+markers' }], { title: 'PCA on 3,000 Fashion-MNIST images', xlabel: 'components', ylabel: 'fraction of the variance', height: 300 }));
filterImages(pca.components.narrow(0, 0, 16), { name: 'first 16 principal components', imageShape: [28, 28] })

// %%
const sample = X.narrow(0, 0, 6);
const reconstructions = [5, 20, 50].map((k) => {
  const U = pca.components.narrow(0, 0, k);          // [k, 784]
  const zk = sample.sub(pca.mean).matmul(U.T);        // [6, k]: k numbers per image
  const xHat = zk.matmul(U).add(pca.mean);
  console.log(`k = ${String(k).padStart(2)} components: mean squared reconstruction error ${xHat.sub(sample).square().mean().item().toFixed(5)}`);
  return xHat;
});
showImages(sample, 'six images');
reconstructions.forEach((r, i) => showImages(r, `reconstructed from ${[5, 20, 50][i]} components`));

// %% [markdown]
// **Whitening** divides each principal component by its standard deviation: the covariance of the
// whitened data is the identity (computed below on the 50 kept components). ZCA whitening rotates the
// result back into pixel space; the images then keep their shape but only the edges stand out, as
// the correlated, smooth part of the variance has been divided away.

// %%
const pcaWhite = new nn.preprocess.PCA({ nComponents: 50, whiten: true }).fit(X);
const Z = pcaWhite.transform(X);
console.log(`PCA-whitened: max |cov(Z) − I| over the 50×50 covariance = ${maxDiff(cov(Z.double()), nn.eye(50, { dtype: 'float64' })).toFixed(4)}`);
const zca = new nn.preprocess.ZCAWhitening({ eps: 0.01 }).fit(X);
showImages(sample, 'six images');
showImages(zca.transform(sample), 'the same images after ZCA whitening (eps = 0.01)');

// %% [markdown]
// **Local contrast normalisation** works inside each image: every pixel is centred and scaled by the
// mean and standard deviation of the 9×9 window around it, `y = (x − μ_w)/max(σ_w, ε)`. Checked by hand for one pixel:

// %%
const img = train.images.narrow(0, 0, 6);
const lcn = nn.preprocess.localContrastNormalize(img, { windowSize: 9 });
showImages(lcn, 'local contrast normalisation, 9×9 windows');
const [pr, pc] = [14, 10];
const pix = img.select(0, 0).select(0, 0);   // [28, 28]
const win = pix.slice([pr - 4, pr + 5], [pc - 4, pc + 5]);
const mu = win.mean().item(), sd = Math.sqrt(win.sub(mu).square().mean().item());
const yHand = (pix.values()[pr * 28 + pc] - mu) / Math.max(sd, 1e-2);
console.log(`pixel (${pr}, ${pc}): window mean ${mu.toFixed(4)}, std ${sd.toFixed(4)} → by hand ${yHand.toFixed(4)}, localContrastNormalize ${lcn.values()[pr * 28 + pc].toFixed(4)}`);

// %% [markdown]
// ## 2 · Convolution arithmetic (卷积层)
//
// A K×K kernel slides over a W×W input with stride S after P rows/columns of zeros are padded on
// every side. The output side is
//
// **O = ⌊(W − K + 2P) / S⌋ + 1**
//
// Each row of the table computes O from the formula and from the shape of a real `conv2d` output:

// %%
const cases: [number, number, number, number, string][] = [
  [5, 3, 0, 1, 'no padding shrinks the map'], [5, 3, 1, 1, "P = (K − 1)/2 keeps the size ('same')"],
  [28, 5, 2, 1, 'LeNet-5 conv 1'], [14, 5, 0, 1, 'LeNet-5 conv 2'], [7, 3, 0, 2, 'stride 2 roughly halves'],
  [7, 3, 1, 2, ''], [8, 3, 0, 3, '(8 − 3)/3 is not whole: floor'], [28, 4, 1, 1, 'even K, P = 1: one smaller'],
  [28, 4, 2, 1, 'even K, P = 2: one larger'],
];
console.log('  W  K  P  S | formula | conv2d | note');
for (const [W, K, P, S, note] of cases) {
  const formula = Math.floor((W - K + 2 * P) / S) + 1;
  const out = nn.conv2d(nn.zeros([1, 1, W, W]), nn.zeros([1, 1, K, K]), null, { padding: P, stride: S });
  console.log(`${[W, K, P, S].map((v) => String(v).padStart(3)).join('')} |   ${String(formula).padStart(3)}   |  ${String(out.shape[3]).padStart(3)}   | ${note}`);
}

// %% [markdown]
// Odd kernels are the rule: with K = 2m + 1 the kernel has a centre pixel, and padding m on each
// side keeps the size for any W. With an even K no symmetric padding keeps it (the last two rows
// above), so `padding: 'same'` must pad unevenly.
//
// One output value by hand: the kernel is laid on the top-left 3×3 patch, multiplied elementwise and summed.

// %%
const x5 = nn.arange(0, 25).reshape([1, 1, 5, 5]);
const k3 = nn.tensor([[[[1, 0, -1], [2, 0, -2], [1, 0, -1]]]]);
const y3 = nn.conv2d(x5, k3);
const xv = x5.values(), kv = k3.values();
let o00 = 0;
for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) o00 += xv[i * 5 + j] * kv[i * 3 + j];
console.log('input 5×5:', JSON.stringify(x5.reshape([5, 5]).toArray()));
console.log(`output ${shapeOf(y3)}, y[0, 0]: by hand ${o00}, conv2d ${y3.values()[0]}`);

// %% [markdown]
// ## 3 · A Sobel filter (边缘检测)
//
// The Sobel kernels respond to horizontal and vertical changes of brightness; `Conv2d.fromKernels` makes a
// layer with fixed kernels. The gradient magnitude `√(gx² + gy²)` outlines the garment. (Each tile below is scaled to its own range.)

// %%
const sobel = nn.Conv2d.fromKernels({ sobelX: nn.filters.sobelX, sobelY: nn.filters.sobelY });
console.log(String(sobel), '\nsobelX =', JSON.stringify(nn.filters.sobelX), '\nsobelY =', JSON.stringify(nn.filters.sobelY));
const shoe = train.images.narrow(0, 0, 1);
const gxy = sobel.forward(shoe);
const magnitude = gxy.square().sum(1, true).sqrt();
featureMaps(new nn.Sequential(sobel), shoe, { name: 'Sobel' })

// %%
showImages(nn.concat([shoe, magnitude.div(magnitude.max())]), 'the image and its Sobel gradient magnitude (scaled to 0..1)');

// %% [markdown]
// ## 4 · Multi-channel convolution (多通道卷积) by hand vs Conv2d
//
// With C input channels each kernel is C×K×K: it covers all channels at once, and the C products
// are summed into *one* output map. `out` kernels give `out` maps:
//
// `y[o, i, j] = b[o] + Σ_c Σ_u Σ_v w[o, c, u, v] · x[c, i·S + u − P, j·S + v − P]` (zero outside the image)
//
// Six nested loops against `Conv2d(3, 2, 3, { padding: 1, stride: 2 })`:

// %%
nn.manualSeed(1);
const conv = new nn.Conv2d(3, 2, 3, { padding: 1, stride: 2 }).double();
const xin = nn.randn([1, 3, 7, 7], { dtype: 'float64' });
const [C, H, Wd, O, K, P, S] = [3, 7, 7, 2, 3, 1, 2];
const Ho = Math.floor((H - K + 2 * P) / S) + 1, Wo = Math.floor((Wd - K + 2 * P) / S) + 1;
const wv = conv.weight.values(), bv = conv.bias!.values(), xvals = xin.values();
const yHandConv = new Float64Array(O * Ho * Wo);
for (let o = 0; o < O; o++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
  let s = bv[o];
  for (let c = 0; c < C; c++) for (let u = 0; u < K; u++) for (let v = 0; v < K; v++) {
    const r = i * S + u - P, q = j * S + v - P;
    if (r >= 0 && r < H && q >= 0 && q < Wd) s += wv[((o * C + c) * K + u) * K + v] * xvals[(c * H + r) * Wd + q];
  }
  yHandConv[(o * Ho + i) * Wo + j] = s;
}
const yLayer = conv.forward(xin);
console.log(`input ${shapeOf(xin)}, weight ${shapeOf(conv.weight)} (out, in, K, K), output ${shapeOf(yLayer)}`);
console.log(`max |by hand − Conv2d| = ${maxDiff(nn.tensor(yHandConv, { shape: [1, O, Ho, Wo] }), yLayer).toExponential(1)}`);

// %% [markdown]
// ## 5 · ReLU (激励层), pooling (池化层), batch normalisation (批归一化), the FC layer (全连接层)
//
// **ReLU** after a convolution keeps the positive responses and zeroes the rest:

// %%
const relued = nn.relu(yLayer);
const neg = Array.from(yLayer.values()).filter((v) => v < 0).length;
console.log(`${neg} of ${yLayer.size} conv outputs are negative; after ReLU: min ${relued.min().item()}, zeros ${Array.from(relued.values()).filter((v) => v === 0).length}`);

// %% [markdown]
// **Pooling** summarises each window (here 2×2 with stride 2) by its maximum or its mean. It halves each
// side, has no weights, and makes the output less sensitive to small shifts.

// %%
const x4 = nn.tensor([[[[1, 3, 2, 1], [4, 6, 5, 0], [3, 2, 1, 2], [1, 0, 7, 4]]]]);
const maxHand = [[Math.max(1, 3, 4, 6), Math.max(2, 1, 5, 0)], [Math.max(3, 2, 1, 0), Math.max(1, 2, 7, 4)]];
const avgHand = [[(1 + 3 + 4 + 6) / 4, (2 + 1 + 5 + 0) / 4], [(3 + 2 + 1 + 0) / 4, (1 + 2 + 7 + 4) / 4]];
const maxPool = new nn.MaxPool2d(2), avgPool = new nn.AvgPool2d(2);
console.log('input', JSON.stringify(x4.reshape([4, 4]).toArray()));
console.log(`max pooling: by hand ${JSON.stringify(maxHand)}, MaxPool2d ${JSON.stringify(maxPool.forward(x4).reshape([2, 2]).toArray())}`);
console.log(`avg pooling: by hand ${JSON.stringify(avgHand)}, AvgPool2d ${JSON.stringify(avgPool.forward(x4).reshape([2, 2]).toArray())}`);
console.log(`parameters: MaxPool2d ${maxPool.numParameters()}, AvgPool2d ${avgPool.numParameters()}`);
// Shift the image one pixel right: after max pooling, more outputs stay the same than pixels do.
const shifted = nn.pad(shoe, [[0, 0], [0, 0], [0, 0], [1, 0]]).narrow(3, 0, 28);
const same = (a: nn.Tensor, b: nn.Tensor) => { const av = a.values(), bv2 = b.values(); let n = 0; for (let i = 0; i < av.length; i++) if (Math.abs(av[i] - bv2[i]) < 1e-6) n++; return n / av.length; };
const pool4 = new nn.MaxPool2d(4);
console.log(`one-pixel shift: ${(same(shoe, shifted) * 100).toFixed(0)}% of the pixels unchanged, ${(same(pool4.forward(shoe), pool4.forward(shifted)) * 100).toFixed(0)}% of the 4×4 max-pooled outputs unchanged`);

// %% [markdown]
// **Batch normalisation** normalises each channel over the batch (and positions) during training,
// `y = γ·(x − μ_B)/√(σ²_B + ε) + β` (γ and β are learned), so each channel reaches the next layer
// at the same scale whatever the weights before it did. It usually sits between a convolution and its
// ReLU. Right after it each channel has mean 0 and variance 1:

// %%
const feats = nn.noGrad(() => new nn.Conv2d(1, 6, 5, { padding: 2 }).forward(train.images.narrow(0, 0, 64)));
const bn = new nn.BatchNorm2d(6);
const normed = bn.forward(feats);
const chanStats = (t: nn.Tensor) => ({ mean: t.mean([0, 2, 3]), variance: t.sub(t.mean([0, 2, 3], true)).square().mean([0, 2, 3]) });
const before = chanStats(feats), after = chanStats(normed);
console.log(`per-channel mean before: [${Array.from(before.mean.values(), (v) => v.toFixed(3))}], after: [${Array.from(after.mean.values(), (v) => v.toFixed(3))}]`);
console.log(`per-channel variance before: [${Array.from(before.variance.values(), (v) => v.toFixed(3))}], after: [${Array.from(after.variance.values(), (v) => v.toFixed(3))}]`);
const byHandBn = feats.sub(feats.mean([0, 2, 3], true)).div(before.variance.reshape([1, 6, 1, 1]).add(1e-5).sqrt());
console.log(`max |by hand − BatchNorm2d| = ${maxDiff(byHandBn, normed).toExponential(1)} (γ = 1, β = 0 at the start)`);

// %% [markdown]
// The **fully connected layer** at the end is an ordinary `Linear` on the flattened maps: LeNet-5's
// 16 maps of 5×5 become a vector of 400. Convolutions share their weights across positions, so they
// are small; the FC layers hold most of the parameters:

// %%
nn.manualSeed(0);
const model = nn.models.lenet5();
const counts = model.namedParameters().map(([name, p]) => [name, p.size] as [string, number]);
const total = counts.reduce((a, [, n]) => a + n, 0);
const convParams = counts.filter(([n]) => n.startsWith('features')).reduce((a, [, n]) => a + n, 0);
console.log(`LeNet-5: ${total.toLocaleString('en')} parameters; convolutions ${convParams.toLocaleString('en')}, fully connected ${(total - convParams).toLocaleString('en')} (${((1 - convParams / total) * 100).toFixed(0)}%)`);
console.log(`a fully connected layer from the 28×28 image to conv 1's 6×28×28 maps would need ${(784 * 6 * 784 + 6 * 784).toLocaleString('en')} weights; conv 1 has ${model.features.at(0).numParameters()}`);

// %% [markdown]
// ## 6 · LeNet-5 (经典卷积神经网络)
//
// `conv 6@5×5 (pad 2) → ReLU → max-pool 2 → conv 16@5×5 → ReLU → max-pool 2 → FC 400→120 → ReLU → FC 120→84 → ReLU → FC 84→10`.
// The summary traces one forward pass for the output shape, parameters and multiply-adds of each layer:

// %%
summary(model, [1, 1, 28, 28])

// %% [markdown]
// Training with the live plot: Adam (lr 2·10⁻³, batch 32), two epochs over 12,000 training images,
// validated on 1,000 test images after each epoch. Training on all 60,000 images for 5 epochs gives a much better
// model; from the command line: `npm run train -- --model lenet --epochs 5`.

// %%
const trainSet = new nn.data.TensorDataset(train.images, train.labels);
const trainLoader = new nn.data.DataLoader(trainSet, { batchSize: 32, shuffle: true, generator: new nn.Generator(0) });
const testLoader = new nn.data.DataLoader(new nn.data.TensorDataset(test.images, test.labels), { batchSize: 500 });
const optimizer = new nn.optim.Adam(model.parameters(), { lr: 2e-3 });
const run = await liveFit(model, { trainLoader, valLoader: testLoader, optimizer, epochs: 2, name: 'LeNet-5' });

// %%
const result = nn.evaluate(model, testLoader);
console.log(`LeNet-5 test accuracy: ${(result.accuracy! * 100).toFixed(1)}% on ${test.images.shape[0]} test images (${run.epochs.length} epochs over ${trainSet.length} images, ${run.stepLosses.length} steps)`);

// %% [markdown]
// ### Activation maps (特征图) of every layer
//
// One test image through the trained network, every layer's output drawn (each tile scaled to its
// own range): the first convolution's 6 maps respond to edges and regions, pooling halves them, the
// second convolution combines them into 16 more abstract maps, and the FC layers end in the 10 class scores.

// %%
const k = 0;
const oneImage = test.images.narrow(0, k, 1);
const logits = nn.noGrad(() => model.forward(oneImage));
console.log(`test image ${k}: true class ${classNames[test.labels.values()[k]]}, predicted ${classNames[logits.argmax(1).values()[0]]}`);
featureMaps(model, oneImage, { name: 'LeNet-5' })

// %% [markdown]
// ### Filters (卷积核)
//
// The learned kernels themselves: conv 1 has 6 kernels of 1×5×5; conv 2 has 16 kernels of 6×5×5
// (a row per kernel, a column per input channel). Red is positive, blue negative.

// %%
display(filterImages(model.features.at(0), { name: 'conv 1 (features.0)' }));
filterImages(model.features.at(3), { name: 'conv 2 (features.3)' })

// %% [markdown]
// ### Confusion matrix (混淆矩阵)
//
// Rows are the true classes, columns the predictions. The most frequent mistakes, counted below,
// are between garments that look alike:

// %%
const predictions = nn.noGrad(() => model.forward(test.images)).argmax(1);
const mistakes = new Map<string, number>();
const pv = predictions.values(), tv = test.labels.values();
for (let i = 0; i < tv.length; i++) if (pv[i] !== tv[i]) mistakes.set(`${classNames[tv[i]]} → ${classNames[pv[i]]}`, (mistakes.get(`${classNames[tv[i]]} → ${classNames[pv[i]]}`) ?? 0) + 1);
console.log('most frequent mistakes (true → predicted):', [...mistakes].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => `${k} ×${n}`).join(', '));
confusionMatrix(predictions, test.labels, { classNames })

// %% [markdown]
// ## Summary
//
// - The input layer centres, scales, decorrelates or whitens the data; LCN normalises each image locally.
// - A convolution's output side is ⌊(W − K + 2P)/S⌋ + 1; a kernel spans all input channels and gives one map.
// - ReLU, pooling and batch normalisation follow; fully connected layers classify the flattened maps.
// - LeNet-5 learns its own kernels; its activation maps show what each layer extracts.
//
// Next, **04-fine-tuning**: reuse a trained network's layers for a new task (微调).
