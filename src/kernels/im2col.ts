/**
 * The convolution and pooling hot loops (NCHW, row-major).
 *
 * Convolution is a matrix product with the im2col matrix, one row per kernel
 * tap k = (c, i, j) and one column per output position p = (oh, ow):
 *
 *   col[k, p] = xp[pos[p] + taps[k]]     taps[k] = c·Hp·Wp + i·dh·Wp + j·dw,  pos[p] = oh·sh·Wp + ow·sw
 *
 * where xp is the input with its zero padding written out (Hp × Wp planes).
 * The matrix is never materialised: the products below read it through the
 * two offset tables (an "implicit" im2col), in the same 4×4 register tiles as
 * `matmul.ts` (16 multiply-adds per 9 loads), so there is no unrolled copy of
 * the input to write, pack and read back:
 *
 *   forward  y[o, p]   = b[o] + Σ_k W[o, k]·col[k, p]
 *   weights  dW[o, k] += Σ_p dY[o, p]·col[k, p]
 *   input    dxp[pos[p] + taps[k]] += Σ_o W[o, k]·dY[o, p]      (col2im fused in)
 *
 * Offset tables are padded to a multiple of 4 with their last entry, so a
 * partial tile reads valid memory and only its stores are clipped. Pooling
 * windows are walked directly.
 */
import type { Storage } from './elementwise';
import { activeNative, activeWasm } from './backend';
import { wasmMaxPool2x2, WASM_MIN_ELEMENTS } from './wasm';

/** Sizes of one 2-D convolution or pooling window, after padding is resolved. */
export interface Window2D {
  /** Channels, input height and width. */
  C: number; H: number; W: number;
  /** Kernel height and width. */
  kH: number; kW: number;
  /** Strides. */
  sh: number; sw: number;
  /** Padding before the first row / column (padding after is implied by oH, oW). */
  ph: number; pw: number;
  /** Dilations. */
  dh: number; dw: number;
  /** Output height and width. */
  oH: number; oW: number;
}

/**
 * Padded plane size [Hp, Wp]: the input after the top/left padding, extended to
 * the last row/column any window reads, (oH − 1)·sh + (kH − 1)·dh + 1.
 */
export function paddedSize(g: Window2D): [number, number] {
  const Hp = Math.max(g.H + g.ph, (g.oH - 1) * g.sh + (g.kH - 1) * g.dh + 1);
  const Wp = Math.max(g.W + g.pw, (g.oW - 1) * g.sw + (g.kW - 1) * g.dw + 1);
  return [Hp, Wp];
}

/** xp[n, c] = x[n, c] placed at (ph, pw) in a zeroed Hp × Wp plane, for `planes` = N·C planes. */
export function padPlanes(x: Storage, planes: number, g: Window2D, Hp: number, Wp: number, xp: Float64Array): void {
  const { H, W, ph, pw } = g;
  xp.fill(0, 0, planes * Hp * Wp);
  for (let p = 0; p < planes; p++) {
    for (let h = 0; h < H; h++) {
      const src = (p * H + h) * W, dst = (p * Hp + h + ph) * Wp + pw;
      for (let w = 0; w < W; w++) xp[dst + w] = x[src + w];
    }
  }
}

/** dx[n, c] = the interior (ph, pw, H, W) of each padded plane of dxp (the padding's gradient is dropped). */
export function unpadPlanes(dxp: Float64Array, planes: number, g: Window2D, Hp: number, Wp: number, dx: Storage): void {
  const { H, W, ph, pw } = g;
  for (let p = 0; p < planes; p++) {
    for (let h = 0; h < H; h++) {
      const dst = (p * H + h) * W, src = (p * Hp + h + ph) * Wp + pw;
      for (let w = 0; w < W; w++) dx[dst + w] = dxp[src + w];
    }
  }
}

function padTo4(t: Int32Array, n: number): Int32Array {
  for (let i = n; i < t.length; i++) t[i] = t[n - 1];
  return t;
}

/** taps[k] for k = (c·kH + i)·kW + j over `channels` channels: c·Hp·Wp + i·dh·Wp + j·dw. */
export function convTaps(g: Window2D, channels: number, Hp: number, Wp: number): Int32Array {
  const K = channels * g.kH * g.kW;
  const taps = new Int32Array(Math.ceil(K / 4) * 4);
  for (let c = 0, k = 0; c < channels; c++) {
    for (let i = 0; i < g.kH; i++) for (let j = 0; j < g.kW; j++) taps[k++] = c * Hp * Wp + i * g.dh * Wp + j * g.dw;
  }
  return padTo4(taps, K);
}

