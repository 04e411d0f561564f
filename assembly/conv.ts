import { gemm } from "./gemm";

// im2col and col2im for the wasm convolution (see src/kernels/wasm/conv.ts).
// With one column per (sample n, output position p), row k = kernel tap:
//
//   col[k, n·L + p] = xp[n·ss + pos[p] + taps[k]]
//
// where xp is the zero-padded input (ss floats per sample), and `taps`, `pos`
// are the i32 offset tables of src/kernels/im2col.ts.

/**
 * Writes col (K × N·L, row-major, f32) from the padded input xp. With
 * horizontal stride 1 (sw == 1) each output row's window is a contiguous run
 * of oW floats, copied four at a time.
 */
export function im2col(xp: usize, ss: i32, N: i32, taps: usize, K: i32, pos: usize, L: i32, col: usize, oW: i32, sw: i32): void {
  const ld = N * L;
  const contiguous = sw == 1 && oW > 0 && L % oW == 0;
  for (let k = 0; k < K; k++) {
    const t = load<i32>(taps + (<usize>k << 2));
    for (let n = 0; n < N; n++) {
      const src = xp + (<usize>(n * ss + t) << 2);
      const dst = col + (<usize>(k * ld + n * L) << 2);
      if (contiguous) {
        for (let p0 = 0; p0 < L; p0 += oW) {
          const s = src + (<usize>load<i32>(pos + (<usize>p0 << 2)) << 2);
          const d = dst + (<usize>p0 << 2);
          let q = 0;
          for (; q + 4 <= oW; q += 4) v128.store(d + (<usize>q << 2), v128.load(s + (<usize>q << 2)));
          for (; q < oW; q++) store<f32>(d + (<usize>q << 2), load<f32>(s + (<usize>q << 2)));
        }
      } else {
        for (let p = 0; p < L; p++) {
          store<f32>(dst + (<usize>p << 2), load<f32>(src + (<usize>load<i32>(pos + (<usize>p << 2)) << 2)));
        }
      }
    }
  }
}

/** The adjoint of im2col: dxp[n·ss + pos[p] + taps[k]] += dcol[k, n·L + p] (runs of oW when sw == 1). */
export function col2im(dcol: usize, ss: i32, N: i32, taps: usize, K: i32, pos: usize, L: i32, dxp: usize, oW: i32, sw: i32): void {
  const ld = N * L;
  const contiguous = sw == 1 && oW > 0 && L % oW == 0;
  for (let k = 0; k < K; k++) {
    const t = load<i32>(taps + (<usize>k << 2));
    for (let n = 0; n < N; n++) {
      const dst = dxp + (<usize>(n * ss + t) << 2);
      const src = dcol + (<usize>(k * ld + n * L) << 2);
      if (contiguous) {
        for (let p0 = 0; p0 < L; p0 += oW) {
          const d = dst + (<usize>load<i32>(pos + (<usize>p0 << 2)) << 2);
          const s = src + (<usize>p0 << 2);
          let q = 0;
          for (; q + 4 <= oW; q += 4) {
            const at = d + (<usize>q << 2);
            v128.store(at, f32x4.add(v128.load(at), v128.load(s + (<usize>q << 2))));
          }
          for (; q < oW; q++) {
            const at = d + (<usize>q << 2);
            store<f32>(at, load<f32>(at) + load<f32>(s + (<usize>q << 2)));
          }
        }
      } else {
        for (let p = 0; p < L; p++) {
          const at = dst + (<usize>load<i32>(pos + (<usize>p << 2)) << 2);
          store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>p << 2)));
        }
      }
    }
  }
}

// ---- Whole convolutions for a range of samples ------------------------------
//
// One call does everything for chunks of samples, taken one at a time from
// a shared counter until the batch is done (see `take`; big chunks first,
// small ones last, so the threads finish together), so the thread pool splits a
// convolution by samples and a thread that runs slower (a busy core) simply
// takes fewer chunks. Each thread has its own scratch (padded input, im2col matrix, gradient rows) and gemm work
// area. Arguments come in a block of i32 slots at `job` (see the P_* names;
// src/kernels/wasm/conv.ts writes them).

