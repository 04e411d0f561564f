// Activation maps that answer clicks (issue 14, item 6) and the Layer
// Inspector's layout (issue 15, item 5), in the real lab: a channel tile of
// the activation-map output and of the inspector opens large with its range
// and colour bar; a pixel of a strided, padded conv output shows its
// receptive field and the dot product, whose numbers must equal the kernel's
// own conv2d; "all layers" shows every layer; a Linear output is drawn as
// bars; the filters are filterImages' PNG; gradient statistics and histograms
// show after a backward pass; the panel at 400 px and 800 px wide
// (screenshots in test-output/browser/inspector-*.png).
//
// Run: node --test --test-reporter=spec test/browser/inspector.test.mjs

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUT, build, launchBrowser, startServer, watchPage, writeNotebook } from './harness.mjs';

const WORK = join(OUT, 'inspector-notebooks');
const NOTEBOOK = [
  `import * as nn from 'nnlab';
import { featureMaps, filterImages } from 'nnlab/kernel';
nn.manualSeed(4);
const net = new nn.Sequential(new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1 }), new nn.ReLU(), new nn.Conv2d(4, 3, 3, { dilation: 2 }), new nn.Flatten(), new nn.Linear(3 * 4 * 4, 10));
const x = nn.randn([3, 2, 16, 16]);
net.forward(x).sum().backward();`,
  `featureMaps(net, x, { name: 'net', index: 1 })`,
  `{
  const conv = net.getSubmodule('0') as nn.Conv2d;
  const out = nn.conv2d(x.narrow(0, 1, 1), conv.weight, conv.bias, { stride: 2, padding: 1 }).values();
  const png = filterImages(conv.weight).payload.image.png;
  console.log('EXPECT ' + JSON.stringify({ at_3_2_5: out[(3 * 8 + 2) * 8 + 5], png: png.slice(0, 80) + png.length, ch3: Array.from(out.subarray(3 * 64, 4 * 64)) }));
}`,
];

let server;
let browser;
let page;
let problems = [];
let expected;

const shot = (name, locator) => (locator ?? page).screenshot({ path: join(OUT, `inspector-${name}.png`) });

/** Sets the right sidebar's width (the lab's split panel: left, main, right). */
async function rightWidth(px) {
  await page.evaluate(px => {
    const split = window.jupyterapp.shell._hsplitPanel;
    const total = split.node.getBoundingClientRect().width;
    const left = split.widgets[0].node.getBoundingClientRect().width;
    split.setRelativeSizes([left / total, (total - left - px) / total, px / total]);
  }, px);
  await page.waitForTimeout(300);
}

/** Clicks pixel (y, x) of a canvas that shows a height x width grid. */
async function clickCell(canvas, y, x, height, width) {
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await canvas.click({ position: { x: ((x + 0.5) / width) * box.width, y: ((y + 0.5) / height) * box.height } });
}

/** Clicks the centre of a tile of a layer card's image, from the tile rectangle the kernel sent. */
async function clickTile(img, rect, naturalWidth) {
  await img.scrollIntoViewIfNeeded();
  const box = await img.boundingBox();
  const f = box.width / naturalWidth;
  await img.click({ position: { x: (rect[0] + rect[2] / 2) * f, y: (rect[1] + rect[3] / 2) * f } });
}

before(async () => {
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeNotebook(join(WORK, 'explain.ipynb'), NOTEBOOK);
  server = await startServer(WORK);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  problems = watchPage(page, []);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (server) writeFileSync(join(OUT, 'inspector-server.log'), server.log());
});

