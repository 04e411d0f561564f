import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunPayload } from '../../kernel/protocol';

// The Training Runs panel's pure parts: record normalization with notebooks
// (runs/records.ts), and the hyperparameter comparison (runs/hparams.ts).
const EXTENSION = path.resolve(__dirname, '../../extension/nnlab-extension');
type Column = { key: string; label: string; kind: 'hparam' | 'final' | 'best'; name: string };
interface Records {
  runsInFile(json: unknown, file?: string): RunPayload[];
  recordOf(notebookPath: string, runs: RunPayload[], savedAt?: Date): { notebook: string; runs: RunPayload[] };
  runKey(run: RunPayload): string;
  notebookOfFile(file: string): string;
  mergeRuns(saved: RunPayload[], runs: RunPayload[]): RunPayload[];
}
interface Hparams {
  finalMetric(run: RunPayload, metric: string): { value: number; epoch: number } | null;
  bestMetric(run: RunPayload, metric: string): { value: number; epoch: number } | null;
  compareColumns(runs: RunPayload[]): Column[];
  varyingHyperparameters(runs: RunPayload[], columns: Column[]): Column[];
  displayOrder(runs: RunPayload[], columns: Column[]): Column[];
  sortByColumn<T extends { run: RunPayload }>(items: T[], column: Column, direction: 'ascending' | 'descending'): T[];
  parcoordsFigure(items: { run: RunPayload; color: string; label: string }[], hparams: Column[], metric: Column): { data: Record<string, any>[]; axes: Column[]; omitted: { runs: string[]; axes: string[] } };
  hparamScatterFigure(items: { run: RunPayload; color: string; label: string }[], x: Column, y: Column): { data: Record<string, any>[]; layout: Record<string, any> };
}
let records: Records;
let hp: Hparams;
beforeAll(async () => {
  // NOTE: the extension compiles against a generated copy of kernel/protocol.ts; make it first.
  execFileSync(process.execPath, [path.join(EXTENSION, 'scripts/sync-protocol.js')]);
  records = (await import(path.join(EXTENSION, 'src/runs/records.ts'))) as Records;
  hp = (await import(path.join(EXTENSION, 'src/runs/hparams.ts'))) as Hparams;
});

const epoch = (n: number, trainLoss: number, valLoss: number | null, valAccuracy: number | null) =>
  ({ epoch: n, trainLoss, trainAccuracy: null, valLoss, valAccuracy, lr: 0.1, samplesPerSec: 100, seconds: 1 });

function run(id: string, hyperparameters: Record<string, unknown>, epochs: ReturnType<typeof epoch>[], extra: Partial<RunPayload> = {}): RunPayload {
  return {
    version: 1, kind: 'run', id, name: `run ${id}`, status: 'completed', hyperparameters, totalEpochs: epochs.length, epochs,
    steps: { x: [], loss: [], count: 0, stepsPerEpoch: null }, progress: null, error: null, startedAt: `2026-01-01T00:00:0${id.length % 10}.000Z`, endedAt: null, display: null, ...extra,
  } as RunPayload;
}

describe('run records carry their notebook', () => {
  it("takes a record's notebook, resolved in the record's folder", () => {
    const file = { format: 'nnlab-runs', version: 1, notebook: 'cnn.ipynb', savedAt: '', runs: [run('run-ab12-1', { lr: 0.1 }, [epoch(1, 1, 1, 0.5)])] };
    expect(records.runsInFile(file, 'lab/cnn.runs.json').map(r => r.notebook)).toEqual(['lab/cnn.ipynb']);
    expect(records.runsInFile(file, 'cnn.runs.json')[0].notebook).toBe('cnn.ipynb');
  });

  it("takes a payload's own notebook, else the file's name; unknown without either", () => {
    const own = { ...run('run-1', {}, [epoch(1, 1, null, null)]), notebook: 'elsewhere/a.ipynb' };
    expect(records.runsInFile(own, 'lab/x.run.json')[0].notebook).toBe('elsewhere/a.ipynb');
    expect(records.runsInFile(run('run-1', {}, [epoch(1, 1, null, null)]), 'lab/legacy.run.json')[0].notebook).toBe('lab/legacy.ipynb');
    expect(records.notebookOfFile('a.b.runs.json')).toBe('a.b.ipynb');
    expect(records.runsInFile([run('run-1', {}, [epoch(1, 1, null, null)])])[0].notebook).toBeNull();
  });

  it('loads a TrainingRun.toJSON() with repeated old ids as distinct runs (runKey is id@startedAt)', () => {
    const a = { id: 'run-1', name: 'a', status: 'completed', hyperparameters: { lr: 0.5 }, totalEpochs: 1, epochs: [epoch(1, 1.2, 1.1, 0.55)], stepLosses: [1.3, 1.2], startedAt: '2025-01-01T00:00:00.000Z' };
    const b = { ...a, name: 'b', startedAt: '2025-01-02T00:00:00.000Z' };
    const runs = records.runsInFile([a, b, { not: 'a run' }], 'old.runs.json');
    expect(runs.map(r => r.name)).toEqual(['a', 'b']);
    expect(new Set(runs.map(records.runKey)).size).toBe(2);
    expect(runs[0].steps.count).toBe(2);
    expect(runs[0].notebook).toBe('old.ipynb');
  });

  it('a record written for a notebook marks every run with it and drops the live parts', () => {
    const r = records.recordOf('lab/cnn.ipynb', [run('run-ab12-1', {}, [epoch(1, 1, null, null)], { steer: { lr: 0.1, momentum: null, weightDecay: null }, progress: { epoch: 1 } as never })], new Date(0));
    expect(r.notebook).toBe('cnn.ipynb');
    expect(r.runs[0]).toMatchObject({ notebook: 'lab/cnn.ipynb', steer: null, progress: null, display: null });
    // Read back from where it is written.
    expect(records.runsInFile(JSON.parse(JSON.stringify(r)), 'lab/cnn.runs.json')[0].notebook).toBe('lab/cnn.ipynb');
  });
});

