/**
 * The native backend's addon (`native/nnlab.cc`, built by node-gyp during
 * `npm ci` against Debian's OpenBLAS): loading, what it reports, and the
 * drivers that map nnlab's strided operands onto its calls. Every call works
 * on the tensors' own Float32Array memory — nothing is copied in or out.
 *
 * The addon is optional: when it was not built or does not load,
 * `nativeAddon()` is null and `nativeLoadError()` says why.
 */
/** What OpenBLAS says about itself, plus the instruction set nnlab's own loops dispatched to. */
export interface NativeInfo {
  /** OpenBLAS's kernel family for this CPU (`openblas_get_corename()`), e.g. 'SkylakeX'. */
  corename: string;
  /** `openblas_get_config()`: version and build options. */
  config: string;
  /** OpenBLAS's thread count for large products (kept equal to nnlab's `getNumThreads()`). */
  threads: number;
  /** Products (and convolution passes) below this many multiply-adds run on one thread. */
  parallelMinMacs: number;
  /** OpenBLAS's threading: 0 sequential, 1 pthreads, 2 OpenMP. */
  parallel: number;
  /** The target_clones variant nnlab's elementwise loops run: 'avx512f', 'avx2' or 'baseline'. */
  isa: string;
}

/** The addon's functions (argument order as in native/nnlab.cc). */
export interface NativeAddon {
  info(): NativeInfo;
  setThreads(n: number): void;
  setParallelMin(macs: number): void;
  sgemm(
    transA: number, transB: number, M: number, N: number, K: number,
    a: Float32Array, aOff: number, lda: number, b: Float32Array, bOff: number, ldb: number,
    c: Float32Array, cOff: number, ldc: number, beta: number,
  ): void;
  /** The same as sgemm on Float64Arrays. */
  dgemm(
    transA: number, transB: number, M: number, N: number, K: number,
    a: Float64Array, aOff: number, lda: number, b: Float64Array, bOff: number, ldb: number,
    c: Float64Array, cOff: number, ldc: number, beta: number,
  ): void;
  unary(op: number, x: Float32Array, xOff: number, y: Float32Array, yOff: number, n: number): void;
  binary(
    op: number, a: Float32Array, ao: number, ars: number, acs: number, b: Float32Array, bo: number, brs: number, bcs: number,
    out: Float32Array, oo: number, rows: number, cols: number,
  ): void;
  sumCols(x: Float32Array, xOff: number, outer: number, inner: number, out: Float32Array): void;
  sumRows(x: Float32Array, xOff: number, outer: number, inner: number, out: Float32Array): void;
  sgd(
    p: Float32Array, po: number, g: Float32Array, go: number, n: number, buf: Float32Array | null, first: number,
    lr: number, momentum: number, dampening: number, nesterov: number, weightDecay: number, sign: number,
  ): void;
  adam(
    p: Float32Array, po: number, g: Float32Array, go: number, n: number, m: Float32Array, v: Float32Array, vmax: Float32Array | null,
    beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number, l2: number, shrink: number, sign: number,
  ): void;
  conv2dForward(geom: Int32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array): void;
  conv2dBackward(
    geom: Int32Array, x: Float32Array | null, w: Float32Array | null, dy: Float32Array,
    dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null,
  ): void;
  maxPool2d(
    x: Float32Array, planes: number, H: number, W: number, kH: number, kW: number, sh: number, sw: number, oH: number, oW: number,
    out: Float32Array, argmax: Int32Array,
  ): void;
  maxPool2dBackward(g: Float32Array, argmax: Int32Array, planes: number, inPlane: number, outPlane: number, dx: Float32Array): void;
}

