/**
 * The matmul hot loop: C[M, N] = A[M, K] @ B[K, N].
 *
 * A and B are read through (row stride, column stride), so transposed views
 * (used by every backward pass) cost no copy beyond packing. Both operands
 * are packed into panels of 4 rows (A) and 4 columns (B), interleaved along K,
 * and a 4x4 register tile accumulates 16 dot products at once: 16 multiply-adds
 * for 8 loads, no allocation or closure in the loop. Columns are blocked so a
 * block of packed B stays in cache while every A panel passes over it.
 */
import type { Storage } from './elementwise';
import { activeNative, activeWasm, WASM_MIN_MACS } from './backend';
import { wasmMatmul } from './wasm';
import { NATIVE_MIN_MACS, nativeMatmul } from './native';

const TILE = 4;
const COL_BLOCK = 256;

let packA = new Float64Array(0);
let packB = new Float64Array(0);

function ensure(buf: Float64Array, n: number): Float64Array {
  return buf.length >= n ? buf : new Float64Array(Math.max(n, buf.length * 2));
}

/** Packs rows [0, M) of A into panels of 4 rows interleaved along K, zero-padded. */
function packRows(M: number, K: number, a: Storage, off: number, rs: number, cs: number, out: Float64Array): void {
  const panels = Math.ceil(M / TILE);
  let p = 0;
  for (let ip = 0; ip < panels; ip++) {
    const i0 = ip * TILE;
    const rows = Math.min(TILE, M - i0);
    if (rows === TILE) {
      const r0 = off + i0 * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
      for (let k = 0; k < K; k++) {
        const kk = k * cs;
        out[p] = a[r0 + kk];
        out[p + 1] = a[r1 + kk];
        out[p + 2] = a[r2 + kk];
        out[p + 3] = a[r3 + kk];
        p += 4;
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let t = 0; t < TILE; t++) out[p + t] = t < rows ? a[off + (i0 + t) * rs + k * cs] : 0;
        p += 4;
      }
    }
  }
}

/**
 * C = A @ B for one matrix. `c` is written contiguously at `cOff` with row length N.
 * A element (i, k) is a[aOff + i*aRs + k*aCs]; B element (k, j) is b[bOff + k*bRs + j*bCs].
 */
export function matmulKernel(
  M: number, N: number, K: number,
  a: Storage, aOff: number, aRs: number, aCs: number,
  b: Storage, bOff: number, bRs: number, bCs: number,
  c: Storage, cOff: number,
): void {
  // OpenBLAS on the tensors' memory (sgemm, or dgemm when all three are float64) when the native backend is selected.
  const nat = M * N * K >= NATIVE_MIN_MACS ? activeNative() : null;
  if (nat !== null) {
    if (c instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array) {
      nativeMatmul(nat, M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff);
      return;
    }
    if (c instanceof Float64Array && a instanceof Float64Array && b instanceof Float64Array) {
      nativeMatmul(nat, M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff);
      return;
    }
  }
  // The wasm SIMD kernel (float32 in and out) when selected and the problem is big enough.
  const rt = activeWasm();
  if (
    rt !== null && M * N * K >= WASM_MIN_MACS && c instanceof Float32Array &&
    !(a instanceof Float64Array) && !(b instanceof Float64Array) && aRs >= 0 && aCs >= 0 && bRs >= 0 && bCs >= 0 &&
    wasmMatmul(rt, M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff)
  ) {
    return;
  }
  if (K === 0) {
    for (let i = 0; i < M * N; i++) c[cOff + i] = 0;
    return;
  }
  const mPanels = Math.ceil(M / TILE);
  const nPanels = Math.ceil(N / TILE);
  packA = ensure(packA, mPanels * TILE * K);
  packB = ensure(packB, nPanels * TILE * K);
  const Ap = packA, Bp = packB;
  packRows(M, K, a, aOff, aRs, aCs, Ap);
  // B's columns are A^T's rows: pack with the strides swapped.
  packRows(N, K, b, bOff, bCs, bRs, Bp);

  const panelsPerBlock = COL_BLOCK / TILE;
  for (let jb = 0; jb < nPanels; jb += panelsPerBlock) {
    const jEnd = Math.min(nPanels, jb + panelsPerBlock);
    for (let ip = 0; ip < mPanels; ip++) {
      const i0 = ip * TILE;
      const aBase = ip * TILE * K;
      for (let jp = jb; jp < jEnd; jp++) {
        const j0 = jp * TILE;
        let pa = aBase, pb = jp * TILE * K;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let k = 0; k < K; k++) {
          const a0 = Ap[pa], a1 = Ap[pa + 1], a2 = Ap[pa + 2], a3 = Ap[pa + 3];
          const b0 = Bp[pb], b1 = Bp[pb + 1], b2 = Bp[pb + 2], b3 = Bp[pb + 3];
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
          c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
          pa += 4;
          pb += 4;
        }
        const rows = Math.min(TILE, M - i0);
        const cols = Math.min(TILE, N - j0);
        if (rows === TILE && cols === TILE) {
          let o = cOff + i0 * N + j0;
          c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += N;
          c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += N;
          c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += N;
          c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
        } else {
          const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
          for (let r = 0; r < rows; r++) {
            for (let q = 0; q < cols; q++) c[cOff + (i0 + r) * N + j0 + q] = tile[r * TILE + q];
          }
        }
      }
    }
  }
}
