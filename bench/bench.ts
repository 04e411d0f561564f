/**
 * `npm run bench`: one table of samples/s — training (batch 64, SGD momentum
 * 0.9) and inference (batch 256) — for the MLP, LeNet-5 and the RNN, measured
 * in the same run for nnlab, TensorFlow.js 4.22 (cpu backend, and wasm backend
 * with SIMD), ConvNetJS 0.3 (plain JavaScript, one sample at a time; MLP and
 * LeNet-5 only) and PyTorch through /usr/bin/python3 (bench/torch_bench.py, with
 * torch.set_num_threads equal to nnlab's thread count) when Debian's
 * python3-torch is installed — twice: with the reference BLAS that Debian's
 * torch gets by default, and with Debian's OpenBLAS (libopenblas0-pthread,
 * unpacked into .cache/openblas/ by `scripts/setup.sh --bench`, loaded through
 * LD_LIBRARY_PATH, not installed); with the ratios. Then matmul GFLOPS.
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
import { backendInfo, getBackend, type Backend } from '../src/kernels/backend';
import { getNumThreads } from '../src/kernels/threads';

const defaultCases: BenchCase[] = [mlpCase, lenetCase, rnnCase];
const allCases: BenchCase[] = [...defaultCases, lstmCase];
const PYTHON = '/usr/bin/python3';

/** What a PyTorch column holds: speeds per torch case key, or why there are none. */
type TorchResult = { label: string; cases: Record<string, Speeds> } | { na: string };

/** The project's root: bench.ts runs from dist/bench/ (npm run bench) or from bench/. */
const ROOT = [path.join(__dirname, '..', '..'), path.join(__dirname, '..')]
  .find((d) => fs.existsSync(path.join(d, 'package.json'))) ?? process.cwd();
/** Where `scripts/setup.sh --bench` unpacks Debian's libopenblas0-pthread (git-ignored). */
const OPENBLAS_CACHE = path.join(ROOT, '.cache', 'openblas');

/** `p` relative to the working directory when it lies inside it, else absolute. */
function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
}

/** Debian's reference BLAS directory (/usr/lib/<triplet>/blas, holding libblas.so.3), or null. */
function referenceBlasDir(): string | null {
  return libDirs('/usr/lib', 'blas')[0] ?? null;
}

/** The unpacked OpenBLAS library directory and its Debian package, or why there is none. */
function openblasDir(): { dir: string; deb: string } | { na: string } {
  const dir = libDirs(path.join(OPENBLAS_CACHE, 'usr', 'lib'), 'openblas-pthread')[0];
  if (!dir) {
    return {
      na: `Debian's OpenBLAS is not unpacked in ${rel(OPENBLAS_CACHE)}/; ` +
        '`bash scripts/setup.sh --bench` (run by `npm run bench`) unpacks libopenblas0-pthread there with ' +
        '`apt-get download` + `dpkg-deb -x` (needs libgfortran5 installed and a Debian mirror; log in /tmp/nnlab-apt-bench.log)',
    };
  }
  let deb = 'libopenblas0-pthread';
  try {
    const fields = fs.readFileSync(path.join(OPENBLAS_CACHE, 'DEBIAN-PACKAGE'), 'utf8');
    const version = /^Version:\s*(\S+)/m.exec(fields)?.[1];
    if (version) deb += ` ${version}`;
  } catch {
    // written by setup.sh after unpacking; only the version in the footer is lost
  }
  return { dir, deb };
}

/** The directories `<base>/<triplet>/<name>` that hold a libblas.so.3 (e.g. /usr/lib/x86_64-linux-gnu/blas). */
function libDirs(base: string, name: string): string[] {
  let triplets: string[];
  try {
    triplets = fs.readdirSync(base);
  } catch {
    return [];
  }
  return triplets.map((t) => path.join(base, t, name)).filter((d) => fs.existsSync(path.join(d, 'libblas.so.3')));
}

/**
 * Runs bench/torch_bench.py once for the selected cases with `threads` torch
 * threads; with `libDir` first on LD_LIBRARY_PATH, so that torch's
 * libblas.so.3 resolves there. `expectBlas`: the BLAS the run must report
 * having loaded (else n/a, naming what it loaded instead).
 */
