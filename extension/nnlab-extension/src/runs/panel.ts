/**
 * The Training Runs side panel: every run of the active notebook's kernel
 * session with its hyperparameters, status and best epoch, plus the runs
 * saved next to the notebook; the checked runs' curves overlaid on one chart
 * (a metric selector picks the curve), each best epoch marked with a star.
 *
 * While a cell runs the panel polls the kernel (which answers between
 * batches), so curves grow live. Finished runs are saved to the notebook's
 * record file (records.ts) so the comparison survives a kernel restart.
 */
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { Contents } from '@jupyterlab/services';
import type { ListResult, RunPayload } from '../protocol';
import { arr, clear, fmtCount, fmtNumber, h, isRecord, select, str } from '../dom';
import { PlotArea, baseLayout } from '../plotly';
import { queryKernel } from '../query';
import type { NotebookWatcher } from '../watcher';
import { METRICS, PALETTE, bestEpoch, epochsOf, hyperparameterText, overlayFigure, type Metric } from './figures';
import { loadRecords, recordPath, runKey, saveRecord } from './records';
import { SteerControls, eventsLine, eventsOf, steerable } from '../steer';

interface Entry {
  run: RunPayload;
  source: 'kernel' | 'file';
  file?: string;
  color: string;
}

const POLL_MS = 1500;

export class TrainingRunsPanel extends Widget {
  private readonly entries = new Map<string, Entry>();
  private readonly unchecked = new Set<string>();
  /** What was last written per run key ('status/epochs'), so finished runs are saved once. */
  private readonly saved = new Map<string, string>();
  private metric: Metric = 'valAccuracy';
  private poll: number | null = null;
  private refreshing: Promise<void> | null = null;
  private loadedFor: string | null = null;
  private stale = true;
  /** Steering controls of the runs being trained, kept across redraws (an lr being typed survives a poll). */
  private readonly controls = new Map<string, SteerControls>();

  private readonly status = h('div', { className: 'nnlab-panel-status' });
  private readonly refreshButton = h('button', { className: 'jp-mod-styled nnlab-button', title: 'Ask the kernel again and reload saved runs' }, 'Refresh');
  private readonly saveButton = h('button', { className: 'jp-mod-styled nnlab-button', title: 'Save the finished runs next to the notebook' }, 'Save runs');
  private readonly metricSelect = select(METRICS.map(([k, label]) => [k, label]), 'valAccuracy', { className: 'nnlab-select nnlab-metric', aria: { label: 'metric' } });
  private readonly plot = new PlotArea('nnlab-plot nnlab-runs-chart', 280);
  private readonly table = h('table', { className: 'nnlab-table nnlab-runs-table' });

  constructor(
    private readonly watcher: NotebookWatcher,
    private readonly contents: Contents.IManager
  ) {
    super();
    this.id = 'nnlab-training-runs';
    this.addClass('nnlab-panel');
    this.addClass('nnlab-runs-panel');
    this.title.caption = 'Training Runs (nnlab)';
    this.node.append(
      h('div', { className: 'nnlab-panel-header' }, h('h2', {}, 'Training Runs'), this.refreshButton, this.saveButton),
      this.status,
      h('div', { className: 'nnlab-controls' }, h('label', {}, 'curve ', this.metricSelect)),
      this.plot.node,
      this.table);
    this.refreshButton.addEventListener('click', () => {
      this.loadedFor = null;
      void this.refresh();
    });
    this.saveButton.addEventListener('click', () => void this.saveFinished(true));
    this.metricSelect.addEventListener('change', () => {
      this.metric = this.metricSelect.value as Metric;
      this.draw();
    });
    watcher.changed.connect(this.onNotebookChanged, this);
    watcher.busyChanged.connect(this.onBusyChanged, this);
    watcher.executed.connect(this.onExecuted, this);
  }

  /** The runs shown, kernel runs first. */
  get runs(): RunPayload[] {
    return [...this.entries.values()].map(e => e.run);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopPolling();
    this.watcher.changed.disconnect(this.onNotebookChanged, this);
    this.watcher.busyChanged.disconnect(this.onBusyChanged, this);
    this.watcher.executed.disconnect(this.onExecuted, this);
    this.plot.dispose();
    for (const c of this.controls.values()) c.dispose();
    this.controls.clear();
    super.dispose();
  }

