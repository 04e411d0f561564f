/**
 * Run records: training runs saved as JSON next to their notebook, so a
 * comparison survives a kernel restart.
 *
 * The Training Runs panel writes `<notebook name>.runs.json` in the
 * notebook's folder:
 *
 *   { "format": "nnlab-runs", "version": 1, "notebook": "cnn.ipynb",
 *     "savedAt": "2025-…", "runs": [ <application/vnd.nnlab.run+json payload>, … ] }
 *
 * and reads every `*.runs.json` and `*.run.json` there. A file may also hold
 * one run payload, or what `JSON.stringify(run)` gives for a `TrainingRun`
 * (src/train.ts: `stepLosses` instead of `steps`).
 *
 * Every run read carries its notebook (`RunPayload.notebook`, a path from the
 * server root): the record's `notebook` (a name in the record's folder), else
 * the payload's own, else the file's name (`cnn.runs.json`, `cnn.run.json`:
 * `cnn.ipynb`). A record holds the runs of its notebook only.
 */
import type { Contents } from '@jupyterlab/services';
import type { EpochPayload, RunEventKind, RunPayload, RunStatus } from '../protocol';
import { arr, isRecord, num, str } from '../dom';

export const RECORD_FORMAT = 'nnlab-runs';

export interface RunRecordFile {
  format: typeof RECORD_FORMAT;
  version: 1;
  notebook: string;
  savedAt: string;
  runs: RunPayload[];
}

/**
 * The key that tells runs apart: ids are unique across kernels ('run-k3x9-1'),
 * but records saved before that have ids that restart at run-1 in each kernel.
 */
export function runKey(run: RunPayload): string {
  return `${str(run.id)}@${str(run.startedAt)}`;
}

const STATUSES: RunStatus[] = ['running', 'paused', 'stopped', 'completed', 'interrupted', 'failed'];

function epochOf(x: unknown): EpochPayload | null {
  if (!isRecord(x) || num(x.epoch) === null) return null;
  return {
    epoch: num(x.epoch) as number, trainLoss: num(x.trainLoss), trainAccuracy: num(x.trainAccuracy), valLoss: num(x.valLoss),
    valAccuracy: num(x.valAccuracy), lr: num(x.lr), samplesPerSec: num(x.samplesPerSec), seconds: num(x.seconds),
  };
}

/** The folder of a path from the server root ('' for the root). */
export function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The last part of a path: 'cnn.ipynb' for 'lab/cnn.ipynb'. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** 'lab/cnn.ipynb' for a record file 'lab/cnn.runs.json' (or 'lab/cnn.run.json'). */
export function notebookOfFile(file: string): string {
  return `${file.replace(/\.runs?\.json$/, '')}.ipynb`;
}

/**
 * A run payload from a saved run (payload or `TrainingRun.toJSON()`), or null
 * if `x` is neither. `notebook`, when given, is the run's notebook (else the payload's own, if any).
 */
export function normalizeRun(x: unknown, notebook: string | null = null): RunPayload | null {
  if (!isRecord(x) || typeof x.id !== 'string' || !Array.isArray(x.epochs)) return null;
  const epochs = x.epochs.map(epochOf).filter((e): e is EpochPayload => e !== null);
  let steps: RunPayload['steps'];
  if (isRecord(x.steps)) {
    steps = { x: arr(x.steps.x).map(v => num(v) ?? 0), loss: arr(x.steps.loss).map(v => num(v) ?? 0), count: num(x.steps.count) ?? 0, stepsPerEpoch: num(x.steps.stepsPerEpoch) };
  } else {
    const losses = arr(x.stepLosses).map(v => num(v) ?? NaN);
    const perEpoch = epochs.length ? Math.floor(losses.length / epochs.length) || null : null;
    const xs: number[] = [];
    const ys: number[] = [];
    const bucket = Math.max(1, Math.ceil(losses.length / 400));
    for (let start = 0; start < losses.length; start += bucket) {
      const chunk = losses.slice(start, start + bucket).filter(Number.isFinite);
      if (!chunk.length) continue;
      const centre = (start + 1 + Math.min(losses.length, start + bucket)) / 2;
      xs.push(perEpoch ? centre / perEpoch : centre);
      ys.push(chunk.reduce((a, b) => a + b, 0) / chunk.length);
    }
    steps = { x: xs, loss: ys, count: losses.length, stepsPerEpoch: perEpoch };
  }
  const status = STATUSES.includes(x.status as RunStatus) ? (x.status as RunStatus) : 'completed';
  return {
    version: 1, kind: 'run', id: x.id, name: str(x.name, x.id), status,
    hyperparameters: isRecord(x.hyperparameters) ? x.hyperparameters : {},
    totalEpochs: num(x.totalEpochs) ?? epochs.length, epochs, steps, progress: null,
    error: typeof x.error === 'string' ? x.error : null, startedAt: str(x.startedAt), endedAt: typeof x.endedAt === 'string' ? x.endedAt : null, display: null,
    events: arr(x.events).filter(isRecord).filter(e => num(e.step) !== null && typeof e.kind === 'string').map(e => ({
      step: num(e.step) as number, epoch: num(e.epoch) ?? 0, kind: e.kind as RunEventKind, timeMs: num(e.timeMs) ?? 0,
      ...(num(e.value) !== null ? { value: num(e.value) as number } : {}), ...(num(e.from) !== null ? { from: num(e.from) as number } : {}),
    })),
    notebook: notebook ?? (typeof x.notebook === 'string' && x.notebook ? x.notebook : null),
  };
}