const P_X = 0;        // input x [N, C, H, W]
const P_W = 1;        // weight [O, K]
const P_BIAS = 2;     // bias [O] or 0
const P_Y = 3;        // forward: output y [N, O, L]; backward: incoming gradient dy [N, O, L]
const P_DX = 4;       // backward: input gradient [N, C, H, W] or 0
const P_DW = 5;       // backward: weight-gradient sums, one [O, K] per chunk, or 0
const P_DB = 6;       // backward: bias-gradient sums, one [O] per chunk, or 0
const P_NEXT = 7;     // shared i32: the next chunk to take
const P_CHUNKS = 8;   // number of chunks
const P_B = 9;        // samples per chunk at most (the scratch holds that many)
const P_C = 10;
const P_H = 11;
const P_WID = 12;
const P_PH = 13;
const P_PW = 14;
const P_HP = 15;
const P_WP = 16;
const P_TAPS = 17;    // i32 offsets [K]
const P_K = 18;       // C/groups · kH · kW
const P_POS = 19;     // i32 offsets [L]
const P_L = 20;       // oH · oW
const P_OW = 21;
const P_SW = 22;
const P_O = 23;
const P_GROUPS = 24;
const P_XP = 25;      // scratch: padded input [B, C, Hp, Wp]
const P_COL = 26;     // scratch: im2col matrix [K, B·L]
const P_ROWS = 27;    // scratch: output or gradient rows [O, B·L]
const P_WORK = 28;    // gemm work area
const P_DIRECT = 29;  // 1: forward and weight gradient by the direct kernels below (stride 1), else im2col + gemm
const P_LW = 30;      // direct: wide row length oH·Wp rounded up to 16
const P_OH = 31;
const P_STARTS = 32;  // i32 table [chunks + 1]: chunk c is samples [starts[c], starts[c + 1]) (33 slots in all)

/**
 * Takes the next chunk from the shared counter at `next`; its first sample is
 * starts[c] and its end starts[c + 1] (the caller's table). Returns c, or −1
 * when every chunk is taken. Chunks come out in order, whichever thread takes them.
 */
function take(next: usize, chunks: i32): i32 {
  const c = atomic.add<i32>(next, 1);
  return c < chunks ? c : -1;
}

@inline function arg(job: usize, slot: i32): i32 {
  return load<i32>(job + (<usize>slot << 2));
}
@inline function ptr(job: usize, slot: i32): usize {
  return <usize>load<i32>(job + (<usize>slot << 2));
}
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Copies `planes` planes of H × W at x into zeroed Hp × Wp planes at xp, placed at (ph, pw). */
function padInto(x: usize, planes: i32, H: i32, W: i32, ph: i32, pw: i32, Hp: i32, Wp: i32, xp: usize): void {
  memory.fill(xp, 0, <usize>(planes * Hp * Wp) << 2);
  for (let p = 0; p < planes; p++) {
    for (let h = 0; h < H; h++) {
      memory.copy(at(xp, (p * Hp + h + ph) * Wp + pw), at(x, (p * H + h) * W), <usize>W << 2);
    }
  }
}

/** The inverse of padInto: the H × W interior of each padded plane, written contiguously. */
function unpadFrom(xp: usize, planes: i32, H: i32, W: i32, ph: i32, pw: i32, Hp: i32, Wp: i32, x: usize): void {
  for (let p = 0; p < planes; p++) {
    for (let h = 0; h < H; h++) {
      memory.copy(at(x, (p * H + h) * W), at(xp, (p * Hp + h + ph) * Wp + pw), <usize>W << 2);
    }
  }
}

/** dst[i] = src[i] + b for i < n (four at a time). */
function addScalar(dst: usize, src: usize, n: i32, b: f32): void {
  const bv = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), f32x4.add(v128.load(at(src, i)), bv));
  for (; i < n; i++) store<f32>(at(dst, i), load<f32>(at(src, i)) + b);
}

/** Σ x[i] for i < n, in four f32 lanes then summed. */
function sum(x: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, v128.load(at(x, i)));
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) s += load<f32>(at(x, i));
  return s;
}

// ---- Direct kernels (stride 1) ---------------------------------------------
//
// With stride 1, output (i, j) reads the padded input at t + taps[k] where
// t = i·Wp + j: over "wide" positions t = 0 … oH·Wp − 1 (columns j ≥ oW are
// junk, dropped by the caller) the input of every tap is one contiguous run.
// So a thin convolution (few taps, where packing for a gemm costs as much as
// the arithmetic) runs straight off the padded input: no im2col, no packing.
// Reads run past the last plane by at most Lw − oH·Wp + dw·(kW − 1) + 3
// floats: the caller leaves that much zeroed slack after the padded input.

