/**
 * The thread pool for the wasm kernels: `worker_threads` that instantiate the
 * same WebAssembly module over the same shared memory, so a large gemm is
 * split into column (or row) blocks with no copying. The calling thread takes
 * the first block; workers wait on `Atomics.wait` between jobs and are
 * `unref`'d, so they never keep the process alive.
 *
 * The same count is OpenBLAS's on the native backend (one count, never two
 * pools: the wasm workers sleep while OpenBLAS runs and the other way round).
 * The thread count defaults to the machine's cores (`os.availableParallelism()`)
 * or the `NNLAB_THREADS` environment variable; `setNumThreads(1)` keeps every
 * kernel on the calling thread. Convolutions below `PARALLEL_MIN_MACS`
 * multiply-adds (gemms below three times that) stay on one thread, where
 * waking workers costs more than it gains.
 * @example
 *   setNumThreads(2);
 *   getNumThreads()   // 2
 */
import { ArgumentError } from '../errors';
import { reserveScratch, setParallelGemm, setParallelJobs, wasmRuntime, type WasmRuntime } from './wasm';
import { setNativeParallelMin, setNativeThreads } from './native';

/** Convolutions with fewer multiply-adds than this (gemms with fewer than three times this) run on the calling thread only. */
export let PARALLEL_MIN_MACS = 1 << 21;

/** How many gemms have been split across threads so far (for tests and benchmarks). */
export let parallelRuns = 0;

const NR = 8; // column panel width of the wasm micro-kernel: blocks start on a panel
const PARAMS = 16; // Int32 job parameters per worker
const SPIN_MS = 2; // how long the calling thread polls for workers to finish before sleeping

/** Job kinds a worker runs: a gemm block, or a convolution's forward or backward over a range of samples. */
export const JOB_GEMM = 0, JOB_CONV_FORWARD = 1, JOB_CONV_BACKWARD = 2;

