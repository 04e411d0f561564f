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
// area. Arguments come in a block of 4-byte fields at `job` (ConvJob;
// src/kernels/wasm/conv.ts writes them in the same order).

@unmanaged
class ConvJob {
  x: usize;        // input x [N, C, H, W]
  w: usize;        // weight [O, K]
  bias: usize;     // bias [O] or 0
  y: usize;        // forward: output y [N, O, L]; backward: incoming gradient dy [N, O, L]
  dx: usize;       // backward: input gradient [N, C, H, W] or 0
  dw: usize;       // backward: weight-gradient sums, one [O, K] per chunk, or 0
  db: usize;       // backward: bias-gradient sums, one [O] per chunk, or 0
  next: usize;     // shared i32: the next chunk to take
  chunks: i32;     // number of chunks
  B: i32;          // samples per chunk at most (the scratch holds that many)
  C: i32;
  H: i32;
  W: i32;
  ph: i32;
  pw: i32;
  Hp: i32;
  Wp: i32;
  taps: usize;     // i32 offsets [K]
  K: i32;          // C/groups · kH · kW
  pos: usize;      // i32 offsets [L]
  L: i32;          // oH · oW
  oW: i32;
  sw: i32;
  O: i32;
  groups: i32;
  xp: usize;       // scratch: padded input [B, C, Hp, Wp]
  col: usize;      // scratch: im2col matrix [K, B·L]
  rows: usize;     // scratch: output or gradient rows [O, B·L]
  work: usize;     // gemm work area
  direct: i32;     // 1: forward and weight gradient by the direct kernels below (stride 1), else im2col + gemm
  Lw: i32;         // direct: wide row length oH·Wp rounded up to 16
  oH: i32;
  starts: usize;   // i32 table [chunks + 1]: chunk c is samples [starts[c], starts[c + 1])
}

/**
 * Takes the next chunk from the shared counter at `next`; its first sample is
 * starts[c] and its end starts[c + 1] (the caller's table). Returns c, or −1
 * when every chunk is taken. Chunks come out in order, whichever thread takes them.
 */
