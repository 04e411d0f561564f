// nnlab's WebAssembly SIMD kernels (AssemblyScript). Compiled by
// `node scripts/build-wasm.mjs` into src/kernels/wasm/module.ts (base64).
//
// All pointers are byte addresses in the (imported, shared) linear memory and
// all strides are in float32 elements. The caller (src/kernels/wasm/index.ts)
// copies operands in, calls a kernel and copies results out.
//
// gemm: C[M, N] = A[M, K] · B[K, N] (+ C when `accumulate`), BLIS-style:
//   for jc in N by NC:  for pc in K by KC:  pack B[pc.., jc..] into 8-column panels
//     for ic in M by MC:  pack A[ic.., pc..] into 4-row panels
//       for each 8-column panel of B:  for each 4-row panel of A:  4×8 micro-kernel
// The micro-kernel keeps the 4×8 tile of C in eight f32x4 registers; each step
// along k is two vector loads of B, four broadcast loads of A and 8 mul + 8 add
// (WebAssembly SIMD has no fused multiply-add).

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 64;
const NC: i32 = 1024;

/** Bytes of scratch one gemm call needs at `work` (packed A block, packed B block, an edge tile). */
export function gemmWorkBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/** The first free byte after the module's static data (scratch and operands go above it). */
export function heapBase(): usize {
  return __heap_base;
}

// The 4×4 transpose of rows r0 … r3: returns column `i` (0 … 3) as a vector.
@inline
function transposeCol(r0: v128, r1: v128, r2: v128, r3: v128, i: i32): v128 {
  const lo = i < 2;
  const t01 = lo ? v128.shuffle<f32>(r0, r1, 0, 4, 1, 5) : v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t23 = lo ? v128.shuffle<f32>(r2, r3, 0, 4, 1, 5) : v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  return (i & 1) == 0 ? v128.shuffle<f32>(t01, t23, 0, 1, 4, 5) : v128.shuffle<f32>(t01, t23, 2, 3, 6, 7);
}

// Packs rows [i0, i0+rows) × cols [p0, p0+kc) of A into panels of MR rows
// interleaved along k (zero rows past the edge). A full panel whose rows are
// contiguous (cs == 1) goes through 4×4 register transposes; one whose
// columns are contiguous (rs == 1, a transposed A) is a straight copy.
function packA(a: usize, rs: i32, cs: i32, i0: i32, rows: i32, p0: i32, kc: i32, out: usize): void {
  let o = out;
  for (let ip = 0; ip < rows; ip += MR) {
    const r = min(MR, rows - ip);
    const base = a + (<usize>((i0 + ip) * rs + p0 * cs) << 2);
    if (r == MR && rs == 1) {
      const step = <usize>cs << 2;
      let p = base;
      for (let k = 0; k < kc; k++) {
        v128.store(o, v128.load(p));
        o += 16;
        p += step;
      }
    } else if (r == MR) {
      const s = <usize>rs << 2, step = <usize>cs << 2;
      let p = base;
      let k = 0;
      if (cs == 1) {
        for (; k + 4 <= kc; k += 4) {
          const r0 = v128.load(p), r1 = v128.load(p + s), r2 = v128.load(p + 2 * s), r3 = v128.load(p + 3 * s);
          v128.store(o, transposeCol(r0, r1, r2, r3, 0));
          v128.store(o, transposeCol(r0, r1, r2, r3, 1), 16);
          v128.store(o, transposeCol(r0, r1, r2, r3, 2), 32);
          v128.store(o, transposeCol(r0, r1, r2, r3, 3), 48);
          o += 64;
          p += 16;
        }
      }
      for (; k < kc; k++) {
        store<f32>(o, load<f32>(p));
        store<f32>(o, load<f32>(p + s), 4);
        store<f32>(o, load<f32>(p + 2 * s), 8);
        store<f32>(o, load<f32>(p + 3 * s), 12);
        o += 16;
        p += step;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let t = 0; t < MR; t++) {
          store<f32>(o + (<usize>t << 2), t < r ? load<f32>(base + (<usize>(t * rs + k * cs) << 2)) : 0);
        }
        o += 16;
      }
    }
  }
}