/** pos[p] for p = oh·oW + ow: oh·sh·Wp + ow·sw, the top-left tap of each window. */
export function convPositions(g: Window2D, Wp: number): Int32Array {
  const L = g.oH * g.oW;
  const pos = new Int32Array(Math.ceil(L / 4) * 4);
  for (let oh = 0, p = 0; oh < g.oH; oh++) for (let ow = 0; ow < g.oW; ow++) pos[p++] = oh * g.sh * Wp + ow * g.sw;
  return padTo4(pos, L);
}

/**
 * Packs the M×K weights W (row o at w[wOff + o·K]) into panels of 4 rows
 * interleaved along k: W[o, k] goes to out[(o − o % 4)·K + 4k + o % 4], and
 * rows past M are zero. With `transpose`, packs Wᵀ (K×M) the same way:
 * W[o, k] goes to out[(k − k % 4)·M + 4o + k % 4].
 */
export function packWeights(w: Storage, wOff: number, M: number, K: number, transpose: boolean): Float64Array {
  const rows = transpose ? K : M, inner = transpose ? M : K;
  const out = new Float64Array(Math.ceil(rows / 4) * 4 * inner);
  for (let r = 0; r < rows; r++) {
    const base = (r >> 2) * 4 * inner + (r & 3);
    for (let q = 0; q < inner; q++) out[base + 4 * q] = transpose ? w[wOff + q * K + r] : w[wOff + r * K + q];
  }
  return out;
}

// A 4×4 tile on its way to clipped (edge) stores, so no tile needs an allocation.
const tile = new Float64Array(16);

/**
 * y[yOff + o·yRs + p] = bias[o] + Σ_k W[o, k]·xp[base + pos[p] + taps[k]] for o < M, p < L.
 * `wp` is packWeights(W) and `bias` has a (zero) entry for every packed row.
 */
export function convForwardKernel(
  wp: Float64Array, bias: Float64Array, M: number, K: number, taps: Int32Array,
  xp: Float64Array, base: number, pos: Int32Array, L: number,
  y: Storage, yOff: number, yRs: number,
): void {
  for (let j0 = 0; j0 < L; j0 += 4) {
    const p0 = base + pos[j0], p1 = base + pos[j0 + 1], p2 = base + pos[j0 + 2], p3 = base + pos[j0 + 3];
    const cols = Math.min(4, L - j0);
    for (let o0 = 0; o0 < M; o0 += 4) {
      if (M - o0 <= 2) {
        // A last panel of 1 or 2 rows (6 output channels is common): a 2×4 tile wastes no work.
        let c00 = bias[o0], c01 = c00, c02 = c00, c03 = c00;
        let c10 = bias[o0 + 1], c11 = c10, c12 = c10, c13 = c10;
        let pa = o0 * K;
        for (let k = 0; k < K; k++) {
          const t = taps[k];
          const b0 = xp[p0 + t], b1 = xp[p1 + t], b2 = xp[p2 + t], b3 = xp[p3 + t];
          const a0 = wp[pa], a1 = wp[pa + 1];
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          pa += 4;
        }
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        const o = yOff + o0 * yRs + j0;
        for (let r = 0; r < M - o0; r++) for (let q = 0; q < cols; q++) y[o + r * yRs + q] = tile[r * 4 + q];
        continue;
      }
      let c00 = bias[o0], c01 = c00, c02 = c00, c03 = c00;
      let c10 = bias[o0 + 1], c11 = c10, c12 = c10, c13 = c10;
      let c20 = bias[o0 + 2], c21 = c20, c22 = c20, c23 = c20;
      let c30 = bias[o0 + 3], c31 = c30, c32 = c30, c33 = c30;
      let pa = o0 * K;
      for (let k = 0; k < K; k++) {
        const t = taps[k];
        const b0 = xp[p0 + t], b1 = xp[p1 + t], b2 = xp[p2 + t], b3 = xp[p3 + t];
        const a0 = wp[pa], a1 = wp[pa + 1], a2 = wp[pa + 2], a3 = wp[pa + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        pa += 4;
      }
      const rows = Math.min(4, M - o0);
      let o = yOff + o0 * yRs + j0;
      if (rows === 4 && cols === 4) {
        y[o] = c00; y[o + 1] = c01; y[o + 2] = c02; y[o + 3] = c03; o += yRs;
        y[o] = c10; y[o + 1] = c11; y[o + 2] = c12; y[o + 3] = c13; o += yRs;
        y[o] = c20; y[o + 1] = c21; y[o + 2] = c22; y[o + 3] = c23; o += yRs;
        y[o] = c30; y[o + 1] = c31; y[o + 2] = c32; y[o + 3] = c33;
      } else {
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
        tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
        for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) y[o + r * yRs + q] = tile[r * 4 + q];
      }
    }
  }
}

