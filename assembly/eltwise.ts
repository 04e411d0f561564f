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