// The worker: receives the module and memory, then runs jobs from its slot
// (params[slot·PARAMS] is the kind, the arguments follow).
// ctl[t*4]: job generation written by the main thread; ctl[t*4 + 1]: generation finished.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, params, slot } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('nnlab wasm worker aborted'); } } }).exports;
const c = new Int32Array(ctl), p = new Int32Array(params);
let seen = 0;
for (;;) {
  Atomics.wait(c, slot * 4, seen);
  seen = Atomics.load(c, slot * 4);
  if (seen < 0) break;
  const q = slot * ${PARAMS};
  try {
    const kind = p[q];
    if (kind === ${JOB_GEMM}) ex.gemm(p[q + 1], p[q + 2], p[q + 3], p[q + 4], p[q + 5], p[q + 6], p[q + 7], p[q + 8], p[q + 9], p[q + 10], p[q + 11], 0, p[q + 12]);
    else if (kind === ${JOB_CONV_FORWARD}) ex.convForwardJob(p[q + 1]);
    else if (kind === ${JOB_CONV_BACKWARD}) ex.convBackwardJob(p[q + 1]);
    else throw new Error('unknown job ' + kind);
  } catch (err) {
    Atomics.store(c, slot * 4 + 2, 1);
  }
  Atomics.store(c, slot * 4 + 1, seen);
  Atomics.notify(c, slot * 4 + 1);
}
`;

interface Pool {
  workers: { terminate(): Promise<number> }[];
  ctl: Int32Array;
  params: Int32Array;
  generation: number;
}

let pool: Pool | null = null;
let threads = defaultThreads();

function nodeRequire(name: string): unknown {
  return typeof process !== 'undefined' && process.versions?.node ? require(name) : null;
}

function defaultThreads(): number {
  const env = typeof process !== 'undefined' ? process.env?.NNLAB_THREADS : undefined;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`NNLAB_THREADS: expected an integer ≥ 1, got '${env}'`);
    return n;
  }
  const os = nodeRequire('node:os') as typeof import('node:os') | null;
  if (!os) return 1;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The number of threads the wasm kernels use (the calling thread included). */
export function getNumThreads(): number {
  return threads;
}

/**
 * Sets the number of threads for the wasm kernels (1 = the calling thread
 * only). Running workers are stopped; new ones start on the next large gemm.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`setNumThreads: expected an integer ≥ 1, got ${n}`);
  stopPool();
  threads = n;
  install();
}

/** Sets the size (multiply-adds) above which a convolution is split across threads (a gemm, and on the native backend any product: three times it). */
export function setParallelThreshold(macs: number): void {
  PARALLEL_MIN_MACS = macs;
  setNativeParallelMin(3 * macs);
}

function stopPool(): void {
  if (!pool) return;
  for (let t = 0; t < pool.workers.length; t++) {
    Atomics.store(pool.ctl, (t + 1) * 4, -1);
    Atomics.notify(pool.ctl, (t + 1) * 4);
  }
  pool = null;
}

function startPool(rt: WasmRuntime): Pool | null {
  const wt = nodeRequire('node:worker_threads') as typeof import('node:worker_threads') | null;
  if (!wt) return null;
  const ctl = new Int32Array(new SharedArrayBuffer(4 * 4 * threads));
  const params = new Int32Array(new SharedArrayBuffer(4 * PARAMS * threads));
  reserveScratch(threads);
  const workers = [];
  for (let t = 1; t < threads; t++) {
    const w = new wt.Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: rt.module, memory: rt.memory, ctl: ctl.buffer, params: params.buffer, slot: t },
    });
    w.unref();
    workers.push(w);
  }
  return { workers, ctl, params, generation: 0 };
}

/** Splits one gemm over the pool; false when it should run on the calling thread alone. */
function parallel(
  rt: WasmRuntime, M: number, N: number, K: number,
  a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number, c: number, ldc: number,
): boolean {
  // A static split waits for the slower half and pays the worker's wake-up
  // (0.1–0.2 ms measured on two shared cores): gemms need three times the
  // work a convolution (split dynamically by samples) needs to gain from it.
  if (threads < 2 || M * N * K < 3 * PARALLEL_MIN_MACS) return false;
  // Split the longer of N (by 8-column panels) and M (by 4-row panels).
  const byCols = N >= M;
  const unit = byCols ? NR : 4;
  const units = Math.ceil((byCols ? N : M) / unit);
  const T = Math.min(threads, units);
  if (T < 2) return false;
  if (!pool) pool = startPool(rt);
  if (!pool) return false;
  const p = pool;
  const gen = ++p.generation;
  const blocks: [number, number][] = [];
  for (let t = 0; t < T; t++) {
    const u0 = Math.floor((units * t) / T), u1 = Math.floor((units * (t + 1)) / T);
    blocks.push([u0 * unit, Math.min(byCols ? N : M, u1 * unit)]);
  }
  const job = (t: number): number[] => {
    const [s, e] = blocks[t];
    const args = byCols
      ? [M, e - s, K, a, aRs, aCs, b + 4 * s * bCs, bRs, bCs, c + 4 * s, ldc, rt.workBase + t * rt.workBytes]
      : [e - s, N, K, a + 4 * s * aRs, aRs, aCs, b, bRs, bCs, c + 4 * s * ldc, ldc, rt.workBase + t * rt.workBytes];
    return args;
  };
  for (let t = 1; t < T; t++) post(p, t, gen, JOB_GEMM, job(t));
  const [m, n, k, pa, ars, acs, pb, brs, bcs, pc, l, w] = job(0);
  rt.exports.gemm(m, n, k, pa, ars, acs, pb, brs, bcs, pc, l, 0, w);
  join(p, T, gen, `gemm ${M}×${K} · ${K}×${N}`);
  return true;
}

/** Hands worker t job `kind` with `args` as generation `gen`, and wakes it. */
function post(p: Pool, t: number, gen: number, kind: number, args: number[]): void {
  p.params[t * PARAMS] = kind;
  p.params.set(args, t * PARAMS + 1);
  Atomics.store(p.ctl, t * 4, gen);
  Atomics.notify(p.ctl, t * 4);
}

/** Runs a convolution job (JOB_CONV_FORWARD or JOB_CONV_BACKWARD) with argument block `job` on the calling thread. */
export function runConvJob(rt: WasmRuntime, kind: number, job: number): void {
  if (kind === JOB_CONV_FORWARD) rt.exports.convForwardJob(job);
  else rt.exports.convBackwardJob(job);
}

/** Waits for workers 1 … T−1 to finish generation `gen`; throws if one failed. */
function join(p: Pool, T: number, gen: number, what: string): void {
  for (let t = 1; t < T; t++) {
    // The calling thread has nothing else to do: it polls for a while (the
    // worker is usually on its last chunk) rather than sleep at once, since
    // waking a sleeping thread costs ~0.1 ms on a virtual machine.
    const until = performance.now() + SPIN_MS;
    while (Atomics.load(p.ctl, t * 4 + 1) !== gen && performance.now() < until);
    for (let v = Atomics.load(p.ctl, t * 4 + 1); v !== gen; v = Atomics.load(p.ctl, t * 4 + 1)) Atomics.wait(p.ctl, t * 4 + 1, v, 1000);
  }
  for (let t = 1; t < T; t++) {
    if (Atomics.load(p.ctl, t * 4 + 2) !== 0) {
      stopPool();
      throw new Error(`nnlab wasm: ${what} failed in worker thread ${t}`);
    }
  }
  parallelRuns++;
}

/**
 * Runs job `kind` with argument block `jobs[t]` on thread t (the calling
 * thread takes jobs[0]); false when there is no pool (the caller runs them itself).
 */
function parallelJobs(rt: WasmRuntime, kind: number, jobs: number[]): boolean {
  if (jobs.length < 2 || jobs.length > threads) return false;
  if (!pool) pool = startPool(rt);
  if (!pool) return false;
  const p = pool;
  const gen = ++p.generation;
  for (let t = 1; t < jobs.length; t++) post(p, t, gen, kind, [jobs[t]]);
  runConvJob(rt, kind, jobs[0]);
  join(p, jobs.length, gen, kind === JOB_CONV_FORWARD ? 'conv2d forward' : 'conv2d backward');
  return true;
}

/** Installs the pool as the wasm gemm's splitter, and gives OpenBLAS the same thread count. */
function install(): void {
  setNativeThreads(threads);
  setNativeParallelMin(3 * PARALLEL_MIN_MACS);
  if (!wasmRuntime()) return;
  reserveScratch(threads);
  setParallelGemm(threads > 1 ? parallel : null);
  setParallelJobs(threads > 1 ? parallelJobs : null);
}

install();
