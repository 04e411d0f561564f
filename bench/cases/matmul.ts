/**
 * Matmul GFLOPS (2·n³ flops per product) of float32 n×n matrices through
 * `nn.matmul` on each backend: the js loops and the wasm SIMD kernel.
 */
import * as nn from '../../src';
import { getBackend, setBackend, type Backend } from '../../src/kernels/backend';
import { wasmRuntime } from '../../src/kernels/wasm';
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

/** Rows of the matmul table: size, js GFLOPS, wasm GFLOPS on 1 thread and on the default thread count. */
export function matmulRows(): string[][] {
  const threads = getNumThreads();
  const rows: string[][] = [['matmul float32 n×n', 'js GFLOPS', 'wasm 1 thread', `wasm ${threads} threads`]];
  for (const n of MATMUL_SIZES) {
    const js = matmulGflops(n, 'js');
    const one = wasmRuntime() ? wasmGflops(n, 1).toFixed(1) : '—';
    const all = wasmRuntime() ? wasmGflops(n, threads).toFixed(1) : '—';
    rows.push([`${n}`, js.toFixed(1), one, all]);
    console.log(`matmul ${n}: js ${js.toFixed(1)} GFLOPS, wasm ${one} GFLOPS on 1 thread, ${all} on ${threads}`);
  }
  return rows;
}
