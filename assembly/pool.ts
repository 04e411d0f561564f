// Max pooling, 2×2 windows with stride 2, float32, SIMD (see src/kernels/im2col.ts
// for the general loop and the semantics: the first maximum in row-major
// window order wins ties; NaN is handled there).

/**
 * y[p, i, j] = max of x[p, 2i … 2i+1, 2j … 2j+1] over `planes` planes of
 * H × W (oH = ⌊H/2⌋, oW = ⌊W/2⌋), and argmax[p, i, j] its flat position in
 * the plane. Four outputs at a time: each row's even and odd columns
 * deinterleaved, then the odd one where strictly greater, then the bottom
 * row's winner where strictly greater (ties keep the first). bad[p] is set to
 * 1 for a plane holding a NaN (the caller redoes it: a NaN wins there), else 0.
 */
export function maxPool2x2(x: usize, planes: i32, H: i32, W: i32, y: usize, argmax: usize, bad: usize): void {
  const oH = H >> 1, oW = W >> 1;
  const steps = i32x4(0, 2, 4, 6);
  for (let p = 0; p < planes; p++) {
    let nan = i32x4.splat(0);
    let anyNaN = false;
    for (let i = 0; i < oH; i++) {
      const top = <usize>((p * H + 2 * i) * W) << 2;
      const bot = top + (<usize>W << 2);
      const rowOff = 2 * i * W;
      const out = <usize>((p * oH + i) * oW) << 2;
      let j = 0;
      for (; j + 4 <= oW; j += 4) {
        const q = <usize>(2 * j) << 2;
        const a0 = v128.load(x + top + q), a1 = v128.load(x + top + q, 16);
        const b0 = v128.load(x + bot + q), b1 = v128.load(x + bot + q, 16);
        nan = v128.or(nan, v128.or(v128.or(f32x4.ne(a0, a0), f32x4.ne(a1, a1)), v128.or(f32x4.ne(b0, b0), f32x4.ne(b1, b1))));
        const ae = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), ao = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const be = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), bo = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const even = i32x4.add(i32x4.splat(rowOff + 2 * j), steps);
        const ta = f32x4.gt(ao, ae), tb = f32x4.gt(bo, be);
        const va = v128.bitselect(ao, ae, ta), vb = v128.bitselect(bo, be, tb);
        // Odd columns are one further (subtracting the all-ones mask adds 1); the bottom row W further.
        const ia = i32x4.sub(even, ta), ib = i32x4.add(i32x4.sub(even, tb), i32x4.splat(W));
        const down = f32x4.gt(vb, va);
        v128.store(y + out + (<usize>j << 2), v128.bitselect(vb, va, down));
        v128.store(argmax + out + (<usize>j << 2), v128.bitselect(ib, ia, down));
      }
      for (; j < oW; j++) {
        const q = <usize>(2 * j) << 2;
        const v0 = load<f32>(x + top + q), v1 = load<f32>(x + top + q, 4);
        const v2 = load<f32>(x + bot + q), v3 = load<f32>(x + bot + q, 4);
        if (v0 != v0 || v1 != v1 || v2 != v2 || v3 != v3) anyNaN = true;
        let best = v0, at = rowOff + 2 * j;
        if (v1 > best) { best = v1; at = rowOff + 2 * j + 1; }
        let b = v2, bat = rowOff + W + 2 * j;
        if (v3 > b) { b = v3; bat = rowOff + W + 2 * j + 1; }
        if (b > best) { best = b; at = bat; }
        store<f32>(y + out + (<usize>j << 2), best);
        store<i32>(argmax + out + (<usize>j << 2), at);
      }
    }
    store<i32>(bad + (<usize>p << 2), anyNaN || v128.any_true(nan) ? 1 : 0);
  }
}