  /** Reloads the kernel's runs (and the saved ones, once per notebook). */
  refresh(): Promise<void> {
    if (!this.isVisible) {
      this.stale = true;
      return Promise.resolve();
    }
    if (this.refreshing) return this.refreshing;
    this.refreshing = this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.plot.resize();
    if (this.stale) void this.refresh();
    if (this.watcher.busy) this.startPolling();
  }

  protected override onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.stopPolling();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.plot.resize();
  }

  private onNotebookChanged(): void {
    this.entries.clear();
    this.saved.clear();
    this.loadedFor = null;
    this.stale = true;
    this.draw();
    void this.refresh();
  }

  private onBusyChanged(_: unknown, busy: boolean): void {
    if (busy && this.isVisible) this.startPolling();
    if (!busy) {
      this.stopPolling();
      void this.refresh();
    }
  }

  private onExecuted(): void {
    this.stale = true;
    if (!this.watcher.busy) void this.refresh();
  }

  private startPolling(): void {
    if (this.poll !== null) return;
    this.poll = window.setInterval(() => void this.refresh(), POLL_MS);
  }

  private stopPolling(): void {
    if (this.poll !== null) window.clearInterval(this.poll);
    this.poll = null;
  }

  private async doRefresh(): Promise<void> {
    const panel = this.watcher.panel;
    if (!panel) return this.setStatus('no-notebook', 'Open a notebook to see its training runs.');
    const path = this.watcher.path;
    const messages: string[] = [];
    if (this.loadedFor !== path) {
      this.loadedFor = path;
      try {
        const { runs, errors } = await loadRecords(this.contents, this.watcher.directory);
        for (const { run, file } of runs) {
          const key = runKey(run);
          const existing = this.entries.get(key);
          if (!existing || existing.source === 'file') this.entries.set(key, { run, source: 'file', file, color: existing?.color ?? this.nextColor() });
          this.saved.set(key, `${run.status}/${epochsOf(run).length}`);
        }
        messages.push(...errors);
      } catch (err) {
        messages.push(`saved runs: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const kernel = this.watcher.kernel;
    let state = 'ready';
    if (kernel) {
      try {
        const list = (await queryKernel(kernel, { op: 'list' })) as ListResult;
        for (const run of arr(list.runs).filter(isRecord) as unknown as RunPayload[]) {
          const key = runKey(run);
          const existing = this.entries.get(key);
          this.entries.set(key, { run, source: 'kernel', color: existing?.color ?? this.nextColor() });
        }
        await this.saveFinished(false);
      } catch (err) {
        state = 'error';
        messages.unshift(err instanceof Error ? err.message : String(err));
      }
    } else {
      messages.unshift('This notebook has no kernel; showing saved runs.');
    }
    this.stale = false;
    this.draw();
    const busy = this.watcher.busy ? 'kernel busy · updating live. ' : '';
    const count = `${this.entries.size} run${this.entries.size === 1 ? '' : 's'}`;
    this.setStatus(state === 'error' ? 'error' : this.watcher.busy ? 'busy' : 'ready', `${busy}${count}${messages.length ? ' · ' + messages.join(' · ') : ''}`);
  }

  /** Saves the kernel's finished runs into the notebook's record file (only when something changed, unless forced). */
  private async saveFinished(force: boolean): Promise<void> {
    const path = this.watcher.path;
    if (!path) return;
    const finished = [...this.entries.entries()].filter(([, e]) => e.run.status !== 'running' && e.run.status !== 'paused');
    const changed = finished.some(([key, e]) => e.source === 'kernel' && this.saved.get(key) !== `${e.run.status}/${epochsOf(e.run).length}`);
    if (!force && !changed) return;
    if (finished.length === 0) return;
    try {
      const file = await saveRecord(this.contents, path, finished.map(([, e]) => e.run));
      for (const [key, e] of finished) this.saved.set(key, `${e.run.status}/${epochsOf(e.run).length}`);
      if (force) this.setStatus('ready', `saved ${finished.length} run${finished.length === 1 ? '' : 's'} to ${file}`);
    } catch (err) {
      this.setStatus('error', `could not save runs to ${recordPath(path)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private nextColor(): string {
    return PALETTE[this.entries.size % PALETTE.length];
  }

  private setStatus(state: string, message: string): void {
    this.node.dataset.state = state;
    this.status.dataset.state = state;
    this.status.textContent = message;
  }

  private draw(): void {
    const entries = [...this.entries.entries()];
    clear(this.table);
    this.table.appendChild(h('thead', {}, h('tr', {}, ...['', 'run', 'status', 'best epoch'].map(k => h('th', {}, k)))));
    const body = h('tbody');
    for (const [key, entry] of entries) {
      const run = entry.run;
      const best = bestEpoch(run);
      const box = h('input', { type: 'checkbox', checked: !this.unchecked.has(key), aria: { label: `show ${str(run.name)}` } });
      box.addEventListener('change', () => {
        if (box.checked) this.unchecked.delete(key);
        else this.unchecked.add(key);
        this.drawChart();
      });
      const source = entry.source === 'file' ? `saved in ${str(entry.file)}` : 'in the kernel';
      body.appendChild(
        h('tr', { data: { run: str(run.id), status: str(run.status), source: entry.source }, title: `${str(run.name)} (${str(run.id)}), ${source}` },
          h('td', {}, box, h('span', { className: 'nnlab-swatch', style: { background: entry.color } })),
          h('td', { className: 'nnlab-run-name' },
            str(run.name), ' ', h('span', { className: 'nnlab-muted' }, str(run.id)), entry.source === 'file' ? h('span', { className: 'nnlab-badge' }, 'saved') : null,
            h('div', { className: 'nnlab-hparams' }, hyperparameterText(run))),
          h('td', { className: 'nnlab-run-status', data: { status: str(run.status) } }, str(run.status), h('div', { className: 'nnlab-muted' }, `${epochsOf(run).length}/${fmtCount(run.totalEpochs)} epochs`)),
          h('td', { className: 'nnlab-best-epoch' }, best ? `${best.epoch} (${best.metric} ${fmtNumber(best.value)})` : '—')));
      if (eventsOf(run).length) {
        body.appendChild(h('tr', { className: 'nnlab-run-events-row', data: { eventsOf: str(run.id) } }, h('td', {}), h('td', { className: 'nnlab-run-events nnlab-muted' }, `events: ${eventsLine(run)}`)));
        (body.lastChild as HTMLTableRowElement).cells[1].colSpan = 3;
      }
      if (entry.source === 'kernel' && steerable(run)) {
        let controls = this.controls.get(key);
        if (!controls) {
          controls = new SteerControls(() => this.watcher.kernel);
          controls.node.addEventListener('nnlab-steered', this.onSteered);
          this.controls.set(key, controls);
        }
        controls.update(run);
        const cell = h('td', {}, controls.node);
        cell.colSpan = 3;
        body.appendChild(h('tr', { className: 'nnlab-run-steer-row', data: { steerOf: str(run.id) } }, h('td', {}), cell));
      }
    }
    for (const [key, controls] of this.controls) {
      const entry = this.entries.get(key);
      if (!entry || !steerable(entry.run)) {
        controls.node.removeEventListener('nnlab-steered', this.onSteered);
        controls.dispose();
        this.controls.delete(key);
      }
    }
    if (entries.length === 0) body.appendChild(h('tr', {}, h('td', { className: 'nnlab-muted' }, 'No runs yet: train with liveFit or fit in the notebook.')));
    this.table.appendChild(body);
    this.drawChart();
  }

  /** A command took effect: show it now rather than at the next poll. */
  private readonly onSteered = () => void this.refresh();

  private drawChart(): void {
    const shown = [...this.entries.entries()]
      .filter(([key]) => !this.unchecked.has(key))
      .map(([, e]) => ({ run: e.run, color: e.color, label: `${str(e.run.name)} (${str(e.run.id)})` }));
    const fig = overlayFigure(shown, this.metric);
    void this.plot.update(fig.data, baseLayout(this.plot.node, fig.layout));
  }
}
