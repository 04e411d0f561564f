/**
 * Convolution on the wasm backend (float32): an explicit im2col over the whole
 * batch in wasm memory, then one SIMD gemm per group:
 *
 *   col[k, n·L + p] = xp[n, pos[p] + taps[k]]                 (K × N·L)
 *   forward  Y[o, n·L + p] = W[o, :]·col[:, n·L + p]          Y = W·col,   then y[n, o, p] = Y[o, n·L + p] + b[o]
 *   weights  dW = dY·colᵀ                                     dY[o, n·L + p] = dy[n, o, p]
 *   input    dcol = Wᵀ·dY,  dxp[n, pos[p] + taps[k]] += dcol[k, n·L + p]   (col2im)
 *
 * The same offset tables (`convTaps`, `convPositions`) and padded layout as
 * the js kernels in `../im2col.ts`, so both paths agree on every geometry.
 */
import { convPositions, convTaps, paddedSize, type Window2D } from '../im2col';
import { gemmAt, memoryF32, memoryI32, operandBase, type Storage, type WasmRuntime } from '.';

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

/** Bump allocation of element ranges above the operand base. */
class Arena {
  at: number;
  constructor(rt: WasmRuntime) {
    this.at = operandBase(rt) >> 2;
  }
  take(n: number): number {
    const at = this.at;
    this.at = align16(at + n);
    return at;
  }
}

/** Writes x (N·C planes of H × W) into xp at `at`: each plane placed at (ph, pw) in a zeroed Hp × Wp plane. */
function pad(f: Float32Array, at: number, x: Storage, planes: number, g: Window2D, Hp: number, Wp: number): void {
  const { H, W, ph, pw } = g;
  f.fill(0, at, at + planes * Hp * Wp);
  for (let p = 0; p < planes; p++) {
    for (let h = 0; h < H; h++) {
      const src = (p * H + h) * W;
      f.set(x.subarray(src, src + W), at + (p * Hp + h + ph) * Wp + pw);
    }
  }
}

function geometry(g: Window2D, O: number, groups: number) {
  const [Hp, Wp] = paddedSize(g);
  const Cg = g.C / groups;
  return {
    Hp, Wp, Og: O / groups, K: Cg * g.kH * g.kW, L: g.oH * g.oW, ss: g.C * Hp * Wp, gs: Cg * Hp * Wp,
    taps: convTaps(g, Cg, Hp, Wp), pos: convPositions(g, Wp),
  };
}

/**
 * Samples per chunk: the batch is processed in chunks whose im2col matrix,
 * padded input and gradient stay within about 64 MB of wasm memory.
 */
function chunkSize(N: number, K: number, L: number, ss: number, O: number): number {
  const perSample = K * L + ss + O * L;
  return Math.max(1, Math.min(N, Math.floor(chunkFloats / perSample)));
}

let chunkFloats = 16 << 20;

/** Sets the chunk budget in floats (default 16M = 64 MB); tests use a tiny one to exercise chunking. */
export function setConvChunkFloats(n: number): void {
  chunkFloats = n;
}

/** y = conv2d(x, w, b) into `out` [N, O, oH·oW] (x, w contiguous values). */
export function wasmConvForward(
  rt: WasmRuntime, xv: Storage, wv: Storage, bv: Storage | null, N: number, O: number, groups: number, g: Window2D, out: Float32Array,
): void {
  const { Hp, Wp, Og, K, L, ss, gs, taps, pos } = geometry(g, O, groups);
  const B = chunkSize(N, K, L, ss, O);
  const m = new Arena(rt);
  const xpAt = m.take(B * ss), tapsAt = m.take(taps.length), posAt = m.take(pos.length);
  const wAt = m.take(O * K), colAt = m.take(K * B * L), yAt = m.take(Og * B * L);
  const f = memoryF32(rt, m.at * 4);
  const iv = memoryI32(rt);
  iv.set(taps, tapsAt);
  iv.set(pos, posAt);
  f.set(wv.subarray(0, O * K), wAt);
  const ex = rt.exports;
  const planeSize = g.H * g.W;
  for (let n0 = 0; n0 < N; n0 += B) {
    const nb = Math.min(B, N - n0), NL = nb * L;
    pad(f, xpAt, xv.subarray(n0 * g.C * planeSize, (n0 + nb) * g.C * planeSize), nb * g.C, g, Hp, Wp);
    for (let grp = 0; grp < groups; grp++) {
      ex.im2col((xpAt + grp * gs) * 4, ss, nb, tapsAt * 4, K, posAt * 4, L, colAt * 4, g.oW, g.sw);
      gemmAt(rt, Og, NL, K, (wAt + grp * Og * K) * 4, K, 1, colAt * 4, NL, 1, yAt * 4, NL);
      for (let o = 0; o < Og; o++) {
        const oc = grp * Og + o;
        const b = bv ? bv[oc] : 0;
        for (let n = 0; n < nb; n++) {
          const src = yAt + o * NL + n * L, dst = ((n0 + n) * O + oc) * L;
          if (b === 0) {
            out.set(f.subarray(src, src + L), dst);
          } else {
            for (let p = 0; p < L; p++) out[dst + p] = f[src + p] + b;
          }
        }
      }
    }
  }
}

