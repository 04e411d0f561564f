// Steering a training run in nnlab's JupyterLab (issue 14, item 4): the live
// training display's Pause/Resume, Step, Stop buttons and learning-rate
// field, and the same controls in the Training Runs panel, over the kernel's
// 'nnlab.run' comm. A learning-rate change shows in the run's history and as
// a marker with its value on the loss chart (the live display and the
// panel's comparison); Stop ends the run 'stopped' with the weights of its
// last completed step, checked by the cell after it. Screenshots go to
// test-output/browser/steer-*.png.
//
// Run: node --test --test-reporter=spec test/browser/steer.test.mjs

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUT, build, launchBrowser, startServer, watchPage, writeNotebook, openPanel as openPanelOf } from './harness.mjs';

const WORK = join(OUT, 'steer-notebooks');

const NOTEBOOK = [
  { markdown: '# Steering a run' },
  `import * as nn from 'nnlab';
import { liveFit } from 'nnlab/kernel';
nn.manualSeed(0);
const base = new nn.data.DataLoader(new nn.data.TensorDataset(nn.randn([2048, 16]), nn.randint(0, 3, [2048])), { batchSize: 16 });
const slowLoader = {
  length: 1024,
  *[Symbol.iterator]() {
    for (let pass = 0; pass < 8; pass++) {
      for (const batch of base) {
        const t0 = Date.now();
        while (Date.now() - t0 < 20) { /* at least 20 ms per batch */ }
        yield batch;
      }
    }
  },
};
const model = new nn.Sequential(new nn.Linear(16, 64), new nn.ReLU(), new nn.Linear(64, 3));
const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const snapshot = () => model.parameters().map((p) => Array.from(p.values()));
let afterStep: number[][] = snapshot(), stepsSeen = 0;`,
  `const run = await liveFit(model, { trainLoader: slowLoader, optimizer, epochs: 3, name: 'steer me',
  onBatchEnd: (info) => { afterStep = snapshot(); stepsSeen = info.step; } });`,
  `JSON.stringify({ status: run.status, steps: run.stepLosses.length, stepsSeen,
  same: snapshot().every((w, i) => w.every((v, j) => Object.is(v, afterStep[i][j]))),
  lr: optimizer.paramGroups[0].lr, events: run.events.map((e) => [e.kind, e.step, e.value ?? null]) })`,
];

let server;
let browser;
let page;
let problems = [];

const shot = (name, locator) => (locator ?? page).screenshot({ path: join(OUT, `steer-${name}.png`) });
const app = (fn, arg) => page.evaluate(fn, arg);

/** The output area of the n-th code cell (0-based, code cells only). */
const output = n => page.locator('.jp-Notebook .jp-CodeCell').nth(n).locator('.jp-OutputArea');

const openPanel = id => openPanelOf(page, id);

