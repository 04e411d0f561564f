/**
 * The shared shape of nnlab's MIME renderers: a Lumino `Widget` whose
 * `renderModel` takes the JSON payload of one MIME type, checks its `kind`,
 * and rebuilds its DOM (or, for live outputs, updates its plots in place).
 * Plot areas it owns are redrawn on attach/resize and freed on dispose.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { h, isRecord } from '../dom';
import type { PlotArea } from '../plotly';

export abstract class PayloadWidget extends Widget {
  protected plots: PlotArea[] = [];

  constructor(className: string) {
    super();
    this.addClass('nnlab-output');
    this.addClass(className);
  }

  /** Frees the plots made for the previous payload. */
  protected resetPlots(): void {
    for (const p of this.plots) p.dispose();
    this.plots = [];
  }

  protected track<T extends PlotArea>(plot: T): T {
    this.plots.push(plot);
    return plot;
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    for (const p of this.plots) p.resize();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    for (const p of this.plots) p.resize();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    for (const p of this.plots) p.resize();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.resetPlots();
    super.dispose();
  }

  /** Replaces the content with an error message (as text). */
  protected showError(message: string): void {
    this.node.textContent = '';
    this.node.appendChild(h('div', { className: 'nnlab-error' }, message));
  }
}

/** A renderer for one MIME type: validates the payload's kind, then calls `render`. */
export abstract class PayloadRenderer<P> extends PayloadWidget implements IRenderMime.IRenderer {
  constructor(
    protected readonly mimeType: string,
    protected readonly kind: string,
    className: string
  ) {
    super(className);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType];
    if (!isRecord(data) || data.kind !== this.kind) {
      this.showError(`nnlab: expected a '${this.kind}' payload for ${this.mimeType}`);
      return;
    }
    try {
      await this.render(data as unknown as P);
    } catch (err) {
      this.showError(`nnlab: could not render this ${this.kind}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  protected abstract render(payload: P): void | Promise<void>;
}
