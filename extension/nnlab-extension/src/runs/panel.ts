/**
 * The Training Runs side panel: every run of the active notebook's kernel
 * session with its hyperparameters, status and best epoch, plus the runs
 * saved in the notebook's folder; the checked runs' curves overlaid on one
 * chart (a metric selector picks the curve), each best epoch marked with a
 * star. Below, the runs compared by hyperparameter (hparams.ts): a table of
 * hyperparameters and final and best metrics that sorts by any column, and a
 * parallel-coordinates or scatter view of the checked runs.
 *
 * A notebook selector shows this notebook's runs (the default), all the
 * folder's, or another notebook's; a run of another notebook is labelled with it.
 *
 * While a cell runs the panel polls the kernel (which answers between
 * batches), so curves grow live. Finished runs are saved to the notebook's
 * record file (records.ts) when a cell ends, even while the panel is closed,
 * so they show at once after a kernel restart or a reload of the lab.
 */
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { Contents } from '@jupyterlab/services';
import type { ListResult, RunPayload } from '../protocol';
import { arr, clear, fmtCount, fmtNumber, h, isRecord, onActivate, select, str } from '../dom';
import { PlotArea, baseLayout } from '../plotly';
import { queryKernel } from '../query';
import { widenSidebar } from '../sidebar';
import type { NotebookWatcher } from '../watcher';
import { METRICS, PALETTE, bestEpoch, epochsOf, hyperparameterText, overlayFigure, type Metric } from './figures';
import { cellValue, compareColumns, displayOrder, hparamScatterFigure, parcoordsFigure, sortByColumn, varyingHyperparameters, type CompareColumn, type SortDirection } from './hparams';
import { baseName, loadRecords, recordPath, runKey, saveRecord } from './records';
import { SteerControls, eventsLine, eventsOf, steerable } from '../steer';

interface Entry {
  run: RunPayload;
  source: 'kernel' | 'file';
  file?: string;
  color: string;
}

const POLL_MS = 1500;
/** The width the panel opens at, in px: the comparison table needs it. */
const OPEN_WIDTH = 420;
/** The notebook selector's choices besides a notebook's path. */
const THIS_NOTEBOOK = ':this';
const ALL_NOTEBOOKS = ':all';
type CompareView = 'parcoords' | 'scatter';