before(async () => {
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeNotebook(join(WORK, 'steer.ipynb'), NOTEBOOK);
  server = await startServer(WORK);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  problems = watchPage(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (server) writeFileSync(join(OUT, 'steer-server.log'), server.log());
});

describe('steering a training run in the lab', () => {
  const live = () => output(1).locator('.nnlab-run');
  const panel = () => page.locator('#nnlab-training-runs');

  test('the live display has Pause/Resume, Step, Stop and an lr field while the run trains', async () => {
    await page.goto(server.url('lab/tree/steer.ipynb?reset'));
    await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    await app(() => void window.jupyterapp.commands.execute('notebook:run-all-cells'));
    await live().locator('.nnlab-steer:not([hidden])').waitFor({ timeout: 120000 });
    assert.equal(await live().getAttribute('data-status'), 'running');
    assert.equal(await live().locator('.nnlab-steer-lr').inputValue(), '0.05');
    await shot('live-running', live());
  });

  test('Pause holds the run, Step trains one batch, a learning-rate change shows in the history and on the chart', async () => {
    await live().locator('button.nnlab-steer-pause').click();
    await page.waitForFunction(() => document.querySelectorAll('.jp-CodeCell')[1]?.querySelector('.nnlab-run[data-status="paused"]'), null, { timeout: 10000 });
    assert.equal(await live().locator('button.nnlab-steer-pause').textContent(), 'Resume');
    const progress = await live().locator('.nnlab-progress-text').textContent();
    await new Promise(r => setTimeout(r, 600));
    assert.equal(await live().locator('.nnlab-progress-text').textContent(), progress, 'no batch while paused');

    await live().locator('.nnlab-steer-lr').fill('0.005');
    await live().locator('button.nnlab-steer-set-lr').click();
    await page.waitForFunction(() => /lr 0\.05 → 0\.005/.test(document.querySelectorAll('.jp-CodeCell')[1]?.querySelector('.nnlab-run-events')?.textContent ?? ''), null, { timeout: 10000 });
    // The marker with the new value on the loss chart.
    await page.waitForFunction(() => [...document.querySelectorAll('.jp-CodeCell')[1].querySelectorAll('.nnlab-run-chart .textpoint text')].some(t => t.textContent === 'lr=0.005'), null, { timeout: 10000 });
    await page.waitForFunction(() => /lr = 0\.005 from step \d+/.test(document.querySelectorAll('.jp-CodeCell')[1].querySelector('.nnlab-steer-message')?.textContent ?? ''), null, { timeout: 10000 })
      .catch(async err => assert.fail(`the lr reply is not shown: '${await live().locator('.nnlab-steer-message').textContent()}' (${err.message})`));

    const before = await live().locator('.nnlab-steer-message').textContent();
    await live().locator('button.nnlab-steer-step').click();
    await page.waitForFunction(b => {
      const m = document.querySelectorAll('.jp-CodeCell')[1].querySelector('.nnlab-steer-message')?.textContent ?? '';
      return m !== b && /paused at step \d+/.test(m);
    }, before, { timeout: 10000 });
    await page.waitForFunction(() => /step \d+: step/.test(document.querySelectorAll('.jp-CodeCell')[1].querySelector('.nnlab-run-events')?.textContent ?? ''), null, { timeout: 10000 });
    await shot('live-paused-lr', live());

    await live().locator('button.nnlab-steer-pause').click();
    await page.waitForFunction(() => document.querySelectorAll('.jp-CodeCell')[1]?.querySelector('.nnlab-run[data-status="running"]'), null, { timeout: 10000 });
  });

  test('the Training Runs panel steers the same run and shows its events', async () => {
    await openPanel('nnlab-training-runs');
    const row = panel().locator('tr[data-steer-of]');
    await row.locator('.nnlab-steer:not([hidden])').waitFor({ timeout: 30000 });
    await row.locator('button.nnlab-steer-pause').click();
    await page.waitForFunction(() => document.querySelectorAll('.jp-CodeCell')[1]?.querySelector('.nnlab-run[data-status="paused"]'), null, { timeout: 10000 });
    await page.waitForSelector('#nnlab-training-runs tr[data-status="paused"]', { timeout: 10000 });
    await page.waitForFunction(() => /lr 0\.05 → 0\.005/.test(document.querySelector('#nnlab-training-runs .nnlab-run-events')?.textContent ?? ''), null, { timeout: 10000 });
    await panel().locator('select.nnlab-metric').selectOption('stepLoss');
    await page.waitForFunction(() => [...document.querySelectorAll('#nnlab-training-runs .nnlab-runs-chart .textpoint text')].some(t => t.textContent === 'lr=0.005'), null, { timeout: 10000 });
    await shot('panel-paused');
    await row.locator('button.nnlab-steer-pause').click(); // Resume
    await page.waitForSelector('#nnlab-training-runs tr[data-status="running"]', { timeout: 10000 });
  });

  test("Stop ends the run 'stopped' with the weights of its last completed step (checked by the next cell)", async () => {
    await live().locator('button.nnlab-steer-stop').click();
    await page.waitForFunction(() => document.querySelectorAll('.jp-CodeCell')[1]?.querySelector('.nnlab-run[data-status="stopped"]'), null, { timeout: 15000 });
    assert.equal(await live().locator('.nnlab-steer').getAttribute('hidden'), '', 'no controls on a stopped run');
    const check = output(2).locator('.jp-OutputArea-output');
    await check.first().waitFor({ timeout: 30000 });
    const text = (await check.first().textContent()).trim().replace(/^'|'$/g, '');
    const c = JSON.parse(text);
    assert.equal(c.status, 'stopped');
    assert.equal(c.same, true, 'weights equal to those after the last completed step');
    assert.equal(c.steps, c.stepsSeen);
    assert.equal(c.lr, 0.005);
    const kinds = c.events.map(e => e[0]);
    assert.deepEqual(kinds, ['pause', 'lr', 'step', 'resume', 'pause', 'resume', 'stop']);
    assert.equal(c.events[1][2], 0.005);
    assert.equal(c.events[2][1] + 1, c.events[3][1], 'Step trained exactly one batch');
    await live().locator('.nnlab-run-chart[data-plotted="true"]').waitFor();
    await shot('live-stopped', live());
    await openPanel('nnlab-training-runs');
    await page.waitForSelector('#nnlab-training-runs tr[data-status="stopped"]', { timeout: 15000 });
    assert.equal(await panel().locator('tr[data-steer-of]').count(), 0, 'no controls for a finished run');
    await shot('panel-stopped');
    assert.deepEqual(problems, []);
  });
});
