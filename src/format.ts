/**
 * The printed form of a tensor, like NumPy's and PyTorch's: nested brackets,
 * aligned columns, and big tensors elided with `...` (3 items at each edge).
 *
 *   tensor([[1.0000, 2.5000],
 *           [3.0000, 4.0000]], shape=[2, 2], dtype=float32)
 */
import type { Tensor } from './tensor';
import { fmtShape } from './errors';
import { sizeOf } from './shape';

const THRESHOLD = 1000;
const EDGE = 3;

export function formatTensor(t: Tensor): string {
  const values = t.values();
  const summarize = t.size > THRESHOLD;
  const shown: number[] = [];
  collect(t, values, summarize, shown);
  const fmt = numberFormatter(shown, t.dtype === 'int32');
  const indent = 'tensor('.length;
  const body = t.ndim === 0 ? fmt(values[0]) : render(t, values, 0, 0, indent, summarize, fmt);
  let extra = `shape=${fmtShape(t.shape)}, dtype=${t.dtype}`;
  if (t.node) extra += `, gradFn=${t.node.op}`;
  else if (t.requiresGrad) extra += ', requiresGrad=true';
  return `tensor(${body}, ${extra})`;
}

function visibleIndices(n: number, summarize: boolean): (number | null)[] {
  if (!summarize || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
}

function collect(t: Tensor, values: ArrayLike<number>, summarize: boolean, out: number[]): void {
  if (!summarize) {
    for (let i = 0; i < values.length; i++) out.push(values[i]);
    return;
  }
  const walk = (axis: number, base: number, step: number): void => {
    const n = t.shape[axis];
    const inner = step / n;
    for (const i of visibleIndices(n, true)) {
      if (i === null) continue;
      if (axis === t.ndim - 1) out.push(values[base + i]);
      else walk(axis + 1, base + i * inner, inner);
    }
  };
  if (t.ndim > 0) walk(0, 0, t.size);
}

function numberFormatter(shown: number[], isInt: boolean): (v: number) => string {
  const finite = shown.filter((v) => Number.isFinite(v));
  const allInt = isInt || finite.every((v) => Number.isInteger(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.filter((v) => v !== 0).reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
  // Whole-number floats print as `3.` unless huge (1e8 and up, as NumPy and PyTorch do).
  const sci = !isInt && (maxAbs >= 1e8 || (!allInt && ((minAbs < 1e-4 && minAbs !== Infinity) || maxAbs / minAbs > 1e6)));
  const raw = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (isInt) return String(v);
    // Two-digit exponents, as NumPy and PyTorch print them: 1.0000e-05.
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
    return allInt ? `${v}.` : v.toFixed(4);
  };
  const width = shown.reduce((w, v) => Math.max(w, raw(v).length), 1);
  return (v: number) => raw(v).padStart(width);
}

function render(
  t: Tensor, values: ArrayLike<number>, axis: number, base: number, indent: number,
  summarize: boolean, fmt: (v: number) => string,
): string {
  const n = t.shape[axis];
  const inner = sizeOf(t.shape.slice(axis + 1));
  const parts: string[] = [];
  for (const i of visibleIndices(n, summarize)) {
    if (i === null) parts.push('...');
    else if (axis === t.ndim - 1) parts.push(fmt(values[base + i]));
    else parts.push(render(t, values, axis + 1, base + i * inner, indent + 1, summarize, fmt));
  }
  if (axis === t.ndim - 1) return `[${parts.join(', ')}]`;
  const sep = ',' + '\n'.repeat(t.ndim - axis - 1) + ' '.repeat(indent + 1);
  return `[${parts.join(sep)}]`;
}