/** Operation codes of `unary` (enum Unary in native/nnlab.cc). */
export const NATIVE_UNARY = { relu: 0, tanh: 1, sigmoid: 2, exp: 3, log: 4, neg: 5, square: 6, sqrt: 7, abs: 8 } as const;
/** Operation codes of `binary` (enum Binary in native/nnlab.cc). */
export const NATIVE_BINARY = {
  add: 0, sub: 1, mul: 2, div: 3, reluGrad: 4, tanhGrad: 5, sigmoidGrad: 6, maximum: 7, minimum: 8,
} as const;

let addon: NativeAddon | null | undefined;
let loadError: string | null = null;
let threads = 0;
let parallelMin = -1;

/**
 * Sets OpenBLAS's thread count to nnlab's (`setNumThreads` calls this), now
 * if the addon is loaded, else when it loads: one count for both, so
 * OpenBLAS never starts more threads than nnlab was told to use.
 */
export function setNativeThreads(n: number): void {
  threads = n;
  if (addon) addon.setThreads(n);
}

/** Products of fewer multiply-adds than `macs` run on one OpenBLAS thread (`setParallelThreshold` calls this). */
export function setNativeParallelMin(macs: number): void {
  parallelMin = macs;
  if (addon) addon.setParallelMin(macs);
}

function nodeRequire(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name);
}

