/**
 * Matmul GFLOPS (2·n³ flops per product) of float32 n×n matrices through
 * `nn.matmul` on each backend — the js loops, the wasm SIMD kernel, the
 * native backend (OpenBLAS) — beside OpenBLAS's own sgemm called straight
 * from the addon on preallocated arrays, measured in the same run.
 */
import * as nn from '../../src';
import { getBackend, setBackend, type Backend } from '../../src/kernels/backend';
import { wasmRuntime } from '../../src/kernels/wasm';
import { nativeAddon } from '../../src/kernels/native';
import { getNumThreads, setNumThreads } from '../../src/kernels/threads';

export const MATMUL_SIZES = [256, 512, 1024];

/** GFLOPS of nn.matmul(a, b) on n×n float32 operands with the given backend. */
export function matmulGflops(n: number, backend: Backend): number {
  const before = getBackend();
  setBackend(backend);
  try {
    const a = nn.randn([n, n]), b = nn.randn([n, n]);
    // Warm up (JIT, memory growth, worker start) for ~0.1 s before timing.
    for (const w0 = performance.now(); performance.now() - w0 < 100; ) nn.noGrad(() => nn.matmul(a, b));
    // Repeat until at least ~0.3 s has passed so small sizes are measured too.
    let reps = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 300 || reps < 2) {
      nn.noGrad(() => nn.matmul(a, b));
      reps++;
      t = performance.now();
    }
    return (2 * n * n * n * reps) / ((t - t0) / 1000) / 1e9;
  } finally {
    setBackend(before);
  }
}

/** GFLOPS of `fn` (one n×n product), timed as matmulGflops. */
function gflopsOf(n: number, fn: () => void): number {
  for (const w0 = performance.now(); performance.now() - w0 < 100; ) fn();
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 300 || reps < 2) {
    fn();
    reps++;
    t = performance.now();
  }
  return (2 * n * n * n * reps) / ((t - t0) / 1000) / 1e9;
}

/** OpenBLAS's own sgemm on n×n float32 arrays allocated once (no tensor, no allocation per call). */
function rawSgemmGflops(n: number): number | null {
  const nat = nativeAddon();
  if (!nat) return null;
  const a = nn.randn([n, n]).values() as Float32Array, b = nn.randn([n, n]).values() as Float32Array, c = new Float32Array(n * n);
  return gflopsOf(n, () => nat.sgemm(0, 0, n, n, n, a, 0, n, b, 0, n, c, 0, n, 0));
}

/** GFLOPS on the wasm backend with `threads` threads. */
function wasmGflops(n: number, threads: number): number {
  const before = getNumThreads();
  setNumThreads(threads);
  try {
    return matmulGflops(n, 'wasm');
  } finally {
    setNumThreads(before);
  }
}

/**
 * Rows of the matmul table: size, js GFLOPS, wasm GFLOPS on 1 thread and on
 * the default thread count, the native backend's nn.matmul and OpenBLAS's raw
 * sgemm on the default thread count, and native as a share of raw sgemm.
 */
export function matmulRows(): string[][] {
  const threads = getNumThreads();
  const rows: string[][] = [[
    'matmul float32 n×n', 'js GFLOPS', 'wasm 1 thread', `wasm ${threads} threads`, `native ${threads} threads`, `OpenBLAS sgemm ${threads} threads`, 'native / sgemm',
  ]];
  for (const n of MATMUL_SIZES) {
    const js = matmulGflops(n, 'js');
    const one = wasmRuntime() ? wasmGflops(n, 1).toFixed(1) : '—';
    const all = wasmRuntime() ? wasmGflops(n, threads).toFixed(1) : '—';
    const native = nativeAddon() ? matmulGflops(n, 'native') : null;
    const raw = rawSgemmGflops(n);
    const share = native !== null && raw !== null ? `${Math.round((100 * native) / raw)}%` : '—';
    rows.push([`${n}`, js.toFixed(1), one, all, native?.toFixed(1) ?? '—', raw?.toFixed(1) ?? '—', share]);
    console.log(`matmul ${n}: js ${js.toFixed(1)} GFLOPS, wasm ${one} GFLOPS on 1 thread, ${all} on ${threads}, native ${native?.toFixed(1) ?? '—'}, raw sgemm ${raw?.toFixed(1) ?? '—'}`);
  }
  return rows;
}