/** yw[o, t] = Σ_k W[o, k]·xp[t + taps[k]] for o < O, t < Lw (Lw a multiple of 16): channel pairs × 16 positions. */
function directForward(xp: usize, w: usize, K: i32, taps: usize, O: i32, Lw: i32, yw: usize): void {
  for (let o = 0; o < O; o += 2) {
    const w0 = at(w, o * K), w1 = o + 1 < O ? at(w, (o + 1) * K) : w0;
    const y0 = at(yw, o * Lw), y1 = o + 1 < O ? at(yw, (o + 1) * Lw) : y0;
    for (let t = 0; t < Lw; t += 16) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
      const base = at(xp, t);
      for (let k = 0; k < K; k++) {
        const src = base + (<usize>load<i32>(at(taps, k)) << 2);
        const u = v128.load32_splat(at(w0, k)), v = v128.load32_splat(at(w1, k));
        let x = v128.load(src);
        a0 = f32x4.add(a0, f32x4.mul(u, x));
        b0 = f32x4.add(b0, f32x4.mul(v, x));
        x = v128.load(src, 16);
        a1 = f32x4.add(a1, f32x4.mul(u, x));
        b1 = f32x4.add(b1, f32x4.mul(v, x));
        x = v128.load(src, 32);
        a2 = f32x4.add(a2, f32x4.mul(u, x));
        b2 = f32x4.add(b2, f32x4.mul(v, x));
        x = v128.load(src, 48);
        a3 = f32x4.add(a3, f32x4.mul(u, x));
        b3 = f32x4.add(b3, f32x4.mul(v, x));
      }
      const d0 = at(y0, t), d1 = at(y1, t);
      // With an odd O the last pair's second channel is the first again: b is stored over a (the same values).
      v128.store(d1, b0);
      v128.store(d1, b1, 16);
      v128.store(d1, b2, 32);
      v128.store(d1, b3, 48);
      v128.store(d0, a0);
      v128.store(d0, a1, 16);
      v128.store(d0, a2, 32);
      v128.store(d0, a3, 48);
    }
  }
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * dW[o, k] += Σ_t dyw[o, t]·xp[t + taps[k]] for o < O, k < K, t < Lw (dyw zero
 * at junk positions): channel pairs × four taps, four positions per step.
 */
function directWeightGrad(xp: usize, dyw: usize, K: i32, taps: usize, O: i32, Lw: i32, dw: usize): void {
  for (let o = 0; o < O; o += 2) {
    const two = o + 1 < O;
    const d0 = at(dyw, o * Lw), d1 = two ? at(dyw, (o + 1) * Lw) : d0;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const s0 = xp + (<usize>load<i32>(at(taps, k)) << 2), s1 = xp + (<usize>load<i32>(at(taps, k + 1)) << 2);
      const s2 = xp + (<usize>load<i32>(at(taps, k + 2)) << 2), s3 = xp + (<usize>load<i32>(at(taps, k + 3)) << 2);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
      for (let t = 0; t < Lw; t += 4) {
        const q = <usize>t << 2;
        const u = v128.load(d0 + q), v = v128.load(d1 + q);
        let x = v128.load(s0 + q);
        a0 = f32x4.add(a0, f32x4.mul(u, x));
        b0 = f32x4.add(b0, f32x4.mul(v, x));
        x = v128.load(s1 + q);
        a1 = f32x4.add(a1, f32x4.mul(u, x));
        b1 = f32x4.add(b1, f32x4.mul(v, x));
        x = v128.load(s2 + q);
        a2 = f32x4.add(a2, f32x4.mul(u, x));
        b2 = f32x4.add(b2, f32x4.mul(v, x));
        x = v128.load(s3 + q);
        a3 = f32x4.add(a3, f32x4.mul(u, x));
        b3 = f32x4.add(b3, f32x4.mul(v, x));
      }
      const r0 = at(dw, o * K + k);
      store<f32>(r0, load<f32>(r0) + hsum(a0));
      store<f32>(r0, load<f32>(r0, 4) + hsum(a1), 4);
      store<f32>(r0, load<f32>(r0, 8) + hsum(a2), 8);
      store<f32>(r0, load<f32>(r0, 12) + hsum(a3), 12);
      if (two) {
        const r1 = at(dw, (o + 1) * K + k);
        store<f32>(r1, load<f32>(r1) + hsum(b0));
        store<f32>(r1, load<f32>(r1, 4) + hsum(b1), 4);
        store<f32>(r1, load<f32>(r1, 8) + hsum(b2), 8);
        store<f32>(r1, load<f32>(r1, 12) + hsum(b3), 12);
      }
    }
    for (; k < K; k++) {
      const s0 = xp + (<usize>load<i32>(at(taps, k)) << 2);
      let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
      for (let t = 0; t < Lw; t += 4) {
        const q = <usize>t << 2;
        const x = v128.load(s0 + q);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(d0 + q), x));
        b0 = f32x4.add(b0, f32x4.mul(v128.load(d1 + q), x));
      }
      const r0 = at(dw, o * K + k);
      store<f32>(r0, load<f32>(r0) + hsum(a0));
      if (two) {
        const r1 = at(dw, (o + 1) * K + k);
        store<f32>(r1, load<f32>(r1) + hsum(b0));
      }
    }
  }
}

