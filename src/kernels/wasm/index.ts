/**
 * The WebAssembly SIMD kernels (sources in `assembly/`, compiled by
 * `scripts/build-wasm.mjs` into `module.ts`): loading, the linear memory, and
 * the drivers that copy operands in, run a kernel and copy the result out.
 *
 * Memory map of the (shared) linear memory, in bytes:
 *
 *   [heapBase, ... )               one gemm scratch area per thread (packed A and B blocks)
 *   [operandBase, ... )            the operands of the current call (bump-allocated, reset per call)
 *
 * The memory only grows; views are refreshed after a grow.
 */
import { WASM_BASE64 } from './module';

// The few WebAssembly JS-API types used here (the project's lib is ES2022 without DOM).
/** A compiled WebAssembly module (opaque). */
export type WasmModule = object;
/** A WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The exports of the compiled module. */
interface Exports {
  gemm(
    M: number, N: number, K: number,
    a: number, aRs: number, aCs: number,
    b: number, bRs: number, bCs: number,
    c: number, ldc: number, accumulate: number, work: number,
  ): void;
  gemmWorkBytes(): number;
  heapBase(): number;
  im2col(xp: number, ss: number, N: number, taps: number, K: number, pos: number, L: number, col: number, oW: number, sw: number): void;
  col2im(dcol: number, ss: number, N: number, taps: number, K: number, pos: number, L: number, dxp: number, oW: number, sw: number): void;
  convForwardJob(job: number): void;
  convBackwardJob(job: number): void;
  relu(x: number, y: number, n: number): void;
  reluGrad(dy: number, y: number, dx: number, n: number): void;
  allFinite(x: number, n: number): number;
  tanh(x: number, y: number, n: number): void;
  sigmoid(x: number, y: number, n: number): void;
  maxPool2x2(x: number, planes: number, H: number, W: number, y: number, argmax: number, bad: number): void;
}

const PAGE = 65536;
const MAX_PAGES = 16384; // must match --maximumMemory in scripts/build-wasm.mjs

/** A compiled module plus the shared memory it runs in; workers instantiate the same pair. */
export interface WasmRuntime {
  module: WasmModule;
  memory: WasmMemory;
  exports: Exports;
  /** Byte size of one thread's gemm scratch area. */
  workBytes: number;
  /** Start of scratch area 0 (scratch area t is at workBase + t·workBytes). */
  workBase: number;
}

let runtime: WasmRuntime | null | undefined;
let loadError: string | null = null;

function decode(b64: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Instantiates `module` over `memory` (synchronously: the module is a few kilobytes). */
export function instantiate(module: WasmModule, memory: WasmMemory): Exports {
  return new WA!.Instance(module, { env: { memory, abort: () => { throw new Error('nnlab wasm kernel aborted'); } } }).exports as unknown as Exports;
}

/**
 * The loaded kernels, or null when this JavaScript engine cannot run them
 * (no WebAssembly, no SIMD, or no shared memory); `wasmLoadError()` says why.
 */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  try {
    if (WA === undefined) throw new Error('WebAssembly is not available');
    const module = new WA.Module(decode(WASM_BASE64));
    const memory = new WA.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const exports = instantiate(module, memory);
    const workBytes = exports.gemmWorkBytes();
    const workBase = align(exports.heapBase(), 64);
    runtime = { module, memory, exports, workBytes, workBase };
  } catch (err) {
    loadError = err instanceof Error ? err.message : String(err);
    runtime = null;
  }
  return runtime;
}

/** Why the wasm kernels could not load (null if they loaded or were not tried). */
export function wasmLoadError(): string | null {
  return loadError;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

// ---- Memory -----------------------------------------------------------------

let f32 = new Float32Array(0);
let scratchAreas = 1;

/** Reserves room for `areas` gemm scratch areas (one per thread). */
export function reserveScratch(areas: number): void {
  scratchAreas = Math.max(scratchAreas, areas);
}

/** Grows the memory to hold at least `bytes`, and returns a fresh f32 view of it. */
export function memoryF32(rt: WasmRuntime, bytes: number): Float32Array {
  const have = rt.memory.buffer.byteLength;
  if (bytes > have) {
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`nnlab wasm: operands need ${bytes} bytes, above the ${MAX_PAGES * PAGE}-byte memory limit`);
    rt.memory.grow(pages);
  }
  if (f32.buffer !== rt.memory.buffer || f32.length * 4 < rt.memory.buffer.byteLength) f32 = new Float32Array(rt.memory.buffer);
  return f32;
}

