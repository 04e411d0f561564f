/**
 * The convolution drivers: one interface for `ops/conv.ts`, which never asks
 * which backend runs. Float32 convolutions take the native addon (im2col +
 * OpenBLAS sgemm + col2im, native/nnlab.cc) or the wasm kernels
 * (`wasm/conv.ts`) when that backend is selected and the problem is big
 * enough; everything else (float64, small problems, the js backend) runs the
 * implicit-im2col loops of `im2col.ts`.
 */
import { allocate, type DType } from '../tensor';
import {
  convForwardKernel, convInputGradKernel, convPositions, convTaps, convWeightGradKernel,
  packWeights, padPlanes, paddedSize, unpadPlanes, type Window2D,
} from './im2col';
import type { Storage } from './elementwise';
import { activeNative, activeWasm, WASM_MIN_MACS } from './backend';
import { NATIVE_MIN_MACS, type NativeAddon } from './native';
import { wasmConvBackward, wasmConvForward } from './wasm/conv';

// Scratch buffers kept between calls: the padded input, dY in float64, the padded dX.
const scratch = { xp: new Float64Array(0), dy: new Float64Array(0), dxp: new Float64Array(0) };
function buffer(name: keyof typeof scratch, n: number): Float64Array {
  if (scratch[name].length < n) scratch[name] = new Float64Array(Math.max(n, Math.floor(scratch[name].length * 1.5)));
  return scratch[name];
}

/** The padded input, offset tables and per-group sizes shared by forward and backward. */
function layout(xv: Storage | null, N: number, O: number, groups: number, g: Window2D) {
  const [Hp, Wp] = paddedSize(g);
  const xp = buffer('xp', N * g.C * Hp * Wp);
  if (xv) padPlanes(xv, N * g.C, g, Hp, Wp, xp);
  const Cg = g.C / groups;
  return {
    xp, Og: O / groups, K: Cg * g.kH * g.kW, L: g.oH * g.oW,
    sampleSize: g.C * Hp * Wp, groupSize: Cg * Hp * Wp, Hp, Wp,
    taps: convTaps(g, Cg, Hp, Wp), pos: convPositions(g, Wp),
  };
}

function macs(N: number, O: number, groups: number, g: Window2D): number {
  return N * O * g.oH * g.oW * (g.C / groups) * g.kH * g.kW;
}

/** The addon when the native backend runs a float32 convolution of this size, else null. */
function convNative(dtype: DType, N: number, O: number, groups: number, g: Window2D): NativeAddon | null {
  return dtype === 'float32' && macs(N, O, groups, g) >= NATIVE_MIN_MACS ? activeNative() : null;
}

/** The wasm runtime when the wasm backend is on, the conv is float32 and big enough; else null. */
function convWasm(dtype: DType, N: number, O: number, groups: number, g: Window2D) {
  if (dtype !== 'float32') return null;
  const rt = activeWasm();
  return rt !== null && macs(N, O, groups, g) >= WASM_MIN_MACS ? rt : null;
}

/** The geometry block of the addon's convolution calls (struct Geom in native/nnlab.cc). */
function nativeGeometry(N: number, O: number, groups: number, g: Window2D): Int32Array {
  return Int32Array.of(N, g.C, g.H, g.W, O, groups, g.kH, g.kW, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oH, g.oW);
}

function f32(x: Storage): Float32Array {
  return x instanceof Float32Array ? x : Float32Array.from(x);
}

/**
 * y = conv2d(x, w) + b for contiguous values x [N, C, H, W], w [O, C/groups·kH·kW],
 * b [O] or null: the output values [N, O, oH, oW] in `dtype`.
 */