/** dw[dwOff + o·K + k] += Σ_{p<L} dy[dyOff + o·dyRs + p]·xp[base + pos[p] + taps[k]] for o < M. */
export function convWeightGradKernel(
  dy: Float64Array, dyOff: number, dyRs: number, M: number, K: number, taps: Int32Array,
  xp: Float64Array, base: number, pos: Int32Array, L: number, dw: Float64Array, dwOff: number,
): void {
  for (let o0 = 0; o0 < M; o0 += 4) {
    // Rows past M repeat row o0; their sums are computed and dropped.
    const r0 = dyOff + o0 * dyRs;
    const r1 = o0 + 1 < M ? r0 + dyRs : r0, r2 = o0 + 2 < M ? r0 + 2 * dyRs : r0, r3 = o0 + 3 < M ? r0 + 3 * dyRs : r0;
    const rows = Math.min(4, M - o0);
    for (let k0 = 0; k0 < K; k0 += 4) {
      const t0 = base + taps[k0], t1 = base + taps[k0 + 1], t2 = base + taps[k0 + 2], t3 = base + taps[k0 + 3];
      const cols = Math.min(4, K - k0);
      if (rows <= 2) {
        // A last panel of 1 or 2 rows: a 2×4 tile.
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        for (let p = 0; p < L; p++) {
          const q = pos[p];
          const b0 = xp[q + t0], b1 = xp[q + t1], b2 = xp[q + t2], b3 = xp[q + t3];
          const a0 = dy[r0 + p], a1 = dy[r1 + p];
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        }
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        const d = dwOff + o0 * K + k0;
        for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) dw[d + r * K + q] += tile[r * 4 + q];
        continue;
      }
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < L; p++) {
        const q = pos[p];
        const b0 = xp[q + t0], b1 = xp[q + t1], b2 = xp[q + t2], b3 = xp[q + t3];
        const a0 = dy[r0 + p], a1 = dy[r1 + p], a2 = dy[r2 + p], a3 = dy[r3 + p];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      let d = dwOff + o0 * K + k0;
      if (rows === 4 && cols === 4) {
        dw[d] += c00; dw[d + 1] += c01; dw[d + 2] += c02; dw[d + 3] += c03; d += K;
        dw[d] += c10; dw[d + 1] += c11; dw[d + 2] += c12; dw[d + 3] += c13; d += K;
        dw[d] += c20; dw[d + 1] += c21; dw[d + 2] += c22; dw[d + 3] += c23; d += K;
        dw[d] += c30; dw[d + 1] += c31; dw[d + 2] += c32; dw[d + 3] += c33;
      } else {
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
        tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
        for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) dw[d + r * K + q] += tile[r * 4 + q];
      }
    }
  }
}

/**
 * dxp[base + pos[p] + taps[k]] += Σ_{o<M} W[o, k]·dy[dyOff + o·dyRs + p] for p < L, k < K:
 * the product Wᵀ·dY and col2im in one pass. `wt` is packWeights(W, transpose).
 */
