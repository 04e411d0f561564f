/**
 * application/vnd.nnlab.confusion+json: the confusion matrix as an annotated
 * heatmap (rows: true class, columns: predicted; coloured by the fraction of
 * the true class on a sequential scale, more is darker, with a colour bar; see
 * `confusionFigure`) with hover counts, and the per-class accuracy and
 * precision as a table.
 */
import { MIME, type ConfusionPayload } from '../protocol';
import { arr, fmtCount, fmtPercent, h, isRecord, num, str } from '../dom';
import { PlotArea, baseLayout, plotlyText } from '../plotly';
import { PayloadRenderer } from './base';
import { confusionFigure } from './confusionFigure';

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
    const fig = confusionFigure({ classNames: labels, matrix });
    return plot.update(fig.data, baseLayout(plot.node, fig.layout));
  }
}
