/**
 * Plotly figures of training runs, shared by the run renderer (one run: loss
 * and accuracy side by side) and the Training Runs panel (several runs
 * overlaid on one metric). Pure functions: payloads in, traces out. Every
 * run name passes through `plotlyText`.
 *
 * Epochs are 1-based; step losses are placed in epoch units (step / steps per
 * epoch), so epoch e ends at x = e.
 */
import type { EpochPayload, RunPayload } from '../protocol';
import { arr, isRecord, num, str } from '../dom';
import { plotlyText } from '../renderers/sanitizeFigure';
import { eventLabel, eventText, eventsOf } from '../steer';

export type Metric = 'valAccuracy' | 'valLoss' | 'trainLoss' | 'trainAccuracy' | 'stepLoss';

export const METRICS: [Metric, string][] = [
  ['valAccuracy', 'validation accuracy'],
  ['valLoss', 'validation loss'],
  ['trainLoss', 'train loss'],
  ['trainAccuracy', 'train accuracy'],
  ['stepLoss', 'train loss (steps)'],
];

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The epochs of a payload that are well-formed records. */
export function epochsOf(run: RunPayload): EpochPayload[] {
  return arr(run.epochs).filter(isRecord).filter(e => num(e.epoch) !== null) as unknown as EpochPayload[];
}

/**
 * The best epoch, as `TrainingRun.bestEpoch` in src/train.ts: highest
 * validation accuracy, else lowest validation loss, else lowest train loss.
 * Returns the epoch and the metric it was chosen on.
 * @example bestEpoch(run)  // { epoch: 3, metric: 'valAccuracy', value: 0.89 }
 */
export function bestEpoch(run: RunPayload): { epoch: number; metric: Metric; value: number } | null {
  const epochs = epochsOf(run);
  const pick = (metric: Metric, better: (a: number, b: number) => boolean) => {
    let best: { epoch: number; metric: Metric; value: number } | null = null;
    for (const e of epochs) {
      const v = num(e[metric as keyof EpochPayload]);
      if (v !== null && (best === null || better(v, best.value))) best = { epoch: e.epoch, metric, value: v };
    }
    return best;
  };
  return pick('valAccuracy', (a, b) => a > b) ?? pick('valLoss', (a, b) => a < b) ?? pick('trainLoss', (a, b) => a < b);
}

function series(run: RunPayload, metric: Metric): { x: number[]; y: number[] } {
  if (metric === 'stepLoss') {
    const steps = isRecord(run.steps) ? run.steps : { x: [], loss: [] };
    const x = arr(steps.x).map(num);
    const y = arr(steps.loss).map(num);
    const out = { x: [] as number[], y: [] as number[] };
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== null && y[i] !== null) {
        out.x.push(x[i] as number);
        out.y.push(y[i] as number);
      }
    }
    return out;
  }
  const out = { x: [] as number[], y: [] as number[] };
  for (const e of epochsOf(run)) {
    const v = num(e[metric as keyof EpochPayload]);
    if (v !== null) {
      out.x.push(e.epoch);
      out.y.push(v);
    }
  }
  return out;
}

/** Where step `step` is on the epoch axis: step / steps per epoch. */
function stepToEpoch(run: RunPayload, step: number): number {
  const steps = isRecord(run.steps) ? run.steps : null;
  const perEpoch = steps ? num(steps.stepsPerEpoch) : null;
  if (perEpoch) return step / perEpoch;
  const count = steps ? num(steps.count) : null;
  const epochs = epochsOf(run).length;
  return count && epochs ? (step * epochs) / count : step;
}

/** The value of a curve at x: linear between its points, its end values outside them. */
function valueAt(s: { x: number[]; y: number[] }, x: number): number | null {
  if (s.x.length === 0) return null;
  if (x <= s.x[0]) return s.y[0];
  for (let i = 1; i < s.x.length; i++) {
    if (x <= s.x[i]) {
      const t = (x - s.x[i - 1]) / (s.x[i] - s.x[i - 1] || 1);
      return s.y[i - 1] + t * (s.y[i] - s.y[i - 1]);
    }
  }
  return s.y[s.y.length - 1];
}

/**
 * Markers of a run's steering events on one of its curves: a change
 * labelled with its new value ('lr=0.01'), a command with its name ('pause').
 */
