// Jupyter widgets in nnlab's JupyterLab (issue 14, item 3): the real
// jupyterlab-manager 5 bundled into the app renders the widgets that
// `nnlab/widgets` makes in the real nnlab kernel. An IntSlider renders; moving
// it with the keyboard on its handle changes the kernel-side value (a later
// cell prints it); a kernel-side `s.value = 7` moves it in the page; a Button
// click runs its onClick handler in the kernel; an Output widget shows what
// `display()` and console.log did inside `capture`. Saving writes the widget
// state into the notebook's metadata; closing the notebook, shutting its
// kernel down and reopening it shows the slider at its last value from that
// saved state alone (the fresh kernel knows no widget).
//
// NOTE: jupyterlab-manager restores a notebook's saved widget state only once
// the notebook has a kernel (its restore starts with the kernel's own widgets
// and gives up when there is none), so the reopened notebook gets a fresh
// kernel, as JupyterLab gives it by default.
//
// Screenshots go to test-output/browser/widgets-*.png.
// Run: node --test --test-reporter=spec test/browser/widgets.test.mjs

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUT, build, launchBrowser, startServer, watchPage, writeNotebook } from './harness.mjs';

const WORK = join(OUT, 'widgets-notebooks');
const NOTEBOOK = 'widgets.ipynb';
const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';
const WIDGET_STATE = 'application/vnd.jupyter.widget-state+json';

/** The code cells, by name; the index in CELLS is the cell's position. */
const CELLS = {
  imports: `import * as widgets from 'nnlab/widgets';
import { display } from 'nnlab/kernel';`,
  slider: `const s = new widgets.IntSlider({value: 3, min: 0, max: 10, description: 'n'}); s`,
  printValue: 'console.log(`slider value: ${s.value}`);',
  setValue: 's.value = 7;',
  button: `let clicks = 0;
const b = new widgets.Button({ description: 'click me' });
b.onClick(() => { clicks += 1; b.description = \`clicked \${clicks}\`; });
b`,
  printClicks: 'console.log(`clicks: ${clicks}`);',
  output: `const out = new widgets.Output();
out.capture(() => {
  console.log('printed inside the Output widget');
  display({ [Symbol.for('Jupyter.display')]: () => ({ 'text/plain': 'captured display', 'text/html': '<b class="captured-display">captured display</b>' }) });
});
out`,
};
const CELL = Object.fromEntries(Object.keys(CELLS).map((name, i) => [name, i]));

let server;
let browser;
let page;
let problems = [];

const shot = (name, locator) => (locator ?? page).screenshot({ path: join(OUT, `widgets-${name}.png`) });

/** The output area of the n-th code cell. */
function output(n) {
  return page.locator('.jp-Notebook .jp-CodeCell').nth(n).locator('.jp-Cell-outputArea');
}

async function app(fn, arg) {
  return page.evaluate(fn, arg);
}

