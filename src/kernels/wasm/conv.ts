/**
 * Convolution on the wasm backend (float32): an explicit im2col in wasm
 * memory, then one SIMD gemm per group (kernels in `assembly/conv.ts`):
 *
 *   col[k, n·L + p] = xp[n, pos[p] + taps[k]]                 (K × B·L for a chunk of B samples)
 *   forward  Y[o, n·L + p] = W[o, :]·col[:, n·L + p]          Y = W·col,   then y[n, o, p] = Y[o, n·L + p] + b[o]
 *   weights  dW = dY·colᵀ                                     dY[o, n·L + p] = dy[n, o, p]
 *   input    dcol = Wᵀ·dY,  dxp[n, pos[p] + taps[k]] += dcol[k, n·L + p]   (col2im)
 *
 * One wasm call does a whole pass over chunks of samples (padding, im2col,
 * gemms, bias, layout), so the thread pool splits a convolution by samples:
 * each thread takes chunks from a shared counter until none is left (big
 * ones first, small ones last, so the threads finish together), with its
 * own scratch; the weight and bias gradients are per-chunk sums added here
 * in chunk order, so the result does not depend on which thread ran which.
 *
 * The same offset tables (`convTaps`, `convPositions`) and padded layout as
 * the js kernels in `../im2col.ts`, so both paths agree on every geometry.
 */
import { convPositions, convTaps, paddedSize, type Window2D } from '../im2col';
import { Arena, memoryF32, memoryI32, parallelJobs, type Storage, type WasmRuntime } from '.';
import { getNumThreads, JOB_CONV_BACKWARD, JOB_CONV_FORWARD, PARALLEL_MIN_MACS, runConvJob } from '../threads';

/** The 4-byte fields of a job's argument block: ConvJob in assembly/conv.ts, in order. */
const SLOTS = [
  'x', 'w', 'bias', 'y', 'dx', 'dw', 'db', 'next', 'chunks', 'B', 'C', 'H', 'W', 'ph', 'pw', 'Hp', 'Wp',
  'taps', 'K', 'pos', 'L', 'oW', 'sw', 'O', 'groups', 'xp', 'col', 'rows', 'work', 'direct', 'Lw', 'oH', 'starts',
] as const;
type Job = Record<(typeof SLOTS)[number], number>;
const JOB_BYTES = 144; // ≥ 4 · SLOTS.length, keeps blocks 16-byte aligned

/** Stride-1 convolutions with at most this many taps (C/groups·kH·kW) skip im2col (see plan). */
const DIRECT_MAX_TAPS = 48;

export type ConvPath = 'auto' | 'direct' | 'im2col';
let pathChoice: ConvPath = 'auto';

/**
 * Which wasm path convolutions take: 'auto' (the direct kernels for thin
 * stride-1 convolutions, else im2col + gemm), or, for tests, 'direct'
 * (whenever the stride is 1) or 'im2col' (always).
 */
export function setConvPath(path: ConvPath): void {
  pathChoice = path;
}

/** How many wasm convolution passes ran on each path (for tests). */
export const convRuns = { direct: 0, im2col: 0 };

let chunkFloats = 16 << 20;

/** Sets the chunk budget in floats (default 16M = 64 MB over all threads); tests use a tiny one to exercise chunking. */
export function setConvChunkFloats(n: number): void {
  chunkFloats = n;
}

/**
 * The shared part of a forward or backward call: geometry, thread split,
 * per-thread scratch and argument blocks. `operands` are the float ranges the
 * caller needs (sizes); their element indices come back in the same order;
 * `perChunk` ranges are laid out once per chunk.
 */
