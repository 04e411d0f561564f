// Browser checks of the displays of issue 15 (items 6-9) in nnlab's
// JupyterLab: a small tensor shows its values first; the confusion matrix is
// light for 0 and darker for more, with a colour bar and readable counts;
// a dead channel is crossed out; a long regression run (no accuracy) has no
// accuracy subplot, a log x axis and the epoch mean as headline loss; the
// plotly modebar covers no title. Screenshots: test-output/browser/displays-*.png.
//
// Run: node --test --test-reporter=spec test/browser/displays.test.mjs

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUT, build, launchBrowser, startServer, watchPage, writeNotebook } from './harness.mjs';

const WORK = join(OUT, 'displays-notebooks');

const NOTEBOOK = [
  { markdown: '# nnlab displays (written by test/browser/displays.test.mjs)' },
  `import * as nn from 'nnlab';
import { featureMaps, confusionMatrix, linePlot, liveFit } from 'nnlab/kernel';
nn.manualSeed(0);`,
  `nn.tensor([0.5, -1.25, 3, 7])`,
  `const pred: number[] = [], tgt: number[] = [];
for (let t = 0; t < 4; t++) for (let k = 0; k < 20; k++) { tgt.push(t); pred.push(k < 16 - 3 * t ? t : (t + 1) % 4); }
confusionMatrix(nn.tensor(pred), nn.tensor(tgt), { classNames: ['a', 'b', 'c', 'd'] })`,
  `const conv = new nn.Conv2d(1, 3, 3, { padding: 1 });
(conv.weight.data as Float32Array).fill(0, 9, 18);
(conv.bias!.data as Float32Array)[1] = -1;
featureMaps(new nn.Sequential(conv, new nn.ReLU()), nn.randn([1, 1, 8, 8]), { name: 'dead' })`,
  `const rx = nn.randn([64, 4]);
const ry = rx.matmul(nn.randn([4, 1]));
const reg = new nn.Linear(4, 1);
const rloader = new nn.data.DataLoader(new nn.data.TensorDataset(rx, ry), { batchSize: 16 });
const long = await liveFit(reg, { trainLoader: rloader, optimizer: new nn.optim.SGD(reg.parameters(), { lr: 0.05 }), epochs: 25, lossFn: (o: nn.Tensor, t: nn.Tensor) => nn.F.mseLoss(o, t), name: 'regression' });`,
  `linePlot([{ name: 'loss', y: [1, 0.5, 0.25, 0.2] }], { title: 'a plotly figure with a rather long title to reach the right' })`,
];

let server;
let browser;
let page;
let problems = [];

const shot = (name, locator) => (locator ?? page).screenshot({ path: join(OUT, `displays-${name}.png`) });
const output = n => page.locator('.jp-Notebook .jp-CodeCell').nth(n).locator('.jp-OutputArea');
const luminance = rgb => {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map(v => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

before(async () => {
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeNotebook(join(WORK, 'displays.ipynb'), NOTEBOOK);
  server = await startServer(WORK);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  problems = watchPage(page, []);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (server) writeFileSync(join(OUT, 'displays-server.log'), server.log());
});

describe('nnlab displays (issue 15, items 6-9)', () => {
  test('the notebook runs', async () => {
    await page.goto(server.url('lab/tree/displays.ipynb?reset'));
    await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-cells'));
    const count = NOTEBOOK.filter(c => typeof c === 'string').length;
    await page.waitForFunction(n => {
      const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
      return prompts.length === n && prompts.every(p => /\[\d+\]/.test(p.textContent));
    }, count, { timeout: 120000 });
  });

  test('a small tensor shows its values before the statistics', async () => {
    const out = output(1).locator('.nnlab-tensor');
    await out.waitFor();
    const values = out.locator('pre.nnlab-values');
    assert.equal(await values.textContent(), 'tensor([ 0.5000, -1.2500,  3.0000,  7.0000], shape=[4], dtype=float32)');
    const [v, s] = [await values.boundingBox(), await out.locator('.nnlab-stats').boundingBox()];
    assert.ok(v.y + v.height <= s.y + 1, 'the values are above the statistics');
    await shot('tensor', out);
  });

  test('confusion matrix: 0 light, more darker, a colour bar, readable counts', async () => {
    const out = output(2).locator('.nnlab-confusion');
    await out.locator('.nnlab-plot[data-plotted="true"]').waitFor();
    assert.equal(await out.locator('.colorbar').count(), 1, 'a colour bar');
    // row 'a': 16, 4 (predicted b), 0, 0 of 20
    const cells = await out.locator('.heatmaplayer image, .hm image').count();
    assert.ok(cells >= 1, 'the heatmap is drawn');
    const texts = await out.locator('.annotation-text').evaluateAll(nodes => nodes.map(n => [n.textContent, getComputedStyle(n).fill]));
    assert.equal(texts.length, 16);
    assert.ok(texts.some(([t, fill]) => t === '16' && /255, 255, 255/.test(fill)), `white on the darkest cell: ${JSON.stringify(texts)}`);
    assert.ok(texts.some(([t, fill]) => t === '0' && /0, 0, 0/.test(fill)), 'black on the empty cells');
    await shot('confusion', out);
  });

  test('a dead channel is listed as constant', async () => {
    const out = output(3).locator('.nnlab-activations');
    await out.waitFor();
    const meta = await out.locator('.nnlab-act-card[data-layer="1"] .nnlab-constant').textContent();
    assert.match(meta, /constant: channel 1/);
    await shot('activations', out);
  });

  test('a long run without accuracy: one loss chart on a log x axis, epoch mean as headline', async () => {
    const out = output(4).locator('.nnlab-run');
    await out.locator('.nnlab-plot[data-plotted="true"]').waitFor();
    assert.match(await out.locator('.nnlab-progress-text').textContent(), /loss [\d.e-]+ \(epoch mean; last batch [\d.e-]+\)/);
    assert.equal(await out.locator('.xtitle').count(), 1, 'one x axis (no accuracy subplot)');
    assert.equal(await out.locator('.x2title, .y2title').count(), 0);
    assert.equal(await out.locator('.xtitle').textContent(), 'epoch (log scale)');
    await shot('run', out);
  });

  test('the plotly modebar covers no title', async () => {
    for (const [n, cls] of [[5, '.nnlab-plotly'], [4, '.nnlab-run'], [2, '.nnlab-confusion']]) {
      const out = output(n).locator(cls);
      const plot = out.locator('.nnlab-plot[data-plotted="true"]').first();
      await plot.hover();
      const bar = await plot.locator('.modebar').boundingBox();
      assert.ok(bar, 'the modebar is shown on hover');
      const plotArea = await plot.locator('.nsewdrag').first().boundingBox();
      assert.ok(!overlap(bar, plotArea), `${cls}: the modebar is above the plot area`);
      for (const title of await plot.locator('.gtitle, .xtitle, .ytitle, .colorbar .cbtitle text').all()) {
        const box = await title.boundingBox();
        if (box) assert.ok(!overlap(bar, box), `${cls}: the modebar covers '${await title.textContent()}'`);
      }
      await shot(`modebar-${n}`, out);
    }
  });

  test('no page errors, console errors or dialogs', () => {
    assert.deepEqual(problems, []);
  });
});