describe('saving merges with the record', () => {
  it('keeps the runs already saved, replaces a run saved again, oldest first', () => {
    const old = run('run-aaaa-1', {}, [epoch(1, 1, null, null)], { startedAt: '2026-01-01T00:00:00.000Z' });
    const again = { ...run('run-aaaa-2', {}, [epoch(1, 1, null, null)], { startedAt: '2026-01-02T00:00:00.000Z' }), status: 'running' as const };
    const later = run('run-bbbb-1', {}, [epoch(1, 1, null, null)], { startedAt: '2026-01-03T00:00:00.000Z' });
    const merged = records.mergeRuns([later, again], [old, { ...again, status: 'completed' }]);
    expect(merged.map(r => [r.id, r.status])).toEqual([['run-aaaa-1', 'completed'], ['run-aaaa-2', 'completed'], ['run-bbbb-1', 'completed']]);
    // Old records' repeated ids stay apart (runKey is id@startedAt).
    expect(records.mergeRuns([old], [{ ...old, startedAt: '2026-02-01T00:00:00.000Z' }])).toHaveLength(2);
  });
});

describe('final and best metrics', () => {
  const r = run('a', {}, [epoch(1, 1.0, 0.9, 0.6), epoch(2, 0.7, 0.8, 0.7), epoch(3, 0.5, 0.85, 0.65), epoch(4, 0.4, null, null)]);

  it('final is the last epoch that has the metric; best is the highest accuracy or the lowest loss', () => {
    expect(hp.finalMetric(r, 'trainLoss')).toEqual({ value: 0.4, epoch: 4 });
    expect(hp.finalMetric(r, 'valLoss')).toEqual({ value: 0.85, epoch: 3 });
    expect(hp.bestMetric(r, 'valLoss')).toEqual({ value: 0.8, epoch: 2 });
    expect(hp.bestMetric(r, 'valAccuracy')).toEqual({ value: 0.7, epoch: 2 });
    expect(hp.finalMetric(r, 'trainAccuracy')).toBeNull();
    expect(hp.bestMetric(run('b', {}, []), 'trainLoss')).toBeNull();
  });

  it('the first of equal best values wins', () => {
    expect(hp.bestMetric(run('c', {}, [epoch(1, 1, 1, 0.7), epoch(2, 1, 1, 0.7)]), 'valAccuracy')?.epoch).toBe(1);
  });
});

