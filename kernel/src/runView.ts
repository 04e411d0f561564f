/**
 * The display of a training run: a progress line (epoch, batch, samples/s,
 * ETA), the epoch table, and a loss/accuracy chart of train and validation
 * (plotly JSON, and the same chart as a static SVG inside the HTML).
 *
 * Step losses are bucket-averaged to at most `maxPoints` points, so a bundle
 * stays small (tens of kB) however long the run. A run of `LONG_RUN_EPOCHS`
 * (20) epochs or more is drawn on a log-scaled x axis with log-spaced buckets,
 * so its first epochs stay readable next to the hundredth. The headline loss
 * of a live run is the running mean of the current epoch (the last batch's
 * loss follows in brackets). The accuracy axis appears only with accuracies.
 *
 * @example runBundle(run)['application/vnd.nnlab.run+json'].epochs
 */
import type { TrainingRun } from '../../src/train';
import type { RunEventKind } from '../../src/train';
import { MIME, type EpochPayload, type MediaBundle, type RunEventPayload, type RunPayload } from '../protocol';
import { figureScene, sceneSvg, scenePng, svgImg, type FigureSpec, type Trace } from './figure';
import { escapeHtml, fmtCount, fmtDuration, fmtNum, htmlTable, textTable } from './format';
import { liveRunState } from './registry';
import { finiteOrNull } from './stats';

export interface RunViewOptions {
  /** At most this many points of step losses (default 400). */
  maxPoints?: number;
}

/** Runs planned for (or run) this many epochs or more are charted on a log-scaled x axis. */
export const LONG_RUN_EPOCHS = 20;

/**
 * The bucket edges over steps [0, n): `linear`, equal buckets of ceil(n / maxPoints);
 * `log`, edges round(n^(k / maxPoints)) (deduplicated), so early steps stay single.
 */
function bucketEdges(n: number, maxPoints: number, spacing: 'linear' | 'log'): number[] {
  const edges = [0];
  if (spacing === 'log' && n > maxPoints) {
    for (let k = 1; k <= maxPoints; k++) {
      const e = Math.min(n, Math.round(Math.pow(n, k / maxPoints)));
      if (e > edges[edges.length - 1]) edges.push(e);
    }
  } else {
    const bucket = Math.max(1, Math.ceil(n / maxPoints));
    for (let e = bucket; e < n + bucket; e += bucket) edges.push(Math.min(n, e));
  }
  if (edges[edges.length - 1] < n) edges.push(n);
  return edges;
}

/**
 * Bucket means of `values` to at most `maxPoints` (equal or log-spaced buckets);
 * x = bucket centre (1-based step) / stepsPerEpoch.
 */
export function downsampleSteps(values: readonly number[], maxPoints: number, stepsPerEpoch: number | null, spacing: 'linear' | 'log' = 'linear'): { x: number[]; loss: number[] } {
  const n = values.length;
  const edges = bucketEdges(n, maxPoints, spacing);
  const x: number[] = [], loss: number[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    const start = edges[b], end = edges[b + 1];
    let sum = 0, k = 0;
    for (let i = start; i < end; i++) if (Number.isFinite(values[i])) (sum += values[i]), k++;
    if (k === 0) continue;
    const centre = (start + 1 + end) / 2;
    x.push(stepsPerEpoch ? centre / stepsPerEpoch : centre);
    loss.push(sum / k);
  }
  return { x, loss };
}