/**
 * Forward for the chunks of samples this thread takes: y[n, o, p] = b[o] + Σ_k W[o, k]·col_n[k, p],
 * chunk by chunk: pad, im2col, one gemm per group into rows [Og, B·L], then
 * each row segment plus its bias goes to its place in y.
 */
export function convForwardJob(job: usize): void {
  const x = ptr(job, P_X), w = ptr(job, P_W), bias = ptr(job, P_BIAS), y = ptr(job, P_Y);
  const next = ptr(job, P_NEXT);
  const C = arg(job, P_C), H = arg(job, P_H), W = arg(job, P_WID), ph = arg(job, P_PH), pw = arg(job, P_PW);
  const Hp = arg(job, P_HP), Wp = arg(job, P_WP), taps = ptr(job, P_TAPS), K = arg(job, P_K), pos = ptr(job, P_POS);
  const L = arg(job, P_L), oW = arg(job, P_OW), sw = arg(job, P_SW), O = arg(job, P_O), groups = arg(job, P_GROUPS);
  const xp = ptr(job, P_XP), col = ptr(job, P_COL), rows = ptr(job, P_ROWS), work = ptr(job, P_WORK);
  const direct = arg(job, P_DIRECT), Lw = arg(job, P_LW), oH = arg(job, P_OH);
  const Og = O / groups, ss = C * Hp * Wp, gs = (C / groups) * Hp * Wp;
  const chunks = arg(job, P_CHUNKS), starts = ptr(job, P_STARTS);
  for (let c = take(next, chunks); c >= 0; c = take(next, chunks)) {
    const n = load<i32>(at(starts, c)), nb = load<i32>(at(starts, c + 1)) - n, NL = nb * L;
    padInto(at(x, n * C * H * W), nb * C, H, W, ph, pw, Hp, Wp, xp);
    if (direct) {
      memory.fill(at(xp, nb * ss), 0, <usize>(Wp + 32) << 2);
      for (let s = 0; s < nb; s++) {
        for (let grp = 0; grp < groups; grp++) {
          directForward(at(xp, s * ss + grp * gs), at(w, grp * Og * K), K, taps, Og, Lw, col);
          for (let o = 0; o < Og; o++) {
            const oc = grp * Og + o;
            const b: f32 = bias ? load<f32>(at(bias, oc)) : 0;
            for (let i = 0; i < oH; i++) addScalar(at(y, ((n + s) * O + oc) * L + i * oW), at(col, o * Lw + i * Wp), oW, b);
          }
        }
      }
      continue;
    }
    for (let grp = 0; grp < groups; grp++) {
      im2col(at(xp, grp * gs), ss, nb, taps, K, pos, L, col, oW, sw);
      gemm(Og, NL, K, at(w, grp * Og * K), K, 1, col, NL, 1, rows, NL, false, work);
      for (let o = 0; o < Og; o++) {
        const oc = grp * Og + o;
        const b: f32 = bias ? load<f32>(at(bias, oc)) : 0;
        for (let s = 0; s < nb; s++) addScalar(at(y, ((n + s) * O + oc) * L), at(rows, o * NL + s * L), L, b);
      }
    }
  }
}

/**
 * Backward for the chunks of samples this thread takes, each into its own
 * dW [O, K] and db [O] sums, writing dx for its samples:
 *   dY rows [O, B·L] gathered from dy;  db[o] += Σ dY[o, :];
 *   dW += dY·colᵀ (per group);  dx = unpad(col2im(Wᵀ·dY)).
 */
