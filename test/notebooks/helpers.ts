/**
 * Runs a teaching notebook (notebooks/NN-name.ipynb) headless on the nnlab
 * kernel, from a temporary copy inside the project (so `import 'nnlab'`
 * resolves as it does for a learner), and gives the tests its outputs.
 *
 * The executed copy is read back; the committed notebook is left alone.
 * notebooks/src/execute.py does the run with nbclient (Debian's
 * /usr/bin/python3); it stops at the first failing cell.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ensureKernel } from '../kernel-integration/helpers';

export const ROOT = join(__dirname, '..', '..');
export const NOTEBOOKS = join(ROOT, 'notebooks');
const PYTHON = '/usr/bin/python3';

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
export interface Cell {
  cell_type: 'code' | 'markdown';
  source: string | string[];
  execution_count?: number | null;
  outputs?: Output[];
  metadata: Record<string, any>;
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, any>;
}

export const joined = (x: string | string[] | undefined): string => (Array.isArray(x) ? x.join('') : x ?? '');

export interface Executed {
  nb: Notebook;
  seconds: number;
  /** stderr of the runner (the failing cell and its error, if any). */
  log: string;
  status: number | null;
}

/**
 * Executes notebooks/<name>.ipynb in a fresh kernel from a temporary folder
 * under test-output/ and resolves to the executed notebook. Asynchronous, so
 * the test worker stays responsive during the minutes a notebook may take.
 */