/** The run's data (application/vnd.nnlab.run+json), with its live state when shown live. */
export function runPayload(run: TrainingRun, opts: RunViewOptions = {}): RunPayload {
  const live = liveRunState(run);
  const stepsPerEpoch = live?.stepsPerEpoch ?? (run.epochs.length > 0 ? Math.floor(run.stepLosses.length / run.epochs.length) || null : null);
  const epochs: EpochPayload[] = run.epochs.map((e) => ({
    epoch: e.epoch, trainLoss: finiteOrNull(e.trainLoss), trainAccuracy: finiteOrNull(e.trainAccuracy), valLoss: finiteOrNull(e.valLoss),
    valAccuracy: finiteOrNull(e.valAccuracy), lr: finiteOrNull(e.lr), samplesPerSec: finiteOrNull(e.samplesPerSec), seconds: finiteOrNull(e.seconds),
  }));
  const xScale = Math.max(run.totalEpochs, run.epochs.length) >= LONG_RUN_EPOCHS ? 'log' : 'linear';
  const steps = downsampleSteps(run.stepLosses, opts.maxPoints ?? 400, stepsPerEpoch, xScale);
  const trainSeconds = live ? ((live.endedMs ?? performance.now()) - live.startedMs) / 1000 : 0;
  return {
    version: 1, kind: 'run', id: run.id, name: run.name, status: run.status,
    hyperparameters: jsonSafe(run.hyperparameters), totalEpochs: run.totalEpochs, epochs,
    steps: { ...steps, count: run.stepLosses.length, stepsPerEpoch, xScale },
    progress: live?.progress ?? null, error: run.error,
    startedAt: run.startedAt.toISOString(), endedAt: run.endedAt ? run.endedAt.toISOString() : null,
    display: live ? { updates: live.updates, displaySeconds: live.displayMs / 1000, trainSeconds } : null,
    events: run.events.map((e) => ({ ...e })),
    steer: run.currentHyperparameters(),
  };
}

const EVENT_NAMES: Record<RunEventKind, string> = { pause: 'pause', resume: 'resume', step: 'step', stop: 'stop', lr: 'lr', momentum: 'momentum', weightDecay: 'weight decay' };

/** 'lr 0.1 → 0.025' for a hyperparameter change, 'pause' for a command. */
export function eventText(e: RunEventPayload): string {
  if (e.value === undefined) return EVENT_NAMES[e.kind] ?? e.kind;
  return `${EVENT_NAMES[e.kind] ?? e.kind} ${e.from !== undefined ? `${fmtNum(e.from)} → ` : ''}${fmtNum(e.value)}`;
}

/** 'lr=0.025' (the new value), the label of a change's marker on the chart. */
export function eventLabel(e: RunEventPayload): string {
  return e.value === undefined ? EVENT_NAMES[e.kind] ?? e.kind : `${e.kind === 'weightDecay' ? 'wd' : e.kind}=${fmtNum(e.value)}`;
}

/**
 * The markers of a run's steering events on its loss curve: x where the
 * event's step is (in epochs when the chart is), y the step loss there.
 * Hyperparameter changes and commands (pause, stop, ...) are two traces.
 */
export function eventTraces(p: RunPayload, perEpoch: boolean): Trace[] {
  const events = p.events ?? [];
  if (events.length === 0 || p.steps.x.length === 0) return [];
  const spe = p.steps.stepsPerEpoch;
  const lossAt = (x: number) => {
    let best = 0;
    for (let i = 0; i < p.steps.x.length; i++) if (Math.abs(p.steps.x[i] - x) < Math.abs(p.steps.x[best] - x)) best = i;
    return p.steps.loss[best];
  };
  const trace = (list: RunEventPayload[], name: string, color: string): Trace[] => {
    if (list.length === 0) return [];
    // NOTE: events at one step share a marker ('pause, step').
    const bySteps = new Map<number, RunEventPayload[]>();
    for (const e of list) bySteps.set(e.step, [...(bySteps.get(e.step) ?? []), e]);
    const groups = [...bySteps.values()];
    const x = groups.map((g) => (perEpoch && spe ? g[0].step / spe : g[0].step));
    return [{
      type: 'scatter', mode: 'markers+text', name, x, y: x.map(lossAt), text: groups.map((g) => g.map(eventLabel).join(', ')),
      textposition: name === 'changes' ? 'top center' : 'bottom center',
      hovertext: groups.map((g) => `step ${g[0].step}: ${g.map(eventText).join(', ')}`), hoverinfo: 'text',
      marker: { color, size: 9, symbol: 'diamond' }, textfont: { color, size: 10 },
    }];
  };
  return [
    ...trace(events.filter((e) => e.value !== undefined), 'changes', '#d35400'),
    ...trace(events.filter((e) => e.value === undefined), 'commands', '#555555'),
  ];
}

