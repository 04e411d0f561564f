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

/** The key that tells runs apart across kernel restarts (ids restart at run-1). */
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

/** A run payload from a saved run (payload or `TrainingRun.toJSON()`), or null if `x` is neither. */
export function normalizeRun(x: unknown): RunPayload | null {
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
  };
}

/** The runs in a record file's parsed JSON (a record, one payload, or a list). */
export function runsInFile(json: unknown): RunPayload[] {
  const list = isRecord(json) && Array.isArray(json.runs) ? json.runs : Array.isArray(json) ? json : [json];
  return list.map(normalizeRun).filter((r): r is RunPayload => r !== null);
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
      for (const run of runsInFile(json)) runs.push({ run, file: path });
    } catch (err) {
      errors.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { runs, errors };
}

/** Writes the record file of a notebook with these runs. */
export async function saveRecord(contents: Contents.IManager, notebookPath: string, runs: RunPayload[]): Promise<string> {
  const path = recordPath(notebookPath);
  const record: RunRecordFile = {
    format: RECORD_FORMAT, version: 1, notebook: notebookPath.split('/').pop() ?? notebookPath, savedAt: new Date().toISOString(),
    runs: runs.map(r => ({ ...r, progress: null, display: null, steer: null })),
  };
  await contents.save(path, { type: 'file', format: 'text', content: JSON.stringify(record, null, 1) });
  return path;
}
