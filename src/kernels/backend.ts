/**
 * Which kernels run — chosen here and nowhere else; ops call the kernel
 * functions in `src/kernels/` and never ask which backend is active:
 *
 * - 'native': the N-API addon over OpenBLAS (`native/`, built by `npm ci`):
 *   sgemm/sgemv for matmul, C++ for convolution, pooling, elementwise,
 *   reductions and the optimiser updates, on the tensors' own memory;
 * - 'wasm': WebAssembly SIMD (float32), for matmul, convolution and a few
 *   elementwise kernels above a size threshold;
 * - 'js': the plain TypeScript loops, which also serve float64 and small
 *   problems on every backend.
 *
 * The default is 'wasm' when the engine can run it (WebAssembly with SIMD and
 * shared memory, as in Node ≥ 20), else 'js'; 'native' is chosen with
 * `NNLAB_BACKEND=native` or `setBackend('native')` (see the README's Backends section for
 * why it is not yet the default). `backendInfo()` says which backend runs,
 * why, and what OpenBLAS runs.
 *
 * All give the same numbers within float32 rounding: the js loops accumulate
 * in float64, the wasm kernels and OpenBLAS in float32.
 * @example
 *   setBackend('js');   // force the plain TypeScript path
 *   getBackend()        // 'js'
 */
import { ArgumentError } from '../errors';
import { wasmLoadError, wasmRuntime, type WasmRuntime } from './wasm';
import { coreWarning, nativeAddon, nativeLoadError, type NativeAddon, type NativeInfo } from './native';
import { getNumThreads } from './threads';

export { getNumThreads, setNumThreads, setParallelThreshold } from './threads';

export type Backend = 'js' | 'wasm' | 'native';
const BACKENDS: readonly Backend[] = ['native', 'wasm', 'js'];

let current: Backend | undefined;
let reason = '';

function unavailable(name: Backend): string | null {
  if (name === 'native') return nativeAddon() ? null : `native backend unavailable here (${nativeLoadError()})`;
  if (name === 'wasm') return wasmRuntime() ? null : `WebAssembly SIMD kernels unavailable here (${wasmLoadError()})`;
  return null;
}

function initial(): Backend {
  const env = typeof process !== 'undefined' ? process.env?.NNLAB_BACKEND : undefined;
  if (env !== undefined && env !== '') {
    if (!BACKENDS.includes(env as Backend)) throw new ArgumentError(`NNLAB_BACKEND: expected 'native', 'wasm' or 'js', got '${env}'`);
    const why = unavailable(env as Backend);
    if (why) throw new ArgumentError(`NNLAB_BACKEND=${env}: ${why}`);
    reason = `NNLAB_BACKEND=${env}`;
    return env as Backend;
  }
  if (wasmRuntime()) {
    reason = 'the default (native is opt-in: NNLAB_BACKEND=native)';
    return 'wasm';
  }
  reason = `the fallback: ${unavailable('wasm')}`;
  return 'js';
}

function resolve(): Backend {
  if (current === undefined) {
    current = initial();
    if (current === 'native') warnCore();
  }
  return current;
}

let warned = false;
/** Says once (on stderr) when OpenBLAS runs generic kernels on a CPU it did not recognise. */
function warnCore(): void {
  const nat = nativeAddon();
  const w = nat ? coreWarning(nat.info()) : null;
  if (w && !warned) {
    warned = true;
    process.emitWarning(w, 'NnlabWarning');
  }
}

/** The backend in use: 'native', 'wasm' or 'js'. */
export function getBackend(): Backend {
  return resolve();
}

/**
 * Selects the backend. 'native' or 'wasm' throws an ArgumentError naming the
 * reason when that backend cannot run here.
 */
export function setBackend(name: Backend): void {
  if (!BACKENDS.includes(name)) throw new ArgumentError(`setBackend: expected 'native', 'wasm' or 'js', got ${JSON.stringify(name)}`);
  const why = unavailable(name);
  if (why) throw new ArgumentError(`setBackend('${name}'): ${why}`);
  current = name;
  reason = `setBackend('${name}')`;
  if (name === 'native') warnCore();
}

/** The wasm runtime when the wasm backend is selected, else null (the hot-path check). */
export function activeWasm(): WasmRuntime | null {
  return (current ?? resolve()) === 'wasm' ? wasmRuntime() : null;
}

/** The native addon when the native backend is selected, else null (the hot-path check). */
export function activeNative(): NativeAddon | null {
  return (current ?? resolve()) === 'native' ? nativeAddon() : null;
}

/** What `backendInfo()` reports. */
export interface BackendInfo {
  /** The backend in use. */
  backend: Backend;
  /** Why it is the one in use: the default, `NNLAB_BACKEND`, `setBackend`, or a fallback and its cause. */
  reason: string;
  /** nnlab's thread count, shared by the wasm pool and OpenBLAS. */
  threads: number;
  /** Each backend: whether it can run here, and why not. */
  available: Record<Backend, true | string>;
  /** What OpenBLAS runs (null without the addon), with a warning when its kernels do not fit the CPU. */
  openblas: (NativeInfo & { warning: string | null }) | null;
}

/**
 * Which backend runs and why, what each backend needs, and what OpenBLAS runs
 * (`openblas_get_corename`, `openblas_get_config`, its thread count).
 * @example
 *   nn.backendInfo().openblas?.corename   // 'SkylakeX'
 */
export function backendInfo(): BackendInfo {
  const backend = resolve();
  const nat = nativeAddon();
  const info = nat ? nat.info() : null;
  return {
    backend,
    reason,
    threads: getNumThreads(),
    available: { native: unavailable('native') ?? true, wasm: unavailable('wasm') ?? true, js: true },
    openblas: info ? { ...info, warning: coreWarning(info) } : null,
  };
}

/** Matmuls with fewer multiply-adds than this stay on the js loops (the copy in and out costs more). */
export let WASM_MIN_MACS = 16384;

/** Sets the size threshold below which matmul and convolution stay on the js path (for tests and tuning). */
export function setWasmThreshold(macs: number): void {
  WASM_MIN_MACS = macs;
}