function jsonSafe(h: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || typeof v === 'function') continue;
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : String(v);
    else if (v === null || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'string')) out[k] = v;
    else out[k] = String((v as object).constructor?.name ?? v);
  }
  return out;
}

/** The loss (left axis) and accuracy (right axis) chart of a run, as a plotly figure. */
export function runFigure(p: RunPayload): FigureSpec {
  const perEpoch = p.steps.stepsPerEpoch !== null;
  const ex = (e: EpochPayload) => (perEpoch ? e.epoch : e.epoch * (p.steps.count / Math.max(1, p.epochs.length)));
  const data: Trace[] = [
    { type: 'scatter', mode: 'lines', name: 'train loss (steps)', x: p.steps.x, y: p.steps.loss, line: { color: '#9fa6f5', width: 1.2 } },
  ];
  const series = (name: string, key: keyof EpochPayload, color: string, axis: 'y' | 'y2', dash: 'solid' | 'dash') => {
    const points = p.epochs.filter((e) => e[key] !== null);
    if (points.length > 0) {
      data.push({ type: 'scatter', mode: 'lines+markers', name, x: points.map(ex), y: points.map((e) => e[key] as number), yaxis: axis, line: { color, dash }, marker: { color, size: 6 } });
    }
  };
  data.push(...eventTraces(p, perEpoch));
  series('train loss', 'trainLoss', '#636efa', 'y', 'solid');
  series('val loss', 'valLoss', '#EF553B', 'y', 'solid');
  series('train acc', 'trainAccuracy', '#00cc96', 'y2', 'dash');
  series('val acc', 'valAccuracy', '#ab63fa', 'y2', 'dash');
  const hasAcc = data.some((t) => t.yaxis === 'y2');
  const logX = p.steps.xScale === 'log';
  return {
    data,
    layout: {
      title: `${p.name} (${p.status})`, height: 320, width: 640,
      xaxis: { title: `${perEpoch ? 'epoch' : 'step'}${logX ? ' (log scale)' : ''}`, ...(logX ? { type: 'log' as const } : {}) }, yaxis: { title: 'loss' },
      ...(hasAcc ? { yaxis2: { title: 'accuracy', overlaying: 'y', side: 'right', range: [0, 1] } } : {}),
      legend: { orientation: 'h' }, margin: { t: 40, r: 60 },
    },
  };
}

const STATUS_COLOR: Record<string, string> = { running: '#1f77b4', paused: '#8e44ad', stopped: '#7f7f7f', completed: '#2ca02c', interrupted: '#ff7f0e', failed: '#d62728' };

function progressLine(p: RunPayload): string {
  const g = p.progress;
  if (!g) return p.status === 'running' ? 'starting…' : '';
  const batches = g.batchesPerEpoch ? `${g.batch}/${g.batchesPerEpoch}` : `${g.batch}`;
  const loss = g.epochLoss !== undefined && g.epochLoss !== null ? `loss ${fmtNum(g.epochLoss)} (epoch mean; last batch ${fmtNum(g.loss)})` : `loss ${fmtNum(g.loss)}`;
  return `${p.status === 'paused' ? 'paused · ' : ''}epoch ${g.epoch}/${g.totalEpochs} · batch ${batches} · ${fmtCount(g.samplesPerSec)} samples/s · elapsed ${fmtDuration(g.elapsedSec)}${p.status === 'running' ? ` · ETA ${fmtDuration(g.etaSec)}` : ''} · ${loss}`;
}

/** Fraction of the planned batches done (0..1), or null when unknown. */
export function runFraction(p: RunPayload): number | null {
  if (p.status === 'completed') return 1;
  const g = p.progress;
  if (!g || !g.batchesPerEpoch) return p.totalEpochs ? p.epochs.length / p.totalEpochs : null;
  return Math.min(1, ((g.epoch - 1) * g.batchesPerEpoch + g.batch) / (g.totalEpochs * g.batchesPerEpoch));
}