function take(next: usize, chunks: i32): i32 {
  const c = atomic.add<i32>(next, 1);
  return c < chunks ? c : -1;
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
  const a = changetype<ConvJob>(job);
  const Og = a.O / a.groups, ss = a.C * a.Hp * a.Wp, gs = (a.C / a.groups) * a.Hp * a.Wp;
  for (let c = take(a.next, a.chunks); c >= 0; c = take(a.next, a.chunks)) {
    const n = load<i32>(at(a.starts, c)), nb = load<i32>(at(a.starts, c + 1)) - n, NL = nb * a.L;
    padInto(at(a.x, n * a.C * a.H * a.W), nb * a.C, a.H, a.W, a.ph, a.pw, a.Hp, a.Wp, a.xp);
    if (a.direct) {
      memory.fill(at(a.xp, nb * ss), 0, <usize>(a.Wp + 32) << 2);
      for (let s = 0; s < nb; s++) {
        for (let grp = 0; grp < a.groups; grp++) {
          directForward(at(a.xp, s * ss + grp * gs), at(a.w, grp * Og * a.K), a.K, a.taps, Og, a.Lw, a.col);
          for (let o = 0; o < Og; o++) {
            const oc = grp * Og + o;
            const b: f32 = a.bias ? load<f32>(at(a.bias, oc)) : 0;
            for (let i = 0; i < a.oH; i++) addScalar(at(a.y, ((n + s) * a.O + oc) * a.L + i * a.oW), at(a.col, o * a.Lw + i * a.Wp), a.oW, b);
          }
        }
      }
      continue;
    }
    for (let grp = 0; grp < a.groups; grp++) {
      im2col(at(a.xp, grp * gs), ss, nb, a.taps, a.K, a.pos, a.L, a.col, a.oW, a.sw);
      gemm(Og, NL, a.K, at(a.w, grp * Og * a.K), a.K, 1, a.col, NL, 1, a.rows, NL, false, a.work);
      for (let o = 0; o < Og; o++) {
        const oc = grp * Og + o;
        const b: f32 = a.bias ? load<f32>(at(a.bias, oc)) : 0;
        for (let s = 0; s < nb; s++) addScalar(at(a.y, ((n + s) * a.O + oc) * a.L), at(a.rows, o * NL + s * a.L), a.L, b);
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
  const a = changetype<ConvJob>(job);
  const dy = a.y, dwAll = a.dw, dbAll = a.db;
  const Og = a.O / a.groups, ss = a.C * a.Hp * a.Wp, gs = (a.C / a.groups) * a.Hp * a.Wp;
  for (let c = take(a.next, a.chunks); c >= 0; c = take(a.next, a.chunks)) {
    const n = load<i32>(at(a.starts, c)), nb = load<i32>(at(a.starts, c + 1)) - n, NL = nb * a.L;
    // This chunk's own gradient sums (added up in chunk order by the caller: the same bits whichever thread ran it).
    const dw = dwAll ? at(dwAll, c * a.O * a.K) : 0, db = dbAll ? at(dbAll, c * a.O) : 0;
    if (dw) memory.fill(dw, 0, <usize>(a.O * a.K) << 2);
    if (db) memory.fill(db, 0, <usize>a.O << 2);
    for (let s = 0; s < nb; s++) {
      for (let o = 0; o < a.O; o++) memory.copy(at(a.rows, o * NL + s * a.L), at(dy, ((n + s) * a.O + o) * a.L), <usize>a.L << 2);
    }
    if (db) {
      for (let o = 0; o < a.O; o++) store<f32>(at(db, o), load<f32>(at(db, o)) + sum(at(a.rows, o * NL), NL));
    }
    if (dw && a.direct) {
      padInto(at(a.x, n * a.C * a.H * a.W), nb * a.C, a.H, a.W, a.ph, a.pw, a.Hp, a.Wp, a.xp);
      memory.fill(at(a.xp, nb * ss), 0, <usize>(a.Wp + 32) << 2);
      for (let s = 0; s < nb; s++) {
        for (let grp = 0; grp < a.groups; grp++) {
          // dY of this sample and group in the wide layout (zero at junk positions), in col.
          memory.fill(a.col, 0, <usize>(Og * a.Lw) << 2);
          for (let o = 0; o < Og; o++) {
            for (let i = 0; i < a.oH; i++) memory.copy(at(a.col, o * a.Lw + i * a.Wp), at(dy, ((n + s) * a.O + grp * Og + o) * a.L + i * a.oW), <usize>a.oW << 2);
          }
          directWeightGrad(at(a.xp, s * ss + grp * gs), a.col, a.K, a.taps, Og, a.Lw, at(dw, grp * Og * a.K));
        }
      }
    } else if (dw) {
      padInto(at(a.x, n * a.C * a.H * a.W), nb * a.C, a.H, a.W, a.ph, a.pw, a.Hp, a.Wp, a.xp);
      for (let grp = 0; grp < a.groups; grp++) {
        im2col(at(a.xp, grp * gs), ss, nb, a.taps, a.K, a.pos, a.L, a.col, a.oW, a.sw);
        // dW[o, k] += Σ_j dY[o, j]·col[k, j]: B(j, k) = col[k·NL + j].
        gemm(Og, a.K, NL, at(a.rows, grp * Og * NL), NL, 1, a.col, 1, NL, at(dw, grp * Og * a.K), a.K, true, a.work);
      }
    }
    if (a.dx) {
      memory.fill(a.xp, 0, <usize>(nb * ss) << 2);
      for (let grp = 0; grp < a.groups; grp++) {
        // dcol[k, j] = Σ_o W[o, k]·dY[o, j]: A(k, o) = W[(grp·Og + o)·K + k].
        gemm(a.K, NL, Og, at(a.w, grp * Og * a.K), 1, a.K, at(a.rows, grp * Og * NL), NL, 1, a.col, NL, false, a.work);
        col2im(a.col, ss, nb, a.taps, a.K, a.pos, a.L, at(a.xp, grp * gs), a.oW, a.sw);
      }
      unpadFrom(a.xp, nb * a.C, a.H, a.W, a.ph, a.pw, a.Hp, a.Wp, at(a.dx, n * a.C * a.H * a.W));
    }
  }
}