function runTorch(selected: BenchCase[], threads: number, libDir: string | null, expectBlas?: string): TorchResult {
  const script = [path.join(__dirname, 'torch_bench.py'), path.join(__dirname, '..', '..', 'bench', 'torch_bench.py')]
    .find((p) => fs.existsSync(p));
  if (!script) return { na: 'bench/torch_bench.py not found' };
  if (!fs.existsSync(PYTHON)) return { na: `${PYTHON} not found` };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // OpenMP's default spin-waiting collapses torch's multi-threaded speed when
    // another process holds a core (LeNet training ~20× slower on 2 shared
    // cores); passive waiting gives PyTorch its fair figure.
    OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
    // OpenBLAS (pthread build) runs its own threads, not torch's: same count.
    OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? String(threads),
  };
  if (libDir) env.LD_LIBRARY_PATH = [libDir, process.env.LD_LIBRARY_PATH].filter((d) => d).join(':');
  console.log(`PyTorch: ${libDir ? `LD_LIBRARY_PATH=${rel(libDir)} ` : ''}${PYTHON} ${rel(script)} --threads ${threads}`);
  const r = spawnSync(PYTHON, [script, '--threads', String(threads), '--cases', selected.map((c) => c.torch).join(',')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000, env,
  });
  if (r.error) return { na: `${PYTHON} failed: ${r.error.message}` };
  const lastLine = r.stdout.trim().split('\n').pop() ?? '';
  let out: { error?: string; torch?: string; threads?: number; blas?: string; blas_path?: string | null; cases?: Record<string, { train: number; infer: number }> };
  try {
    out = JSON.parse(lastLine);
  } catch {
    return { na: `torch_bench.py exited with status ${r.status} without JSON output` };
  }
  if (out.error || !out.cases) return { na: out.error ?? 'torch_bench.py gave no cases' };
  const blas = out.blas ?? 'BLAS unknown';
  if (expectBlas && blas !== expectBlas) {
    return { na: `with LD_LIBRARY_PATH=${libDir && rel(libDir)} torch loaded ${blas}${out.blas_path && out.blas_path !== blas ? ` (${out.blas_path})` : ''}, not ${expectBlas}` };
  }
  const version = (out.torch ?? '').split('.').slice(0, 2).join('.');
  const shortBlas = blas.startsWith('/') ? path.basename(blas) : blas;
  return { label: `PyTorch ${version} (${shortBlas}, ${out.threads} thr)`, cases: out.cases };
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

type Library = 'nnlab' | 'tfjs-cpu' | 'tfjs-wasm' | 'convnetjs';

/**
 * Runs one library on one case in a child process (`bench.js --measure <case> <library>`,
 * nnlab on `backend`); its speeds, or n/a with the reason.
 */