function epochRows(p: RunPayload): string[][] {
  const pc = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(2)}%`);
  return p.epochs.map((e) => [String(e.epoch), fmtNum(e.trainLoss), pc(e.trainAccuracy), fmtNum(e.valLoss), pc(e.valAccuracy), fmtNum(e.lr), fmtCount(e.samplesPerSec ?? 0), fmtDuration(e.seconds)]);
}
const EPOCH_HEADER = ['epoch', 'train loss', 'train acc', 'val loss', 'val acc', 'lr', 'samples/s', 'time'];

/** 'step 12: lr 0.1 → 0.025; step 30: pause' (the last 20 events). */
export function eventsLine(p: RunPayload): string {
  const events = p.events ?? [];
  const shown = events.slice(-20).map((e) => `step ${e.step}: ${eventText(e)}`).join('; ');
  return events.length > 20 ? `(${events.length - 20} earlier) ${shown}` : shown;
}

export function runText(p: RunPayload): string {
  const lines = [`Run '${p.name}' (${p.id}): ${p.status}, ${p.epochs.length}/${p.totalEpochs} epoch(s), ${fmtCount(p.steps.count)} step(s)`];
  const prog = progressLine(p);
  if (prog) lines.push(prog);
  if (p.error) lines.push(`error: ${p.error}`);
  if (p.events?.length) lines.push(`events: ${eventsLine(p)}`);
  if (p.epochs.length) lines.push(textTable(EPOCH_HEADER, epochRows(p), ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
  return lines.join('\n');
}

export function runHtml(p: RunPayload, chartSvg: string): string {
  const frac = runFraction(p);
  const color = STATUS_COLOR[p.status] ?? '#555';
  const hp = Object.entries(p.hyperparameters).map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(String(v))}`).join(', ');
  const bar = frac === null ? '' : `<div style="width:420px;height:10px;background:#e5e7f0;border-radius:3px;margin:3px 0"><div style="width:${(frac * 100).toFixed(1)}%;height:10px;background:${color};border-radius:3px"></div></div>`;
  const parts = [
    `<div class="nnlab-run" style="font-size:12px">`,
    `<div><b>${escapeHtml(p.name)}</b> <span style="color:#888">${escapeHtml(p.id)}</span> <span style="color:#fff;background:${color};padding:0 5px;border-radius:3px">${p.status}</span> <span style="color:#666">${hp}</span></div>`,
    bar,
    `<div style="font-family:monospace">${escapeHtml(progressLine(p))}</div>`,
  ];
  if (p.error) parts.push(`<div style="color:#d62728;font-family:monospace">${escapeHtml(p.error)}</div>`);
  if (p.events?.length) parts.push(`<div class="nnlab-run-events" style="color:#555">events: ${escapeHtml(eventsLine(p))}</div>`);
  parts.push(svgImg(chartSvg, 'loss and accuracy chart'));
  if (p.epochs.length) parts.push(htmlTable(EPOCH_HEADER, epochRows(p).map((r) => r.map(escapeHtml)), ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
  parts.push('</div>');
  return parts.join('');
}

/**
 * The bundle of a run: text/plain, text/html (progress, chart as a static
 * SVG image, epoch table), plotly JSON of the chart, and nnlab's run JSON.
 * With `staticImage` (the final update of a live display, and `display(run)`)
 * also the chart as image/svg+xml and image/png (what GitHub, nbviewer and VS
 * Code show of a saved notebook); the live display's passing updates leave the
 * PNG out (they are replaced within the second).
 */
export function runBundle(run: TrainingRun, opts: RunViewOptions & { staticImage?: boolean } = {}): MediaBundle {
  const p = runPayload(run, opts);
  const fig = runFigure(p);
  const scene = figureScene(fig);
  const svg = sceneSvg(scene);
  const bundle: MediaBundle = {
    'text/plain': runText(p),
    'text/html': runHtml(p, svg),
    [MIME.plotly]: fig,
    [MIME.run]: p,
  };
  if (opts.staticImage) {
    bundle['image/svg+xml'] = svg;
    bundle['image/png'] = scenePng(scene).toString('base64');
  }
  return bundle;
}
