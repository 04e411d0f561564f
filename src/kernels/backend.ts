/**
 * Which kernels run: 'wasm' (WebAssembly SIMD, float32, used for matmul and
 * convolution above a size threshold) or 'js' (the plain TypeScript loops,
 * which also serve float64 and small problems on either backend).
 *
 * The default is 'wasm' when the engine can run it (WebAssembly with SIMD and
 * shared memory, as in Node ≥ 20), else 'js'. The environment variable
 * `NNLAB_BACKEND=js|wasm` sets the starting choice; `setBackend` changes it.
 *
 * Both backends give the same numbers within float32 rounding: the js loops
 * accumulate in float64, the wasm kernels in float32.
 * @example
 *   setBackend('js');   // force the plain TypeScript path
 *   getBackend()        // 'js'
 */
import { ArgumentError } from '../errors';
import { wasmLoadError, wasmRuntime, type WasmRuntime } from './wasm';

export { getNumThreads, setNumThreads, setParallelThreshold } from './threads';

export type Backend = 'js' | 'wasm';

let current: Backend | undefined;

function initial(): Backend {
  const env = typeof process !== 'undefined' ? process.env?.NNLAB_BACKEND : undefined;
  if (env !== undefined && env !== '') {
    if (env !== 'js' && env !== 'wasm') throw new ArgumentError(`NNLAB_BACKEND: expected 'js' or 'wasm', got '${env}'`);
    if (env === 'wasm' && !wasmRuntime()) throw new ArgumentError(`NNLAB_BACKEND=wasm: WebAssembly SIMD kernels unavailable here (${wasmLoadError()})`);
    return env;
  }
  return wasmRuntime() ? 'wasm' : 'js';
}

/** The backend in use: 'wasm' or 'js'. */
export function getBackend(): Backend {
  if (current === undefined) current = initial();
  return current;
}

/**
 * Selects the backend. 'wasm' throws an ArgumentError naming the reason when
 * this engine cannot run the WebAssembly SIMD kernels.
 */
export function setBackend(name: Backend): void {
  if (name !== 'js' && name !== 'wasm') throw new ArgumentError(`setBackend: expected 'js' or 'wasm', got ${JSON.stringify(name)}`);
  if (name === 'wasm' && !wasmRuntime()) throw new ArgumentError(`setBackend('wasm'): WebAssembly SIMD kernels unavailable here (${wasmLoadError()})`);
  current = name;
}

/** The wasm runtime when the wasm backend is selected, else null (the hot-path check). */
export function activeWasm(): WasmRuntime | null {
  if (current === undefined) current = initial();
  return current === 'wasm' ? wasmRuntime() : null;
}

/** Matmuls with fewer multiply-adds than this stay on the js loops (the copy in and out costs more). */
export let WASM_MIN_MACS = 16384;

/** Sets the size threshold below which matmul and convolution stay on the js path (for tests and tuning). */
export function setWasmThreshold(macs: number): void {
  WASM_MIN_MACS = macs;
}
