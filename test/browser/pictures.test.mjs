// Browser checks of the kernel's pictures (issue 16, items 3-5) in nnlab's
// JupyterLab: image grids and weight templates with Chinese captions, decision
// regions drawn by plotly from one heatmap trace, a bar chart of named scores;
// and every chart output keeps an image/png in the notebook model (what a
// saved notebook shows on GitHub, nbviewer and VS Code).
// Screenshots: test-output/browser/pictures-*.png.
//
// Run: node --test --test-reporter=spec test/browser/pictures.test.mjs

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUT, build, launchBrowser, startServer, watchPage, writeNotebook } from './harness.mjs';

const WORK = join(OUT, 'pictures-notebooks');

const NOTEBOOK = [
  { markdown: '# nnlab pictures (written by test/browser/pictures.test.mjs)' },
  `import * as nn from 'nnlab';
import { imageGrid, filterImages, decisionRegions, barChart } from 'nnlab/kernel';
nn.manualSeed(0);
const names = ['T恤 T-shirt', '裤子 Trouser', '套衫 Pullover', '裙子 Dress', '外套 Coat', '凉鞋 Sandal', '衬衫 Shirt', '运动鞋 Sneaker', '包 Bag', '短靴 Ankle boot'];`,
  `imageGrid(nn.rand([10, 28, 28]), { labels: names, title: '图像 images' })`,
  `filterImages(new nn.Linear(784, 10), { labels: names, name: '模板 templates' })`,
  `const ring: number[][] = [], ringY: number[] = [];
for (let i = 0; i < 80; i++) { const r = i < 40 ? Math.random() : 1.6 + 0.5 * Math.random(), a = 2 * Math.PI * Math.random(); ring.push([r * Math.cos(a), r * Math.sin(a)]); ringY.push(i < 40 ? 0 : 1); }
const XR = nn.tensor(ring, { dtype: 'float64' }), yR = nn.tensor(ringY, { dtype: 'int32' });
const svm = new nn.SVC({ kernel: 'rbf', gamma: 1, C: 10 }).fit(XR, yR);
decisionRegions(svm, XR, yR, { classNames: ['内 inside', '环 ring'], highlight: svm.supportIndices.values(), highlightName: 'support vectors', title: '决策区域 decision regions' })`,
  `barChart([1.2, -0.3, 4.5, 0.1, 2, -1, 0.4, 3.1, 0, 0.9], names, { title: '分数 scores s = Wx + b', ylabel: 'score' })`,
];

let server;
let browser;
let page;
let problems = [];

const shot = (name, locator) => (locator ?? page).screenshot({ path: join(OUT, `pictures-${name}.png`) });
const output = n => page.locator('.jp-Notebook .jp-CodeCell').nth(n).locator('.jp-OutputArea');

before(async () => {
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeNotebook(join(WORK, 'pictures.ipynb'), NOTEBOOK);
  server = await startServer(WORK);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  problems = watchPage(page, []);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (server) writeFileSync(join(OUT, 'pictures-server.log'), server.log());
});

describe('nnlab pictures (issue 16, items 3-5)', () => {
  test('the notebook runs', async () => {
    await page.goto(server.url('lab/tree/pictures.ipynb?reset'));
    await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-cells'));
    const count = NOTEBOOK.filter(c => typeof c === 'string').length;
    await page.waitForFunction(n => {
      const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
      return prompts.length === n && prompts.every(p => /\[\d+\]/.test(p.textContent));
    }, count, { timeout: 120000 });
    assert.equal(await page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count(), 0, 'no error output');
  });

  test('an image grid and weight templates show the kernel PNG with its captions', async () => {
    for (const [n, name] of [[1, 'grid'], [2, 'templates']]) {
      const out = output(n).locator('.nnlab-images');
      await out.waitFor();
      const img = out.locator('img');
      await img.waitFor();
      const natural = await img.evaluate(el => el.complete && el.naturalWidth);
      assert.ok(natural > 600, `the ${name} image decoded (${natural} px wide)`);
      await shot(name, out);
    }
  });

  test('decision regions and the score bars are plotted by plotly, the regions from one heatmap', async () => {
    const regions = output(3).locator('.nnlab-plotly');
    await regions.locator('.nnlab-plot[data-plotted="true"]').waitFor();
    assert.equal(await regions.locator('.heatmaplayer image, .hm image').count(), 1, 'one heatmap image');
    assert.equal(await regions.locator('.colorbar').count(), 1, 'its colour bar');
    assert.equal(await regions.locator('.xtitle').textContent(), 'x₁');
    await shot('regions', regions);
    const bars = output(4).locator('.nnlab-plotly');
    await bars.locator('.nnlab-plot[data-plotted="true"]').waitFor();
    const ticks = await bars.locator('.xtick text').allTextContents();
    assert.ok(ticks.includes('凉鞋 Sandal'), `class names on the x axis: ${JSON.stringify(ticks)}`);
    await shot('bars', bars);
  });

  test('every chart output keeps an image/png in the notebook (for viewers without JavaScript)', async () => {
    const mimes = await page.evaluate(() => {
      const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
      const out = [];
      for (let i = 0; i < cells.length; i++) {
        const outputs = cells.get(i).outputs;
        if (!outputs) continue;
        for (let k = 0; k < outputs.length; k++) out.push(Object.keys(outputs.get(k).data));
      }
      return out;
    });
    const charts = mimes.filter(m => m.includes('application/vnd.plotly.v1+json') || m.includes('image/svg+xml'));
    assert.equal(charts.length, 2);
    for (const m of charts) assert.ok(m.includes('image/png'), JSON.stringify(m));
    assert.deepEqual(problems, []);
  });
});
