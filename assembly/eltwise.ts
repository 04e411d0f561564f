// Elementwise float32 kernels (AssemblyScript, SIMD). Pointers are byte
// addresses in the linear memory; n counts elements.

/** y = max(x, 0): NaN propagates (as torch.relu); −0 becomes 0. */
export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 || v != v ? v : 0);
  }
}

/** dx = dy where y > 0, else 0 (y the relu output; NaN gets 0, as torch's threshold_backward). */
export function reluGrad(dy: usize, y: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** 1 if every one of the n floats at x is finite, else 0. */
export function allFinite(x: usize, n: i32): i32 {
  // x − x is 0 for a finite x and NaN for ±∞ and NaN; NaN ≠ NaN.
  let bad = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const d = f32x4.sub(v, v);
    bad = v128.or(bad, f32x4.ne(d, d));
  }
  let any = v128.any_true(bad);
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) any = true;
  }
  return any ? 0 : 1;
}

// ---- exp, tanh, sigmoid -------------------------------------------------------
//
// exp(y) for y ≤ 0 by Cody–Waite range reduction: y = k·ln2 + r with k an
// integer and |r| ≤ ln2/2 (ln2 split into a part exact in float32 and the
// rest, so k·ln2 costs no rounding), exp(r) by its Taylor series to r⁷/7!
// (remainder below 2⁻²⁶ for |r| ≤ 0.35), and 2^k built in the exponent bits.
// Arguments below −87 give 2⁻¹²⁶·… territory: the callers clamp first.

const LOG2E: f32 = 1.44269504;
const LN2_HI: f32 = 0.693145752; // ln 2 rounded to 16 significant bits: k·LN2_HI is exact for |k| < 2⁸
const LN2_LO: f32 = 1.42860677e-6; // ln 2 − LN2_HI

@inline
function expNeg(y: v128): v128 {
  const k = f32x4.nearest(f32x4.mul(y, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(y, f32x4.mul(k, f32x4.splat(LN2_HI))), f32x4.mul(k, f32x4.splat(LN2_LO)));
  // Horner: 1 + r(1 + r/2(1 + r/3(1 + r/4(1 + r/5(1 + r/6(1 + r/7))))))
  let p = f32x4.add(f32x4.splat(1), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 7))));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.mul(r, f32x4.splat(<f32>(1.0 / 6))), p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.mul(r, f32x4.splat(<f32>(1.0 / 5))), p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.mul(r, f32x4.splat(<f32>(1.0 / 4))), p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.mul(r, f32x4.splat(<f32>(1.0 / 3))), p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.mul(r, f32x4.splat(<f32>(0.5))), p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(r, p));
  // 2^k: k + 127 in the exponent field.
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/**
 * y = tanh(x): for |x| < 0.4 its odd Taylor polynomial to x¹³ (relative
 * remainder below 10⁻⁷), else sign(x)·(1 − e)/(1 + e) with e = exp(−2|x|)
 * (|x| clamped to 10, where tanh is 1 in float32). NaN propagates.
 */
export function tanh(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const a = f32x4.min(f32x4.abs(v), f32x4.splat(10));
    const e = expNeg(f32x4.mul(a, f32x4.splat(-2)));
    const big = f32x4.div(f32x4.sub(f32x4.splat(1), e), f32x4.add(f32x4.splat(1), e));
    // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925 + 21844x¹³/6081075
    const a2 = f32x4.mul(a, a);
    let p = f32x4.splat(<f32>(21844.0 / 6081075));
    p = f32x4.add(f32x4.splat(<f32>(-1382.0 / 155925)), f32x4.mul(a2, p));
    p = f32x4.add(f32x4.splat(<f32>(62.0 / 2835)), f32x4.mul(a2, p));
    p = f32x4.add(f32x4.splat(<f32>(-17.0 / 315)), f32x4.mul(a2, p));
    p = f32x4.add(f32x4.splat(<f32>(2.0 / 15)), f32x4.mul(a2, p));
    p = f32x4.add(f32x4.splat(<f32>(-1.0 / 3)), f32x4.mul(a2, p));
    const small = f32x4.add(a, f32x4.mul(f32x4.mul(a, a2), p));
    const t = v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(0.4)));
    // The sign of x back on (and NaN kept: a NaN input gives a NaN t).
    v128.store(y + o, v128.or(t, v128.and(v, f32x4.splat(-0.0))));
  }
}

/**
 * y = σ(x) = 1/(1 + e^−x): with e = exp(−|x|), 1/(1 + e) for x ≥ 0 and
 * e/(1 + e) below. Past |x| = 64, e is exp(64 − |x|)·e⁻⁶⁴, so σ of a very
 * negative x comes out as the subnormal float32 it is (0 beyond |x| ≈ 104,
 * where |x| is clamped). NaN propagates.
 */
export function sigmoid(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const a = f32x4.min(f32x4.abs(v), f32x4.splat(110));
    const far = f32x4.gt(a, f32x4.splat(64));
    const shift = v128.and(far, f32x4.splat(64));
    const e = f32x4.mul(expNeg(f32x4.sub(shift, a)), v128.bitselect(f32x4.splat(1.60381089e-28), f32x4.splat(1), far));
    const d = f32x4.add(f32x4.splat(1), e);
    const pos = f32x4.div(f32x4.splat(1), d), neg = f32x4.div(e, d);
    const s = v128.bitselect(pos, neg, f32x4.ge(v, f32x4.splat(0)));
    // NaN compares false, so it took the e/(1 + e) side, itself NaN.
    v128.store(y + o, s);
  }
}
