/**
 * application/vnd.nnlab.confusion+json: the confusion matrix as an annotated
 * heatmap (rows: true class, columns: predicted) with hover counts, and the
 * per-class accuracy and precision as a table.
 */
import { MIME, type ConfusionPayload } from '../protocol';
import { arr, fmtCount, fmtPercent, h, isRecord, num, str } from '../dom';
import { PlotArea, baseLayout, plotlyText } from '../plotly';
import { PayloadRenderer } from './base';

export class ConfusionRenderer extends PayloadRenderer<ConfusionPayload> {
  constructor() {
    super(MIME.confusion, 'confusion', 'nnlab-confusion');
  }

  protected render(c: ConfusionPayload): Promise<void> {
    this.resetPlots();
    this.node.textContent = '';
    const names = arr(c.classNames).map(n => str(n));
    const matrix = arr(c.matrix).map(row => arr(row).map(v => num(v) ?? 0));
    this.node.appendChild(
      h('div', { className: 'nnlab-header' },
        h('span', { className: 'nnlab-title' }, 'Confusion matrix'), ' ',
        h('span', { className: 'nnlab-muted' }, `${fmtCount(c.total)} samples · accuracy ${fmtPercent(c.accuracy)}`))
    );
    const labels = names.map(plotlyText);
    const plot = this.track(new PlotArea('nnlab-plot nnlab-confusion-chart', Math.min(520, 120 + 28 * names.length)));
    this.node.appendChild(plot.node);
    const table = h('table', { className: 'nnlab-table' },
      h('thead', {}, h('tr', {}, ...['class', 'support', 'correct', 'accuracy', 'precision'].map(k => h('th', {}, k)))),
      h('tbody', {}, ...arr(c.perClass).filter(isRecord).map(r =>
        h('tr', {}, h('td', {}, str(r.name)), h('td', { className: 'nnlab-num' }, fmtCount(r.support)), h('td', { className: 'nnlab-num' }, fmtCount(r.correct)),
          h('td', { className: 'nnlab-num' }, fmtPercent(r.accuracy)), h('td', { className: 'nnlab-num' }, fmtPercent(r.precision))))));
    this.node.appendChild(table);
    return plot.update(
      [{ type: 'heatmap', z: matrix, x: labels, y: labels, colorscale: 'Blues', texttemplate: '%{z}', hovertemplate: 'true %{y}, predicted %{x}: %{z}<extra></extra>' }],
      baseLayout(plot.node, { yaxis: { autorange: 'reversed', title: { text: 'true' }, type: 'category' }, xaxis: { title: { text: 'predicted' }, type: 'category' }, margin: { l: 90, r: 20, t: 10, b: 70 } })
    );
  }
}
