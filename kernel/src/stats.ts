/**
 * Statistics and histograms of raw values, NaN/Inf-aware, for the payloads.
 *
 *   mean = Σx / n,   std = sqrt(Σ(x - mean)² / (n - 1))   (unbiased, as torch.std)
 *
 * over the finite values only; NaN and ±Inf are counted.
 *
 * @example valueStats([1, 2, NaN, 3])  // {count: 4, min: 1, max: 3, mean: 2, std: 1, nanCount: 1, ...}
 */
import type { Histogram, Stats } from '../protocol';

export function valueStats(values: ArrayLike<number>): Stats {
  let n = 0, nan = 0, inf = 0, zeros = 0, min = Infinity, max = -Infinity, sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
    else {
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      if (v === 0) zeros++;
    }
  }
  const mean = n > 0 ? sum / n : null;
  let std: number | null = null;
  if (n > 1 && mean !== null) {
    let ss = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
    }
    std = Math.sqrt(ss / (n - 1));
  }
  return {
    count: values.length, min: n ? min : null, max: n ? max : null, mean, std,
    nanCount: nan, infCount: inf, zeroCount: zeros,
  };
}

/**
 * `bins` equal-width bins over [min, max] of the finite values (the last bin
 * includes max). Null when there is no finite value. A constant input gives
 * one bin [v - 0.5, v + 0.5].
 */
export function histogram(values: ArrayLike<number>, bins = 30, stats: Stats = valueStats(values)): Histogram | null {
  if (stats.min === null || stats.max === null) return null;
  let lo = stats.min, hi = stats.max;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
    bins = 1;
  }
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  return { edges, counts };
}

/** Values as JSON-safe numbers: NaN and ±Inf become null. */
export function jsonNumbers(values: ArrayLike<number>, limit = values.length): (number | null)[] {
  const n = Math.min(limit, values.length);
  const out = new Array<number | null>(n);
  for (let i = 0; i < n; i++) out[i] = Number.isFinite(values[i]) ? values[i] : null;
  return out;
}

/** A number as JSON allows it: finite or null. */
export function finiteOrNull(v: number | null | undefined): number | null {
  return v !== null && v !== undefined && Number.isFinite(v) ? v : null;
}
