// im2col and col2im for the wasm convolution (see src/kernels/wasm/conv.ts).
// With one column per (sample n, output position p), row k = kernel tap:
//
//   col[k, n·L + p] = xp[n·ss + pos[p] + taps[k]]
//
// where xp is the zero-padded input (ss floats per sample), and `taps`, `pos`
// are the i32 offset tables of src/kernels/im2col.ts.

/**
 * Writes col (K × N·L, row-major, f32) from the padded input xp. With
 * horizontal stride 1 (sw == 1) each output row's window is a contiguous run
 * of oW floats, copied four at a time.
 */
export function im2col(xp: usize, ss: i32, N: i32, taps: usize, K: i32, pos: usize, L: i32, col: usize, oW: i32, sw: i32): void {
  const ld = N * L;
  const contiguous = sw == 1 && oW > 0 && L % oW == 0;
  for (let k = 0; k < K; k++) {
    const t = load<i32>(taps + (<usize>k << 2));
    for (let n = 0; n < N; n++) {
      const src = xp + (<usize>(n * ss + t) << 2);
      const dst = col + (<usize>(k * ld + n * L) << 2);
      if (contiguous) {
        for (let p0 = 0; p0 < L; p0 += oW) {
          const s = src + (<usize>load<i32>(pos + (<usize>p0 << 2)) << 2);
          const d = dst + (<usize>p0 << 2);
          let q = 0;
          for (; q + 4 <= oW; q += 4) v128.store(d + (<usize>q << 2), v128.load(s + (<usize>q << 2)));
          for (; q < oW; q++) store<f32>(d + (<usize>q << 2), load<f32>(s + (<usize>q << 2)));
        }
      } else {
        for (let p = 0; p < L; p++) {
          store<f32>(dst + (<usize>p << 2), load<f32>(src + (<usize>load<i32>(pos + (<usize>p << 2)) << 2)));
        }
      }
    }
  }
}

/** The adjoint of im2col: dxp[n·ss + pos[p] + taps[k]] += dcol[k, n·L + p] (runs of oW when sw == 1). */
export function col2im(dcol: usize, ss: i32, N: i32, taps: usize, K: i32, pos: usize, L: i32, dxp: usize, oW: i32, sw: i32): void {
  const ld = N * L;
  const contiguous = sw == 1 && oW > 0 && L % oW == 0;
  for (let k = 0; k < K; k++) {
    const t = load<i32>(taps + (<usize>k << 2));
    for (let n = 0; n < N; n++) {
      const dst = dxp + (<usize>(n * ss + t) << 2);
      const src = dcol + (<usize>(k * ld + n * L) << 2);
      if (contiguous) {
        for (let p0 = 0; p0 < L; p0 += oW) {
          const d = dst + (<usize>load<i32>(pos + (<usize>p0 << 2)) << 2);
          const s = src + (<usize>p0 << 2);
          let q = 0;
          for (; q + 4 <= oW; q += 4) {
            const at = d + (<usize>q << 2);
            v128.store(at, f32x4.add(v128.load(at), v128.load(s + (<usize>q << 2))));
          }
          for (; q < oW; q++) {
            const at = d + (<usize>q << 2);
            store<f32>(at, load<f32>(at) + load<f32>(s + (<usize>q << 2)));
          }
        }
      } else {
        for (let p = 0; p < L; p++) {
          const at = dst + (<usize>load<i32>(pos + (<usize>p << 2)) << 2);
          store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>p << 2)));
        }
      }
    }
  }
}