/** Checks the explanation of pixel [3, 2, 5] of layer '0' shown in `view`. */
async function checkExplanation(view) {
  const dot = view.locator('.nnlab-dot');
  await dot.waitFor({ timeout: 20000 });
  const sum = Number(await dot.getAttribute('data-sum'));
  const out = Number(await dot.getAttribute('data-output'));
  assert.ok(Math.abs(out - expected.at_3_2_5) < 1e-6, `output ${out} = conv2d in the kernel ${expected.at_3_2_5}`);
  assert.ok(Math.abs(sum - out) < 1e-5, `Σ + bias ${sum} = output ${out}`);
  const terms = view.locator('.nnlab-dot-term');
  assert.equal(await terms.count(), 2, 'one term per input channel');
  // The numbers shown: products = window × weights, and the shown Σ of each channel.
  for (let t = 0; t < 2; t++) {
    const cells = async cls => (await terms.nth(t).locator(`.${cls} td`).allTextContents()).map(Number);
    const [win, w, prod] = [await cells('nnlab-dot-window'), await cells('nnlab-dot-weights'), await cells('nnlab-dot-products')];
    assert.equal(win.length, 9);
    prod.forEach((p, k) => assert.ok(Math.abs(p - win[k] * w[k]) <= 2e-3 * (1 + Math.abs(p)), `product ${k}: ${p} vs ${win[k]} × ${w[k]}`));
  }
  // stride 2, padding 1: rows 3..5, columns 9..11 of the 16×16 input; on the model input too.
  assert.equal(await view.locator('canvas.nnlab-rf-input').getAttribute('data-rf'), '3,6,9,12');
  assert.match(await view.locator('.nnlab-rf .nnlab-caption').textContent(), /rows 3–5, columns 9–11 \(3×3\)/);
  assert.match(await view.locator('.nnlab-dot-output').textContent(), new RegExp(`^${(await view.locator('.nnlab-dot-sum').textContent()).replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}$`));
}

