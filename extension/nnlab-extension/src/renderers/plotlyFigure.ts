/**
 * application/vnd.plotly.v1+json: a plotly figure `{data, layout, config?,
 * frames?}`, drawn with nnlab's copy of plotly.js. The figure's own config is
 * reduced to display options (no links, no cloud, no remote map data).
 */
import { MIME } from '../protocol';
import { arr, isRecord } from '../dom';
import { PlotArea, baseLayout } from '../plotly';
import { PayloadWidget } from './base';
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
    if (!this.plot.node.isConnected && this.node.firstChild !== this.plot.node) {
      this.node.textContent = '';
      this.node.appendChild(this.plot.node);
    }
    // NOTE: a JSON round trip drops anything that is not plain data.
    const data = JSON.parse(JSON.stringify(arr(fig.data))) as unknown[];
    const layout = isRecord(fig.layout) ? (JSON.parse(JSON.stringify(fig.layout)) as Record<string, unknown>) : {};
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
