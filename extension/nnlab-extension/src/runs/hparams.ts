/**
 * Comparing runs by hyperparameter, after TensorBoard's HParams dashboard:
 * a table of runs × hyperparameters × final and best metrics that sorts by
 * any column, a parallel-coordinates view (one axis per hyperparameter that
 * varies, then a metric; one line per run) and a scatter of one
 * hyperparameter against one metric. Pure functions: payloads in, rows and
 * traces out; every run name and value passes through `plotlyText`.
 *
 * "Final" is the metric's value at the last epoch that has it; "best" is the
 * highest accuracy or the lowest loss over all epochs.
 *
 * @example
 *   const columns = compareColumns(runs);            // hp:lr, hp:batch, final:valLoss, best:valAccuracy, ...
 *   sortByColumn(items, columns[0], 'descending');   // largest lr first, runs without one last
 */
import type { EpochPayload, RunPayload } from '../protocol';
import { isRecord, num } from '../dom';
import { plotlyText } from '../renderers/sanitizeFigure';
import { epochsOf } from './figures';

export type EpochMetric = 'trainLoss' | 'valLoss' | 'trainAccuracy' | 'valAccuracy';
export type SortDirection = 'ascending' | 'descending';
export type CellValue = number | string | null;

export const EPOCH_METRICS: [EpochMetric, string][] = [
  ['valAccuracy', 'val acc'],
  ['valLoss', 'val loss'],
  ['trainAccuracy', 'train acc'],
  ['trainLoss', 'train loss'],
];

const isLoss = (metric: EpochMetric) => metric === 'trainLoss' || metric === 'valLoss';

/** A column of the comparison: a hyperparameter, or a metric's final or best value. */
export interface CompareColumn {
  /** 'hp:lr', 'final:valLoss', 'best:valAccuracy'. */
  key: string;
  label: string;
  kind: 'hparam' | 'final' | 'best';
  /** The hyperparameter's name, or the metric. */
  name: string;
}

/** The value of `metric` at the last epoch that has one, with that epoch. */
export function finalMetric(run: RunPayload, metric: EpochMetric): { value: number; epoch: number } | null {
  const epochs = epochsOf(run);
  for (let i = epochs.length - 1; i >= 0; i--) {
    const v = num(epochs[i][metric as keyof EpochPayload]);
    if (v !== null && Number.isFinite(v)) return { value: v, epoch: epochs[i].epoch };
  }
  return null;
}

/** The best value of `metric` over the run's epochs (highest accuracy, lowest loss), with its epoch (the first, on a tie). */
export function bestMetric(run: RunPayload, metric: EpochMetric): { value: number; epoch: number } | null {
  let best: { value: number; epoch: number } | null = null;
  for (const e of epochsOf(run)) {
    const v = num(e[metric as keyof EpochPayload]);
    if (v === null || !Number.isFinite(v)) continue;
    if (best === null || (isLoss(metric) ? v < best.value : v > best.value)) best = { value: v, epoch: e.epoch };
  }
  return best;
}

