// The Training Runs panel in nnlab's JupyterLab (issue 15, item 3), in real
// Chromium against a real lab and kernels: two runs with different
// hyperparameters in one notebook, one in a second notebook, all trained
// while the panel is closed; after a kernel restart and a page reload the runs
// show at once (no Refresh); ids differ between kernels; the notebook selector
// filters; the comparison table sorts by a column; the parallel-coordinates
// and scatter views draw. The panel is used at the width it opens at.
// Screenshots go to test-output/browser/runs-*.png.
//
// Run: node --test --test-reporter=spec test/browser/runs.test.mjs

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUT, build, launchBrowser, startServer, watchPage, writeNotebook } from './harness.mjs';

const WORK = join(OUT, 'runs-notebooks');
const PANEL = '#nnlab-training-runs';
const ID = /^run-[0-9a-z]{4}-\d+$/;

const setup = `import * as nn from 'nnlab';
import { liveFit } from 'nnlab/kernel';
nn.manualSeed(0);
const x = nn.randn([128, 8]);
const y = x.matmul(nn.randn([8, 3])).argmax(1);
const loader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 32 });
const net = () => new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 3));`;
const train = (name, optimizer, lr, extra = '') => `const m_${name} = net();
await liveFit(m_${name}, { trainLoader: loader, valLoader: loader, optimizer: new nn.optim.${optimizer}(m_${name}.parameters(), { lr: ${lr}${extra} }), epochs: 2, name: '${name}' });`;

const A_NOTEBOOK = [setup, train('fast', 'SGD', 0.1, ', momentum: 0.9'), train('slow', 'SGD', 0.02)];
const B_NOTEBOOK = [setup, train('adam', 'Adam', 0.05)];

let server;
let browser;
let page;
let problems = [];

const shot = name => page.locator(PANEL).screenshot({ path: join(OUT, `runs-${name}.png`) });
const app = (fn, arg) => page.evaluate(fn, arg);
const rowsOf = () => page.locator(`${PANEL} .nnlab-runs-table tbody tr[data-run]`).evaluateAll(trs => trs.map(tr => ({ id: tr.dataset.run, notebook: tr.dataset.notebook, source: tr.dataset.source, name: tr.querySelector('.nnlab-run-name').firstChild.textContent, label: tr.querySelector('.nnlab-run-notebook')?.textContent ?? null })));
const rowCount = n => page.waitForFunction(n => document.querySelectorAll('#nnlab-training-runs .nnlab-runs-table tbody tr[data-run]').length === n, n, { timeout: 30000 });

async function openLab(path) {
  await page.goto(server.url(path));
  await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
}

/** Runs every cell of the current notebook and waits until each has its count. */
async function runAll(cells) {
  await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').first().click();
  await app(() => window.jupyterapp.commands.execute('notebook:run-all-cells'));
  await page.waitForFunction(count => {
    const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    return prompts.length === count && prompts.every(p => /\[\d+\]/.test(p.textContent));
  }, cells.length, { timeout: 90000 });
  const errors = await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').allTextContents();
  assert.deepEqual(errors, [], 'no cell failed');
}

/** Shows the panel as a user does (the width it opens at: no dragging). */
async function showPanel() {
  await app(() => window.jupyterapp.shell.activateById('nnlab-training-runs'));
  await page.locator(PANEL).waitFor({ state: 'visible' });
}

async function contents(path) {
  const res = await fetch(`${server.base}/api/contents/${path}?token=${server.token}`);
  return res.status === 200 ? JSON.parse((await res.json()).content) : null;
}

/** A run record, once the lab has written it (within 10 s). */
async function record(path) {
  for (let i = 0; i < 50; i++) {
    const json = await contents(path);
    if (json) return json;
    await new Promise(r => setTimeout(r, 200));
  }
  assert.fail(`${path} was not saved`);
}

