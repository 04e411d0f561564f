/**
 * `npm run bench`: one table of samples/s — training (batch 64, SGD momentum
 * 0.9) and inference (batch 256) — for the MLP, LeNet-5 and the RNN, measured
 * in the same run for nnlab, TensorFlow.js 4.22 (cpu backend, and wasm backend
 * with SIMD), ConvNetJS 0.3 (plain JavaScript, one sample at a time; MLP and
 * LeNet-5 only) and PyTorch through /usr/bin/python3 (bench/torch_bench.py, with
 * torch.set_num_threads equal to nnlab's thread count) when Debian's
 * python3-torch is installed; with the ratios. Then matmul GFLOPS.
 * Speed is only ever measured here, never in tests.
 *
 *   npm run bench            every case (MLP, LeNet-5, RNN) and matmul
 *   npm run bench -- mlp     the cases whose name (or key) contains "mlp"; "lstm" adds the LSTM
 *   npm run bench -- matmul  matmul GFLOPS only
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { convnetjsVersion, type BenchCase, type Speed, type Speeds, type TfBackend } from './common';
import { mlpCase } from './cases/mlp';
import { lenetCase } from './cases/lenet';
import { rnnCase, lstmCase } from './cases/rnn';
import { matmulRows } from './cases/matmul';
import { getBackend } from '../src/kernels/backend';
import { getNumThreads } from '../src/kernels/threads';

const defaultCases: BenchCase[] = [mlpCase, lenetCase, rnnCase];
const allCases: BenchCase[] = [...defaultCases, lstmCase];
const PYTHON = '/usr/bin/python3';

/** What the PyTorch column holds: speeds per torch case key, or why there are none. */
type TorchResult = { label: string; cases: Record<string, Speeds> } | { na: string };

/** Runs bench/torch_bench.py once for the selected cases with `threads` torch threads. */
function runTorch(selected: BenchCase[], threads: number): TorchResult {
  const script = [path.join(__dirname, 'torch_bench.py'), path.join(__dirname, '..', '..', 'bench', 'torch_bench.py')]
    .find((p) => fs.existsSync(p));
  if (!script) return { na: 'bench/torch_bench.py not found' };
  if (!fs.existsSync(PYTHON)) return { na: `${PYTHON} not found` };
  console.log(`PyTorch: ${PYTHON} ${path.relative(process.cwd(), script)} --threads ${threads}`);
  const r = spawnSync(PYTHON, [script, '--threads', String(threads), '--cases', selected.map((c) => c.torch).join(',')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000,
    // OpenMP's default spin-waiting collapses torch's multi-threaded speed when
    // another process holds a core (LeNet training ~20× slower on 2 shared
    // cores); passive waiting gives PyTorch its fair figure.
    env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' },
  });
  if (r.error) return { na: `${PYTHON} failed: ${r.error.message}` };
  const lastLine = r.stdout.trim().split('\n').pop() ?? '';
  let out: { error?: string; torch?: string; threads?: number; blas?: string; cases?: Record<string, { train: number; infer: number }> };
  try {
    out = JSON.parse(lastLine);
  } catch {
    return { na: `torch_bench.py exited with status ${r.status} without JSON output` };
  }
  if (out.error || !out.cases) return { na: out.error ?? 'torch_bench.py gave no cases' };
  return { label: `PyTorch ${out.torch} (${out.threads} thr, ${out.blas === 'reference' ? 'reference BLAS' : 'BLAS'})`, cases: out.cases };
}