// Packs rows [p0, p0+kc) × cols [j0, j0+cols) of B into panels of NR columns
// interleaved along k (zero columns past the edge). A full panel of a
// transposed B (rs == 1: each column contiguous) goes through 4×4 register
// transposes, four k at a time.
function packB(b: usize, rs: i32, cs: i32, p0: i32, kc: i32, j0: i32, cols: i32, out: usize): void {
  let o = out;
  for (let jp = 0; jp < cols; jp += NR) {
    const c = min(NR, cols - jp);
    const base = b + (<usize>(p0 * rs + (j0 + jp) * cs) << 2);
    const step = <usize>rs << 2;
    if (c == NR && cs == 1) {
      let p = base;
      for (let k = 0; k < kc; k++) {
        v128.store(o, v128.load(p));
        v128.store(o, v128.load(p, 16), 16);
        o += 32;
        p += step;
      }
    } else if (c == NR && rs == 1) {
      const s = <usize>cs << 2;
      let p = base;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const v0 = v128.load(p), v1 = v128.load(p + s), v2 = v128.load(p + 2 * s), v3 = v128.load(p + 3 * s);
        const q = p + 4 * s;
        const v4 = v128.load(q), v5 = v128.load(q + s), v6 = v128.load(q + 2 * s), v7 = v128.load(q + 3 * s);
        v128.store(o, transposeCol(v0, v1, v2, v3, 0));
        v128.store(o, transposeCol(v4, v5, v6, v7, 0), 16);
        v128.store(o, transposeCol(v0, v1, v2, v3, 1), 32);
        v128.store(o, transposeCol(v4, v5, v6, v7, 1), 48);
        v128.store(o, transposeCol(v0, v1, v2, v3, 2), 64);
        v128.store(o, transposeCol(v4, v5, v6, v7, 2), 80);
        v128.store(o, transposeCol(v0, v1, v2, v3, 3), 96);
        v128.store(o, transposeCol(v4, v5, v6, v7, 3), 112);
        o += 128;
        p += 16;
      }
      for (; k < kc; k++) {
        for (let t = 0; t < NR; t++) store<f32>(o + (<usize>t << 2), load<f32>(p + <usize>t * s));
        o += 32;
        p += 4;
      }
    } else {
      // Column by column: with rs == 1 (a transposed B) each column is a contiguous run.
      for (let t = 0; t < NR; t++) {
        const d = o + (<usize>t << 2);
        if (t < c) {
          let p = base + (<usize>(t * cs) << 2);
          for (let k = 0; k < kc; k++) {
            store<f32>(d + (<usize>k << 5), load<f32>(p));
            p += step;
          }
        } else {
          for (let k = 0; k < kc; k++) store<f32>(d + (<usize>k << 5), 0);
        }
      }
      o += <usize>kc << 5;
    }
  }
}

// The 4×8 tile at c (row stride ldc elements) = (accumulate ? c : 0) + Apanel · Bpanel over kc steps.
// Only the top-left rows × cols of the tile are stored.
@inline
function micro(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, accumulate: bool, rows: i32, cols: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += 32;
  }
  const full = rows == MR && cols == NR;
  const o = full ? c : tile;
  const ld: usize = full ? (<usize>ldc << 2) : 32;
  if (full && accumulate) {
    v128.store(o, f32x4.add(v128.load(o), c00));
    v128.store(o, f32x4.add(v128.load(o, 16), c01), 16);
    v128.store(o + ld, f32x4.add(v128.load(o + ld), c10));
    v128.store(o + ld, f32x4.add(v128.load(o + ld, 16), c11), 16);
    v128.store(o + 2 * ld, f32x4.add(v128.load(o + 2 * ld), c20));
    v128.store(o + 2 * ld, f32x4.add(v128.load(o + 2 * ld, 16), c21), 16);
    v128.store(o + 3 * ld, f32x4.add(v128.load(o + 3 * ld), c30));
    v128.store(o + 3 * ld, f32x4.add(v128.load(o + 3 * ld, 16), c31), 16);
    return;
  }
  v128.store(o, c00);
  v128.store(o, c01, 16);
  v128.store(o + ld, c10);
  v128.store(o + ld, c11, 16);
  v128.store(o + 2 * ld, c20);
  v128.store(o + 2 * ld, c21, 16);
  v128.store(o + 3 * ld, c30);
  v128.store(o + 3 * ld, c31, 16);
  if (full) return;
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>(r * ldc) << 2);
    for (let q = 0; q < cols; q++) {
      const v = load<f32>(tile + (<usize>(r * NR + q) << 2));
      const at = row + (<usize>q << 2);
      store<f32>(at, accumulate ? load<f32>(at) + v : v);
    }
  }
}

/**
 * C = A·B (or C += A·B when `accumulate`). A element (i, k) is the f32 at
 * a + 4·(i·aRs + k·aCs), B element (k, j) at b + 4·(k·bRs + j·bCs), C element
 * (i, j) at c + 4·(i·ldc + j). `work` is gemmWorkBytes() bytes of scratch.
 */
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, aRs: i32, aCs: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize, ldc: i32, accumulate: bool, work: usize,
): void {
  const pA = work;
  const pB = work + (<usize>(MC * KC) << 2);
  const tile = pB + (<usize>(KC * NC) << 2);
  if (K == 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>N << 2);
    return;
  }
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const acc = accumulate || pc > 0;
      packB(b, bRs, bCs, pc, kc, jc, nc, pB);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(a, aRs, aCs, ic, mc, pc, kc, pA);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = pB + (<usize>(jr * kc) << 2);
          const cols = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const pa = pA + (<usize>(ir * kc) << 2);
            const cp = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            micro(kc, pa, pb, cp, ldc, acc, min(MR, mc - ir), cols, tile);
          }
        }
      }
    }
  }
}