export function convInputGradKernel(
  wt: Float64Array, M: number, K: number, taps: Int32Array, dy: Float64Array, dyOff: number, dyRs: number,
  dxp: Float64Array, base: number, pos: Int32Array, L: number,
): void {
  for (let j0 = 0; j0 < L; j0 += 4) {
    // Columns past L re-read column j0; their sums are computed and dropped.
    const cols = Math.min(4, L - j0);
    const e1 = cols > 1 ? 1 : 0, e2 = cols > 2 ? 2 : 0, e3 = cols > 3 ? 3 : 0;
    const x0 = base + pos[j0], x1 = base + pos[j0 + 1], x2 = base + pos[j0 + 2], x3 = base + pos[j0 + 3];
    for (let k0 = 0; k0 < K; k0 += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pa = k0 * M, q = dyOff + j0;
      for (let o = 0; o < M; o++) {
        const a0 = wt[pa], a1 = wt[pa + 1], a2 = wt[pa + 2], a3 = wt[pa + 3];
        const b0 = dy[q], b1 = dy[q + e1], b2 = dy[q + e2], b3 = dy[q + e3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        pa += 4;
        q += dyRs;
      }
      const rows = Math.min(4, K - k0);
      if (rows === 4 && cols === 4) {
        let t = taps[k0];
        dxp[x0 + t] += c00; dxp[x1 + t] += c01; dxp[x2 + t] += c02; dxp[x3 + t] += c03;
        t = taps[k0 + 1];
        dxp[x0 + t] += c10; dxp[x1 + t] += c11; dxp[x2 + t] += c12; dxp[x3 + t] += c13;
        t = taps[k0 + 2];
        dxp[x0 + t] += c20; dxp[x1 + t] += c21; dxp[x2 + t] += c22; dxp[x3 + t] += c23;
        t = taps[k0 + 3];
        dxp[x0 + t] += c30; dxp[x1 + t] += c31; dxp[x2 + t] += c32; dxp[x3 + t] += c33;
      } else {
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
        tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
        for (let r = 0; r < rows; r++) {
          const t = taps[k0 + r];
          for (let s = 0; s < cols; s++) dxp[base + pos[j0 + s] + t] += tile[r * 4 + s];
        }
      }
    }
  }
}

/**
 * True when every window lies wholly inside the input: no padding, dilation 1
 * and no partial ceil-mode window. The pooling fast paths need this, since
 * they read each tap without a bounds test.
 */
export function windowsInside(g: Window2D): boolean {
  return g.ph === 0 && g.pw === 0 && g.dh === 1 && g.dw === 1 &&
    (g.oH - 1) * g.sh + g.kH <= g.H && (g.oW - 1) * g.sw + g.kW <= g.W;
}

/**
 * Max pooling over each window of each of `planes` (= N·C) planes. Writes
 * the maximum to `out` and its flat position in the plane (ih·W + iw) to
 * `argmax`; padding counts as −∞, the first maximum in row-major window order
 * wins ties, a NaN wins over everything (the last NaN of the window, as in
 * PyTorch's CPU kernel), and a window wholly in the
 * padding (possible with dilation) gets −∞ and argmax −1.
 *
 * Float32 and float64 inputs whose windows lie inside the input take a fast
 * path (2×2 windows fully unrolled; with stride 2 on the wasm backend the
 * SIMD kernel; float32 on the native backend the C++ loop, NaN rules included); everything else, and any plane holding a NaN (or, on the js
 * fast paths, ±∞), takes the general loop `maxPool2dPlanes`. All give the same bits.
 */
export function maxPool2dKernel(x: Storage, planes: number, g: Window2D, out: Storage, argmax: Int32Array): void {
  if (windowsInside(g)) {
    const twoByTwo = g.kH === 2 && g.kW === 2;
    if (x instanceof Float32Array && out instanceof Float32Array) {
      const nat = activeNative();
      if (nat) {
        nat.maxPool2d(x, planes, g.H, g.W, g.kH, g.kW, g.sh, g.sw, g.oH, g.oW, out, argmax);
        return;
      }
      const rt = twoByTwo && g.sh === 2 && g.sw === 2 && planes * g.H * g.W >= WASM_MIN_ELEMENTS ? activeWasm() : null;
      if (rt) {
        for (const p of wasmMaxPool2x2(rt, x, planes, g.H, g.W, out, argmax)) maxPool2dPlanes(x, p, p + 1, g, out, argmax);
        return;
      }
      if (twoByTwo) maxPool2x2F32(x, planes, g, out, argmax);
      else maxPoolInsideF32(x, planes, g, out, argmax);
      return;
    }
    if (x instanceof Float64Array && out instanceof Float64Array) {
      if (twoByTwo) maxPool2x2F64(x, planes, g, out, argmax);
      else maxPoolInsideF64(x, planes, g, out, argmax);
      return;
    }
  }
  maxPool2dPlanes(x, 0, planes, g, out, argmax);
}

/** The general max-pooling loop over planes [p0, p1): any geometry, a bounds test per tap. */
export function maxPool2dPlanes(x: Storage, p0: number, p1: number, g: Window2D, out: Storage, argmax: Int32Array): void {
  const { H, W, kH, kW, sh, sw, ph, pw, dh, dw, oH, oW } = g;
  const plane = H * W;
  let o = p0 * oH * oW;
  for (let p = p0; p < p1; p++) {
    const base = p * plane;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sh - ph;
      for (let ow = 0; ow < oW; ow++, o++) {
        const w0 = ow * sw - pw;
        let best = -Infinity, at = -1;
        for (let i = 0; i < kH; i++) {
          const ih = h0 + i * dh;
          if (ih < 0 || ih >= H) continue;
          const row = ih * W;
          for (let j = 0; j < kW; j++) {
            const iw = w0 + j * dw;
            if (iw < 0 || iw >= W) continue;
            const v = x[base + row + iw];
            // A NaN is the maximum; a later NaN takes over (PyTorch's CPU kernel points at the last one).
            if (v > best || at < 0 || v !== v) {
              best = v;
              at = row + iw;
            }
          }
        }
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
}

// NOTE: the fast paths come in a float32 and a float64 copy with the same body.
// V8 keeps one type feedback per function literal (closures from one factory
// share it), and the 2×2 loop runs 1.7× slower once it has seen both types.
//
// They handle NaN and ±∞ outside the loop: `(Σ window)·0` is 0 when the taps
// are finite (and their sum does not overflow) and NaN otherwise, summed per
// plane; a plane where it is not 0 is redone by the general loop, which has
// the NaN and ±∞ rules.

/**
 * 2×2 windows (any stride), inside the input, float32. Branch-free, so random
 * data costs no mispredicted branches: each row pair's winner is chosen by a
 * 0/1 comparison used as an index offset, then the better of the two; `>`
 * keeps the first of equal values.
 */
function maxPool2x2F32(x: Float32Array, planes: number, g: Window2D, out: Float32Array, argmax: Int32Array): void {
  const { H, W, sh, sw, oH, oW } = g;
  const plane = H * W;
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * plane;
    let nonFinite = 0;
    for (let oh = 0; oh < oH; oh++) {
      for (let a = base + oh * sh * W, end = o + oW; o < end; o++, a += sw) {
        const v0 = x[a], v1 = x[a + 1], v2 = x[a + W], v3 = x[a + W + 1];
        nonFinite += (v0 + v1 + v2 + v3) * 0;
        const top = a + +(v1 > v0), bottom = a + W + +(v3 > v2);
        const at = top + +(x[bottom] > x[top]) * (bottom - top);
        out[o] = x[at];
        argmax[o] = at - base;
      }
    }
    if (nonFinite !== 0) maxPool2dPlanes(x, p, p + 1, g, out, argmax);
  }
}

/** maxPool2x2F32 for float64 (same body). */
function maxPool2x2F64(x: Float64Array, planes: number, g: Window2D, out: Float64Array, argmax: Int32Array): void {
  const { H, W, sh, sw, oH, oW } = g;
  const plane = H * W;
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * plane;
    let nonFinite = 0;
    for (let oh = 0; oh < oH; oh++) {
      for (let a = base + oh * sh * W, end = o + oW; o < end; o++, a += sw) {
        const v0 = x[a], v1 = x[a + 1], v2 = x[a + W], v3 = x[a + W + 1];
        nonFinite += (v0 + v1 + v2 + v3) * 0;
        const top = a + +(v1 > v0), bottom = a + W + +(v3 > v2);
        const at = top + +(x[bottom] > x[top]) * (bottom - top);
        out[o] = x[at];
        argmax[o] = at - base;
      }
    }
    if (nonFinite !== 0) maxPool2dPlanes(x, p, p + 1, g, out, argmax);
  }
}

/** Any window inside the input (e.g. 3×3 stride 2), float32: no bounds tests; `>` keeps the first maximum. */
function maxPoolInsideF32(x: Float32Array, planes: number, g: Window2D, out: Float32Array, argmax: Int32Array): void {
  const { H, W, kH, kW, sh, sw, oH, oW } = g;
  const plane = H * W, span = kH * W;
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * plane;
    let nonFinite = 0;
    for (let oh = 0; oh < oH; oh++) {
      for (let a = base + oh * sh * W, end = o + oW; o < end; o++, a += sw) {
        // Each row's winner, then the better of it and the winner so far
        // (branch-free as in maxPool2x2F32; the rows are independent chains).
        let at = a, sum = 0;
        for (let row = a; row < a + span; row += W) {
          let rowAt = row;
          sum += x[row];
          for (let q = row + 1; q < row + kW; q++) {
            const v = x[q];
            sum += v;
            rowAt += +(v > x[rowAt]) * (q - rowAt);
          }
          at += +(x[rowAt] > x[at]) * (rowAt - at);
        }
        nonFinite += sum * 0;
        out[o] = x[at];
        argmax[o] = at - base;
      }
    }
    if (nonFinite !== 0) maxPool2dPlanes(x, p, p + 1, g, out, argmax);
  }
}