/**
 * The input and weight gradients of conv2d: dx [N, C, H, W] (when `dx` is
 * given; needs `wv`) and dw [O, C/groups·kH·kW] (when `dw` is given; needs `xv`).
 */
export function wasmConvBackward(
  rt: WasmRuntime, xv: Storage | null, wv: Storage | null, dyv: Storage, N: number, O: number, groups: number, g: Window2D,
  dx: Float32Array | null, dw: Float32Array | null,
): void {
  const { Hp, Wp, Og, K, L, ss, gs, taps, pos } = geometry(g, O, groups);
  const B = chunkSize(N, K, L, ss, O);
  const m = new Arena(rt);
  const tapsAt = m.take(taps.length), posAt = m.take(pos.length);
  const dyAt = m.take(O * B * L), colAt = m.take(K * B * L);
  const xpAt = m.take(B * ss);
  const wAt = dx ? m.take(O * K) : 0;
  const dwAt = dw ? m.take(Og * K) : 0;
  const f = memoryF32(rt, m.at * 4);
  const iv = memoryI32(rt);
  iv.set(taps, tapsAt);
  iv.set(pos, posAt);
  if (dx) f.set(wv!.subarray(0, O * K), wAt);
  if (dw) dw.fill(0);
  const ex = rt.exports;
  const { H, W, ph, pw } = g;
  const planeSize = H * W;
  for (let n0 = 0; n0 < N; n0 += B) {
    const nb = Math.min(B, N - n0), NL = nb * L;
    // dY[o, n·L + p] = dy[n0 + n, o, p]
    for (let n = 0; n < nb; n++) {
      for (let o = 0; o < O; o++) {
        const src = ((n0 + n) * O + o) * L;
        f.set(dyv.subarray(src, src + L), dyAt + o * NL + n * L);
      }
    }
    if (dw) {
      pad(f, xpAt, xv!.subarray(n0 * g.C * planeSize, (n0 + nb) * g.C * planeSize), nb * g.C, g, Hp, Wp);
      for (let grp = 0; grp < groups; grp++) {
        ex.im2col((xpAt + grp * gs) * 4, ss, nb, tapsAt * 4, K, posAt * 4, L, colAt * 4, g.oW, g.sw);
        // dW[o, k] = Σ_j dY[o, j]·col[k, j]: B(j, k) = col[k·NL + j].
        gemmAt(rt, Og, K, NL, (dyAt + grp * Og * NL) * 4, NL, 1, colAt * 4, 1, NL, dwAt * 4, K);
        for (let i = 0, d = grp * Og * K; i < Og * K; i++) dw[d + i] += f[dwAt + i];
      }
    }
    if (dx) {
      f.fill(0, xpAt, xpAt + nb * ss);
      for (let grp = 0; grp < groups; grp++) {
        // dcol[k, j] = Σ_o W[o, k]·dY[o, j]: A(k, o) = W[(grp·Og + o)·K + k].
        gemmAt(rt, K, NL, Og, (wAt + grp * Og * K) * 4, 1, K, (dyAt + grp * Og * NL) * 4, NL, 1, colAt * 4, NL);
        ex.col2im(colAt * 4, ss, nb, tapsAt * 4, K, posAt * 4, L, (xpAt + grp * gs) * 4, g.oW, g.sw);
      }
      for (let p = 0, planes = nb * g.C; p < planes; p++) {
        for (let h = 0; h < H; h++) {
          const src = xpAt + (p * Hp + h + ph) * Wp + pw;
          dx.set(f.subarray(src, src + W), (n0 * g.C + p) * planeSize + h * W);
        }
      }
    }
  }
}