function plan(rt: WasmRuntime, N: number, O: number, groups: number, g: Window2D, macs: number, operands: number[], perChunk: number[]) {
  const [Hp, Wp] = paddedSize(g);
  const Cg = g.C / groups;
  const K = Cg * g.kH * g.kW, L = g.oH * g.oW, ss = g.C * Hp * Wp;
  const taps = convTaps(g, Cg, Hp, Wp), pos = convPositions(g, Wp);
  const T = getNumThreads() > 1 && parallelJobs && macs >= PARALLEL_MIN_MACS ? Math.min(getNumThreads(), N) : 1;
  // Thin stride-1 convolutions (few taps, where packing for a gemm costs as
  // much as the arithmetic) run on the direct kernels over the wide rows of
  // length oH·Wp, when those waste at most a third.
  const Lw = Math.ceil((g.oH * Wp) / 16) * 16;
  const direct = g.sh === 1 && g.sw === 1 && pathChoice !== 'im2col' &&
    (pathChoice === 'direct' || (K <= DIRECT_MAX_TAPS && L >= (2 / 3) * Lw));
  const perSample = K * L + ss + O * L;
  // Chunks of at most B samples (within the memory budget). With several
  // threads each is about a (2·threads)-th of what is left: big ones first,
  // small ones last, so the threads finish together. The table is fixed
  // before the threads start, so the chunks (and the order their gradient
  // sums are added in) do not depend on which thread takes which.
  const B = Math.max(1, Math.min(T > 1 ? Math.ceil(N / (2 * T)) : N, Math.floor(chunkFloats / T / perSample)));
  const starts = [0];
  for (let n = 0; n < N;) {
    n += Math.min(B, N - n, T > 1 ? Math.max(1, Math.ceil((N - n) / (2 * T))) : B);
    starts.push(n);
  }
  const chunks = starts.length - 1;
  const m = new Arena(rt);
  const jobsAt = m.take((JOB_BYTES / 4) * T);
  const nextAt = m.take(1), startsAt = m.take(starts.length);
  const tapsAt = m.take(taps.length), posAt = m.take(pos.length);
  const at = operands.map((n) => m.take(n));
  const perChunkAt = perChunk.map((n) => m.take(n * chunks));
  const threadAt = Array.from({ length: T }, () => ({
    xp: m.take(B * ss + Wp + 32), col: m.take(Math.max(K * B * L, O * Lw)), rows: m.take(O * B * L),
  }));
  const f = memoryF32(rt, m.at * 4);
  const iv = memoryI32(rt);
  iv.set(taps, tapsAt);
  iv.set(pos, posAt);
  iv.set(starts, startsAt);
  const jobs: Job[] = threadAt.map((s, t) => ({
    x: 0, w: 0, bias: 0, y: 0, dx: 0, dw: 0, db: 0,
    next: nextAt * 4, chunks, B,
    C: g.C, H: g.H, W: g.W, ph: g.ph, pw: g.pw, Hp, Wp, taps: tapsAt * 4, K, pos: posAt * 4, L, oW: g.oW, sw: g.sw,
    O, groups, xp: s.xp * 4, col: s.col * 4, rows: s.rows * 4, work: rt.workBase + t * rt.workBytes,
    direct: direct ? 1 : 0, Lw, oH: g.oH, starts: startsAt * 4,
  }));
  const run = (kind: number): void => {
    convRuns[jobs[0].direct ? 'direct' : 'im2col']++;
    iv[nextAt] = 0;
    const ptrs = jobs.map((job, t) => {
      const base = jobsAt + (JOB_BYTES / 4) * t;
      SLOTS.forEach((name, i) => (iv[base + i] = job[name]));
      return base * 4;
    });
    if (T > 1 && parallelJobs!(rt, kind, ptrs)) return;
    for (const p of ptrs) runConvJob(rt, kind, p);
  };
  return { f, at, perChunkAt, chunks, jobs, run, K, L, T };
}

/** y = conv2d(x, w, b) into `out` [N, O, oH·oW] (x, w contiguous values). */
export function wasmConvForward(
  rt: WasmRuntime, xv: Storage, wv: Storage, bv: Storage | null, N: number, O: number, groups: number, g: Window2D, out: Float32Array,
): void {
  const xn = N * g.C * g.H * g.W, L = g.oH * g.oW, K = (g.C / groups) * g.kH * g.kW;
  const { f, at, jobs, run } = plan(rt, N, O, groups, g, N * O * L * K, [xn, O * K, O, N * O * L], []);
  const [xAt, wAt, bAt, yAt] = at;
  f.set(xv.subarray(0, xn), xAt);
  f.set(wv.subarray(0, O * K), wAt);
  if (bv) f.set(bv.subarray(0, O), bAt);
  for (const job of jobs) Object.assign(job, { x: xAt * 4, w: wAt * 4, bias: bv ? bAt * 4 : 0, y: yAt * 4 });
  run(JOB_CONV_FORWARD);
  out.set(f.subarray(yAt, yAt + N * O * L));
}

/**
 * The gradients of conv2d: dx [N, C, H, W] (when `dx` is given; needs `wv`),
 * dw [O, C/groups·kH·kW] (when `dw` is given; needs `xv`) and db [O] (when
 * `db` is given), from the incoming gradient dy [N, O, oH·oW].
 */
export function wasmConvBackward(
  rt: WasmRuntime, xv: Storage | null, wv: Storage | null, dyv: Storage, N: number, O: number, groups: number, g: Window2D,
  dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null,
): void {
  const xn = N * g.C * g.H * g.W, L = g.oH * g.oW, K = (g.C / groups) * g.kH * g.kW;
  const passes = (dx ? 1 : 0) + (dw ? 1 : 0);
  const { f, at, perChunkAt, chunks, jobs, run } = plan(
    rt, N, O, groups, g, N * O * L * K * passes, [xn, O * K, N * O * L, dx ? xn : 0], [dw ? O * K : 0, db ? O : 0],
  );
  const [xAt, wAt, dyAt, dxAt] = at;
  if (dw) {
    f.set(xv!.subarray(0, xn), xAt);
    // The direct weight gradient also multiplies the zeros of dy's junk
    // columns with input pixels: exact unless a pixel is ±∞ (0·∞ is NaN), so
    // an input with one takes the im2col path.
    if (jobs[0].direct && rt.exports.allFinite(xAt * 4, xn) !== 1) for (const job of jobs) job.direct = 0;
  }
  if (dx) f.set(wv!.subarray(0, O * K), wAt);
  f.set(dyv.subarray(0, N * O * L), dyAt);
  for (const job of jobs) {
    Object.assign(job, {
      x: xAt * 4, w: wAt * 4, y: dyAt * 4, dx: dx ? dxAt * 4 : 0, dw: dw ? perChunkAt[0] * 4 : 0, db: db ? perChunkAt[1] * 4 : 0,
    });
  }
  run(JOB_CONV_BACKWARD);
  if (dx) dx.set(f.subarray(dxAt, dxAt + xn));
  // The chunks' sums, added in chunk order.
  for (const [grad, k, n] of [[dw, 0, O * K], [db, 1, O]] as const) {
    if (!grad) continue;
    const base = perChunkAt[k];
    grad.set(f.subarray(base, base + n));
    for (let c = 1; c < chunks; c++) {
      const s = base + c * n;
      for (let i = 0; i < n; i++) grad[i] += f[s + i];
    }
  }
}