/** maxPoolInsideF32 for float64 (same body). */
function maxPoolInsideF64(x: Float64Array, planes: number, g: Window2D, out: Float64Array, argmax: Int32Array): void {
  const { H, W, kH, kW, sh, sw, oH, oW } = g;
  const plane = H * W, span = kH * W;
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * plane;
    let nonFinite = 0;
    for (let oh = 0; oh < oH; oh++) {
      for (let a = base + oh * sh * W, end = o + oW; o < end; o++, a += sw) {
        // Each row's winner, then the better of it and the winner so far
        // (branch-free as in maxPool2x2F32; the rows are independent chains).
        let at = a, sum = 0;
        for (let row = a; row < a + span; row += W) {
          let rowAt = row;
          sum += x[row];
          for (let q = row + 1; q < row + kW; q++) {
            const v = x[q];
            sum += v;
            rowAt += +(v > x[rowAt]) * (q - rowAt);
          }
          at += +(x[rowAt] > x[at]) * (rowAt - at);
        }
        nonFinite += sum * 0;
        out[o] = x[at];
        argmax[o] = at - base;
      }
    }
    if (nonFinite !== 0) maxPool2dPlanes(x, p, p + 1, g, out, argmax);
  }
}

/**
 * dx[plane p, argmax[o]] += g[o]: the maximum of each window takes its
 * gradient (argmax −1, a window wholly in the padding, sends it nowhere).
 */