/**
 * The runs in a record file's parsed JSON (a record, one payload, or a list),
 * each with its notebook; `file` is the record's path from the server root.
 */
export function runsInFile(json: unknown, file = ''): RunPayload[] {
  const isFile = isRecord(json) && Array.isArray(json.runs);
  const list = isFile ? (json.runs as unknown[]) : Array.isArray(json) ? json : [json];
  const folder = folderOf(file);
  const named = isFile && typeof json.notebook === 'string' && json.notebook ? (folder ? `${folder}/${baseName(json.notebook)}` : baseName(json.notebook)) : null;
  return list
    .map(x => normalizeRun(x, named ?? (isRecord(x) && typeof x.notebook === 'string' && x.notebook ? x.notebook : file ? notebookOfFile(file) : null)))
    .filter((r): r is RunPayload => r !== null);
}

/** `folder/cnn.runs.json` for `folder/cnn.ipynb`. */
export function recordPath(notebookPath: string): string {
  return `${notebookPath.replace(/\.ipynb$/, '')}.runs.json`;
}

/** Reads every run record in `directory`; unreadable files are reported, not thrown. */
export async function loadRecords(contents: Contents.IManager, directory: string): Promise<{ runs: { run: RunPayload; file: string }[]; errors: string[] }> {
  const runs: { run: RunPayload; file: string }[] = [];
  const errors: string[] = [];
  const listing = await contents.get(directory, { content: true, type: 'directory' });
  const files = arr(listing.content).filter(isRecord).filter(f => f.type === 'file' && /\.runs?\.json$/.test(str(f.name)));
  for (const file of files) {
    const path = str(file.path);
    try {
      const model = await contents.get(path, { content: true, type: 'file', format: 'text' });
      const json = typeof model.content === 'string' ? JSON.parse(model.content) : model.content;
      for (const run of runsInFile(json, path)) runs.push({ run, file: path });
    } catch (err) {
      errors.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { runs, errors };
}

/** The record file of a notebook with these runs (its runs: each is marked with the notebook). */
export function recordOf(notebookPath: string, runs: RunPayload[], savedAt = new Date()): RunRecordFile {
  return {
    format: RECORD_FORMAT, version: 1, notebook: baseName(notebookPath), savedAt: savedAt.toISOString(),
    runs: runs.map(r => ({ ...r, progress: null, display: null, steer: null, notebook: notebookPath })),
  };
}

/** The runs of a record with `runs` added: a run already in it (same `runKey`) is replaced; oldest first. */
export function mergeRuns(saved: RunPayload[], runs: RunPayload[]): RunPayload[] {
  const byKey = new Map<string, RunPayload>();
  for (const run of [...saved, ...runs]) byKey.set(runKey(run), run);
  return [...byKey.values()].sort((a, b) => str(a.startedAt).localeCompare(str(b.startedAt)));
}

/**
 * Writes the record file of a notebook with these runs, keeping the runs it
 * already holds (another tab, or a kernel since restarted, may have saved them).
 */
export async function saveRecord(contents: Contents.IManager, notebookPath: string, runs: RunPayload[]): Promise<string> {
  const path = recordPath(notebookPath);
  let saved: RunPayload[] = [];
  // NOTE: look in the folder first: asking for a file that is not there logs a 404 in the browser's console.
  const listing = await contents.get(folderOf(path), { content: true, type: 'directory' });
  if (arr(listing.content).some(f => isRecord(f) && f.path === path)) {
    const model = await contents.get(path, { content: true, type: 'file', format: 'text' });
    try {
      saved = runsInFile(typeof model.content === 'string' ? JSON.parse(model.content) : model.content, path);
    } catch (err) {
      throw new Error(`${path} is not a run record (${err instanceof Error ? err.message : String(err)}); not overwriting it`);
    }
  }
  const record = recordOf(notebookPath, mergeRuns(saved, runs));
  await contents.save(path, { type: 'file', format: 'text', content: JSON.stringify(record, null, 1) });
  return path;
}