export function eventTraces(run: RunPayload, metric: Metric, opts: { color?: string; name?: string; axes?: { xaxis: string; yaxis: string }; legend?: boolean; group?: string } = {}): unknown[] {
  const events = eventsOf(run);
  const curve = series(run, metric);
  if (events.length === 0 || curve.x.length === 0) return [];
  const traces: unknown[] = [];
  const make = (list: typeof events, kind: 'changes' | 'commands', color: string, symbol: string) => {
    if (list.length === 0) return;
    // NOTE: events at one step share a marker ('pause, step'), so labels do not pile up.
    const bySteps = new Map<number, typeof events>();
    for (const e of list) bySteps.set(e.step, [...(bySteps.get(e.step) ?? []), e]);
    const groups = [...bySteps.values()];
    const x = groups.map(g => stepToEpoch(run, g[0].step));
    const prefix = opts.name ? `${opts.name}: ` : '';
    traces.push({
      type: 'scatter', mode: 'markers+text', name: `${prefix}${kind}`, x, y: x.map(v => valueAt(curve, v)),
      text: groups.map(g => plotlyText(g.map(eventLabel).join(', '))), textposition: kind === 'changes' ? 'top center' : 'bottom center', textfont: { size: 10, color },
      hovertext: groups.map(g => plotlyText(`${prefix}step ${g[0].step}: ${g.map(eventText).join(', ')}`)), hoverinfo: 'text',
      marker: { color, size: 10, symbol, line: { color: '#222', width: 1 } },
      showlegend: opts.legend ?? true, ...(opts.group ? { legendgroup: opts.group } : {}),
      ...(opts.axes ?? {}), cliponaxis: false, meta: { nnlab: 'events', kind },
    });
  };
  make(events.filter(e => num(e.value) !== null), 'changes', opts.color ?? '#d35400', 'diamond');
  make(events.filter(e => num(e.value) === null), 'commands', opts.color ?? '#555555', 'triangle-down');
  return traces;
}

/**
 * One run: loss (left: steps, train and validation per epoch) and accuracy
 * (right, only when the run has accuracies: otherwise the loss takes the
 * whole width), best epoch marked. A payload with `steps.xScale` 'log' (a long
 * run) gets log-scaled x axes, so its first epochs stay readable.
 */
export function singleRunFigure(run: RunPayload): { data: unknown[]; layout: Record<string, unknown> } {
  const data: unknown[] = [];
  const hasAcc = series(run, 'trainAccuracy').x.length > 0 || series(run, 'valAccuracy').x.length > 0;
  const line = (metric: Metric, name: string, color: string, axis: 1 | 2, dash = 'solid', mode = 'lines+markers') => {
    const s = series(run, metric);
    if (s.x.length === 0) return;
    data.push({
      type: 'scatter', mode, name, x: s.x, y: s.y, xaxis: axis === 1 ? 'x' : 'x2', yaxis: axis === 1 ? 'y' : 'y2',
      line: { color, dash, width: metric === 'stepLoss' ? 1 : 2 }, marker: { size: 6 },
      hovertemplate: `${name} epoch %{x:.3g}: %{y:.4g}<extra></extra>`,
    });
  };
  line('stepLoss', 'train loss (steps)', '#aab0f5', 1, 'solid', 'lines');
  line('trainLoss', 'train loss', '#4c5fd7', 1);
  line('valLoss', 'val loss', '#e4572e', 1);
  line('trainAccuracy', 'train acc', '#2ca02c', 2, 'dash');
  line('valAccuracy', 'val acc', '#9467bd', 2);
  data.push(...eventTraces(run, series(run, 'stepLoss').x.length ? 'stepLoss' : 'trainLoss', { axes: { xaxis: 'x', yaxis: 'y' } }));
  const best = bestEpoch(run);
  const shapes: unknown[] = [];
  if (best) {
    for (const [x, y] of hasAcc ? [['x', 'y'], ['x2', 'y2']] : [['x', 'y']]) {
      shapes.push({ type: 'line', xref: x, yref: `${y} domain`, x0: best.epoch, x1: best.epoch, y0: 0, y1: 1, line: { color: '#888', dash: 'dot', width: 1 } });
    }
    const axis = best.metric === 'valAccuracy' ? 2 : 1;
    data.push({
      type: 'scatter', mode: 'markers', name: `best epoch ${best.epoch}`, x: [best.epoch], y: [best.value],
      xaxis: axis === 1 ? 'x' : 'x2', yaxis: axis === 1 ? 'y' : 'y2',
      marker: { symbol: 'star', size: 14, color: '#f2b701', line: { color: '#333', width: 1 } },
      hovertemplate: `best epoch ${best.epoch}: %{y:.4g}<extra></extra>`,
    });
  }
  // NOTE: the linear axis spans whole epochs up to the last one reached (at most the planned total), so a
  // run's first epoch and its steering markers are not squeezed against the left edge.
  const total = Math.max(1, num(run.totalEpochs) ?? 1);
  const reached = Math.max(0, ...series(run, 'stepLoss').x, ...epochsOf(run).map(e => e.epoch));
  const shown = Math.min(total, Math.max(1, Math.ceil(reached - 1e-9)));
  const logX = isRecord(run.steps) && run.steps.xScale === 'log';
  const steps = series(run, 'stepLoss').x;
  const first = Math.min(1, ...steps.filter(x => x > 0));
  // NOTE: plotly takes a log axis' range in log10 units.
  const xAxis = (domain: number[]) => logX
    ? { title: { text: 'epoch (log scale)' }, type: 'log', range: [Math.log10(first), Math.log10(total * 1.05)], domain }
    : { title: { text: 'epoch' }, range: [0, shown + 0.05], domain };
  return {
    data,
    layout: {
      ...(hasAcc ? { grid: { rows: 1, columns: 2, pattern: 'independent' } } : {}),
      xaxis: xAxis(hasAcc ? [0, 0.46] : [0, 1]),
      yaxis: { title: { text: 'loss' } },
      ...(hasAcc ? { xaxis2: xAxis([0.56, 1]), yaxis2: { title: { text: 'accuracy' }, range: [0, 1] } } : {}),
      shapes,
      legend: { orientation: 'h', y: -0.25 },
      margin: { l: 50, r: 15, t: 30, b: 40 },
    },
  };
}