export function convForward(xv: Storage, wv: Storage, bv: Storage | null, N: number, O: number, groups: number, g: Window2D, dtype: DType): Storage {
  const nat = convNative(dtype, N, O, groups, g);
  if (nat) {
    const out = new Float32Array(N * O * g.oH * g.oW);
    nat.conv2dForward(nativeGeometry(N, O, groups, g), f32(xv), f32(wv), bv ? f32(bv) : null, out);
    return out;
  }
  const rt = convWasm(dtype, N, O, groups, g);
  if (rt) {
    const out = new Float32Array(N * O * g.oH * g.oW);
    wasmConvForward(rt, xv, wv, bv, N, O, groups, g, out);
    return out;
  }
  const { xp, Og, K, L, sampleSize, groupSize, taps, pos } = layout(xv, N, O, groups, g);
  const out = allocate(dtype, N * O * L);
  for (let grp = 0; grp < groups; grp++) {
    const wp = packWeights(wv, grp * Og * K, Og, K, false);
    const bias = new Float64Array(Math.ceil(Og / 4) * 4);
    if (bv) for (let o = 0; o < Og; o++) bias[o] = bv[grp * Og + o];
    for (let n = 0; n < N; n++) {
      convForwardKernel(wp, bias, Og, K, taps, xp, n * sampleSize + grp * groupSize, pos, L, out, (n * O + grp * Og) * L, L);
    }
  }
  return out;
}

/** The gradients `convBackward` returns (null where not asked for). */
export interface ConvGrads {
  dx: Storage | null;
  dw: Storage | null;
  db: Storage | null;
}

/**
 * The gradients of conv2d from dy [N, O, oH·oW]: dx [N, C, H, W] when needX
 * (needs wv: the weight's contiguous values), dw [O, C/groups·kH·kW] when
 * needW (needs xv: the input's contiguous values), db [O] when needB; on the
 * float32 paths float32, on the js path each in its operand's dtype.
 */
export function convBackward(
  xv: Storage, xDtype: DType, wv: Storage, wDtype: DType, bDtype: DType | null, dyv: Storage,
  needX: boolean, needW: boolean, needB: boolean, N: number, O: number, groups: number, g: Window2D, f64: boolean,
): ConvGrads {
  const dtype: DType = f64 ? 'float64' : 'float32';
  const xn = N * g.C * g.H * g.W, wn = O * (g.C / groups) * g.kH * g.kW;
  const nat = convNative(dtype, N, O, groups, g);
  if (nat) {
    const dx = needX ? new Float32Array(xn) : null;
    const dw = needW ? new Float32Array(wn) : null;
    const db = needB ? new Float32Array(O) : null;
    nat.conv2dBackward(nativeGeometry(N, O, groups, g), needW ? f32(xv) : null, needX ? f32(wv) : null, f32(dyv), dx, dw, db);
    return { dx, dw, db };
  }
  const rt = convWasm(dtype, N, O, groups, g);
  if (rt) {
    const dx = needX ? new Float32Array(xn) : null;
    const dw = needW ? new Float32Array(wn) : null;
    const db = needB ? new Float32Array(O) : null;
    wasmConvBackward(rt, needW ? xv : null, needX ? wv : null, dyv, N, O, groups, g, dx, dw, db);
    return { dx, dw, db };
  }
  const { xp, Og, K, L, sampleSize, groupSize, Hp, Wp, taps, pos } = layout(needW ? xv : null, N, O, groups, g);
  const dy = buffer('dy', dyv.length);
  for (let i = 0; i < dyv.length; i++) dy[i] = dyv[i];
  const result: ConvGrads = { dx: null, dw: null, db: null };
  if (needX) {
    const dxp = buffer('dxp', N * sampleSize);
    dxp.fill(0, 0, N * sampleSize);
    for (let grp = 0; grp < groups; grp++) {
      const wt = packWeights(wv, grp * Og * K, Og, K, true);
      for (let n = 0; n < N; n++) {
        convInputGradKernel(wt, Og, K, taps, dy, (n * O + grp * Og) * L, L, dxp, n * sampleSize + grp * groupSize, pos, L);
      }
    }
    const dx = allocate(xDtype, xn);
    unpadPlanes(dxp, N * g.C, g, Hp, Wp, dx);
    result.dx = dx;
  }
  if (needW) {
    const dw = new Float64Array(O * K);
    for (let grp = 0; grp < groups; grp++) {
      for (let n = 0; n < N; n++) {
        convWeightGradKernel(dy, (n * O + grp * Og) * L, L, Og, K, taps, xp, n * sampleSize + grp * groupSize, pos, L, dw, grp * Og * K);
      }
    }
    result.dw = wDtype === 'float64' ? dw : Float32Array.from(dw);
  }
  if (needB) {
    const sums = new Float64Array(O);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let p = (n * O + o) * L, end = p + L; p < end; p++) s += dy[p];
        sums[o] += s;
      }
    }
    result.db = bDtype === 'float64' ? sums : Float32Array.from(sums);
  }
  return result;
}