function measureIsolated(c: BenchCase, lib: Library, backend?: Backend): Speeds {
  const r = spawnSync(process.execPath, [__filename, '--measure', c.name, lib], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000,
    env: backend ? { ...process.env, NNLAB_BACKEND: backend } : process.env,
  });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Speeds;
  } catch {
    const why = r.error ? r.error.message : `exited with status ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
    return { train: { na: `${lib} child process ${why}` }, infer: { na: `${lib} child process ${why}` } };
  }
}

/** The child side of measureIsolated: measures, prints the speeds as one JSON line. */
async function measureOne(caseName: string, lib: Library): Promise<void> {
  const c = allCases.find((k) => k.name === caseName);
  if (!c) throw new Error(`bench --measure: no case '${caseName}'`);
  let speeds: Speeds;
  if (lib === 'nnlab') {
    speeds = c.nnlab();
  } else if (lib === 'convnetjs') {
    speeds = runConvNetJS(c, convnetjsVersion());
  } else {
    const backend = lib === 'tfjs-cpu' ? 'cpu' : 'wasm';
    const err = await useTfBackend(backend);
    speeds = err ? { train: { na: err }, infer: { na: err } } : await c.tfjs(backend);
  }
  console.log(JSON.stringify(speeds));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') return measureOne(process.argv[3], process.argv[4] as Library);
  const filter = process.argv[2]?.toLowerCase();
  const selected = filter
    ? allCases.filter((c) => c.name.toLowerCase().includes(filter) || c.torch === filter)
    : defaultCases;
  const withMatmul = !filter || 'matmul'.includes(filter);
  const threads = getNumThreads();
  const info = backendInfo();
  // nnlab's columns: the wasm backend and, where the addon loaded, the native one.
  const ourBackends = (['wasm', 'native'] as const).filter((b) => info.available[b] === true);
  console.log(`nnlab backend: ${getBackend()} (${info.reason}), ${threads} thread(s) (NNLAB_BACKEND=native|wasm|js, NNLAB_THREADS=n)`);
  const openblasLine = info.openblas
    ? `OpenBLAS (native backend): core ${info.openblas.corename}, ${info.openblas.threads} thread(s), ${info.openblas.config}; nnlab's own loops: ${info.openblas.isa}` +
      (info.openblas.warning ? `. WARNING: ${info.openblas.warning}` : '')
    : `native backend: ${info.available.native}`;
  console.log(openblasLine);
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
    // PyTorch first, on its own, so it does not share the cores with nnlab or
    // tfjs: as Debian installs it (reference BLAS), then with OpenBLAS.
    const refDir = referenceBlasDir();
    const torch = runTorch(selected, threads, refDir);
    const ob = openblasDir();
    const torchOB: TorchResult = 'na' in ob ? ob : runTorch(selected, threads, ob.dir, 'OpenBLAS');
    // The same failure in both runs (no torch, no python) gets one note.
    const sameFailure = 'na' in torch && 'na' in torchOB && torch.na === torchOB.na;
    // Each PyTorch column: header, the note prefix of its n/a cells, its result.
    const torchCols: { header: string; who: string; result: TorchResult }[] = [
      { header: 'na' in torch ? 'PyTorch (reference BLAS)' : torch.label, who: 'PyTorch', result: torch },
      { header: 'na' in torchOB ? 'PyTorch (OpenBLAS)' : torchOB.label, who: sameFailure ? 'PyTorch' : 'PyTorch (OpenBLAS)', result: torchOB },
    ];
    const wasmError = await useTfBackend('wasm');
    const tfBackends: TfBackend[] = wasmError ? ['cpu'] : ['cpu', 'wasm'];
    const wasmInfo = wasmError ? '' : `tfjs wasm: SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, ` +
      `${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi-threaded' : '1 thread (no threaded wasm in Node)'}`;

    const cnn = convnetjsVersion();
    const cnnLabel = 'na' in cnn ? 'ConvNetJS' : `ConvNetJS ${cnn.version.split('.').slice(0, 2).join('.')}`;

    const header = ['samples/s', ...ourBackends.map((b) => `nnlab ${b}`), 'tfjs cpu'];
    if (!wasmError) header.push('tfjs wasm');
    header.push(cnnLabel, ...torchCols.map((t) => t.header), 'nnlab / tfjs cpu');
    if (!wasmError) header.push('nnlab / tfjs wasm');
    header.push('nnlab / ConvNetJS', 'nnlab / PyTorch ref', 'nnlab / PyTorch OpenBLAS');
    const withNative = ourBackends.includes('native');
    if (withNative) header.push('native / PyTorch OpenBLAS');
    const rows: string[][] = [header];

    for (const c of selected) {
      // Each library measures in a fresh process of its own, as PyTorch does:
      // what one case leaves in a V8 heap (e.g. a garbage collector that has
      // turned to frequent full collections) must not slow the next.
      const mine: Partial<Record<Backend, Speeds>> = {};
      for (const b of ourBackends) {
        mine[b] = measureIsolated(c, 'nnlab', b);
        log(c.name, `nnlab ${b}`, mine[b]!);
      }
      // The ratio columns compare the default backend (native / PyTorch OpenBLAS has its own).
      const ours = mine[getBackend()] ?? mine.wasm ?? { train: { na: 'no nnlab run' }, infer: { na: 'no nnlab run' } };
      const theirs: Partial<Record<TfBackend, Speeds>> = {};
      for (const b of tfBackends) {
        theirs[b] = measureIsolated(c, `tfjs-${b}`);
        log(c.name, `tfjs ${b}`, theirs[b]!);
      }
      const cj = 'na' in cnn ? runConvNetJS(c, cnn) : measureIsolated(c, 'convnetjs');
      if (c.convnetjs && !('na' in cnn)) log(c.name, cnnLabel, cj);
      const pts: Speeds[] = torchCols.map(({ result: t }) =>
        'na' in t ? { train: t, infer: t } : t.cases[c.torch] ?? { train: { na: 'no result' }, infer: { na: 'no result' } });
      for (const task of ['train', 'infer'] as const) {
        const label = `${c.name}, ${task === 'train' ? 'training (batch 64)' : 'inference (batch 256)'}`;
        const cell = (s: Speed, who: string): string => (typeof s === 'number' ? fmt(s) : `n/a ${note(`${who}: ${s.na}`)}`);
        const row = [label, ...ourBackends.map((b) => cell(mine[b]![task], `nnlab ${b}`)), cell(theirs.cpu![task], 'tfjs cpu')];
        if (!wasmError) row.push(cell(theirs.wasm![task], 'tfjs wasm'));
        row.push(cell(cj[task], 'ConvNetJS'));
        for (const [k, t] of torchCols.entries()) row.push(cell(pts[k][task], t.who));
        row.push(ratio(ours[task], theirs.cpu![task]));
        if (!wasmError) row.push(ratio(ours[task], theirs.wasm![task]));
        row.push(ratio(ours[task], cj[task]), ...pts.map((p) => ratio(ours[task], p[task])));
        if (withNative) row.push(ratio(mine.native![task], pts[1][task]));
        rows.push(row);
      }
      // Batch-1 latency (median µs; lower is better): the ratios are speed-ups, PyTorch's time / nnlab's.
      if (c.name.startsWith('MLP') || c.name.startsWith('LeNet')) {
        const us = (s: Speed | undefined, who: string): string =>
          s === undefined ? '—' : typeof s === 'number' ? `${s.toFixed(0)} µs` : `n/a ${note(`${who}: ${s.na}`)}`;
        const inv = (a: Speed | undefined, b: Speed | undefined): string => (a === undefined || b === undefined ? '—' : ratio(b, a));
        const row = [`${c.name}, batch-1 latency (median)`, ...ourBackends.map((b) => us(mine[b]!.latency1, `nnlab ${b}`)), '—'];
        if (!wasmError) row.push('—');
        row.push('—');
        for (const [k, t] of torchCols.entries()) row.push(us(pts[k].latency1, t.who));
        row.push('—');
        if (!wasmError) row.push('—');
        row.push('—', ...pts.map((p) => inv(ours.latency1, p.latency1)));
        if (withNative) row.push(inv(mine.native!.latency1, pts[1].latency1));
        rows.push(row);
      }
    }

    const footer = [
      `nnlab: one column per backend (${ourBackends.join(', ')}), ${threads} thread(s); the nnlab ratios use the default backend (${getBackend()}). ${openblasLine}. tfjs 4.22: cpu backend; few batches where it is slow.`,
      'Batch-1 latency: median of 300 single-sample forwards (eval, no graph); its ratios are speed-ups (PyTorch µs / nnlab µs, above 1× nnlab is faster).',
      'Each library runs each case in a fresh process of its own (Node for nnlab, tfjs and ConvNetJS; Python for PyTorch). Each figure is the fastest of three timed windows (the machine is shared; a slow window is other load), except where a library is slow (tfjs cpu on LeNet-5 and RNNs, ConvNetJS on LeNet-5): one window of few batches.',
      wasmError
        ? `tfjs wasm column dropped: the backend did not initialise offline (${wasmError}).`
        : `${wasmInfo}; .wasm loaded from node_modules/@tensorflow/tfjs-backend-wasm.`,
      'na' in cnn ? '' : `${cnnLabel} (npm convnetjs ${cnn.version}): plain JavaScript, one sample per forward/backward; Trainer sgd, momentum 0.9, batch_size 64, l2_decay 0, same lr; few batches.`,
      'na' in torch && 'na' in torchOB ? '' : `PyTorch via ${PYTHON} bench/torch_bench.py, ${'na' in torch || 'na' in torchOB ? '' : 'both runs '}with torch.set_num_threads(${threads}), ` +
        `OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'}, same models, batches and optimiser; the BLAS named is the one the run loaded (/proc/self/maps).`,
      'na' in torch ? '' : `PyTorch reference BLAS: Debian's python3-torch as installed (libblas.so.3 via alternatives)${refDir ? `, LD_LIBRARY_PATH=${refDir}` : ''}.`,
      'na' in ob || 'na' in torchOB ? '' : `PyTorch OpenBLAS: Debian's ${ob.deb}, unpacked into ${rel(OPENBLAS_CACHE)}/ and loaded via ` +
        `LD_LIBRARY_PATH, not installed (the machine's BLAS is unchanged); OPENBLAS_NUM_THREADS=${process.env.OPENBLAS_NUM_THREADS ?? threads}.`,
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