/** A hyperparameter's value as a table cell: numbers stay numbers, the rest becomes text (objects as JSON), absent is null. */
export function hyperparameterValue(run: RunPayload, name: string): CellValue {
  const hp = isRecord(run.hyperparameters) ? run.hyperparameters : {};
  const v = hp[name];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The value of one run in one column. */
export function cellValue(run: RunPayload, column: CompareColumn): CellValue {
  if (column.kind === 'hparam') return hyperparameterValue(run, column.name);
  const metric = column.name as EpochMetric;
  return (column.kind === 'final' ? finalMetric(run, metric) : bestMetric(run, metric))?.value ?? null;
}

/**
 * The columns for these runs: every hyperparameter any of them has (in the
 * order first seen), then final and best of each metric at least one run
 * recorded (validation accuracy first). Columns no run has a value in are left out.
 */
export function compareColumns(runs: RunPayload[]): CompareColumn[] {
  const names: string[] = [];
  for (const run of runs) {
    for (const name of Object.keys(isRecord(run.hyperparameters) ? run.hyperparameters : {})) {
      if (!names.includes(name) && runs.some(r => hyperparameterValue(r, name) !== null)) names.push(name);
    }
  }
  const columns: CompareColumn[] = names.map(name => ({ key: `hp:${name}`, label: name, kind: 'hparam', name }));
  for (const [metric, label] of EPOCH_METRICS) {
    if (!runs.some(r => finalMetric(r, metric) !== null)) continue;
    columns.push({ key: `final:${metric}`, label: `final ${label}`, kind: 'final', name: metric });
    columns.push({ key: `best:${metric}`, label: `best ${label}`, kind: 'best', name: metric });
  }
  return columns;
}

/** The hyperparameter columns whose value differs between some of the runs. */
export function varyingHyperparameters(runs: RunPayload[], columns: CompareColumn[]): CompareColumn[] {
  return columns.filter(c => c.kind === 'hparam' && new Set(runs.map(r => JSON.stringify(cellValue(r, c)))).size > 1);
}

/**
 * The columns as the panel shows them: the hyperparameters that differ between
 * the runs, the metrics, then the hyperparameters every run shares (a narrow
 * panel shows what tells runs apart first).
 */
export function displayOrder(runs: RunPayload[], columns: CompareColumn[]): CompareColumn[] {
  const varying = new Set(varyingHyperparameters(runs, columns));
  return [...varying, ...columns.filter(c => c.kind !== 'hparam'), ...columns.filter(c => c.kind === 'hparam' && !varying.has(c))];
}

/** Orders two cells: numbers by value, text in natural order ('run 2' before 'run 10'), numbers before text. */
export function compareCells(a: CellValue, b: CellValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/**
 * Items sorted by a column (stable: ties keep their order). Runs without a
 * value in the column come last in either direction, as in the model summary.
 */
export function sortByColumn<T extends { run: RunPayload }>(items: T[], column: CompareColumn, direction: SortDirection): T[] {
  const keyed = items.map((item, index) => ({ item, index, value: cellValue(item.run, column) }));
  keyed.sort((a, b) => {
    if (a.value === null && b.value === null) return a.index - b.index;
    if (a.value === null) return 1;
    if (b.value === null) return -1;
    const c = compareCells(a.value, b.value);
    return (direction === 'descending' ? -c : c) || a.index - b.index;
  });
  return keyed.map(k => k.item);
}

/** A plotly axis for a column: numbers as they are, text as categories at 0, 1, 2, ... */
function axisValues(items: { run: RunPayload }[], column: CompareColumn): { values: (number | null)[]; tickvals?: number[]; ticktext?: string[] } {
  const cells = items.map(i => cellValue(i.run, column));
  if (cells.every(v => v === null || typeof v === 'number')) return { values: cells as (number | null)[] };
  const categories = [...new Set(cells.filter((v): v is string | number => v !== null).map(String))].sort((a, b) => compareCells(a, b));
  return {
    values: cells.map(v => (v === null ? null : categories.indexOf(String(v)))),
    tickvals: categories.map((_, i) => i),
    ticktext: categories.map(plotlyText),
  };
}

type Compared = { run: RunPayload; color: string; label: string };

/**
 * Parallel coordinates: an axis per hyperparameter of `hparams` that differs
 * between the drawn runs (every one, if none differs), then one for `metric`;
 * each run a line in its own colour. A run without the metric is not drawn,
 * and a hyperparameter some drawn run lacks gets no axis (plotly cannot draw
 * a line through a missing value): both are named in `omitted`.
 */
export function parcoordsFigure(items: Compared[], hparams: CompareColumn[], metric: CompareColumn): { data: unknown[]; layout: Record<string, unknown>; axes: CompareColumn[]; omitted: { runs: string[]; axes: string[] } } {
  const drawn = items.filter(i => cellValue(i.run, metric) !== null);
  const complete = hparams.filter(c => c.kind === 'hparam' && drawn.every(i => cellValue(i.run, c) !== null));
  const differing = varyingHyperparameters(drawn.map(d => d.run), complete);
  const axes = differing.length ? differing : complete;
  const dimensions = [...axes, metric].map(column => {
    const axis = axisValues(drawn, column);
    const values = axis.values as number[];
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    // NOTE: a constant axis gets some room, or plotly draws its one value at the bottom edge.
    const pad = hi === lo ? Math.abs(hi) * 0.1 || 1 : 0;
    return {
      label: plotlyText(column.label), values, range: [lo - pad, hi + pad],
      ...(axis.tickvals ? { tickvals: axis.tickvals, ticktext: axis.ticktext } : {}),
    };
  });
  const n = drawn.length;
  // One colour per run: line.color is the run's index, and the colour scale steps through the runs' colours.
  const colorscale = n <= 1 ? [[0, drawn[0]?.color ?? '#1f77b4'], [1, drawn[0]?.color ?? '#1f77b4']] : drawn.map((d, i) => [i / (n - 1), d.color]);
  return {
    data: n === 0 ? [] : [{
      type: 'parcoords', dimensions,
      line: { color: drawn.map((_, i) => i), colorscale, cmin: 0, cmax: Math.max(1, n - 1), showscale: false },
      labelangle: 0, labelside: 'top', labelfont: { size: 11 }, tickfont: { size: 10 }, rangefont: { size: 9 },
      meta: { nnlab: 'hparams', runs: drawn.map(d => d.run.id) },
    }],
    layout: { margin: { l: 45, r: 45, t: 50, b: 20 } },
    axes,
    omitted: {
      runs: items.filter(i => !drawn.includes(i)).map(i => i.label),
      axes: varyingHyperparameters(drawn.map(d => d.run), hparams.filter(c => c.kind === 'hparam' && !complete.includes(c))).map(c => c.label),
    },
  };
}

/** A scatter of one column against another (a hyperparameter against a metric), each run a point in its colour. */
export function hparamScatterFigure(items: Compared[], x: CompareColumn, y: CompareColumn): { data: unknown[]; layout: Record<string, unknown> } {
  const drawn = items.filter(i => cellValue(i.run, x) !== null && cellValue(i.run, y) !== null);
  const xs = drawn.map(i => cellValue(i.run, x));
  const numericX = xs.every(v => typeof v === 'number');
  const positive = numericX && xs.every(v => (v as number) > 0);
  const spread = positive ? Math.max(...(xs as number[])) / Math.min(...(xs as number[])) : 1;
  return {
    data: [{
      type: 'scatter', mode: 'markers', x: numericX ? xs : xs.map(v => plotlyText(v)), y: drawn.map(i => cellValue(i.run, y)),
      text: drawn.map(i => plotlyText(i.label)),
      marker: { color: drawn.map(i => i.color), size: 12, line: { color: '#222', width: 1 } },
      hovertemplate: `%{text}<br>${plotlyText(x.label)} %{x}<br>${plotlyText(y.label)} %{y:.4g}<extra></extra>`,
      showlegend: false, meta: { nnlab: 'hparams', runs: drawn.map(d => d.run.id) },
    }],
    layout: {
      // NOTE: learning rates and the like span decades: a log axis when the values do.
      xaxis: { title: { text: plotlyText(x.label) }, ...(numericX ? (spread >= 20 ? { type: 'log' } : {}) : { type: 'category' }) },
      yaxis: { title: { text: plotlyText(y.label) } },
      margin: { l: 50, r: 10, t: 10, b: 40 },
    },
  };
}