export async function executeNotebook(name: string, timeoutSeconds = 420): Promise<Executed> {
  ensureKernel();
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'test-output', `nb-${name.slice(0, 2)}-`));
  try {
    const src = join(NOTEBOOKS, `${name}.ipynb`), copy = join(dir, `${name}.ipynb`), out = join(dir, 'executed.ipynb');
    copyFileSync(src, copy);
    const t0 = performance.now();
    const child = spawn(PYTHON, [join(NOTEBOOKS, 'src', 'execute.py'), copy, out, '--cwd', dir, '--timeout', String(timeoutSeconds)], {
      env: { ...process.env, JUPYTER_PATH: join(ROOT, '.jupyter-data'), PYDEVD_DISABLE_FILE_VALIDATION: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (log += chunk));
    const killer = setTimeout(() => child.kill('SIGTERM'), (timeoutSeconds + 60) * 1000);
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    clearTimeout(killer);
    const seconds = (performance.now() - t0) / 1000;
    if (!existsSync(out)) throw new Error(`execute.py wrote no notebook for ${name} (status ${status}):\n${log}`);
    const nb = JSON.parse(readFileSync(out, 'utf8')) as Notebook;
    console.log(`${name}: executed in ${seconds.toFixed(1)} s`);
    return { nb, seconds, log, status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The committed notebook. */
export function committed(name: string): Notebook {
  return JSON.parse(readFileSync(join(NOTEBOOKS, `${name}.ipynb`), 'utf8')) as Notebook;
}

export function sizeOf(name: string): number {
  return statSync(join(NOTEBOOKS, `${name}.ipynb`)).size;
}

/** The notebook as notebooks/src/build.mjs makes it from notebooks/src/<name>.ts (no outputs). */
export function built(name: string): Notebook {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'test-output', `nb-build-`));
  try {
    const r = spawnSync(process.execPath, [join(NOTEBOOKS, 'src', 'build.mjs'), '--out', dir, name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build.mjs failed: ${r.stderr}`);
    return JSON.parse(readFileSync(join(dir, `${name}.ipynb`), 'utf8')) as Notebook;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const codeCells = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === 'code');

/** Every error output of the notebook, as 'ename: evalue'. */
export function errors(nb: Notebook): string[] {
  return codeCells(nb).flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`));
}

/** All printed text of the notebook (streams and text/plain of results), in order. */
export function allText(nb: Notebook): string {
  return codeCells(nb).flatMap((c) => (c.outputs ?? []).map((o) => (o.output_type === 'stream' ? joined(o.text) : joined(o.data?.['text/plain'] as string | string[] | undefined)))).join('\n');
}

/** The outputs of the first code cell whose source contains `marker`. */
export function outputsOf(nb: Notebook, marker: string): Output[] {
  const cell = codeCells(nb).find((c) => joined(c.source).includes(marker));
  if (!cell) throw new Error(`no code cell contains ${JSON.stringify(marker)}`);
  return cell.outputs ?? [];
}

/** The rich outputs (display_data / execute_result) of that cell, each as its MIME bundle. */
export function bundlesOf(nb: Notebook, marker: string): Record<string, unknown>[] {
  return outputsOf(nb, marker).filter((o) => o.data).map((o) => o.data!);
}

/** The first rich output of that cell that has MIME type `mime`; throws when there is none. */
export function bundleWith(nb: Notebook, marker: string, mime: string): Record<string, unknown> {
  const found = bundlesOf(nb, marker).find((b) => mime in b);
  if (!found) throw new Error(`the cell with ${JSON.stringify(marker)} shows no ${mime}`);
  return found;
}

/** The first number captured by `re` (group 1) in the notebook's text; throws when absent. */
export function num(text: string, re: RegExp): number {
  const m = re.exec(text);
  if (!m) throw new Error(`no match for ${re} in the notebook's output`);
  return Number(m[1]);
}

/** Every match of `re` (group 1) as numbers. */
export function nums(text: string, re: RegExp): number[] {
  return [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))].map((m) => Number(m[1]));
}

/**
 * The suite of a notebook, called inside its describe(): executes it once
 * before the tests (handing the run and its outputs' text to `use`) and adds
 * the checks every notebook gets: it ran to the end without an error output,
 * the committed file has outputs (every code cell executed, no errors) and is
 * under 3 MB, and its cells are those its source in notebooks/src builds.
 */
export function notebookSuite(name: string, use: (run: Executed, text: string) => void): void {
  let executed: Executed;
  beforeAll(async () => {
    executed = await executeNotebook(name);
    use(executed, allText(executed.nb));
  }, 600_000);
  commonChecks(name, () => executed);
}

function commonChecks(name: string, run: () => Executed): void {
  it('runs top to bottom on the nnlab kernel with no error output', () => {
    const { nb, status, log } = run();
    expect(errors(nb), log).toEqual([]);
    expect(status, log).toBe(0);
    for (const c of codeCells(nb)) expect(c.execution_count, joined(c.source).slice(0, 80)).toBeTypeOf('number');
    // a cell ending in display(...) shows its handle as the result: end it with the displayable itself
    for (const c of codeCells(nb)) expect(JSON.stringify(c.outputs ?? []), joined(c.source).slice(0, 80)).not.toContain('DisplayHandle {');
  });

  it('is committed with the outputs of a run, under 3 MB, and matches its source in notebooks/src', () => {
    const nb = committed(name);
    expect(sizeOf(name)).toBeLessThan(3_000_000);
    expect(errors(nb)).toEqual([]);
    const cells = codeCells(nb);
    for (const c of cells) expect(c.execution_count, joined(c.source).slice(0, 80)).toBeTypeOf('number');
    expect(cells.filter((c) => (c.outputs ?? []).length > 0).length).toBeGreaterThan(cells.length / 2);
    expect(nb.metadata.kernelspec.name).toBe('nnlab');
    const source = built(name);
    expect(nb.cells.map((c) => [c.cell_type, joined(c.source)])).toEqual(source.cells.map((c) => [c.cell_type, joined(c.source)]));
    // A solution cell stays collapsed (input and outputs) in the committed notebook, as its source marks it.
    expect(nb.cells.map((c) => isSolution(c))).toEqual(source.cells.map((c) => isSolution(c)));
  });

  it('shows every chart as an image/png too, for GitHub, nbviewer and VS Code (issue 16, item 4)', () => {
    const charts = [MIME.plotly, MIME.run, MIME.activations, MIME.images, MIME.confusion, 'image/svg+xml'];
    const missing: string[] = [];
    for (const c of codeCells(committed(name))) {
      for (const o of c.outputs ?? []) {
        const data = (o as { data?: Record<string, unknown> }).data;
        if (data && charts.some((m) => m in data) && !isPng(data['image/png'])) missing.push(`${joined(c.source).slice(0, 60)} (${Object.keys(data).join(', ')})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('titles the axes of every chart (issue 16, item 3)', () => {
    const untitled: string[] = [];
    for (const c of codeCells(committed(name))) {
      for (const o of c.outputs ?? []) {
        const fig = (o as { data?: Record<string, unknown> }).data?.[MIME.plotly] as { layout?: Record<string, any> } | undefined;
        if (!fig) continue;
        const layout = fig.layout ?? {};
        const axes = Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k));
        for (const ax of axes.length ? axes : ['xaxis', 'yaxis']) {
          const a = layout[ax] ?? {};
          const title = typeof a.title === 'string' ? a.title : a.title?.text;
          if (a.visible !== false && !title) untitled.push(`${joined(c.source).slice(0, 60)}: ${ax}`);
        }
      }
    }
    expect(untitled).toEqual([]);
  });
}

/** A solution cell (`// %% [solution]` in notebooks/src): input and outputs collapsed when the notebook opens. */
export const isSolution = (c: Cell): boolean => c.cell_type === 'code' && c.metadata?.jupyter?.source_hidden === true && c.metadata?.jupyter?.outputs_hidden === true;

/**
 * The exercises at the end of the notebook: a '## Exercises' Markdown cell followed by 3–5
 * exercises, each a Markdown cell with the task and a collapsed solution cell that ran in
 * this execution without an error and printed or showed something. Returns the solution cells.
 */
export function checkExercises(nb: Notebook): Cell[] {
  const start = nb.cells.findIndex((c) => c.cell_type === 'markdown' && /^## Exercises/m.test(joined(c.source)));
  expect(start, 'a "## Exercises" Markdown cell').toBeGreaterThan(0);
  const rest = nb.cells.slice(start);   // the heading cell may hold the first task
  const solutions = rest.filter(isSolution);
  expect(solutions.length).toBeGreaterThanOrEqual(3);
  expect(solutions.length).toBeLessThanOrEqual(5);
  expect(nb.cells.slice(0, start).filter(isSolution)).toEqual([]);
  for (const s of solutions) {
    const i = rest.indexOf(s);
    expect(rest[i - 1]?.cell_type, `the task before ${joined(s.source).slice(0, 60)}`).toBe('markdown');
    expect(s.execution_count, joined(s.source).slice(0, 60)).toBeTypeOf('number');
    expect((s.outputs ?? []).filter((o) => o.output_type === 'error')).toEqual([]);
    expect((s.outputs ?? []).length, `output of ${joined(s.source).slice(0, 60)}`).toBeGreaterThan(0);
  }
  return solutions;
}

/** The printed text (streams and text/plain) of the given cells. */
export function textOf(cells: Cell[]): string {
  return cells.flatMap((c) => (c.outputs ?? []).map((o) => (o.output_type === 'stream' ? joined(o.text) : joined(o.data?.['text/plain'] as string | string[] | undefined)))).join('\n');
}

/** MIME type names used by the notebooks' key outputs. */
export const MIME = {
  plotly: 'application/vnd.plotly.v1+json',
  run: 'application/vnd.nnlab.run+json',
  model: 'application/vnd.nnlab.model+json',
  activations: 'application/vnd.nnlab.activations+json',
  images: 'application/vnd.nnlab.images+json',
  confusion: 'application/vnd.nnlab.confusion+json',
} as const;

/** True when `png` (base64) decodes to a PNG image. */
export function isPng(png: unknown): boolean {
  return typeof png === 'string' && Buffer.from(png, 'base64').subarray(1, 4).toString() === 'PNG';
}
