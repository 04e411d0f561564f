// The Playground notebook (notebooks/07-playground.ipynb) in nnlab's
// JupyterLab with the Jupyter widgets manager: a copy is opened, its import
// cell and its `pg.widget()` cell are run, Play is clicked, and the
// Playground's image must change between two screenshots taken seconds
// apart (it trains and redraws in the kernel), then stay the same after
// Pause. Clicking the "hidden layers" slider's track reaches the
// kernel (the status line goes back to step 0 as the model is rebuilt).
// Screenshots: test-output/browser/playground-*.png.
//
// Run: node --test --test-reporter=spec test/browser/playground.test.mjs

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUT, ROOT, build, launchBrowser, startServer, watchPage } from './harness.mjs';

const WORK = join(OUT, 'playground-notebooks');
const NAME = '07-playground.ipynb';
const nb = JSON.parse(readFileSync(join(ROOT, 'notebooks', NAME), 'utf8'));
const source = c => (Array.isArray(c.source) ? c.source.join('') : c.source);
const IMPORT_CELL = nb.cells.findIndex(c => c.cell_type === 'code' && source(c).includes("from 'nnlab/kernel'"));
const WIDGET_CELL = nb.cells.findIndex(c => c.cell_type === 'code' && source(c).includes('pg.widget()'));
/** True when the lab app bundles the Jupyter widgets manager (issue 14, item 3); without it there is nothing to test. */
const hasWidgetManager = () => '@jupyter-widgets/jupyterlab-manager' in (JSON.parse(readFileSync(join(ROOT, 'extension', 'app', 'package.json'), 'utf8')).dependencies ?? {});

let server;
let browser;
let page;
let problems = [];

const sleep = ms => new Promise(r => setTimeout(r, ms));

before(async () => {
  if (!hasWidgetManager()) return;
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  copyFileSync(join(ROOT, 'notebooks', NAME), join(WORK, NAME));
  server = await startServer(WORK);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  problems = watchPage(page, [/Invalid access/, /Not same Y\.Doc/, /Failed to load resource/]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (server) writeFileSync(join(OUT, 'playground-server.log'), server.log());
});

/** Runs cell `index` of the open notebook and waits for its execution count. */
async function runCell(index) {
  await page.evaluate(i => {
    const nbw = window.jupyterapp.shell.currentWidget.content;
    nbw.activeCellIndex = i;
    return window.jupyterapp.commands.execute('notebook:run-cell');
  }, index);
  await page.waitForFunction(
    i => /\[\d+\]/.test(window.jupyterapp.shell.currentWidget.content.widgets[i].node.querySelector('.jp-InputPrompt')?.textContent ?? ''),
    index,
    { timeout: 120000, polling: 200 }
  );
}

describe('the Playground notebook in the lab', { skip: hasWidgetManager() ? false : 'the lab app does not bundle @jupyter-widgets/jupyterlab-manager' }, () => {
  test('animates after Play, stops after Pause, and a slider reaches the kernel', async () => {
    assert.ok(IMPORT_CELL >= 0 && WIDGET_CELL > IMPORT_CELL, 'the notebook has its import and widget cells');
    await page.goto(server.url(`lab/tree/${NAME}?reset`));
    await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    await runCell(IMPORT_CELL);
    await runCell(WIDGET_CELL);
    const cell = page.locator('.jp-Notebook .jp-Cell').nth(WIDGET_CELL);
    const image = cell.locator('.jp-OutputArea img.widget-image');
    await image.waitFor({ state: 'visible', timeout: 60000 });
    const play = cell.locator('.jp-OutputArea button', { hasText: 'Play' });
    await play.waitFor({ timeout: 10000 });
    await image.scrollIntoViewIfNeeded();
    const status = cell.locator('.jp-OutputArea .widget-label').last();
    assert.match(await status.textContent(), /^step 0 /);
    const still = await image.screenshot({ path: join(OUT, 'playground-0-paused.png') });

    await play.click();
    await cell.locator('.jp-OutputArea button', { hasText: 'Pause' }).waitFor({ timeout: 10000 });
    await sleep(1500);
    const first = await image.screenshot({ path: join(OUT, 'playground-1.png') });
    const stepAt1 = Number(/^step (\d+)/.exec(await status.textContent())?.[1]);
    await sleep(3000);
    const second = await image.screenshot({ path: join(OUT, 'playground-2.png') });
    const stepAt2 = Number(/^step (\d+)/.exec(await status.textContent())?.[1]);
    await page.screenshot({ path: join(OUT, 'playground-lab.png') });
    assert.ok(!first.equals(still), 'the image changed after Play');
    assert.ok(!second.equals(first), 'the image changed between two screenshots 3 s apart');
    assert.ok(stepAt2 > stepAt1 && stepAt1 > 0, `the step count went on (${stepAt1} → ${stepAt2})`);

    await cell.locator('.jp-OutputArea button', { hasText: 'Pause' }).click();
    await play.waitFor({ timeout: 10000 });
    await sleep(1000);
    const pausedA = await image.screenshot();
    await sleep(1500);
    const pausedB = await image.screenshot();
    assert.ok(pausedA.equals(pausedB), 'paused: the image stays the same');

    // hidden layers 2 → 3 by a click on the slider's track at 3/4: the kernel rebuilds the model (step 0) and draws a third column
    const track = cell.locator('.widget-slider', { hasText: 'hidden layers' }).locator('.noUi-target').first();
    const box = await track.boundingBox();
    await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
    await page.waitForFunction(el => /^step 0 /.test(el.textContent), await status.elementHandle(), { timeout: 15000 });
    await sleep(500);
    const rebuilt = await image.screenshot({ path: join(OUT, 'playground-3-three-layers.png') });
    assert.ok(!rebuilt.equals(pausedB), 'the rebuilt model is drawn');
    assert.deepEqual(problems, [], 'no page errors');
  });
});