/** Runs code cell `n` (as Ctrl+Enter on it) and resolves when it has finished; fails on an error output. */
async function runCell(n) {
  await app(async i => {
    const panel = window.jupyterapp.shell.currentWidget;
    panel.content.activeCellIndex = i;
    await window.jupyterapp.commands.execute('notebook:run-cell');
  }, n);
  await page.waitForFunction(
    i => /\[\d+\]/.test(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')[i]?.textContent ?? ''),
    n,
    { timeout: 60000 }
  );
  const errors = await output(n)
    .locator('[data-mime-type="application/vnd.jupyter.stderr"], [data-mime-type="application/vnd.jupyter.error"]')
    .allTextContents();
  assert.deepEqual(errors, [], `cell ${n} (${Object.keys(CELLS)[n]}) ran without an error`);
}

/** Opens the notebook and waits for its (new) kernel to be idle. */
async function openNotebook(query = '') {
  await page.goto(server.url(`lab/tree/${NOTEBOOK}${query}`));
  await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
}

/**
 * The widget updates the kernel echoed (protocol 2.1 `echo_update`), read off
 * the kernel websockets: the kernel has applied a frontend update once it
 * echoes it. NOTE: the frontend holds back a model's next update until the
 * kernel is idle after the previous one, so a cell run right after a key
 * press could otherwise overtake the last update.
 */
const echoes = [];
function recordEchoes(page) {
  page.on('websocket', ws => {
    if (!ws.url().includes('/api/kernels/')) return;
    ws.on('framereceived', ({ payload }) => {
      const msg = typeof payload === 'string' ? JSON.parse(payload) : decodeV1(payload);
      if (msg.header?.msg_type === 'comm_msg' && msg.content?.data?.method === 'echo_update') echoes.push(msg.content.data.state);
    });
  });
}

/**
 * A message in the kernel websocket's binary framing (v1.kernel.websocket.jupyter.org,
 * which JupyterLab 4 speaks): a uint64 count n, n uint64 offsets (little-endian),
 * then channel, header, parent header, metadata, content and buffers.
 */
function decodeV1(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Number(view.getBigUint64(0, true));
  const offsets = Array.from({ length: count }, (_, i) => Number(view.getBigUint64(8 * (i + 1), true)));
  const part = i => bytes.subarray(offsets[i], offsets[i + 1]).toString('utf8');
  return { channel: part(0), header: JSON.parse(part(1)), content: JSON.parse(part(4)) };
}

async function waitForEcho(trait, value, timeout = 10000) {
  const started = Date.now();
  while (!echoes.some(state => state[trait] === value)) {
    if (Date.now() - started > timeout) throw new Error(`the kernel echoed no update ${trait}=${value} within ${timeout} ms (echoed: ${JSON.stringify(echoes)})`);
    await new Promise(r => setTimeout(r, 50));
  }
}

const slider = () => output(CELL.slider).locator('.widget-slider');
const sliderHandle = () => slider().locator('.noUi-handle');
const sliderReadout = () => slider().locator('.widget-readout');

before(async () => {
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeNotebook(join(WORK, NOTEBOOK), Object.values(CELLS));
  server = await startServer(WORK);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  problems = watchPage(page);
  recordEchoes(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (server) writeFileSync(join(OUT, 'widgets-server.log'), server.log());
});

describe('Jupyter widgets in nnlab JupyterLab', () => {
  test('the widget manager is a plugin of the app, with saveState on', async () => {
    await openNotebook('?reset');
    const plugins = await app(() => window.jupyterapp.listPlugins().filter(id => id.startsWith('@jupyter-widgets/jupyterlab-manager')));
    for (const id of ['plugin', 'base-2.0.0', 'controls-2.0.0', 'output-1.0.0']) {
      assert.ok(plugins.includes(`@jupyter-widgets/jupyterlab-manager:${id}`), `plugin ${id} registered: ${plugins}`);
    }
    const activated = await app(() => window.jupyterapp.isPluginActivated('@jupyter-widgets/jupyterlab-manager:plugin'));
    assert.ok(activated, 'the widget manager plugin is activated');
    const saveState = await app(async () => (await window.jupyterapp.serviceManager.settings.fetch('@jupyter-widgets/jupyterlab-manager:plugin')).schema.properties.saveState.default);
    assert.equal(saveState, true, "the app's overrides (extension/app/settings/overrides.json) turn saveState on");
  });

  test('an IntSlider made in the kernel renders with its value, range and description', async () => {
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    await runCell(CELL.imports);
    await runCell(CELL.slider);
    await slider().waitFor({ timeout: 30000 });
    assert.equal(await slider().locator('.widget-label').textContent(), 'n');
    assert.equal(await sliderReadout().textContent(), '3');
    assert.equal(await sliderHandle().getAttribute('aria-valuenow'), '3.0');
    assert.equal(await sliderHandle().getAttribute('aria-valuemin'), '0.0');
    assert.equal(await sliderHandle().getAttribute('aria-valuemax'), '10.0');
    await shot('slider', output(CELL.slider));
  });

  test('moving the slider with the arrow keys changes the kernel-side value', async () => {
    await sliderHandle().focus();
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft']) await page.keyboard.press(key);
    await page.waitForFunction(() => document.querySelector('.widget-slider .widget-readout')?.textContent === '5', null, { timeout: 10000 });
    await waitForEcho('value', 5);
    await runCell(CELL.printValue);
    assert.match(await output(CELL.printValue).textContent(), /slider value: 5\b/);
    await shot('slider-moved', output(CELL.slider));
  });

  test('dragging the slider handle changes the kernel-side value', async () => {
    const track = await slider().locator('.noUi-base').boundingBox();
    const handle = await sliderHandle().boundingBox();
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(track.x + track.width * 0.8, handle.y + handle.height / 2, { steps: 8 });
    await page.mouse.up();
    const shown = Number(await sliderReadout().textContent());
    assert.ok(shown >= 7 && shown <= 9, `the drag to 80% of the track shows 7..9, got ${shown}`);
    await waitForEcho('value', shown);
    await runCell(CELL.printValue);
    assert.match(await output(CELL.printValue).textContent(), new RegExp(`slider value: ${shown}\\b`));
  });

  test('a kernel-side s.value = 7 moves the slider in the page', async () => {
    // From 0 first, so the 7 cannot be left over from the drag.
    await app(async () => {
      const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      await kernel.requestExecute({ code: 's.value = 0;' }).done;
    });
    await page.waitForFunction(() => document.querySelector('.widget-slider .widget-readout')?.textContent === '0', null, { timeout: 10000 });
    await runCell(CELL.setValue);
    await page.waitForFunction(() => document.querySelector('.widget-slider .widget-readout')?.textContent === '7', null, { timeout: 10000 });
    assert.equal(await sliderHandle().getAttribute('aria-valuenow'), '7.0');
    await shot('slider-kernel-set', output(CELL.slider));
  });

  test('a Button click runs its onClick handler in the kernel', async () => {
    await runCell(CELL.button);
    const button = output(CELL.button).locator('button.widget-button');
    await button.waitFor({ timeout: 30000 });
    assert.equal(await button.textContent(), 'click me');
    await button.click();
    await page.waitForFunction(() => document.querySelector('button.widget-button')?.textContent === 'clicked 1', null, { timeout: 10000 });
    await button.click();
    await page.waitForFunction(() => document.querySelector('button.widget-button')?.textContent === 'clicked 2', null, { timeout: 10000 });
    await runCell(CELL.printClicks);
    assert.match(await output(CELL.printClicks).textContent(), /clicks: 2\b/);
    await shot('button', output(CELL.button));
  });

  test('an Output widget shows what display() and console.log did inside capture', async () => {
    await runCell(CELL.output);
    const widget = output(CELL.output).locator('.widget-output');
    await widget.locator('b.captured-display').waitFor({ timeout: 30000 });
    assert.equal(await widget.locator('b.captured-display').textContent(), 'captured display');
    assert.match(await widget.textContent(), /printed inside the Output widget/);
    await shot('output', output(CELL.output));
    await shot('notebook');
  });

  test('saving writes the widget state into the notebook', async () => {
    await app(() => window.jupyterapp.commands.execute('docmanager:save'));
    await page.waitForFunction(() => !window.jupyterapp.shell.currentWidget.context.model.dirty, null, { timeout: 10000 });
    const nb = JSON.parse(readFileSync(join(WORK, NOTEBOOK), 'utf8'));
    const saved = nb.metadata?.widgets?.[WIDGET_STATE];
    assert.ok(saved, `metadata.widgets has ${WIDGET_STATE}: ${JSON.stringify(Object.keys(nb.metadata))}`);
    assert.equal(saved.version_major, 2);
    const view = nb.cells[CELL.slider].outputs.find(o => o.data?.[WIDGET_VIEW])?.data[WIDGET_VIEW];
    assert.ok(view?.model_id, 'the slider cell saved its widget view');
    const model = saved.state[view.model_id];
    assert.ok(model, `the slider's model ${view.model_id} is in the saved state`);
    assert.equal(model.model_name, 'IntSliderModel');
    assert.equal(model.state.value, 7);
    assert.equal(model.state.description, 'n');
    const button = nb.cells[CELL.button].outputs.find(o => o.data?.[WIDGET_VIEW])?.data[WIDGET_VIEW];
    assert.equal(saved.state[button.model_id]?.state.description, 'clicked 2');
  });

  test('reopened after its kernel was shut down, the notebook shows the widgets in their saved state', async () => {
    const oldKernel = await app(async () => {
      const panel = window.jupyterapp.shell.currentWidget;
      const id = panel.sessionContext.session.kernel.id;
      await panel.sessionContext.shutdown();
      await panel.close();
      return id;
    });
    const running = await (await fetch(`${server.base}/api/kernels?token=${server.token}`)).json();
    assert.ok(!running.some(k => k.id === oldKernel), 'the kernel that made the widgets is shut down');
    await openNotebook();
    const newKernel = await app(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id);
    assert.notEqual(newKernel, oldKernel);
    await slider().waitFor({ timeout: 30000 });
    await page.waitForFunction(() => document.querySelector('.widget-slider .widget-readout')?.textContent === '7', null, { timeout: 10000 });
    assert.equal(await slider().locator('.widget-label').textContent(), 'n');
    assert.equal(await sliderHandle().getAttribute('aria-valuenow'), '7.0');
    assert.equal(await output(CELL.button).locator('button.widget-button').textContent(), 'clicked 2');
    await output(CELL.output).locator('.widget-output b.captured-display').waitFor({ timeout: 10000 });
    await shot('reopened');
  });

  test('no page errors, console errors or dialogs', () => {
    assert.deepEqual(problems, []);
  });
});
