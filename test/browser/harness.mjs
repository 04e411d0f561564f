// The browser tests' machinery: build (scripts/lab.sh --build-only), a
// JupyterLab server on a free loopback port with its own token, Chromium
// through playwright-core (installed in extension/node_modules, never
// downloaded), notebooks written as .ipynb files, and page-error collection.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT = join(ROOT, 'test-output', 'browser');
const requireFromExtension = createRequire(join(ROOT, 'extension', 'package.json'));

/** Sets up and builds everything the server needs (quick when up to date). */
export function build() {
  const setup = spawnSync('bash', [join(ROOT, 'scripts', 'setup-lab.sh'), '--test'], { cwd: ROOT, stdio: 'inherit' });
  if (setup.status !== 0) throw new Error('scripts/setup-lab.sh --test failed');
  const result = spawnSync('bash', [join(ROOT, 'scripts', 'lab.sh'), '--build-only'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('scripts/lab.sh --build-only failed');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the nnlab JupyterLab server rooted at `rootDir`. Resolves to
 * { url, base, token, log(), stop() } once the REST API answers.
 */
export async function startServer(rootDir) {
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const env = {
    ...process.env,
    JUPYTER_PATH: join(ROOT, '.jupyter-data'),
    PYTHONPATH: join(ROOT, 'extension', 'app', 'server'),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  const args = [
    '-Xfrozen_modules=off', '-c', 'import nnlab_lab; nnlab_lab.main()',
    `--port=${port}`, '--port-retries=0', '--no-browser', '--expose-app',
    `--ServerApp.root_dir=${rootDir}`, `--ServerApp.token=${token}`,
  ];
  const child = spawn('/usr/bin/python3', args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', d => (log += d));
  child.stderr.on('data', d => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise(resolve => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      try {
        process.kill(-child.pid, 'SIGTERM'); // the server shuts its kernels down
      } catch {
        resolve();
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000).unref();
    });
  // NOTE: never leave the server behind. SIGTERM lets it shut its kernels down
  // (they run in sessions of their own); SIGKILL follows after 5 s.
  process.once('exit', () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stop().then(() => process.exit(1)));
  const started = Date.now();
  while (Date.now() - started < 30000) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${base}/api/status?token=${token}`);
      if (res.ok) return { base, token, url: path => `${base}/${path}${path.includes('?') ? '&' : '?'}token=${token}`, log: () => log, stop };
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`the server did not answer within 30 s:\n${log}`);
}

/** Chromium from Debian, headless (playwright gives it a fresh temporary profile). */
export async function launchBrowser() {
  const { chromium } = requireFromExtension('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Records what goes wrong in a page: uncaught exceptions, console errors
 * (minus `ignored` patterns), and dialogs (an `alert` means a script ran).
 */
export function watchPage(page, ignored = []) {
  const problems = [];
  page.on('pageerror', err => problems.push(`page error: ${err.message}`));
  page.on('console', msg => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (!ignored.some(re => re.test(text))) problems.push(`console error: ${text}`);
  });
  page.on('dialog', dialog => {
    problems.push(`dialog (${dialog.type()}): ${dialog.message()}`);
    void dialog.dismiss();
  });
  return problems;
}

/** Writes a notebook for the nnlab kernel; `cells` are strings (code) or { markdown }. */
export function writeNotebook(path, cells) {
  const nb = {
    cells: cells.map(c =>
      typeof c === 'string'
        ? { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: c }
        : { cell_type: 'markdown', metadata: {}, source: c.markdown }
    ),
    metadata: {
      kernelspec: { display_name: 'nnlab (TypeScript)', language: 'typescript', name: 'nnlab' },
      language_info: { name: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 4,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(nb, null, 1));
}

/** Shows a side panel of the lab by its id, widening the right sidebar (dragging its split handle) so the panel and its screenshot are readable. */
export async function openPanel(page, id) {
  await page.evaluate(id => window.jupyterapp.shell.activateById(id), id);
  await page.locator(`#${id}`).waitFor({ state: 'visible' });
  const box = await page.locator('#jp-right-stack').boundingBox();
  if (box.width < 600) {
    await page.mouse.move(box.x - 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x - (620 - box.width), box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
  }
}