export function maxPool2dBackwardKernel(g: Storage, argmax: Int32Array, planes: number, inPlane: number, outPlane: number, dx: Storage): void {
  const nat = g instanceof Float32Array && dx instanceof Float32Array ? activeNative() : null;
  if (nat) nat.maxPool2dBackward(g as Float32Array, argmax, planes, inPlane, outPlane, dx as Float32Array);
  else if (g instanceof Float32Array && dx instanceof Float32Array) maxPoolScatterF32(g, argmax, planes, inPlane, outPlane, dx);
  else if (g instanceof Float64Array && dx instanceof Float64Array) maxPoolScatterF64(g, argmax, planes, inPlane, outPlane, dx);
  else maxPoolScatter(g, argmax, planes, inPlane, outPlane, dx);
}

function maxPoolScatterF32(g: Float32Array, argmax: Int32Array, planes: number, inPlane: number, outPlane: number, dx: Float32Array): void {
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * inPlane;
    for (const end = o + outPlane; o < end; o++) {
      const at = argmax[o];
      if (at >= 0) dx[base + at] += g[o];
    }
  }
}

function maxPoolScatterF64(g: Float64Array, argmax: Int32Array, planes: number, inPlane: number, outPlane: number, dx: Float64Array): void {
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * inPlane;
    for (const end = o + outPlane; o < end; o++) {
      const at = argmax[o];
      if (at >= 0) dx[base + at] += g[o];
    }
  }
}

function maxPoolScatter(g: Storage, argmax: Int32Array, planes: number, inPlane: number, outPlane: number, dx: Storage): void {
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * inPlane;
    for (const end = o + outPlane; o < end; o++) {
      const at = argmax[o];
      if (at >= 0) dx[base + at] += g[o];
    }
  }
}

/**
 * The windows along one axis, computed once per call: output index o covers
 * input [start[o], end[o]) and its padded window has `padded[o]` entries.
 * PyTorch's avg-pool rule: [o·s − pad, o·s − pad + k) is clipped to the padded
 * input [−pad, size + pad) for `padded`, then to [0, size) for start/end.
 */
