/**
 * Shared setup of the real-kernel tests: the kernelspec and Debian packages
 * (scripts/setup-jupyter.sh), a build of dist/ no older than the sources the
 * kernel runs, and runners for the Python drivers in this folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const ROOT = join(__dirname, '..', '..');
export const HERE = __dirname;
export const PYTHON = '/usr/bin/python3';
export const ENV = { ...process.env, JUPYTER_PATH: join(ROOT, '.jupyter-data'), PYDEVD_DISABLE_FILE_VALIDATION: '1' };

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs setup-jupyter.sh and rebuilds dist/ when the kernel's sources are newer (one process at a time). */
export function ensureKernel(): void {
  execFileSync('bash', [join(ROOT, 'scripts', 'setup-jupyter.sh')], { cwd: ROOT, stdio: 'pipe' });
  const built = join(ROOT, 'dist', 'kernel', 'src', 'launcher.js');
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'kernel')));
  const fresh = () => existsSync(built) && statSync(built).mtimeMs >= sources;
  if (fresh()) return;
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const lock = join(ROOT, 'test-output', '.kernel-build.lock');
  for (let i = 0; i < 600; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (fresh()) return;
      sleep(200);
    }
  }
  try {
    if (!fresh()) {
      // NOTE: tsc emits even when files of other areas have type errors; the kernel tests judge the result.
      spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(built)) throw new Error(`the build did not produce ${built}`);
}

const created: string[] = [];

/** A fresh folder inside the project (like one a user creates), under test-output/. */
export function newProjectFolder(prefix: string): string {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'test-output', `${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes the folders newProjectFolder made (call in afterAll). */
export function removeProjectFolders(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface KernelMessage {
  type: string;
  content: Record<string, any>;
  t: number;
}
export interface CellResult {
  reply: Record<string, any>;
  t_reply: number;
  messages: KernelMessage[];
  statuses: string[];
  queries: { code: string; sent: number; reply: Record<string, any>; t_reply: number; messages: KernelMessage[] }[];
  seconds: number;
}
export interface CellSpec {
  code: string;
  timeout?: number;
  silent?: boolean;
  interrupt_after?: number;
  queries?: { at: number; code: string }[];
}

/** Runs cells on a fresh nnlab kernel (kernel_session.py) and returns every message of each. */
export function runCells(cells: CellSpec[], cwd: string): CellResult[] {
  const out = join(cwd, 'session.json');
  const r = spawnSync(PYTHON, [join(HERE, 'kernel_session.py'), out], {
    input: JSON.stringify({ kernel: 'nnlab', cwd, cells }), env: ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`kernel_session.py failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8')) as CellResult[];
}

export interface CommsMessage { type: string; parent: string | null; content: Record<string, any>; buffers_hex: string[]; t: number }
export interface CommsStep {
  msg_id: string;
  t_sent: number;
  reply?: { type: string; content: Record<string, any> } | null;
  messages: CommsMessage[];
  during?: { msg_id: string; t_sent: number }[];
}

/** Runs comms.py's scripted-frontend steps on a fresh nnlab kernel; returns every step's messages and the kernel's stderr. */
export function runComms(steps: unknown[], cwd: string, timeoutMs = 300_000): { steps: CommsStep[]; stderr: string } {
  const out = join(cwd, 'comms.json');
  const r = spawnSync(PYTHON, [join(HERE, 'comms.py'), out], {
    input: JSON.stringify({ kernel: 'nnlab', cwd, steps }), env: ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs,
  });
  if (r.status !== 0) throw new Error(`comms.py failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

export interface NotebookOutput {
  output_type: string;
  data?: Record<string, any>;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  execution_count?: number;
}
export interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: NotebookOutput[] }[];
}

/** Executes a notebook with nbclient on the nnlab kernel (run_notebook.py), with the kernel running in `cwd`. */
export function runNotebook(path: string, cwd: string): Notebook {
  // NOTE: the executed copy goes to a temporary folder, never next to the user's notebooks.
  const outDir = mkdtempSync(join(tmpdir(), 'nnlab-executed-'));
  const out = join(outDir, 'executed.ipynb');
  try {
    const r = spawnSync(PYTHON, [join(HERE, 'run_notebook.py'), path, out, '--cwd', cwd], {
      env: ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000,
    });
    if (r.status !== 0) throw new Error(`run_notebook.py failed (${r.status}):\n${r.stderr}`);
    return JSON.parse(readFileSync(out, 'utf8')) as Notebook;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The text of a notebook output field (a string or a list of lines). */
export function joined(x: string | string[] | undefined): string {
  return Array.isArray(x) ? x.join('') : x ?? '';
}
