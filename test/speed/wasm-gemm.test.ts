// The wasm SIMD gemm against the js matmul loop, called directly on raw
// storages: every edge case of the packing (partial 4-row and 8-column panels,
// K blocks of 256, N blocks of 1024), strided and transposed operands.
import { describe, it, expect } from 'vitest';
import { matmulKernel } from '../../src/kernels/matmul';
import { wasmMatmul, wasmRuntime } from '../../src/kernels/wasm';
import { Generator } from '../../src';
import { setBackend } from '../../src/kernels/backend';

// The reference is the js loop: matmulKernel itself dispatches to wasm on the wasm backend.
setBackend('js');

function rand(n: number, seed: number): Float32Array {
  const g = new Generator(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g.normal();
  return out;
}

const rt = wasmRuntime();

describe('wasm gemm vs js matmulKernel', () => {
  it('loads (WebAssembly SIMD and shared memory are available in Node 20)', () => {
    expect(rt).not.toBeNull();
  });

  const shapes: [number, number, number][] = [
    [1, 1, 1], [3, 5, 7], [4, 8, 16], [5, 9, 3], [13, 17, 300], [64, 10, 128], [70, 33, 513], [2, 1030, 5], [129, 65, 257],
  ];
  for (const [M, N, K] of shapes) {
    for (const layout of ['nn', 'tn', 'nt', 'tt'] as const) {
      it(`M=${M} N=${N} K=${K} ${layout}`, () => {
        const aT = layout[0] === 't', bT = layout[1] === 't';
        const aOff = 3, bOff = 5;
        const a = rand(aOff + M * K, M * 31 + K), b = rand(bOff + K * N, N * 17 + K);
        // A stored [M, K] or [K, M] (then read transposed); same for B.
        const [aRs, aCs] = aT ? [1, M] : [K, 1];
        const [bRs, bCs] = bT ? [1, K] : [N, 1];
        const want = new Float32Array(2 + M * N), got = new Float32Array(2 + M * N);
        matmulKernel(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, want, 2);
        wasmMatmul(rt!, M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, got, 2);
        expect(got[0]).toBe(0);
        expect(got[1]).toBe(0);
        expect(Array.from(got)).toBeAllClose(Array.from(want), { rtol: 1e-4, atol: 1e-4 * Math.sqrt(K) });
      });
    }
  }

  it('gathers a sparse strided view (row stride much larger than the row)', () => {
    const M = 6, N = 9, K = 10, rs = 100;
    const a = rand(M * rs, 1), b = rand(K * N, 2);
    const want = new Float32Array(M * N), got = new Float32Array(M * N);
    matmulKernel(M, N, K, a, 7, rs, 1, b, 0, N, 1, want, 0);
    wasmMatmul(rt!, M, N, K, a, 7, rs, 1, b, 0, N, 1, got, 0);
    expect(Array.from(got)).toBeAllClose(Array.from(want), { rtol: 1e-4, atol: 1e-4 });
  });

  it('broadcast (zero) strides and K = 0', () => {
    const a = new Float32Array([2]), b = rand(12, 3);
    const want = new Float32Array(12), got = new Float32Array(12);
    matmulKernel(4, 3, 4, a, 0, 0, 0, b, 0, 3, 1, want, 0);
    wasmMatmul(rt!, 4, 3, 4, a, 0, 0, 0, b, 0, 3, 1, got, 0);
    expect(Array.from(got)).toBeAllClose(Array.from(want), { rtol: 1e-5, atol: 1e-5 });
    const z = new Float32Array(6).fill(9);
    wasmMatmul(rt!, 2, 3, 0, a, 0, 0, 0, b, 0, 3, 1, z, 0);
    expect(Array.from(z)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
