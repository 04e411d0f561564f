// Latency from a real click in the lab to its effect during training (issue
// 14): the nnlab JupyterLab (test/browser/harness.mjs: server, headless
// Chromium) runs a notebook whose cell trains an MLP with liveFit; Playwright
// then clicks the live training display's Pause/Resume button N times
// (default 50) by turns, every fifth click a learning-rate change instead
// (the lr field filled, then the Set lr button clicked, or Enter pressed in
// the field, by turns). For each click it measures, from the moment the page
// received the click (a capture-phase 'click'/'keydown' listener, Date.now()):
//
//   kernel received  reply.receivedAt - click  (the command reached the run)
//   kernel applied   reply.appliedAt - click   (the loop paused, resumed, or
//                                               is about to train with the new lr)
//   page shows       the page's DOM shows the new state - click: the button
//                    reads Resume/Pause (the lr message for an lr change), and
//                    the live display's data-status (the events line for lr)
//
// The kernel's times come from its reply on the 'nnlab.run' comm (read from
// the page's websocket frames) and are checked against the run's events
// (run.startedAt + event.timeMs, printed by the notebook's last cell). Page
// and kernel clocks are both Date.now() on this machine. Printed: median and
// worst of each, the time of one batch during the clicks, and the load
// average. Nothing is asserted.
//
// Run: node bench/steer-click-latency.mjs [--clicks 50] [--seed 0]
//  (or: bash bench/steer-latency.sh --lab [--clicks 50]); screenshots and
//  the server log go to test-output/browser/click-latency-*.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OUT, build, launchBrowser, startServer, watchPage, writeNotebook } from '../test/browser/harness.mjs';

const { values: opts } = parseArgs({ options: { clicks: { type: 'string', default: '50' }, seed: { type: 'string', default: '0' } } });
const CLICKS = Number(opts.clicks);
const WORK = join(OUT, 'click-latency-notebooks');

// The same model and data as bench/steer_latency.py's 'mlp': 784-128-10, batch 64, random data.
const NOTEBOOK = [
  `import * as nn from 'nnlab';
import { liveFit } from 'nnlab/kernel';
nn.manualSeed(0);
const x = nn.randn([8192, 784]);
const y = nn.randint(0, 10, [8192]);
const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
const trainLoader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 64, shuffle: true });
const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const batchEnds: number[] = [];`,
  `const run = await liveFit(model, { trainLoader, optimizer, epochs: 1000, name: 'click latency',
  onBatchEnd: () => { batchEnds.push(Date.now()); } });`,
  `JSON.stringify({ status: run.status, steps: run.stepLosses.length, startedAt: run.startedAt.getTime(), events: run.events, batchEnds })`,
];

