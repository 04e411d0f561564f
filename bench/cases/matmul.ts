/**
 * Matmul GFLOPS (2·n³ flops per product) of float32 n×n matrices through
 * `nn.matmul` on each backend: the js loops and the wasm SIMD kernel.
 */
import * as nn from '../../src';
import { getBackend, setBackend, type Backend } from '../../src/kernels/backend';
import { wasmRuntime } from '../../src/kernels/wasm';

export const MATMUL_SIZES = [256, 512, 1024];

/** GFLOPS of nn.matmul(a, b) on n×n float32 operands with the given backend. */
export function matmulGflops(n: number, backend: Backend): number {
  const before = getBackend();
  setBackend(backend);
  try {
    const a = nn.randn([n, n]), b = nn.randn([n, n]);
    nn.noGrad(() => nn.matmul(a, b));
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

/** Rows of the matmul table: size, js GFLOPS, wasm GFLOPS (or '—' without wasm). */
export function matmulRows(): string[][] {
  const rows: string[][] = [['matmul float32', 'js GFLOPS', 'wasm GFLOPS']];
  for (const n of MATMUL_SIZES) {
    const js = matmulGflops(n, 'js');
    const wasm = wasmRuntime() ? matmulGflops(n, 'wasm').toFixed(1) : '—';
    rows.push([`${n}×${n}`, js.toFixed(1), wasm]);
    console.log(`matmul ${n}: js ${js.toFixed(1)} GFLOPS, wasm ${wasm} GFLOPS`);
  }
  return rows;
}