/** The first operand byte: above every scratch area. */
export function operandBase(rt: WasmRuntime): number {
  return align(rt.workBase + scratchAreas * rt.workBytes, 64);
}

export type Storage = Float32Array | Float64Array | Int32Array;

/** Elements of `x` an (rows × cols, strides rs, cs) view at `off` spans, or -1 if a stride is negative. */
function span(rows: number, cols: number, rs: number, cs: number): number {
  if (rs < 0 || cs < 0) return -1;
  return (rows - 1) * rs + (cols - 1) * cs + 1;
}

/**
 * Copies the (rows × cols) view of x into f32 at element `at`; returns the
 * strides the copy has there. A view whose span is small is copied as one
 * block (strides kept); a sparse one is gathered row-major.
 */
function copyIn(f: Float32Array, at: number, x: Storage, off: number, rows: number, cols: number, rs: number, cs: number): [number, number] {
  const s = span(rows, cols, rs, cs);
  if (s >= 0 && s <= 2 * rows * cols + 64) {
    f.set(x.subarray(off, off + s), at);
    return [rs, cs];
  }
  let o = at;
  for (let i = 0; i < rows; i++) {
    const r = off + i * rs;
    if (cs === 1) {
      f.set(x.subarray(r, r + cols), o);
      o += cols;
    } else {
      for (let j = 0; j < cols; j++) f[o++] = x[r + j * cs];
    }
  }
  return [cols, 1];
}

/** The room copyIn needs for a view (elements). */
function copyRoom(rows: number, cols: number, rs: number, cs: number): number {
  const s = span(rows, cols, rs, cs);
  return s >= 0 && s <= 2 * rows * cols + 64 ? s : rows * cols;
}

/**
 * Bump allocation of the current call's operands above the operand base:
 * `take(n)` returns the element index of n floats (16-float aligned); `at`
 * is the end so far (grow the memory to at·4 bytes before use).
 */
export class Arena {
  at: number;
  constructor(rt: WasmRuntime) {
    this.at = operandBase(rt) >> 2;
  }
  take(n: number): number {
    const at = this.at;
    this.at = align(at + n, 16);
    return at;
  }
}

/**
 * Hook for the thread pool: when set, runs C = A·B split across threads and
 * returns true, or returns false to leave it to the calling thread.
 */
export let parallelGemm: ((
  rt: WasmRuntime, M: number, N: number, K: number,
  a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number, c: number, ldc: number,
) => boolean) | null = null;

export function setParallelGemm(fn: typeof parallelGemm): void {
  parallelGemm = fn;
}

/**
 * Hook for the thread pool: when set, runs job `kind` with argument block
 * jobs[t] on thread t and returns true, or returns false to leave them to the caller.
 */
export let parallelJobs: ((rt: WasmRuntime, kind: number, jobs: number[]) => boolean) | null = null;

export function setParallelJobs(fn: typeof parallelJobs): void {
  parallelJobs = fn;
}

/**
 * C = A·B in float32 with the wasm kernel; the same contract as
 * `matmulKernel` (A (i, k) at a[aOff + i·aRs + k·aCs], B (k, j) at
 * b[bOff + k·bRs + j·bCs], C written contiguously at cOff with row length N).
 * Returns false (computing nothing) when the operands do not fit the wasm memory.
 */
export function wasmMatmul(
  rt: WasmRuntime,
  M: number, N: number, K: number,
  a: Storage, aOff: number, aRs: number, aCs: number,
  b: Storage, bOff: number, bRs: number, bCs: number,
  c: Storage, cOff: number,
): boolean {
  const base = operandBase(rt) >> 2;
  const aAt = base;
  const bAt = align(aAt + copyRoom(M, K, aRs, aCs), 16);
  const cAt = align(bAt + copyRoom(K, N, bRs, bCs), 16);
  // Operands too big for the wasm memory stay on the js loops.
  if ((cAt + M * N) * 4 > MAX_PAGES * PAGE) return false;
  const f = memoryF32(rt, (cAt + M * N) * 4);
  const [ars, acs] = copyIn(f, aAt, a, aOff, M, K, aRs, aCs);
  const [brs, bcs] = copyIn(f, bAt, b, bOff, K, N, bRs, bCs);
  gemmAt(rt, M, N, K, aAt * 4, ars, acs, bAt * 4, brs, bcs, cAt * 4, N);
  c.set(f.subarray(cAt, cAt + M * N), cOff);
  return true;
}