before(async () => {
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeNotebook(join(WORK, 'a.ipynb'), A_NOTEBOOK);
  writeNotebook(join(WORK, 'b.ipynb'), B_NOTEBOOK);
  server = await startServer(WORK);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  problems = watchPage(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (server) writeFileSync(join(OUT, 'runs-server.log'), server.log());
});

describe('Training Runs panel', () => {
  let aIds;
  let bIds;

  test('two notebooks train with the panel closed: each one’s runs are saved in its record, ids differ between kernels', async () => {
    await openLab('lab/tree/a.ipynb?reset');
    await runAll(A_NOTEBOOK);
    const a = await record('a.runs.json');
    aIds = a.runs.map(r => r.id);
    assert.deepEqual(a.runs.map(r => [r.name, r.notebook]), [['fast', 'a.ipynb'], ['slow', 'a.ipynb']]);
    assert.ok(aIds.every(id => ID.test(id)), `ids like run-k3x9-1: ${aIds}`);
    assert.equal(new Set(aIds.map(id => id.slice(0, 8))).size, 1, 'one kernel: one prefix');

    await app(() => window.jupyterapp.commands.execute('docmanager:open', { path: 'b.ipynb' }));
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.context?.path === 'b.ipynb' && window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
    await runAll(B_NOTEBOOK);
    const b = await record('b.runs.json');
    bIds = b.runs.map(r => r.id);
    assert.equal(b.notebook, 'b.ipynb');
    assert.deepEqual(b.runs.map(r => r.notebook), ['b.ipynb']);
    assert.match(bIds[0], ID);
    assert.notEqual(bIds[0].slice(0, 8), aIds[0].slice(0, 8), `another kernel, another prefix: ${bIds[0]} vs ${aIds}`);
    assert.deepEqual((await contents('a.runs.json')).runs.map(r => r.id), aIds, 'a.runs.json holds a’s runs only');
    // Back to the first notebook; b stays open.
    await app(() => window.jupyterapp.commands.execute('docmanager:open', { path: 'a.ipynb' }));
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.context?.path === 'a.ipynb');
  });

  test('after a kernel restart the panel opens with the runs at once, and after a reload of the lab, without Refresh', async () => {
    await app(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart());
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle', null, { timeout: 60000 });
    await showPanel();
    await rowCount(2);
    const rows = await rowsOf();
    assert.deepEqual(rows.map(r => [r.id, r.source, r.name]), [[aIds[0], 'file', 'fast'], [aIds[1], 'file', 'slow']], 'restarted kernel: the saved runs, at once');
    assert.ok(rows.every(r => r.notebook === 'a.ipynb' && r.label === null), 'this notebook’s runs are not labelled');
    const width = await page.locator(PANEL).evaluate(el => el.getBoundingClientRect().width);
    assert.ok(width >= 400 && width <= 440, `the panel opens about 420 px wide: ${width}`);
    await page.waitForFunction(() => document.querySelector('#nnlab-training-runs .nnlab-runs-chart')?.dataset.plotted === 'true');
    await shot('after-restart');
    // The lab reopened (the workspace restores a.ipynb and the open panel).
    await app(() => window.jupyterapp.commands.execute('docmanager:save-all'));
    await page.goto(server.url('lab'));
    await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.context?.path === 'a.ipynb', null, { timeout: 30000 });
    await page.locator(PANEL).waitFor({ state: 'visible', timeout: 30000 });
    await rowCount(2);
    assert.deepEqual((await rowsOf()).map(r => r.id), aIds, 'reloaded lab: the saved runs, at once');
    assert.equal(await page.locator(`${PANEL} button`, { hasText: 'Refresh' }).count(), 1);
    await page.waitForFunction(() => document.querySelector('#nnlab-training-runs .nnlab-runs-chart')?.dataset.plotted === 'true');
    await shot('after-reload');
  });

  test('the notebook selector: this notebook by default, all notebooks (others labelled), or one', async () => {
    const select = page.locator(`${PANEL} select.nnlab-notebook-filter`);
    assert.equal(await select.inputValue(), ':this');
    const options = await select.locator('option').evaluateAll(os => os.map(o => [o.value, o.textContent]));
    assert.deepEqual(options, [[':this', 'this notebook (a.ipynb)'], [':all', 'all notebooks (3)'], ['b.ipynb', 'b.ipynb']]);
    await select.selectOption(':all');
    await rowCount(3);
    const all = await rowsOf();
    assert.deepEqual(all.map(r => [r.id, r.label]), [...aIds.map(id => [id, null]), [bIds[0], 'b.ipynb']], 'b’s run is labelled with its notebook');
    await select.selectOption('b.ipynb');
    await rowCount(1);
    assert.deepEqual((await rowsOf()).map(r => r.id), bIds);
    await select.selectOption(':all');
    await rowCount(3);
  });

  test('compare by hyperparameter: the table sorts by a column; parallel coordinates and scatter draw the checked runs', async () => {
    const table = page.locator(`${PANEL} .nnlab-hparams-table`);
    const order = () => table.locator('tbody tr[data-run]').evaluateAll(trs => trs.map(tr => tr.querySelector('.nnlab-run-name').textContent));
    const heads = await table.locator('th[data-key]').evaluateAll(ths => ths.map(th => th.dataset.key));
    for (const key of ['hp:epochs', 'hp:lr', 'hp:optimizer', 'hp:batchSize', 'final:valAccuracy', 'best:valAccuracy', 'final:valLoss', 'best:valLoss', 'final:trainLoss', 'best:trainLoss']) {
      assert.ok(heads.includes(key), `column ${key} in ${heads}`);
    }
    const lr = table.locator('th[data-key="hp:lr"]');
    await lr.click();
    assert.equal(await lr.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(await order(), ['slow', 'adam', 'fast'], 'lr 0.02, 0.05, 0.1');
    await lr.click();
    assert.equal(await lr.getAttribute('aria-sort'), 'descending');
    assert.deepEqual(await order(), ['fast', 'adam', 'slow']);
    // Sorting by a metric orders by its values as shown.
    const best = table.locator('th[data-key="best:valLoss"]');
    await best.click();
    const values = await table.locator('tbody tr td[data-key="best:valLoss"]').allTextContents();
    assert.deepEqual(values.map(Number), values.map(Number).sort((p, q) => p - q), `ascending best val loss: ${values}`);
    await shot('compare-table');

    const chart = page.locator(`${PANEL} .nnlab-hparams-chart`);
    const view = page.locator(`${PANEL} select.nnlab-compare-view`);
    const webgl = await page.evaluate(() => !!document.createElement('canvas').getContext('webgl'));
    if (webgl) {
      assert.equal(await view.inputValue(), 'parcoords');
      await page.waitForFunction(() => document.querySelector('#nnlab-training-runs .nnlab-hparams-chart')?.dataset.plotted === 'true');
      const axes = await chart.locator('.parcoords .y-axis').count();
      assert.ok(axes >= 3, `an axis per varying hyperparameter and the metric: ${axes}`);
      await chart.screenshot({ path: join(OUT, 'runs-parcoords.png') });
    } else {
      assert.equal(await view.inputValue(), 'scatter', 'without WebGL the scatter is the view');
    }
    await view.selectOption('scatter');
    await page.locator(`${PANEL} select.nnlab-compare-x`).selectOption('hp:lr');
    await page.waitForFunction(() => document.querySelectorAll('#nnlab-training-runs .nnlab-hparams-chart .scatterlayer path.point').length === 3, null, { timeout: 15000 });
    // Unchecking a run takes it out of the charts.
    await table.locator(`tbody tr[data-run="${bIds[0]}"] input[type="checkbox"]`).uncheck();
    await page.waitForFunction(() => document.querySelectorAll('#nnlab-training-runs .nnlab-hparams-chart .scatterlayer path.point').length === 2, null, { timeout: 15000 });
    assert.equal(await page.locator(`${PANEL} .nnlab-runs-table tr[data-run="${bIds[0]}"] input[type="checkbox"]`).isChecked(), false, 'the runs table shares the choice');
    await table.locator(`tbody tr[data-run="${bIds[0]}"] input[type="checkbox"]`).check();
    await page.waitForFunction(() => document.querySelectorAll('#nnlab-training-runs .nnlab-hparams-chart .scatterlayer path.point').length === 3, null, { timeout: 15000 });
    await shot('compare-scatter');
    assert.deepEqual(problems, [], 'no page errors, console errors or dialogs');
  });
});