function avgWindows(outSize: number, s: number, pad: number, k: number, size: number): Int32Array {
  const w = new Int32Array(3 * outSize);
  for (let o = 0; o < outSize; o++) {
    const start = o * s - pad;
    const end = Math.min(start + k, size + pad);
    w[o] = Math.max(start, 0);
    w[outSize + o] = Math.min(end, size);
    w[2 * outSize + o] = end - start;
  }
  return w;
}

/** Adaptive windows along one axis: [⌊o·size/out⌋, ⌈(o+1)·size/out⌉), with padded = real size. */
function adaptiveWindows(outSize: number, size: number): Int32Array {
  const w = new Int32Array(3 * outSize);
  for (let o = 0; o < outSize; o++) {
    w[o] = Math.floor((o * size) / outSize);
    w[outSize + o] = Math.ceil(((o + 1) * size) / outSize);
    w[2 * outSize + o] = w[outSize + o] - w[o];
  }
  return w;
}

/** Window sums (or, with `backward`, the adjoint spread) over precomputed windows. */
function windowMean(
  x: Storage, out: Storage, planes: number, H: number, W: number, oH: number, oW: number,
  hw: Int32Array, ww: Int32Array, countIncludePad: boolean, backward: boolean,
): void {
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = hw[oh], h1 = hw[oH + oh];
      const rowsPadded = hw[2 * oH + oh], rows = h1 - h0;
      for (let ow = 0; ow < oW; ow++, o++) {
        const w0 = ww[ow], w1 = ww[oW + ow];
        const count = countIncludePad ? rowsPadded * ww[2 * oW + ow] : rows * (w1 - w0);
        if (backward) {
          const share = count > 0 ? out[o] / count : 0;
          for (let ih = h0; ih < h1; ih++) {
            const row = base + ih * W;
            for (let iw = w0; iw < w1; iw++) x[row + iw] += share;
          }
        } else {
          let s = 0;
          for (let ih = h0; ih < h1; ih++) {
            const row = base + ih * W;
            for (let iw = w0; iw < w1; iw++) s += x[row + iw];
          }
          out[o] = count > 0 ? s / count : 0;
        }
      }
    }
  }
}

/**
 * Average pooling over `planes` (= N·C) planes, PyTorch's rule: the divisor
 * is the window clipped to the padded input when `countIncludePad`, else the
 * number of real pixels in it.
 */
export function avgPool2dKernel(x: Storage, planes: number, g: Window2D, countIncludePad: boolean, out: Storage): void {
  // Windows inside the input all divide by kH·kW; the fast path sums in the same order.
  if (windowsInside(g)) {
    if (x instanceof Float32Array && out instanceof Float32Array) return avgPoolInsideF32(x, planes, g, out);
    if (x instanceof Float64Array && out instanceof Float64Array) return avgPoolInsideF64(x, planes, g, out);
  }
  const hw = avgWindows(g.oH, g.sh, g.ph, g.kH, g.H), ww = avgWindows(g.oW, g.sw, g.pw, g.kW, g.W);
  windowMean(x, out, planes, g.H, g.W, g.oH, g.oW, hw, ww, countIncludePad, false);
}

/** The adjoint of avgPool2dKernel: each gOut[o] / divisor is added over its window in dx. */
export function avgPool2dBackwardKernel(gOut: Storage, planes: number, g: Window2D, countIncludePad: boolean, dx: Storage): void {
  if (windowsInside(g)) {
    if (gOut instanceof Float32Array && dx instanceof Float32Array) return avgPoolInsideBackwardF32(gOut, planes, g, dx);
    if (gOut instanceof Float64Array && dx instanceof Float64Array) return avgPoolInsideBackwardF64(gOut, planes, g, dx);
  }
  const hw = avgWindows(g.oH, g.sh, g.ph, g.kH, g.H), ww = avgWindows(g.oW, g.sw, g.pw, g.kW, g.W);
  windowMean(dx, gOut, planes, g.H, g.W, g.oH, g.oW, hw, ww, countIncludePad, true);
}

// Average pooling of windows inside the input (2×2 unrolled), one copy per
// array type (see the NOTE above maxPool2x2F32). The sums run in the order of
// windowMean, from 0, and each dx gets its shares in output order, so the bits
// are the same as the general loop's.