/** The project root: the nearest folder above this file holding native/binding.gyp. */
function findRoot(): string | null {
  const path = nodeRequire('node:path') as typeof import('node:path');
  const fs = nodeRequire('node:fs') as typeof import('node:fs');
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'native', 'binding.gyp'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * The loaded addon, or null when it was not built or cannot load here
 * (`nativeLoadError()` says why). `NNLAB_NATIVE=off` keeps it unloaded.
 */
export function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  try {
    if (typeof process === 'undefined' || !process.versions?.node) throw new Error('not running in Node');
    if (process.env.NNLAB_NATIVE === 'off') throw new Error('NNLAB_NATIVE=off');
    const root = findRoot();
    if (root === null) throw new Error('native/ not found beside the library');
    const path = nodeRequire('node:path') as typeof import('node:path');
    const fs = nodeRequire('node:fs') as typeof import('node:fs');
    const file = path.join(root, 'native', 'build', 'Release', 'nnlab_native.node');
    if (!fs.existsSync(file)) {
      const marker = path.join(root, 'native', 'build', 'UNAVAILABLE');
      const why = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : 'not built (run `node native/build.mjs`)';
      throw new Error(`the addon was not built: ${why}`);
    }
    // OpenBLAS's idle threads spin for 2^28 cycles (~0.1 s) after each job
    // by default, taking a core from the calling thread (and the machine)
    // between products; 2^4, the least it takes, makes them sleep at once,
    // as the wasm pool's workers do (measured on the MLP: 2^4 and 2^14 ahead
    // of 2^22 and 2^28). Unless the user chose.
    process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
    const loaded = nodeRequire(file) as NativeAddon;
    if (threads > 0) loaded.setThreads(threads);
    if (parallelMin >= 0) loaded.setParallelMin(parallelMin);
    loaded.info();
    addon = loaded;
  } catch (err) {
    loadError = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  return addon;
}

/** Why the native addon is unavailable (null if it loaded or was not tried). */
export function nativeLoadError(): string | null {
  return loadError;
}

/** OpenBLAS kernels that are generic fallbacks: a CPU OpenBLAS did not recognise runs them slowly. */
const GENERIC_CORES = new Set(['prescott', 'core2', 'penryn', 'dunnington', 'nehalem', 'atom', 'katmai', 'coppermine', 'northwood', 'banias', 'generic']);

/**
 * A warning when OpenBLAS runs a generic kernel although the CPU has AVX2
 * (a CPU newer than this OpenBLAS): null when the kernel fits the CPU.
 */
export function coreWarning(info: NativeInfo): string | null {
  if (!GENERIC_CORES.has(info.corename.toLowerCase()) || info.isa === 'baseline') return null;
  const fix = info.isa === 'avx512f' ? 'SkylakeX' : 'Haswell';
  return `OpenBLAS did not recognise this CPU and runs its generic '${info.corename}' kernels (slow); ` +
    `the CPU has ${info.isa}: set OPENBLAS_CORETYPE=${fix} before starting Node to use its ${fix} kernels`;
}

// ---- Drivers ------------------------------------------------------------------

/** Below this many multiply-adds a matmul stays on the js loops (the call costs more; 256 measured best for the MLP at batch 1). */
export const NATIVE_MIN_MACS = 256;
/** Below this many elements elementwise and reductions stay on the js loops. */
export const NATIVE_MIN_ELEMENTS = 256;

let gather32 = new Float32Array(0);
let gather64 = new Float64Array(0);

/**
 * How OpenBLAS reads an (rows × cols) operand stored with strides (rs, cs):
 * [trans, ld] — row-major with leading dimension ld, or the transpose of a
 * row-major (cols × rows) matrix — or null when neither holds.
 */
function blasLayout(rows: number, cols: number, rs: number, cs: number): [number, number] | null {
  if (cs === 1 && (rs >= cols || rows === 1)) return [0, rows === 1 ? Math.max(cols, 1) : rs];
  if (rs === 1 && (cs >= rows || cols === 1)) return [1, cols === 1 ? Math.max(rows, 1) : cs];
  return null;
}

/** Copies a strided (rows × cols) view into the row-major gather buffer at `at`. */
function gatherRows<T extends Float32Array | Float64Array>(x: T, off: number, rows: number, cols: number, rs: number, cs: number, into: T, at: number): void {
  let o = at;
  for (let i = 0; i < rows; i++) {
    const r = off + i * rs;
    for (let j = 0; j < cols; j++) into[o++] = x[r + j * cs];
  }
}

/**
 * C = A·B with OpenBLAS (sgemm for Float32Arrays, dgemm for Float64Arrays),
 * the contract of `matmulKernel` (A (i, k) at a[aOff + i·aRs + k·aCs],
 * B (k, j) at b[bOff + k·bRs + j·bCs], C written contiguously at cOff with
 * row length N). Operands in row-major or transposed layout are read in
 * place; any other view (a broadcast or a permuted batch) is gathered into a
 * scratch buffer first.
 */
export function nativeMatmul<T extends Float32Array | Float64Array>(
  nat: NativeAddon, M: number, N: number, K: number,
  a: T, aOff: number, aRs: number, aCs: number,
  b: T, bOff: number, bRs: number, bCs: number,
  c: T, cOff: number,
): void {
  let la = blasLayout(M, K, aRs, aCs), lb = blasLayout(K, N, bRs, bCs);
  if (la === null || lb === null) {
    const need = (la === null ? M * K : 0) + (lb === null ? K * N : 0);
    let gather: T;
    if (c instanceof Float32Array) {
      if (gather32.length < need) gather32 = new Float32Array(Math.max(need, gather32.length * 2));
      gather = gather32 as T;
    } else {
      if (gather64.length < need) gather64 = new Float64Array(Math.max(need, gather64.length * 2));
      gather = gather64 as T;
    }
    let at = 0;
    if (la === null) {
      gatherRows(a, aOff, M, K, aRs, aCs, gather, 0);
      a = gather; aOff = 0; la = [0, Math.max(K, 1)]; at = M * K;
    }
    if (lb === null) {
      gatherRows(b, bOff, K, N, bRs, bCs, gather, at);
      b = gather; bOff = at; lb = [0, Math.max(N, 1)];
    }
  }
  if (c instanceof Float32Array) {
    nat.sgemm(la[0], lb[0], M, N, K, a as Float32Array, aOff, la[1], b as Float32Array, bOff, lb[1], c, cOff, Math.max(N, 1), 0);
  } else {
    nat.dgemm(la[0], lb[0], M, N, K, a as Float64Array, aOff, la[1], b as Float64Array, bOff, lb[1], c as Float64Array, cOff, Math.max(N, 1), 0);
  }
}