/** A seeded uniform generator (mulberry32), for the pauses between clicks. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The content of a kernel message in a websocket frame: JSON text, or the v1 binary protocol. */
function messageOf(payload) {
  if (typeof payload === 'string') return JSON.parse(payload);
  const buf = Buffer.from(payload);
  const n = Number(buf.readBigUInt64LE(0));
  const offsets = Array.from({ length: n }, (_, i) => Number(buf.readBigUInt64LE(8 * (i + 1))));
  const part = i => buf.subarray(offsets[i], i + 1 < n ? offsets[i + 1] : buf.length).toString('utf8');
  // parts: channel, header, parent_header, metadata, content, buffers...
  return { channel: part(0), header: JSON.parse(part(1)), content: JSON.parse(part(4)) };
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeNotebook(join(WORK, 'click-latency.ipynb'), NOTEBOOK);
  const loadBefore = loadavg();
  const server = await startServer(WORK);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const problems = watchPage(page);
    const replies = [];
    page.on('websocket', ws => {
      ws.on('framereceived', ({ payload }) => {
        try {
          const msg = messageOf(payload);
          const data = msg.content?.data;
          if (msg.header?.msg_type === 'comm_msg' && data?.kind === 'reply') replies.push(data);
        } catch {
          // not a kernel message
        }
      });
    });
    await page.goto(server.url('lab/tree/click-latency.ipynb?reset'));
    await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle', null, { timeout: 90000 });
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    await page.evaluate(() => void window.jupyterapp.commands.execute('notebook:run-all-cells'));
    const cells = page.locator('.jp-Notebook .jp-CodeCell');
    const live = cells.nth(1).locator('.nnlab-run');
    await live.locator('.nnlab-steer:not([hidden])').waitFor({ timeout: 120000 });
    await page.waitForTimeout(2000); // training under way, the chart drawn

    // In the page: the time each click/Enter reached it, and a watcher that
    // records when the DOM first shows what the current click asked for.
    await page.evaluate(() => {
      const area = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[1].querySelector('.jp-OutputArea');
      const lat = (window.__clickLatency = { inputs: [], watch: null });
      const onInput = e => {
        if (!(e.target instanceof Element) || !e.target.closest('.nnlab-run .nnlab-steer')) return;
        if (e.type === 'keydown' && e.key !== 'Enter') return;
        lat.inputs.push({ type: e.type, t: Date.now() });
      };
      document.addEventListener('click', onInput, true);
      document.addEventListener('keydown', onInput, true);
      const check = () => {
        const w = lat.watch;
        if (!w) return;
        const now = Date.now();
        const run = area.querySelector('.nnlab-run');
        if (!run) return;
        if (w.kind === 'lr') {
          const message = run.querySelector('.nnlab-steer-message')?.textContent ?? '';
          const events = (run.querySelector('.nnlab-run-events')?.textContent ?? '').trim();
          if (w.control === undefined && message.startsWith(`lr = ${w.value} from step`)) w.control = now;
          if (w.display === undefined && events !== w.eventsBefore && events.endsWith(`→ ${w.value}`)) w.display = now;
        } else {
          const label = run.querySelector('button.nnlab-steer-pause')?.textContent;
          if (w.control === undefined && label === (w.status === 'paused' ? 'Resume' : 'Pause')) w.control = now;
          if (w.display === undefined && run.dataset.status === w.status) w.display = now;
        }
      };
      new MutationObserver(check).observe(area, { subtree: true, childList: true, attributes: true, characterData: true });
      lat.arm = watch => {
        lat.watch = watch;
      };
    });

    const random = rng(Number(opts.seed));
    const rows = [];
    let paused = false;
    let lr = 0.05;
    for (let i = 0; i < CLICKS; i++) {
      await page.waitForTimeout(50 + 200 * random());
      const inputsBefore = await page.evaluate(() => window.__clickLatency.inputs.length);
      const repliesBefore = replies.length;
      let row;
      if (i % 5 === 4) {
        lr = lr === 0.05 ? 0.02 : 0.05;
        const eventsBefore = ((await live.locator('.nnlab-run-events').textContent()) ?? '').trim();
        await page.evaluate(w => window.__clickLatency.arm(w), { kind: 'lr', value: String(lr), eventsBefore });
        await live.locator('.nnlab-steer-lr').fill(String(lr));
        const byEnter = Math.floor(i / 5) % 2 === 1;
        if (byEnter) await live.locator('.nnlab-steer-lr').press('Enter');
        else await live.locator('button.nnlab-steer-set-lr').click();
        row = { action: 'lr', how: byEnter ? 'Enter' : 'click' };
      } else {
        const status = paused ? 'running' : 'paused';
        await page.evaluate(w => window.__clickLatency.arm(w), { kind: paused ? 'resume' : 'pause', status });
        await live.locator('button.nnlab-steer-pause').click();
        row = { action: paused ? 'resume' : 'pause', how: 'click' };
        paused = !paused;
      }
      await page.waitForFunction(() => {
        const w = window.__clickLatency.watch;
        return w.control !== undefined && w.display !== undefined;
      }, null, { timeout: 20000, polling: 20 }).catch(async () => {
        await page.screenshot({ path: join(OUT, 'click-latency-stuck.png') });
        throw new Error(`click ${i} (${row.action}): the page did not show its effect within 20 s; watch ${JSON.stringify(await page.evaluate(() => window.__clickLatency.watch))}`);
      });
      const started = Date.now();
      while (replies.length === repliesBefore && Date.now() - started < 10000) await page.waitForTimeout(5);
      const { inputs, watch } = await page.evaluate(() => window.__clickLatency);
      // NOTE: the last input: filling the lr field is no click; the Set lr click or Enter is.
      const input = inputs.length > inputsBefore ? inputs[inputs.length - 1] : undefined;
      const reply = replies[repliesBefore];
      if (!input) throw new Error(`click ${i} (${row.action}): the page recorded no click/Enter`);
      if (!reply) throw new Error(`click ${i} (${row.action}): no reply from the kernel seen on the websocket`);
      if (!reply.ok) throw new Error(`click ${i} (${row.action}): the kernel refused: ${reply.error}`);
      const expected = row.action === 'lr' ? 'set' : row.action;
      if (reply.action !== expected) throw new Error(`click ${i}: expected a '${expected}' reply, got '${reply.action}'`);
      rows.push({
        ...row, clickAt: input.t,
        received: reply.receivedAt - input.t, applied: reply.appliedAt - input.t,
        control: watch.control - input.t, display: watch.display - input.t,
        stepsMeanwhile: reply.run.steps - reply.receivedAtStep,
      });
    }
    await page.screenshot({ path: join(OUT, 'click-latency-last.png') });
    if (paused) await live.locator('button.nnlab-steer-pause').click();
    await live.locator('button.nnlab-steer-stop').click();
    const result = cells.nth(2).locator('.jp-OutputArea-output').first();
    await result.waitFor({ timeout: 60000 });
    const summary = JSON.parse((await result.textContent()).trim().replace(/^'|'$/g, ''));
    const loadAfter = loadavg();

    // The kernel's events, one per click (then the resume and the stop above).
    const events = summary.events.slice(0, CLICKS);
    const eventLag = rows.map((r, i) => summary.startedAt + events[i].timeMs - r.clickAt);
    const kinds = events.map(e => e.kind).join(',');
    const wanted = rows.map(r => r.action).join(',');
    if (kinds !== wanted) throw new Error(`the run's events (${kinds}) are not the clicks (${wanted})`);
    // Batch time while training during the clicks: the median gap between batch ends (pauses fall out).
    const firstClick = rows[0].clickAt;
    const ends = summary.batchEnds.filter(t => t >= firstClick);
    const gaps = ends.slice(1).map((t, i) => t - ends[i]);

    const fmt = xs => `median ${median(xs).toFixed(1).padStart(6)} ms, worst ${Math.max(...xs).toFixed(1).padStart(6)} ms`;
    const block = (name, rs) => {
      console.log(`${name} (${rs.length}):`);
      console.log(`  click → kernel received   ${fmt(rs.map(r => r.received))}`);
      console.log(`  click → kernel applied    ${fmt(rs.map(r => r.applied))}`);
      console.log(`  click → button/message    ${fmt(rs.map(r => r.control))}`);
      console.log(`  click → live display      ${fmt(rs.map(r => r.display))}`);
    };
    console.log(`steer click latency: ${CLICKS} clicks in the lab (headless Chromium, Playwright) during liveFit (MLP 784-128-10, batch 64, SGD, random data)`);
    console.log(`one batch while clicking: median ${median(gaps).toFixed(1)} ms (${gaps.length} batches); run ended '${summary.status}' after ${summary.steps} steps`);
    console.log(`load average ${loadBefore.map(l => l.toFixed(2)).join(' ')} before, ${loadAfter.map(l => l.toFixed(2)).join(' ')} after, on ${cpus().length} cores`);
    block('all', rows);
    for (const action of ['pause', 'resume', 'lr']) block(action, rows.filter(r => r.action === action));
    console.log(`check: click → the run's event time (run.startedAt + event.timeMs): ${fmt(eventLag)}`);
    console.log(`steps trained between a command's arrival and its effect: at most ${Math.max(...rows.map(r => r.stepsMeanwhile))}`);
    writeFileSync(join(OUT, 'click-latency.json'), JSON.stringify({ rows, loadBefore, loadAfter, batchMs: median(gaps) }, null, 1));
    if (problems.length) console.log(`page problems:\n  ${problems.join('\n  ')}`);
  } finally {
    await browser.close();
    await server.stop();
    writeFileSync(join(OUT, 'click-latency-server.log'), server.log());
  }
}

main().catch(err => {
  console.error(err);
  process.exitCode = 1;
});