/** Switches tfjs to `backend`; for wasm, loads the .wasm files from node_modules (no network). Returns an error message on failure. */
async function useTfBackend(backend: TfBackend): Promise<string | null> {
  try {
    if (backend === 'wasm') {
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      setWasmPaths(dir + path.sep);
    }
    if (!(await tf.setBackend(backend))) return `tf.setBackend('${backend}') returned false`;
    await tf.ready();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function main(): Promise<void> {
  const filter = process.argv[2]?.toLowerCase();
  const selected = filter
    ? allCases.filter((c) => c.name.toLowerCase().includes(filter) || c.torch === filter)
    : defaultCases;
  const withMatmul = !filter || 'matmul'.includes(filter);
  const threads = getNumThreads();
  console.log(`nnlab backend: ${getBackend()}, ${threads} thread(s) (NNLAB_BACKEND=js|wasm, NNLAB_THREADS=n)`);
  if (selected.length === 0 && !withMatmul) {
    throw new Error(`bench: no case matches '${filter}' (cases: ${allCases.map((c) => c.name).join(', ')}, matmul)`);
  }

  const notes: string[] = [];
  const note = (text: string): string => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return `[${i + 1}]`;
  };

  if (selected.length > 0) {
    // PyTorch first, on its own, so it does not share the cores with nnlab or tfjs.
    const torch = runTorch(selected, threads);
    const wasmError = await useTfBackend('wasm');
    const tfBackends: TfBackend[] = wasmError ? ['cpu'] : ['cpu', 'wasm'];
    const wasmInfo = wasmError ? '' : `tfjs wasm: SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, ` +
      `${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi-threaded' : '1 thread (no threaded wasm in Node)'}`;

    const cnn = convnetjsVersion();
    const cnnLabel = 'na' in cnn ? 'ConvNetJS' : `ConvNetJS ${cnn.version.split('.').slice(0, 2).join('.')}`;

    const header = ['samples/s', 'nnlab', 'tfjs cpu'];
    if (!wasmError) header.push('tfjs wasm');
    header.push(cnnLabel, 'na' in torch ? 'PyTorch' : torch.label, 'nnlab / tfjs cpu');
    if (!wasmError) header.push('nnlab / tfjs wasm');
    header.push('nnlab / ConvNetJS', 'nnlab / PyTorch');
    const rows: string[][] = [header];

    for (const c of selected) {
      const ours = c.nnlab();
      log(c.name, 'nnlab', ours);
      const theirs: Partial<Record<TfBackend, Speeds>> = {};
      for (const b of tfBackends) {
        await useTfBackend(b);
        theirs[b] = await c.tfjs(b);
        log(c.name, `tfjs ${b}`, theirs[b]!);
      }
      const cj = runConvNetJS(c, cnn);
      if (c.convnetjs && !('na' in cnn)) log(c.name, cnnLabel, cj);
      const pt: Speeds = 'na' in torch ? { train: torch, infer: torch } : torch.cases[c.torch] ?? { train: { na: 'no result' }, infer: { na: 'no result' } };
      for (const task of ['train', 'infer'] as const) {
        const label = `${c.name}, ${task === 'train' ? 'training (batch 64)' : 'inference (batch 256)'}`;
        const cell = (s: Speed, who: string): string => (typeof s === 'number' ? fmt(s) : `n/a ${note(`${who}: ${s.na}`)}`);
        const row = [label, cell(ours[task], 'nnlab'), cell(theirs.cpu![task], 'tfjs cpu')];
        if (!wasmError) row.push(cell(theirs.wasm![task], 'tfjs wasm'));
        row.push(cell(cj[task], 'ConvNetJS'));
        row.push('na' in torch ? `n/a ${note(`PyTorch: ${torch.na}`)}` : cell(pt[task], 'PyTorch'));
        row.push(ratio(ours[task], theirs.cpu![task]));
        if (!wasmError) row.push(ratio(ours[task], theirs.wasm![task]));
        row.push(ratio(ours[task], cj[task]), ratio(ours[task], pt[task]));
        rows.push(row);
      }
    }
    await useTfBackend('cpu');

    const footer = [
      `nnlab: ${getBackend()} backend, ${threads} thread(s). tfjs 4.22: cpu backend; few batches where it is slow.`,
      wasmError
        ? `tfjs wasm column dropped: the backend did not initialise offline (${wasmError}).`
        : `${wasmInfo}; .wasm loaded from node_modules/@tensorflow/tfjs-backend-wasm.`,
      'na' in cnn ? '' : `${cnnLabel} (npm convnetjs ${cnn.version}): plain JavaScript, one sample per forward/backward; Trainer sgd, momentum 0.9, batch_size 64, l2_decay 0, same lr; few batches.`,
      'na' in torch ? '' : `PyTorch via ${PYTHON} bench/torch_bench.py, torch.set_num_threads(${threads}), OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'}, same models, batches and optimiser.`,
      ...notes.map((n, i) => `[${i + 1}] ${n}`),
    ].filter((s) => s.length > 0);
    printTable(rows, footer);
  }
  if (withMatmul) printTable(matmulRows(), []);
}

/** ConvNetJS speeds of case `c`, or n/a: ConvNetJS not loadable, no ConvNetJS version of the case, or the error it threw. */
function runConvNetJS(c: BenchCase, cnn: ReturnType<typeof convnetjsVersion>): Speeds {
  const na = (reason: string): Speeds => ({ train: { na: reason }, infer: { na: reason } });
  if ('na' in cnn) return na(cnn.na);
  if (!c.convnetjs) return na(`no ConvNetJS version of ${c.name}`);
  try {
    return c.convnetjs();
  } catch (err) {
    return na((err instanceof Error ? err.message : String(err)).split('\n')[0]);
  }
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(2);
}

function ratio(a: Speed, b: Speed): string {
  if (typeof a !== 'number' || typeof b !== 'number') return '—';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function log(name: string, who: string, s: Speeds): void {
  const show = (v: Speed) => (typeof v === 'number' ? `${fmt(v)} samples/s` : `n/a (${v.na})`);
  console.log(`${name}: ${who} training ${show(s.train)}, inference ${show(s.infer)}`);
}

function printTable(rows: string[][], footer: string[]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i > 0;
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log('| ' + r.map((cell, k) => (i > 0 && numeric(k) ? cell.padStart(widths[k]) : cell.padEnd(widths[k]))).join(' | ') + ' |');
    if (i === 0) console.log('|' + widths.map((w, k) => (numeric(k) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|');
  }
  for (const line of footer) console.log(line);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