/**
 * C = A·B on operands already in wasm memory (byte addresses, element
 * strides; C row stride ldc), split across the thread pool when one is set.
 */
export function gemmAt(
  rt: WasmRuntime, M: number, N: number, K: number,
  a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number, c: number, ldc: number,
): void {
  if (!parallelGemm || !parallelGemm(rt, M, N, K, a, aRs, aCs, b, bRs, bCs, c, ldc)) {
    rt.exports.gemm(M, N, K, a, aRs, aCs, b, bRs, bCs, c, ldc, 0, rt.workBase);
  }
}

let i32 = new Int32Array(0);

/** An i32 view of the whole memory (call after memoryF32 has grown it). */
export function memoryI32(rt: WasmRuntime): Int32Array {
  if (i32.buffer !== rt.memory.buffer || i32.length * 4 < rt.memory.buffer.byteLength) i32 = new Int32Array(rt.memory.buffer);
  return i32;
}

// ---- Elementwise --------------------------------------------------------------

/** Below this many elements the js loop beats the copy into wasm memory and back. */
export const WASM_MIN_ELEMENTS = 4096;

/** The unary float32 kernels: relu (max(x, 0), NaN propagates), tanh and sigmoid (float32-accurate, see assembly/eltwise.ts). */
export type WasmUnary = 'relu' | 'tanh' | 'sigmoid';

/** out = op(x) elementwise with the SIMD kernel. */
export function wasmUnary(rt: WasmRuntime, op: WasmUnary, x: Float32Array, out: Float32Array): void {
  // The kernels run four lanes at a time: room for up to three floats past n.
  const n = x.length, m = new Arena(rt), at = m.take(n), outAt = m.take(n + 4);
  const f = memoryF32(rt, m.at * 4);
  f.set(x, at);
  rt.exports[op](at * 4, outAt * 4, n);
  out.set(f.subarray(outAt, outAt + n));
}

/** dx = dy where y > 0 else 0, elementwise (y the relu output), with the SIMD kernel. */
export function wasmReluGrad(rt: WasmRuntime, dy: Float32Array, y: Float32Array, dx: Float32Array): void {
  const n = dy.length, m = new Arena(rt), dyAt = m.take(n), yAt = m.take(n), dxAt = m.take(n);
  const f = memoryF32(rt, m.at * 4);
  f.set(dy, dyAt);
  f.set(y, yAt);
  rt.exports.reluGrad(dyAt * 4, yAt * 4, dxAt * 4, n);
  dx.set(f.subarray(dxAt, dxAt + n));
}

// ---- Pooling --------------------------------------------------------------------

/**
 * 2×2 max pooling with stride 2 (windows inside the input) of `planes` float32
 * planes of H × W with the SIMD kernel: values into `out`, flat in-plane
 * positions into `argmax`. Returns the planes holding a NaN, which the kernel
 * does not rank (the caller redoes them with the general loop).
 */
export function wasmMaxPool2x2(
  rt: WasmRuntime, x: Float32Array, planes: number, H: number, W: number, out: Float32Array, argmax: Int32Array,
): number[] {
  const n = planes * H * W, m = planes * (H >> 1) * (W >> 1), arena = new Arena(rt);
  const xAt = arena.take(n), yAt = arena.take(m), aAt = arena.take(m), badAt = arena.take(planes);
  const f = memoryF32(rt, arena.at * 4);
  f.set(x.subarray(0, n), xAt);
  rt.exports.maxPool2x2(xAt * 4, planes, H, W, yAt * 4, aAt * 4, badAt * 4);
  out.set(f.subarray(yAt, yAt + m));
  const iv = memoryI32(rt);
  argmax.set(iv.subarray(aAt, aAt + m));
  const bad: number[] = [];
  for (let p = 0; p < planes; p++) if (iv[badAt + p] !== 0) bad.push(p);
  return bad;
}