describe('comparison columns and sorting', () => {
  const a = run('a', { lr: 0.1, batch: 64, optimizer: 'sgd' }, [epoch(1, 1, 0.9, 0.6)]);
  const b = run('b', { lr: 0.01, batch: 64, optimizer: 'adam' }, [epoch(1, 0.8, 0.7, 0.8)]);
  const c = run('c', { lr: 1, batch: 64 }, [epoch(1, 0.5, null, null)]);
  const items = [a, b, c].map(r => ({ run: r, color: '#000', label: r.name }));

  it('has every hyperparameter, then final and best of each recorded metric (none that no run has)', () => {
    const columns = hp.compareColumns([a, b, c]);
    expect(columns.map(c => c.key)).toEqual(['hp:lr', 'hp:batch', 'hp:optimizer', 'final:valAccuracy', 'best:valAccuracy', 'final:valLoss', 'best:valLoss', 'final:trainLoss', 'best:trainLoss']);
    expect(hp.varyingHyperparameters([a, b, c], columns).map(c => c.name)).toEqual(['lr', 'optimizer']);
    // Shown: what tells the runs apart, the metrics, then what they share.
    expect(hp.displayOrder([a, b, c], columns).map(c => c.key)).toEqual(['hp:lr', 'hp:optimizer', 'final:valAccuracy', 'best:valAccuracy', 'final:valLoss', 'best:valLoss', 'final:trainLoss', 'best:trainLoss', 'hp:batch']);
  });

  it('sorts ascending and descending, numbers by value, text naturally, missing values last both ways', () => {
    const columns = hp.compareColumns([a, b, c]);
    const by = (key: string, dir: 'ascending' | 'descending') => hp.sortByColumn(items, columns.find(c => c.key === key)!, dir).map(i => i.run.id);
    expect(by('hp:lr', 'ascending')).toEqual(['b', 'a', 'c']);
    expect(by('hp:lr', 'descending')).toEqual(['c', 'a', 'b']);
    expect(by('best:valAccuracy', 'descending')).toEqual(['b', 'a', 'c']);
    expect(by('best:valAccuracy', 'ascending')).toEqual(['a', 'b', 'c']);
    expect(by('hp:optimizer', 'ascending')).toEqual(['b', 'a', 'c']);
    expect(by('hp:batch', 'descending'), 'ties keep their order').toEqual(['a', 'b', 'c']);
    const named = ['run 10', 'run 9', 'run 2'].map((n, i) => ({ run: run(`n${i}`, { name: n }, [epoch(1, 1, null, null)]) }));
    expect(hp.sortByColumn(named, { key: 'hp:name', label: 'name', kind: 'hparam', name: 'name' }, 'ascending').map(i => i.run.hyperparameters.name)).toEqual(['run 2', 'run 9', 'run 10']);
  });

  it('parallel coordinates: an axis per hyperparameter and the metric, text as categories, one colour per run', () => {
    const columns = hp.compareColumns([a, b]);
    const twoItems = [a, b].map((r, i) => ({ run: r, color: ['#111111', '#222222'][i], label: r.name }));
    const metric = columns.find(c => c.key === 'best:valAccuracy')!;
    const fig = hp.parcoordsFigure(twoItems, columns, metric);
    const trace = fig.data[0];
    expect(trace.type).toBe('parcoords');
    expect(trace.dimensions.map((d: any) => d.label), 'the shared batch gets no axis').toEqual(['lr', 'optimizer', 'best val acc']);
    expect(trace.dimensions[0].values).toEqual([0.1, 0.01]);
    expect(trace.dimensions[1]).toMatchObject({ values: [1, 0], tickvals: [0, 1], ticktext: ['adam', 'sgd'] });
    expect(trace.dimensions[2].values).toEqual([0.6, 0.8]);
    expect(trace.line.colorscale).toEqual([[0, '#111111'], [1, '#222222']]);
    // A run without the metric cannot be a line; a hyperparameter one drawn run lacks cannot be an axis: both are named.
    const d = run('d', { lr: 0.3, batch: 64 }, [epoch(1, 1, 0.5, 0.9)]);
    const withCD = hp.parcoordsFigure([...twoItems, { run: c, color: '#333333', label: 'c' }, { run: d, color: '#444444', label: 'd' }], hp.compareColumns([a, b, c, d]), metric);
    expect(withCD.data[0].meta.runs).toEqual(['a', 'b', 'd']);
    expect(withCD.axes.map(x => x.name)).toEqual(['lr']);
    expect(withCD.omitted).toEqual({ runs: ['c'], axes: ['optimizer'] });
  });

  it('scatter: a hyperparameter against a metric, a log axis when the values span decades, categories for text', () => {
    const columns = hp.compareColumns([a, b, c]);
    const col = (key: string) => columns.find(x => x.key === key)!;
    const fig = hp.hparamScatterFigure(items, col('hp:lr'), col('final:trainLoss'));
    expect(fig.data[0].x).toEqual([0.1, 0.01, 1]);
    expect(fig.data[0].y).toEqual([1, 0.8, 0.5]);
    expect(fig.layout.xaxis.type).toBe('log');
    const text = hp.hparamScatterFigure(items, col('hp:optimizer'), col('best:valLoss'));
    expect(text.data[0].x).toEqual(['sgd', 'adam']);
    expect(text.layout.xaxis.type).toBe('category');
  });
});