function avgPoolInsideF32(x: Float32Array, planes: number, g: Window2D, out: Float32Array): void {
  const { H, W, kH, kW, sh, sw, oH, oW } = g;
  const plane = H * W, span = kH * W, count = kH * kW, twoByTwo = kH === 2 && kW === 2;
  for (let p = 0, o = 0; p < planes; p++) {
    for (let oh = 0; oh < oH; oh++) {
      let a = p * plane + oh * sh * W;
      const end = o + oW;
      if (twoByTwo) {
        for (; o < end; o++, a += sw) out[o] = (0 + x[a] + x[a + 1] + x[a + W] + x[a + W + 1]) / 4;
        continue;
      }
      for (; o < end; o++, a += sw) {
        let s = 0;
        for (let row = a; row < a + span; row += W) for (let q = row; q < row + kW; q++) s += x[q];
        out[o] = s / count;
      }
    }
  }
}

function avgPoolInsideF64(x: Float64Array, planes: number, g: Window2D, out: Float64Array): void {
  const { H, W, kH, kW, sh, sw, oH, oW } = g;
  const plane = H * W, span = kH * W, count = kH * kW, twoByTwo = kH === 2 && kW === 2;
  for (let p = 0, o = 0; p < planes; p++) {
    for (let oh = 0; oh < oH; oh++) {
      let a = p * plane + oh * sh * W;
      const end = o + oW;
      if (twoByTwo) {
        for (; o < end; o++, a += sw) out[o] = (0 + x[a] + x[a + 1] + x[a + W] + x[a + W + 1]) / 4;
        continue;
      }
      for (; o < end; o++, a += sw) {
        let s = 0;
        for (let row = a; row < a + span; row += W) for (let q = row; q < row + kW; q++) s += x[q];
        out[o] = s / count;
      }
    }
  }
}

function avgPoolInsideBackwardF32(gOut: Float32Array, planes: number, g: Window2D, dx: Float32Array): void {
  const { H, W, kH, kW, sh, sw, oH, oW } = g;
  const plane = H * W, span = kH * W, count = kH * kW, twoByTwo = kH === 2 && kW === 2;
  for (let p = 0, o = 0; p < planes; p++) {
    for (let oh = 0; oh < oH; oh++) {
      let a = p * plane + oh * sh * W;
      const end = o + oW;
      if (twoByTwo) {
        for (; o < end; o++, a += sw) {
          const share = gOut[o] / 4;
          dx[a] += share;
          dx[a + 1] += share;
          dx[a + W] += share;
          dx[a + W + 1] += share;
        }
        continue;
      }
      for (; o < end; o++, a += sw) {
        const share = gOut[o] / count;
        for (let row = a; row < a + span; row += W) for (let q = row; q < row + kW; q++) dx[q] += share;
      }
    }
  }
}

function avgPoolInsideBackwardF64(gOut: Float64Array, planes: number, g: Window2D, dx: Float64Array): void {
  const { H, W, kH, kW, sh, sw, oH, oW } = g;
  const plane = H * W, span = kH * W, count = kH * kW, twoByTwo = kH === 2 && kW === 2;
  for (let p = 0, o = 0; p < planes; p++) {
    for (let oh = 0; oh < oH; oh++) {
      let a = p * plane + oh * sh * W;
      const end = o + oW;
      if (twoByTwo) {
        for (; o < end; o++, a += sw) {
          const share = gOut[o] / 4;
          dx[a] += share;
          dx[a + 1] += share;
          dx[a + W] += share;
          dx[a + W + 1] += share;
        }
        continue;
      }
      for (; o < end; o++, a += sw) {
        const share = gOut[o] / count;
        for (let row = a; row < a + span; row += W) for (let q = row; q < row + kW; q++) dx[q] += share;
      }
    }
  }
}

/** Adaptive average pooling: output (i, j) averages rows [⌊i·H/oH⌋, ⌈(i+1)·H/oH⌉) × the same rule for columns. */
export function adaptiveAvgPool2dKernel(x: Storage, planes: number, H: number, W: number, oH: number, oW: number, out: Storage): void {
  windowMean(x, out, planes, H, W, oH, oW, adaptiveWindows(oH, H), adaptiveWindows(oW, W), false, false);
}

/** The adjoint of adaptiveAvgPool2dKernel. */
export function adaptiveAvgPool2dBackwardKernel(gOut: Storage, planes: number, H: number, W: number, oH: number, oW: number, dx: Storage): void {
  windowMean(dx, gOut, planes, H, W, oH, oW, adaptiveWindows(oH, H), adaptiveWindows(oW, W), false, true);
}
