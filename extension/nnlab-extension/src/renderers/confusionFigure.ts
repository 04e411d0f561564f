/**
 * The plotly figure of a confusion matrix: each cell coloured by its fraction
 * of the true class (count / row total) on the sequential `CONFUSION_COLORS`
 * scale (0 near-white, a whole row darkest blue, the same scale as the
 * kernel's HTML table), with a colour bar, and the count written in black or
 * white, whichever contrasts more with the cell (WCAG contrast ratio).
 *
 *   fraction[t][p] = matrix[t][p] / Σ_q matrix[t][q]     (0 for an empty row)
 *
 * Pure data in, data out (no DOM), so it is unit-tested without a browser.
 *
 * @example confusionFigure({ classNames: ['a', 'b'], matrix: [[3, 1], [0, 4]] }).data[0].z  // [[0.75, 0.25], [0, 1]]
 */
import { CONFUSION_COLORS } from '../protocol';

/** The colour scale as plotly's `[[position, colour], ...]`. */
export const CONFUSION_COLORSCALE: [number, string][] = CONFUSION_COLORS.map((c, i) => [i / (CONFUSION_COLORS.length - 1), c]);

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** `#rrggbb` of `t` in [0, 1] on the scale (linear in RGB between stops, as plotly interpolates). */
export function confusionColor(t: number): string {
  const u = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (CONFUSION_COLORS.length - 1);
  const i = Math.min(CONFUSION_COLORS.length - 2, Math.floor(u));
  const a = rgb(CONFUSION_COLORS[i]), b = rgb(CONFUSION_COLORS[i + 1]), f = u - i;
  return '#' + [0, 1, 2].map(k => Math.round(a[k] + (b[k] - a[k]) * f).toString(16).padStart(2, '0')).join('');
}

/** WCAG relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map(v => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white, whichever has the higher contrast ratio on `background`. */
export function textColorOn(background: string): '#000000' | '#ffffff' {
  const l = luminance(background);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

/** The heatmap trace and layout (labels already escaped for plotly by the caller). */
export function confusionFigure(c: { classNames: string[]; matrix: number[][] }): { data: Record<string, unknown>[]; layout: Record<string, unknown> } {
  const n = c.matrix.length;
  const labels = c.classNames;
  const fractions = c.matrix.map(row => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map(v => (total > 0 ? v / total : 0));
  });
  const annotations = c.matrix.flatMap((row, i) => row.map((v, j) => ({
    x: labels[j], y: labels[i], xref: 'x', yref: 'y', text: String(v), showarrow: false,
    font: { color: textColorOn(confusionColor(fractions[i][j])), size: n > 15 ? 9 : 11 },
  })));
  return {
    data: [{
      type: 'heatmap', z: fractions, x: labels, y: labels, customdata: c.matrix,
      colorscale: CONFUSION_COLORSCALE, zmin: 0, zmax: 1, xgap: 1, ygap: 1,
      colorbar: { title: { text: 'of true class', side: 'right' }, tickformat: '.0%', thickness: 12, len: 0.9 },
      hovertemplate: 'true %{y}, predicted %{x}: %{customdata} (%{z:.1%} of the true class)<extra></extra>',
    }],
    layout: {
      yaxis: { autorange: 'reversed', title: { text: 'true' }, type: 'category' },
      xaxis: { title: { text: 'predicted' }, type: 'category' },
      annotations,
      margin: { l: 90, r: 20, t: 30, b: 70 },
    },
  };
}