/** Several runs on one metric, each in its colour, each best epoch marked with a star and its steering events marked. */
export function overlayFigure(runs: { run: RunPayload; color: string; label: string }[], metric: Metric): { data: unknown[]; layout: Record<string, unknown> } {
  const data: unknown[] = [];
  for (const { run, color, label } of runs) {
    const s = series(run, metric);
    const name = plotlyText(label);
    data.push({
      type: 'scatter', mode: metric === 'stepLoss' ? 'lines' : 'lines+markers', name, x: s.x, y: s.y,
      line: { color, width: 2 }, marker: { size: 6 }, legendgroup: name,
      hovertemplate: `${name}<br>epoch %{x:.3g}: %{y:.4g}<extra></extra>`,
    });
    data.push(...eventTraces(run, metric, { color, name, legend: false, group: name }));
    const best = bestEpoch(run);
    if (best) {
      const at = series(run, metric === 'stepLoss' ? 'trainLoss' : metric);
      const i = at.x.indexOf(best.epoch);
      if (i >= 0) {
        data.push({
          type: 'scatter', mode: 'markers', name: `${name}: best epoch ${best.epoch}`, x: [best.epoch], y: [at.y[i]], showlegend: false, legendgroup: name,
          marker: { symbol: 'star', size: 15, color, line: { color: '#222', width: 1 } },
          hovertemplate: `${name}<br>best epoch ${best.epoch}: %{y:.4g}<extra></extra>`,
        });
      }
    }
  }
  const isAcc = metric === 'valAccuracy' || metric === 'trainAccuracy';
  // Whole epochs only on the axis (plotly would put ticks at 1, 1.5, 2 for a 2-epoch run).
  const lastEpoch = Math.max(1, ...data.flatMap(t => arr((t as { x?: unknown }).x).map(v => num(v) ?? 1)));
  return {
    data,
    layout: {
      xaxis: { title: { text: 'epoch' }, tick0: 0, dtick: Math.max(1, Math.ceil(lastEpoch / 10)) },
      yaxis: { title: { text: plotlyText(METRICS.find(m => m[0] === metric)?.[1] ?? metric) }, ...(isAcc ? { range: [0, 1] } : {}) },
      legend: { orientation: 'h', y: -0.3 },
      margin: { l: 50, r: 10, t: 10, b: 40 },
    },
  };
}

/** 'lr=0.05, batch=64' from a run's hyperparameters (values as text). */
export function hyperparameterText(run: RunPayload): string {
  const hp = isRecord(run.hyperparameters) ? run.hyperparameters : {};
  return Object.entries(hp).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : str(v)}`).join(', ');
}
