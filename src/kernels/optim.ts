/**
 * The optimiser update loops (the rules and their docs are in `src/optim/`):
 * one pass over a parameter, its gradient and its state buffers. On the
 * native backend float32 parameters are updated by the addon, computing in
 * double exactly as these loops do (the same bits).
 */
import type { Storage } from './elementwise';
import { activeNative } from './backend';
import { NATIVE_MIN_ELEMENTS } from './native';

type FloatStorage = Float32Array | Float64Array;

/** SGD's hyperparameters (see `optim.SGD`); sign is −1 when maximising. */
export interface SgdStep {
  lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number; sign: number;
}

/**
 * θ ← θ − η·d for n elements of p at po with gradient g at go, where
 * d = sign·g + λθ, through the momentum buffer b when μ ≠ 0
 * (b ← d at the first step, else μb + (1 − τ)d; d ← d + μb with Nesterov, else b).
 */
export function sgdKernel(p: FloatStorage, po: number, g: Storage, go: number, n: number, buf: FloatStorage | null, first: boolean, h: SgdStep): void {
  const { lr, momentum, dampening, nesterov, weightDecay, sign } = h;
  if (n >= NATIVE_MIN_ELEMENTS && p instanceof Float32Array && g instanceof Float32Array && (buf === null || buf instanceof Float32Array)) {
    const nat = activeNative();
    if (nat) {
      nat.sgd(p, po, g, go, n, momentum === 0 ? null : buf, first ? 1 : 0, lr, momentum, dampening, nesterov ? 1 : 0, weightDecay, sign);
      return;
    }
  }
  if (momentum === 0) {
    for (let i = 0; i < n; i++) {
      let d = sign * g[go + i];
      if (weightDecay !== 0) d += weightDecay * p[po + i];
      p[po + i] -= lr * d;
    }
    return;
  }
  const b = buf!;
  for (let i = 0; i < n; i++) {
    let d = sign * g[go + i];
    if (weightDecay !== 0) d += weightDecay * p[po + i];
    b[i] = first ? d : momentum * b[i] + (1 - dampening) * d;
    p[po + i] -= lr * (nesterov ? d + momentum * b[i] : b[i]);
  }
}

/** One Adam step's constants (see `optim.Adam`): stepSize = η/(1 − β₁ᵗ), bias2Sqrt = √(1 − β₂ᵗ). */
export interface AdamStep {
  beta1: number; beta2: number; stepSize: number; bias2Sqrt: number; eps: number;
  /** λ of Adam's L2 term (0 for AdamW). */
  l2: number;
  /** AdamW's decoupled shrink 1 − ηλ (1 for Adam). */
  shrink: number;
  sign: number;
}

/**
 * m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², v̂ ← max(v̂, v) (when vmax is
 * given), θ ← θ·shrink − stepSize·m / (√v̂ / bias2Sqrt + ε), with g = sign·g + λθ.
 */
export function adamKernel(
  p: FloatStorage, po: number, g: Storage, go: number, n: number, m: FloatStorage, v: FloatStorage, vmax: FloatStorage | null, h: AdamStep,
): void {
  const { beta1, beta2, stepSize, bias2Sqrt, eps, l2, shrink, sign } = h;
  if (
    n >= NATIVE_MIN_ELEMENTS && p instanceof Float32Array && g instanceof Float32Array && m instanceof Float32Array &&
    v instanceof Float32Array && (vmax === null || vmax instanceof Float32Array)
  ) {
    const nat = activeNative();
    if (nat) {
      nat.adam(p, po, g, go, n, m, v, vmax, beta1, beta2, stepSize, bias2Sqrt, eps, l2, shrink, sign);
      return;
    }
  }
  for (let i = 0; i < n; i++) {
    let gi = sign * g[go + i];
    if (l2 !== 0) gi += l2 * p[po + i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    let second = v[i];
    if (vmax) second = vmax[i] = Math.max(vmax[i], second);
    const denom = Math.sqrt(second) / bias2Sqrt + eps;
    p[po + i] = (shrink === 1 ? p[po + i] : p[po + i] * shrink) - (stepSize * m[i]) / denom;
  }
}