/** Whether the browser draws WebGL, which plotly's parallel coordinates need. */
function hasWebGL(): boolean {
  try {
    return !!document.createElement('canvas').getContext('webgl');
  } catch {
    return false;
  }
}

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
  /** Entries changed while the panel was hidden: draw when it shows. */
  private undrawn = false;
  /** A refresh asked for while one runs: it runs once more after it. */
  private again: Promise<void> | null = null;
  private widened = false;
  /**
   * Counts notebook and kernel changes: a refresh begun before one drops what it
   * learnt (a restarted kernel's old runs must not come back as the kernel's).
   */
  private generation = 0;
  /** What the last refresh found: its state and messages (kept for the status line). */
  private refreshState = 'ready';
  private refreshMessages: string[] = [];
  /** Ids of the kernels that answered a query (an nnlab kernel under another kernelspec name). */
  private readonly answering = new Set<string>();
  /** Problems of a refresh that was overtaken, for the next one to show. */
  private carried: string[] = [];
  private notebookFilter = THIS_NOTEBOOK;
  private sort: { key: string; direction: SortDirection } | null = null;
  private readonly webgl = hasWebGL();
  private compareView: CompareView = this.webgl ? 'parcoords' : 'scatter';
  private compareX = '';
  private compareMetric = '';
  /** Steering controls of the runs being trained, kept across redraws (an lr being typed survives a poll). */
  private readonly controls = new Map<string, SteerControls>();

  private readonly status = h('div', { className: 'nnlab-panel-status' });
  private readonly refreshButton = h('button', { className: 'jp-mod-styled nnlab-button', title: 'Ask the kernel again and reload saved runs' }, 'Refresh');
  private readonly saveButton = h('button', { className: 'jp-mod-styled nnlab-button', title: 'Save the finished runs next to the notebook' }, 'Save runs');
  private readonly metricSelect = select(METRICS.map(([k, label]) => [k, label]), 'valAccuracy', { className: 'nnlab-select nnlab-metric', aria: { label: 'metric' } });
  private readonly notebookSelect = select([[THIS_NOTEBOOK, 'this notebook'], [ALL_NOTEBOOKS, 'all notebooks']], THIS_NOTEBOOK, { className: 'nnlab-select nnlab-notebook-filter', aria: { label: 'notebook' } });
  private readonly plot = new PlotArea('nnlab-plot nnlab-runs-chart', 280);
  private readonly table = h('table', { className: 'nnlab-table nnlab-runs-table' });
  private readonly compareTable = h('table', { className: 'nnlab-table nnlab-hparams-table' });
  private readonly viewSelect = select([['parcoords', 'parallel coordinates'], ['scatter', 'scatter']], this.compareView, { className: 'nnlab-select nnlab-compare-view', aria: { label: 'comparison view' } });
  private readonly xSelect = select([], '', { className: 'nnlab-select nnlab-compare-x', aria: { label: 'hyperparameter' } });
  private readonly compareMetricSelect = select([], '', { className: 'nnlab-select nnlab-compare-metric', aria: { label: 'comparison metric' } });
  private readonly xLabel = h('label', {}, 'x ', this.xSelect);
  private readonly comparePlot = new PlotArea('nnlab-plot nnlab-hparams-chart', 260);
  private readonly compareNote = h('div', { className: 'nnlab-muted nnlab-compare-note' });

  constructor(
    private readonly watcher: NotebookWatcher,
    private readonly contents: Contents.IManager
  ) {
    super();
    this.id = 'nnlab-training-runs';
    this.addClass('nnlab-panel');
    this.addClass('nnlab-runs-panel');
    this.title.caption = 'Training Runs (nnlab)';
    if (!this.webgl) {
      const option = this.viewSelect.options[0];
      option.disabled = true;
      option.textContent = 'parallel coordinates (needs WebGL)';
    }
    this.node.append(
      h('div', { className: 'nnlab-panel-header' }, h('h2', {}, 'Training Runs'), this.refreshButton, this.saveButton),
      this.status,
      h('div', { className: 'nnlab-controls' }, h('label', {}, 'notebook ', this.notebookSelect), h('label', {}, 'curve ', this.metricSelect)),
      this.plot.node,
      this.table,
      h('h3', {}, 'Compare by hyperparameter'),
      h('div', { className: 'nnlab-hparams-scroll' }, this.compareTable),
      h('div', { className: 'nnlab-controls' }, h('label', {}, 'view ', this.viewSelect), this.xLabel, h('label', {}, 'metric ', this.compareMetricSelect)),
      this.comparePlot.node,
      this.compareNote);
    this.refreshButton.addEventListener('click', () => {
      this.loadedFor = null;
      void this.refresh();
    });
    this.saveButton.addEventListener('click', () => void this.saveFinished(true));
    this.metricSelect.addEventListener('change', () => {
      this.metric = this.metricSelect.value as Metric;
      this.draw();
    });
    this.notebookSelect.addEventListener('change', () => {
      this.notebookFilter = this.notebookSelect.value;
      this.draw();
      this.showCount();
    });
    this.viewSelect.addEventListener('change', () => {
      this.compareView = this.viewSelect.value as CompareView;
      this.drawComparePlot();
    });
    this.xSelect.addEventListener('change', () => {
      this.compareX = this.xSelect.value;
      this.drawComparePlot();
    });
    this.compareMetricSelect.addEventListener('change', () => {
      this.compareMetric = this.compareMetricSelect.value;
      this.drawComparePlot();
    });
    watcher.changed.connect(this.onNotebookChanged, this);
    watcher.busyChanged.connect(this.onBusyChanged, this);
    watcher.executed.connect(this.onExecuted, this);
  }

  /** The runs shown (those of the notebooks the selector picks), oldest first. */
  get runs(): RunPayload[] {
    return this.shownEntries().map(([, e]) => e.run);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopPolling();
    this.watcher.changed.disconnect(this.onNotebookChanged, this);
    this.watcher.busyChanged.disconnect(this.onBusyChanged, this);
    this.watcher.executed.disconnect(this.onExecuted, this);
    this.plot.dispose();
    this.comparePlot.dispose();
    for (const c of this.controls.values()) c.dispose();
    this.controls.clear();
    super.dispose();
  }

  /**
   * Reloads the kernel's runs (and the saved ones, once per notebook) and
   * saves the finished ones; hidden, it waits until the panel shows. A
   * refresh asked for while one runs follows it (what changed meanwhile is
   * not lost).
   */
  refresh(): Promise<void> {
    if (!this.isVisible) {
      this.stale = true;
      return Promise.resolve();
    }
    return this.sync();
  }

  /**
   * What `refresh` does, hidden or not: after a cell ends the finished runs
   * are saved even while the panel is closed.
   */
  private sync(): Promise<void> {
    if (this.refreshing) {
      this.again ??= this.refreshing.catch(() => undefined).then(() => {
        this.again = null;
        return this.sync();
      });
      return this.again;
    }
    // NOTE: hidden, it asks only kernels known to answer nnlab queries (not a Python notebook's at every cell).
    const kernel = this.watcher.kernel;
    if (!this.isVisible && kernel && kernel.name !== 'nnlab' && !this.answering.has(kernel.id)) {
      this.stale = true;
      return Promise.resolve();
    }
    this.refreshing = this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (!this.widened) requestAnimationFrame(() => (this.widened = widenSidebar(this, OPEN_WIDTH)));
    if (this.undrawn) this.draw();
    this.plot.resize();
    this.comparePlot.resize();
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
    this.comparePlot.resize();
  }

  private onNotebookChanged(): void {
    this.generation++;
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
      void this.sync();
    }
  }

  private onExecuted(): void {
    this.stale = true;
    if (!this.watcher.busy) void this.sync();
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
    const generation = this.generation;
    const messages: string[] = this.carried.splice(0);
    if (this.loadedFor !== path) {
      this.loadedFor = path;
      try {
        const { runs, errors } = await loadRecords(this.contents, this.watcher.directory);
        if (generation !== this.generation) return;
        for (const { run, file } of runs) {
          const key = runKey(run);
          const existing = this.entries.get(key);
          if (!existing || existing.source === 'file') this.entries.set(key, { run, source: 'file', file, color: existing?.color ?? '' });
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
        this.answering.add(kernel.id);
        // NOTE: the kernel does not know its notebook; its runs are this notebook's.
        const kernelRuns = (arr(list.runs).filter(isRecord) as unknown as RunPayload[]).map(run => ({ ...run, notebook: path }));
        if (generation !== this.generation) {
          // The kernel restarted (or the notebook changed) since: its finished runs are saved, not shown as the kernel's.
          const finished = kernelRuns.filter(r => r.status !== 'running' && r.status !== 'paused');
          if (path && finished.length) {
            await saveRecord(this.contents, path, finished).catch(err => this.carried.push(`could not save runs to ${recordPath(path)}: ${err instanceof Error ? err.message : String(err)}`));
          }
          return;
        }
        for (const run of kernelRuns) {
          const key = runKey(run);
          const existing = this.entries.get(key);
          this.entries.set(key, { run, source: 'kernel', color: existing?.color ?? '' });
        }
        await this.saveFinished(false);
      } catch (err) {
        if (generation !== this.generation) return;
        state = 'error';
        messages.unshift(err instanceof Error ? err.message : String(err));
      }
    } else {
      messages.unshift('This notebook has no kernel; showing saved runs.');
    }
    this.stale = false;
    this.recolor();
    if (this.isVisible) this.draw();
    else this.undrawn = true;
    this.refreshMessages = messages;
    this.refreshState = state === 'error' ? 'error' : this.watcher.busy ? 'busy' : 'ready';
    this.showCount();
  }

  /** The status line after a refresh: how many runs are shown (and hidden by the notebook selector), and what went wrong. */
  private showCount(): void {
    if (!this.watcher.panel) return;
    const busy = this.watcher.busy ? 'kernel busy · updating live. ' : '';
    const shown = this.shownEntries().length;
    const others = this.entries.size - shown;
    const count = `${shown} run${shown === 1 ? '' : 's'}${others ? ` (${others} more in other notebooks)` : ''}`;
    const messages = this.refreshMessages;
    this.setStatus(this.refreshState, `${busy}${count}${messages.length ? ' · ' + messages.join(' · ') : ''}`);
  }

  /** Saves the kernel's finished runs into the notebook's record file (only when something changed, unless forced). */
  private async saveFinished(force: boolean): Promise<void> {
    const path = this.watcher.path;
    if (!path) return;
    const finished = [...this.entries.entries()].filter(([, e]) => e.run.notebook === path && e.run.status !== 'running' && e.run.status !== 'paused');
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

  /** Colours by age among all the runs known (oldest first): a run keeps its colour when runs are added, filtered or reloaded. */
  private recolor(): void {
    const byAge = [...this.entries.values()].sort((a, b) => str(a.run.startedAt).localeCompare(str(b.run.startedAt)));
    byAge.forEach((e, i) => (e.color = PALETTE[i % PALETTE.length]));
  }

  private setStatus(state: string, message: string): void {
    this.node.dataset.state = state;
    this.status.dataset.state = state;
    this.status.textContent = message;
  }

  /** The entries of the notebooks the selector picks, oldest run first. */
  private shownEntries(): [string, Entry][] {
    const path = this.watcher.path;
    const filter = this.notebookFilter === THIS_NOTEBOOK ? path : this.notebookFilter;
    return [...this.entries.entries()]
      .filter(([, e]) => filter === ALL_NOTEBOOKS || (e.run.notebook ?? '') === filter)
      .sort(([, a], [, b]) => str(a.run.startedAt).localeCompare(str(b.run.startedAt)));
  }

  /** The selector's choices: this notebook, all, and each other notebook with runs. */
  private drawNotebookSelect(): void {
    const path = this.watcher.path;
    const others = [...new Set([...this.entries.values()].map(e => e.run.notebook ?? ''))].filter(n => n !== path).sort();
    if (this.notebookFilter !== THIS_NOTEBOOK && this.notebookFilter !== ALL_NOTEBOOKS && !others.includes(this.notebookFilter)) this.notebookFilter = THIS_NOTEBOOK;
    const options: [string, string][] = [
      [THIS_NOTEBOOK, path ? `this notebook (${baseName(path)})` : 'this notebook'],
      [ALL_NOTEBOOKS, `all notebooks (${this.entries.size})`],
      ...others.map((n): [string, string] => [n, n ? baseName(n) : '(no notebook)']),
    ];
    clear(this.notebookSelect);
    for (const [value, label] of options) this.notebookSelect.appendChild(h('option', { value, title: value.startsWith(':') ? '' : value }, label));
    this.notebookSelect.value = this.notebookFilter;
  }

  private draw(): void {
    this.undrawn = false;
    this.drawNotebookSelect();
    const path = this.watcher.path;
    const entries = this.shownEntries();
    clear(this.table);
    this.table.appendChild(h('thead', {}, h('tr', {}, ...['', 'run', 'status', 'best epoch'].map(k => h('th', {}, k)))));
    const body = h('tbody');
    for (const [key, entry] of entries) {
      const run = entry.run;
      const best = bestEpoch(run);
      const notebook = run.notebook ?? '';
      const foreign = notebook !== path;
      const source = entry.source === 'file' ? `saved in ${str(entry.file)}` : 'in the kernel';
      body.appendChild(
        h('tr', { data: { run: str(run.id), key, status: str(run.status), source: entry.source, notebook }, title: `${str(run.name)} (${str(run.id)}) of ${notebook || 'no known notebook'}, ${source}` },
          h('td', {}, this.checkbox(key, run), h('span', { className: 'nnlab-swatch', style: { background: entry.color } })),
          h('td', { className: 'nnlab-run-name' },
            str(run.name), ' ', h('span', { className: 'nnlab-muted nnlab-run-id' }, str(run.id)), entry.source === 'file' ? h('span', { className: 'nnlab-badge' }, 'saved') : null,
            foreign ? h('span', { className: 'nnlab-badge nnlab-run-notebook', title: notebook }, notebook ? baseName(notebook) : 'no notebook') : null,
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
    if (entries.length === 0) {
      const hidden = this.entries.size;
      body.appendChild(h('tr', {}, h('td', { className: 'nnlab-muted' },
        hidden ? `No runs of this notebook yet (${hidden} of other notebooks: choose "all notebooks").` : 'No runs yet: train with liveFit or fit in the notebook.')));
      (body.lastChild as HTMLTableRowElement).cells[0].colSpan = 4;
    }
    this.table.appendChild(body);
    this.drawChart();
    this.drawCompare();
  }

  /** A run's "compare it" box; the runs table and the comparison table share the choice. */
  private checkbox(key: string, run: RunPayload): HTMLInputElement {
    const box = h('input', { type: 'checkbox', checked: !this.unchecked.has(key), aria: { label: `show ${str(run.name)}` } });
    box.addEventListener('change', () => {
      if (box.checked) this.unchecked.delete(key);
      else this.unchecked.add(key);
      for (const other of Array.from(this.node.querySelectorAll<HTMLInputElement>(`tr[data-key="${CSS.escape(key)}"] input[type="checkbox"]`))) other.checked = box.checked;
      this.drawChart();
      this.drawComparePlot();
    });
    return box;
  }

  /** A command took effect: show it now rather than at the next poll. */
  private readonly onSteered = () => void this.refresh();

  /** The shown runs that are checked, with their colours and labels, for the charts. */
  private compared(): { key: string; run: RunPayload; color: string; label: string }[] {
    return this.shownEntries()
      .filter(([key]) => !this.unchecked.has(key))
      .map(([key, e]) => ({ key, run: e.run, color: e.color, label: `${str(e.run.name)} (${str(e.run.id)})` }));
  }

  private drawChart(): void {
    const fig = overlayFigure(this.compared(), this.metric);
    void this.plot.update(fig.data, baseLayout(this.plot.node, fig.layout));
  }

  /** The comparison table: a row per shown run, a column per hyperparameter and per final and best metric; a header click sorts. */
  private drawCompare(): void {
    const entries = this.shownEntries().map(([key, e]) => ({ key, ...e }));
    const columns = displayOrder(entries.map(e => e.run), compareColumns(entries.map(e => e.run)));
    if (this.sort && !columns.some(c => c.key === this.sort?.key)) this.sort = null;
    const sortColumn = this.sort ? columns.find(c => c.key === this.sort?.key) : undefined;
    const rows = sortColumn && this.sort ? sortByColumn(entries, sortColumn, this.sort.direction) : entries;
    const varying = new Set(varyingHyperparameters(entries.map(e => e.run), columns).map(c => c.key));
    clear(this.compareTable);
    const head = h('tr', {}, h('th', { className: 'nnlab-compare-run' }, 'run'));
    for (const column of columns) {
      const active = this.sort?.key === column.key;
      const constant = column.kind === 'hparam' && !varying.has(column.key);
      const th = h('th', {
        className: `nnlab-sortable nnlab-num${constant ? ' nnlab-constant' : ''}`, tabIndex: 0, title: `Sort by ${column.label}${constant ? ' (the same in every run shown)' : ''}`,
        data: { key: column.key, kind: column.kind }, aria: { sort: active && this.sort ? this.sort.direction : 'none' },
      }, column.label);
      const toggle = () => {
        // ascending, descending, then back to the runs' own order
        if (!active) this.sort = { key: column.key, direction: 'ascending' };
        else if (this.sort?.direction === 'ascending') this.sort = { key: column.key, direction: 'descending' };
        else this.sort = null;
        this.drawCompare();
        (this.compareTable.querySelector(`th[data-key="${CSS.escape(column.key)}"]`) as HTMLElement | null)?.focus();
      };
      onActivate(th, toggle);
      head.appendChild(th);
    }
    const body = h('tbody');
    for (const e of rows) {
      body.appendChild(h('tr', { data: { run: str(e.run.id), key: e.key }, title: `${str(e.run.name)} (${str(e.run.id)})` },
        h('td', { className: 'nnlab-compare-run' }, this.checkbox(e.key, e.run), h('span', { className: 'nnlab-swatch', style: { background: e.color } }), ' ', h('span', { className: 'nnlab-run-name' }, str(e.run.name))),
        ...columns.map(c => {
          const v = cellValue(e.run, c);
          return h('td', { className: typeof v === 'number' ? 'nnlab-num' : '', data: { key: c.key } }, v === null ? '—' : typeof v === 'number' ? fmtNumber(v) : v);
        })));
    }
    if (rows.length === 0) body.appendChild(h('tr', {}, h('td', { className: 'nnlab-muted' }, 'No runs to compare.')));
    this.compareTable.append(h('thead', {}, head), body);
    this.drawCompareSelects(columns);
    this.drawComparePlot();
  }

  /** The scatter's x (a hyperparameter) and the charts' metric, keeping the user's choice while it still exists. */
  private drawCompareSelects(columns: CompareColumn[]): void {
    const hparams = columns.filter(c => c.kind === 'hparam');
    const metrics = columns.filter(c => c.kind !== 'hparam');
    const runs = this.compared().map(c => c.run);
    const varying = varyingHyperparameters(runs, hparams);
    if (!hparams.some(c => c.key === this.compareX)) this.compareX = (varying[0] ?? hparams[0])?.key ?? '';
    if (!metrics.some(c => c.key === this.compareMetric)) this.compareMetric = metrics[0]?.key ?? '';
    for (const [el, list, value] of [[this.xSelect, hparams, this.compareX], [this.compareMetricSelect, metrics, this.compareMetric]] as const) {
      clear(el);
      for (const c of list) el.appendChild(h('option', { value: c.key }, c.label));
      el.value = value;
    }
  }

  private drawComparePlot(): void {
    const items = this.compared();
    const columns = compareColumns(this.shownEntries().map(([, e]) => e.run));
    const metric = columns.find(c => c.key === this.compareMetric);
    const x = columns.find(c => c.key === this.compareX);
    const parcoords = this.compareView === 'parcoords';
    this.xLabel.hidden = parcoords;
    let fig: { data: unknown[]; layout: Record<string, unknown> } = { data: [], layout: {} };
    let note = '';
    if (!metric || !x) note = 'Nothing to compare yet: runs need a hyperparameter and a recorded metric.';
    else if (parcoords) {
      const drawn = parcoordsFigure(items, columns, metric);
      fig = drawn;
      const drawnRuns = items.length - drawn.omitted.runs.length;
      note = [
        `${drawnRuns} run${drawnRuns === 1 ? '' : 's'}; axes: ${drawn.axes.map(c => c.label).join(', ') || 'none'}, then ${metric.label}`,
        drawn.omitted.runs.length ? `not drawn (no ${metric.label}): ${drawn.omitted.runs.join(', ')}` : '',
        drawn.omitted.axes.length ? `no axis for what some runs lack: ${drawn.omitted.axes.join(', ')}` : '',
      ].filter(Boolean).join(' · ');
    } else {
      fig = hparamScatterFigure(items, x, metric);
      const missing = items.filter(i => cellValue(i.run, x) === null || cellValue(i.run, metric) === null).map(i => i.label);
      note = missing.length ? `not drawn (no ${x.label} or ${metric.label}): ${missing.join(', ')}` : '';
    }
    this.compareNote.textContent = note;
    this.comparePlot.node.dataset.view = this.compareView;
    void this.comparePlot.update(fig.data, baseLayout(this.comparePlot.node, fig.layout));
  }
}