describe('activation maps that answer clicks; the Layer Inspector', () => {
  test('the notebook runs', async () => {
    await page.goto(server.url('lab/tree/explain.ipynb?reset'));
    await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-cells'));
    await page.waitForFunction(() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].every(p => /\[\d+\]/.test(p.textContent)), null, { timeout: 180000 });
    const text = await page.locator('.jp-Notebook .jp-CodeCell').nth(2).locator('.jp-OutputArea').textContent();
    expected = JSON.parse(text.slice(text.indexOf('EXPECT ') + 7).trim());
    assert.equal(expected.ch3.length, 64);
  });

  test('activation-map output: a channel opens large, a pixel explains itself', async () => {
    const out = page.locator('.jp-Notebook .jp-CodeCell').nth(1).locator('.nnlab-activations');
    const card = out.locator('.nnlab-act-card[data-layer="0"]');
    await card.waitFor();
    const img = card.locator('img');
    const natural = await img.evaluate(el => el.naturalWidth);
    // The tile rectangles travel in the payload; read them from the output model.
    const tileRects = await page.evaluate(() => {
      const cell = window.jupyterapp.shell.currentWidget.content.widgets[1];
      return cell.model.outputs.get(0).data['application/vnd.nnlab.activations+json'].layers.find(l => l.name === '0').tileRects;
    });
    assert.equal(tileRects.length, 4);
    await clickTile(img, tileRects[3], natural);
    const view = out.locator('.nnlab-channel-view');
    await view.locator('canvas.nnlab-channel-large').waitFor({ timeout: 20000 });
    assert.match(await view.locator('.nnlab-channel-header').textContent(), /0 · channel 3/);
    const range = view.locator('.nnlab-channel-range');
    const [lo, hi] = [Math.min(...expected.ch3), Math.max(...expected.ch3)];
    assert.ok(Math.abs(Number(await range.getAttribute('data-min')) - lo) < 1e-6 && Math.abs(Number(await range.getAttribute('data-max')) - hi) < 1e-6, 'range of channel 3 = the kernel conv2d range');
    await view.locator('canvas.nnlab-colorbar').waitFor();
    assert.equal(Number(await view.locator('.nnlab-colorbar-max').textContent()).toPrecision(3), hi.toPrecision(3));
    await clickCell(view.locator('canvas.nnlab-channel-large'), 2, 5, 8, 8);
    await checkExplanation(view);
    await shot('output-explain', out);
  });

  test('Layer Inspector: all layers, bars for vectors, filterImages, gradients, explain; 400 and 800 px', async () => {
    await page.evaluate(() => window.jupyterapp.shell.activateById('nnlab-layer-inspector'));
    const panel = page.locator('#nnlab-layer-inspector');
    await page.waitForSelector('#nnlab-layer-inspector[data-state="ready"]', { timeout: 30000 });
    await page.waitForTimeout(300);
    const opened = (await panel.boundingBox()).width;
    assert.ok(opened >= 400, `the panel opens 420 px wide, not the lab's cramped 250: ${opened}`);
    await rightWidth(400);
    const width400 = (await panel.boundingBox()).width;
    assert.ok(width400 >= 380 && width400 <= 420, `panel ~400 px wide: ${width400}`);
    await panel.locator('.nnlab-tree-root[data-model="net"] li[data-path="0"] > .nnlab-tree-row').click();
    // gradients beside the weights after the backward pass
    const grad = k => panel.locator(`.nnlab-param-table td[data-param="0.weight"][data-grad="true"][data-stat="${k}"]`).textContent();
    assert.match(await grad('mean'), /^-?\d/);
    assert.equal(await grad('NaN'), '0');
    await panel.locator('.nnlab-grad-histogram[data-plotted="true"]').waitFor({ timeout: 20000 });
    // the tables are not clipped at 400 px: their right edges are inside the panel
    const pbox = await panel.boundingBox();
    for (const table of await panel.locator('.nnlab-param-table').all()) {
      const b = await table.boundingBox();
      assert.ok(b.x + b.width <= pbox.x + pbox.width + 1, `stats table fits: ${b.x + b.width} <= ${pbox.x + pbox.width}`);
    }
    assert.equal(await panel.locator('.nnlab-param-table').count(), 2, 'weight and bias');
    // filters: the kernel's filterImages PNG
    const src = await panel.locator('img.nnlab-filters').getAttribute('src', { timeout: 20000 });
    const png = src.slice('data:image/png;base64,'.length);
    assert.equal(png.slice(0, 80) + png.length, expected.png, 'the same image (colours) as filterImages');
    // "all layers" shows every layer; the selected one alone at first
    const cards = panel.locator('.nnlab-act-section .nnlab-act-card');
    await cards.first().waitFor({ timeout: 20000 });
    assert.equal(await cards.count(), 1);
    await panel.locator('select.nnlab-layer-select').selectOption('*');
    assert.equal(await cards.count(), 6, 'input and the 5 leaf layers');
    // a Linear output drawn as bars, one per feature
    assert.equal(await panel.locator('.nnlab-act-card[data-layer="4"] canvas.nnlab-vector-bars').getAttribute('data-bars'), '10');
    assert.equal(await panel.locator('.nnlab-act-card[data-layer="4"] img').count(), 0);
    await shot('panel-400', panel);
    // sample 1, channel 3, pixel [2, 5]: the same explanation as in the output
    const sample = panel.locator('input.nnlab-sample');
    await sample.fill('1');
    await sample.press('Tab'); // the browser's own change event (on blur), as a user makes it
    await page.waitForFunction(() => !document.querySelector('#nnlab-layer-inspector .nnlab-act-holder')?.textContent.includes('computing'));
    await panel.locator('select.nnlab-layer-select').selectOption('0');
    const img = panel.locator('.nnlab-act-card[data-layer="0"] img');
    const natural = await img.evaluate(el => el.naturalWidth);
    // Tiles of a 4-channel 8×8 layer: the kernel's rectangles are the same as in the output.
    const rects = await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.outputs.get(0).data['application/vnd.nnlab.activations+json'].layers.find(l => l.name === '0').tileRects);
    await clickTile(img, rects[3], natural);
    const view = panel.locator('.nnlab-channel-view');
    await view.locator('canvas.nnlab-channel-large').waitFor({ timeout: 20000 }).catch(async e => {
      await shot('panel-400-failed', panel);
      throw new Error(`${e.message}; the view says: ${await view.textContent()}`);
    });
    await clickCell(view.locator('canvas.nnlab-channel-large'), 2, 5, 8, 8);
    await checkExplanation(view);
    await shot('panel-400-explain', panel);
    await rightWidth(800);
    assert.ok((await panel.boundingBox()).width >= 760);
    await shot('panel-800', panel);
    assert.deepEqual(problems, [], 'no page errors');
  });
});
