/**
 * application/vnd.plotly.v1+json: a plotly figure `{data, layout, config?,
 * frames?}`, drawn with nnlab's copy of plotly.js. The figure's own config and
 * frames are not used (no links, no cloud, no remote map data), and
 * `sanitizeFigure` drops whatever would reach the network (outside images,
 * map traces, links in text, font URLs); a note above the plot names what was
 * left out.
 */
import { MIME } from '../protocol';
import { h, isRecord } from '../dom';
import { PlotArea, baseLayout } from '../plotly';
import { PayloadWidget } from './base';
import { sanitizeFigure } from './sanitizeFigure';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

export class PlotlyRenderer extends PayloadWidget implements IRenderMime.IRenderer {
  private readonly plot: PlotArea;

  constructor() {
    super('nnlab-plotly');
    this.plot = this.track(new PlotArea('nnlab-plot', 320));
    this.node.appendChild(this.plot.node);
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const fig = model.data[MIME.plotly];
    if (!isRecord(fig) || !Array.isArray(fig.data)) {
      this.showError('nnlab: a plotly figure is an object with a "data" list');
      return Promise.resolve();
    }
    // NOTE: sanitizeFigure returns a copy of plain data: the model's own data is never changed.
    const { data, layout, notes } = sanitizeFigure({ data: fig.data, layout: fig.layout });
    // Keep the plot node (a redraw of a live output stays in place); replace a note or error.
    for (const child of [...this.node.childNodes]) if (child !== this.plot.node) child.remove();
    if (this.plot.node.parentNode !== this.node) this.node.appendChild(this.plot.node);
    if (notes.length > 0) {
      const text = `nnlab works offline; left out of this figure: ${notes.join('; ')}.`;
      this.node.insertBefore(h('div', { className: 'nnlab-note nnlab-offline-note', role: 'note' }, text), this.plot.node);
    }
    const height = typeof layout.height === 'number' && layout.height > 50 && layout.height < 2000 ? layout.height : 320;
    this.plot.node.style.height = `${height}px`;
    delete layout.width; // fill the output's width
    normalizeTitles(layout);
    return this.plot.update(data, baseLayout(this.plot.node, { ...layout, autosize: true }));
  }
}

/**
 * plotly.js 3+ reads titles only as `{text}`; figures written for older
 * versions (and nnlab's kernel figures) give strings. Converts the layout's and
 * every axis' string title in place.
 */
export function normalizeTitles(layout: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(layout)) {
    if (key === 'title' && typeof value === 'string') layout.title = { text: value };
    else if (/^[xy]axis\d*$/.test(key) && isRecord(value) && typeof value.title === 'string') value.title = { text: value.title };
  }
}