export function convBackwardJob(job: usize): void {
  const x = ptr(job, P_X), w = ptr(job, P_W), dy = ptr(job, P_Y), dx = ptr(job, P_DX), dwAll = ptr(job, P_DW), dbAll = ptr(job, P_DB);
  const next = ptr(job, P_NEXT);
  const C = arg(job, P_C), H = arg(job, P_H), W = arg(job, P_WID), ph = arg(job, P_PH), pw = arg(job, P_PW);
  const Hp = arg(job, P_HP), Wp = arg(job, P_WP), taps = ptr(job, P_TAPS), K = arg(job, P_K), pos = ptr(job, P_POS);
  const L = arg(job, P_L), oW = arg(job, P_OW), sw = arg(job, P_SW), O = arg(job, P_O), groups = arg(job, P_GROUPS);
  const xp = ptr(job, P_XP), col = ptr(job, P_COL), rows = ptr(job, P_ROWS), work = ptr(job, P_WORK);
  const direct = arg(job, P_DIRECT), Lw = arg(job, P_LW), oH = arg(job, P_OH);
  const Og = O / groups, ss = C * Hp * Wp, gs = (C / groups) * Hp * Wp;
  const chunks = arg(job, P_CHUNKS), starts = ptr(job, P_STARTS);
  for (let c = take(next, chunks); c >= 0; c = take(next, chunks)) {
    const n = load<i32>(at(starts, c)), nb = load<i32>(at(starts, c + 1)) - n, NL = nb * L;
    // This chunk's own gradient sums (added up in chunk order by the caller: the same bits whichever thread ran it).
    const dw = dwAll ? at(dwAll, c * O * K) : 0, db = dbAll ? at(dbAll, c * O) : 0;
    if (dw) memory.fill(dw, 0, <usize>(O * K) << 2);
    if (db) memory.fill(db, 0, <usize>O << 2);
    for (let s = 0; s < nb; s++) {
      for (let o = 0; o < O; o++) memory.copy(at(rows, o * NL + s * L), at(dy, ((n + s) * O + o) * L), <usize>L << 2);
    }
    if (db) {
      for (let o = 0; o < O; o++) store<f32>(at(db, o), load<f32>(at(db, o)) + sum(at(rows, o * NL), NL));
    }
    if (dw && direct) {
      padInto(at(x, n * C * H * W), nb * C, H, W, ph, pw, Hp, Wp, xp);
      memory.fill(at(xp, nb * ss), 0, <usize>(Wp + 32) << 2);
      for (let s = 0; s < nb; s++) {
        for (let grp = 0; grp < groups; grp++) {
          // dY of this sample and group in the wide layout (zero at junk positions), in col.
          memory.fill(col, 0, <usize>(Og * Lw) << 2);
          for (let o = 0; o < Og; o++) {
            for (let i = 0; i < oH; i++) memory.copy(at(col, o * Lw + i * Wp), at(dy, ((n + s) * O + grp * Og + o) * L + i * oW), <usize>oW << 2);
          }
          directWeightGrad(at(xp, s * ss + grp * gs), col, K, taps, Og, Lw, at(dw, grp * Og * K));
        }
      }
    } else if (dw) {
      padInto(at(x, n * C * H * W), nb * C, H, W, ph, pw, Hp, Wp, xp);
      for (let grp = 0; grp < groups; grp++) {
        im2col(at(xp, grp * gs), ss, nb, taps, K, pos, L, col, oW, sw);
        // dW[o, k] += Σ_j dY[o, j]·col[k, j]: B(j, k) = col[k·NL + j].
        gemm(Og, K, NL, at(rows, grp * Og * NL), NL, 1, col, 1, NL, at(dw, grp * Og * K), K, true, work);
      }
    }
    if (dx) {
      memory.fill(xp, 0, <usize>(nb * ss) << 2);
      for (let grp = 0; grp < groups; grp++) {
        // dcol[k, j] = Σ_o W[o, k]·dY[o, j]: A(k, o) = W[(grp·Og + o)·K + k].
        gemm(K, NL, Og, at(w, grp * Og * K), 1, K, at(rows, grp * Og * NL), NL, 1, col, NL, false, work);
        col2im(col, ss, nb, taps, K, pos, L, at(xp, grp * gs), oW, sw);
      }
      unpadFrom(xp, nb * C, H, W, ph, pw, Hp, Wp, at(dx, n * C * H * W));
    }
  }
}
