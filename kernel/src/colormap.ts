/**
 * Colour maps as 256-entry RGB lookup tables.
 *
 * - `viridis`: perceptually uniform, for activations and heatmaps; a
 *   degree-6 polynomial fit of matplotlib's viridis (within a few levels of 255).
 * - `coolwarm`: diverging blue-grey-red, for signed weights centred on 0.
 * - `gray`: black to white.
 * - `blues`: sequential white to dark blue (ColorBrewer Blues), for counts:
 *   more is darker. The confusion matrix's scale.
 *
 * @example colormapRGB('viridis', 0)  // [71, 1, 85] (matplotlib: [68, 1, 84])
 */
import { CONFUSION_COLORS, viridisRGB } from '../protocol';

export type ColormapName = 'viridis' | 'coolwarm' | 'gray' | 'blues';

function coolwarmAt(t: number): [number, number, number] {
  // Moreland's endpoints, through a light grey midpoint, linear in RGB.
  const lo = [59, 76, 192], mid = [221, 221, 221], hi = [180, 4, 38];
  const [a, b, u] = t < 0.5 ? [lo, mid, t / 0.5] : [mid, hi, (t - 0.5) / 0.5];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * u)) as [number, number, number];
}

function hexRGB(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Linear in RGB between equally spaced stops. */
function stopsAt(stops: readonly string[], t: number): [number, number, number] {
  const u = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const a = hexRGB(stops[i]), b = hexRGB(stops[i + 1]), f = u - i;
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

const cache = new Map<ColormapName, Uint8Array>();

/** The 256 x RGB table of a colour map (index 0 = low end). */
export function colormapTable(name: ColormapName): Uint8Array {
  let table = cache.get(name);
  if (!table) {
    table = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const t = i / 255;
      const rgb = name === 'viridis' ? viridisRGB(t) : name === 'coolwarm' ? coolwarmAt(t) : name === 'blues' ? stopsAt(CONFUSION_COLORS, t) : [i, i, i];
      table.set(rgb, i * 3);
    }
    cache.set(name, table);
  }
  return table;
}

/** The colour of `t` in [0, 1] (clamped) as [r, g, b]. */
export function colormapRGB(name: ColormapName, t: number): [number, number, number] {
  const i = Math.max(0, Math.min(255, Math.round((Number.isFinite(t) ? t : 0) * 255)));
  const table = colormapTable(name);
  return [table[i * 3], table[i * 3 + 1], table[i * 3 + 2]];
}

/** `#rrggbb` of `t` in [0, 1]. */
export function colormapHex(name: ColormapName, t: number): string {
  return '#' + colormapRGB(name, t).map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** WCAG relative luminance of `#rrggbb` (0 black .. 1 white). */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = hexRGB(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours, (L1 + 0.05) / (L2 + 0.05) with L1 the lighter (1 .. 21). */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [relativeLuminance(a), relativeLuminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Black or white text, whichever contrasts more with the background `#rrggbb`. */
export function textColorOn(background: string): '#000000' | '#ffffff' {
  return contrastRatio(background, '#000000') >= contrastRatio(background, '#ffffff') ? '#000000' : '#ffffff';
}
