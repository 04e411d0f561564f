/**
 * Follows the active notebook for the side panels: which notebook, its
 * kernel, whether one of its cells is running, and when a cell finished.
 *
 * "Busy" counts the notebook's cells scheduled and not yet executed
 * (NotebookActions' signals), not the kernel's status messages: the panels'
 * own queries make the kernel report busy/idle too, and the kernel answers
 * them even while a cell runs.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { NotebookActions } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import { Signal, type ISignal } from '@lumino/signaling';

export class NotebookWatcher {
  private _panel: NotebookPanel | null = null;
  /** Per notebook widget, its cells scheduled to run and not finished. */
  private readonly pending = new Map<object, Set<{ isDisposed: boolean }>>();
  private readonly _changed = new Signal<this, void>(this);
  private readonly _busyChanged = new Signal<this, boolean>(this);
  private readonly _executed = new Signal<this, void>(this);

  constructor(private readonly tracker: INotebookTracker) {
    tracker.currentChanged.connect(this.onCurrentChanged, this);
    NotebookActions.executionScheduled.connect(this.onScheduled, this);
    NotebookActions.executed.connect(this.onExecuted, this);
    this.onCurrentChanged();
  }

  /** The active notebook or the last one that was. */
  get panel(): NotebookPanel | null {
    return this._panel;
  }

  get kernel(): Kernel.IKernelConnection | null {
    return this._panel?.sessionContext.session?.kernel ?? null;
  }

  /** The notebook's path relative to the server root ('' when none). */
  get path(): string {
    return this._panel?.context.path ?? '';
  }

  /** The folder the notebook is in ('' is the root), where the kernel runs. */
  get directory(): string {
    const p = this.path;
    const i = p.lastIndexOf('/');
    return i < 0 ? '' : p.slice(0, i);
  }

  get busy(): boolean {
    const cells = this._panel ? this.pending.get(this._panel.content) : undefined;
    if (!cells) return false;
    for (const cell of cells) if (cell.isDisposed) cells.delete(cell); // deleted while running: no signal comes
    return cells.size > 0;
  }

  /** The notebook or its kernel changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get busyChanged(): ISignal<this, boolean> {
    return this._busyChanged;
  }

  /** A cell of the active notebook finished. */
  get executed(): ISignal<this, void> {
    return this._executed;
  }

  dispose(): void {
    this.tracker.currentChanged.disconnect(this.onCurrentChanged, this);
    NotebookActions.executionScheduled.disconnect(this.onScheduled, this);
    NotebookActions.executed.disconnect(this.onExecuted, this);
    this.watchSession(null);
    Signal.clearData(this);
  }

  private onCurrentChanged(): void {
    const panel = this.tracker.currentWidget;
    if (panel === this._panel) return;
    this.watchSession(panel);
    this._changed.emit();
    this._busyChanged.emit(this.busy);
  }

  private watchSession(panel: NotebookPanel | null): void {
    if (this._panel) {
      this._panel.sessionContext.kernelChanged.disconnect(this.onKernelChanged, this);
      this._panel.sessionContext.statusChanged.disconnect(this.onStatus, this);
      this._panel.disposed.disconnect(this.onPanelDisposed, this);
    }
    this._panel = panel;
    if (panel) {
      panel.sessionContext.kernelChanged.connect(this.onKernelChanged, this);
      panel.sessionContext.statusChanged.connect(this.onStatus, this);
      panel.disposed.connect(this.onPanelDisposed, this);
    }
  }

  private onPanelDisposed(): void {
    if (this._panel) this.pending.delete(this._panel.content);
    this.watchSession(this.tracker.currentWidget);
    this._changed.emit();
  }

  private onKernelChanged(): void {
    if (this._panel) this.pending.delete(this._panel.content);
    this._changed.emit();
    this._busyChanged.emit(this.busy);
  }

  private onStatus(_: unknown, status: Kernel.Status): void {
    // NOTE: a restarted or dead kernel runs nothing; forget what was queued.
    if (this._panel && (status === 'restarting' || status === 'autorestarting' || status === 'dead' || status === 'starting')) {
      if (this.pending.delete(this._panel.content)) this._busyChanged.emit(false);
      if (status === 'restarting' || status === 'autorestarting') this._changed.emit();
    }
  }

  private onScheduled(_: unknown, args: { notebook: object; cell: { isDisposed: boolean } }): void {
    const wasBusy = this.busy;
    let cells = this.pending.get(args.notebook);
    if (!cells) this.pending.set(args.notebook, (cells = new Set()));
    cells.add(args.cell);
    if (!wasBusy && this._panel?.content === args.notebook) this._busyChanged.emit(true);
  }

  private onExecuted(_: unknown, args: { notebook: object; cell: { isDisposed: boolean } }): void {
    const wasBusy = this.busy;
    const cells = this.pending.get(args.notebook);
    cells?.delete(args.cell);
    if (cells && cells.size === 0) this.pending.delete(args.notebook);
    if (this._panel?.content !== args.notebook) return;
    if (wasBusy && !this.busy) this._busyChanged.emit(false);
    this._executed.emit();
  }
}
