/**
 * application/vnd.nnlab.tensor+json: a header (shape, dtype, autograd), the
 * printed values of a small tensor (the kernel's `repr`, at most 100 values,
 * as NumPy's repr), the statistics, and an interactive heatmap of the values with hover read-outs.
 * For 3-D and 4-D tensors one selector per leading axis (batch, channel)
 * picks the 2-D slice shown; big tensors (values not sent) show the kernel's
 * PNG heatmap. A histogram of the values (16 or more) follows.
 */
import { MIME, type Histogram, type Stats, type TensorPayload } from '../protocol';
import { arr, fmtCount, fmtNumber, fmtShape, h, num, pngImage, select, shapeOf, str } from '../dom';
import { PlotArea, baseLayout, plotlyText } from '../plotly';
import { PayloadRenderer } from './base';

export class TensorRenderer extends PayloadRenderer<TensorPayload> {
  constructor() {
    super(MIME.tensor, 'tensor', 'nnlab-tensor');
  }

  protected render(t: TensorPayload): void {
    this.resetPlots();
    this.node.textContent = '';
    const shape = shapeOf(t.shape) ?? [];
    const flags = [t.requiresGrad === true ? 'requires_grad' : null, t.gradFn ? `grad_fn=${str(t.gradFn)}` : null].filter(Boolean);
    this.node.appendChild(
      h('div', { className: 'nnlab-header' },
        h('span', { className: 'nnlab-title' }, 'Tensor'), ' ',
        h('code', { className: 'nnlab-shape' }, fmtShape(shape)), ' ',
        h('span', { className: 'nnlab-dtype' }, str(t.dtype)), ' ',
        h('span', { className: 'nnlab-muted' }, `${fmtCount(t.size)} values${flags.length ? ' · ' + flags.join(' · ') : ''}`))
    );
    const repr = typeof t.repr === 'string' ? t.repr : '';
    if (repr) this.node.appendChild(h('pre', { className: 'nnlab-values' }, repr));
    this.node.appendChild(statsTable(t.stats));

    const values = Array.isArray(t.values) ? t.values : null;
    if (values && shape.length >= 1 && values.length === shape.reduce((a, b) => a * b, 1) && values.length > 0) {
      this.node.appendChild(this.heatmapView(shape, values));
    } else if (values && shape.length === 0 && values.length === 1 && !repr) {
      this.node.appendChild(h('div', { className: 'nnlab-scalar' }, fmtNumber(values[0])));
    } else if (t.heatmap) {
      this.node.appendChild(h('div', { className: 'nnlab-note' }, `Values not sent (${fmtCount(t.size)} > ${fmtCount(t.valueLimit)}); the kernel's heatmap:`));
      this.node.appendChild(pngImage(t.heatmap.png, 'tensor heatmap', t.heatmap.width, t.heatmap.height));
    }
    if (t.histogram && (num(t.size) ?? 0) >= 16) {
      const plot = this.track(new PlotArea('nnlab-plot nnlab-histogram', 160));
      this.node.appendChild(plot.node);
      void plot.update(...histogramFigure(plot.node, t.histogram, 'values'));
    }
  }

  /** The heatmap of one 2-D slice, with a selector per leading axis. */
  private heatmapView(shape: number[], values: (number | null)[]): HTMLElement {
    const view = h('div', { className: 'nnlab-heatmap-view' });
    const rows = shape.length === 1 ? 1 : shape[shape.length - 2];
    const cols = shape[shape.length - 1];
    const leading = shape.length > 2 ? shape.slice(0, -2) : [];
    const index = leading.map(() => 0);
    const axisNames = leading.length === 2 ? ['sample', 'channel'] : leading.length === 1 ? ['channel'] : leading.map((_, i) => `axis ${i}`);

    const controls = h('div', { className: 'nnlab-controls' });
    const plot = this.track(new PlotArea('nnlab-plot nnlab-heatmap', Math.min(420, Math.max(140, rows * 14 + 70))));
    const draw = () => {
      let offset = 0;
      let stride = rows * cols;
      for (let a = leading.length - 1; a >= 0; a--) {
        offset += index[a] * stride;
        stride *= leading[a];
      }
      const z: (number | null)[][] = [];
      for (let r = 0; r < rows; r++) z.push(values.slice(offset + r * cols, offset + (r + 1) * cols).map(v => num(v)));
      const where = leading.length ? `[${index.join(', ')}, :, :]` : '';
      void plot.update(
        [{
          type: 'heatmap', z, colorscale: 'Viridis',
          hovertemplate: `${plotlyText(where)} row %{y}, col %{x}: %{z}<extra></extra>`,
        }],
        baseLayout(plot.node, { yaxis: { autorange: 'reversed', title: { text: shape.length === 1 ? '' : 'row' } }, xaxis: { title: { text: 'col' } } })
      );
    };
    leading.forEach((size, axis) => {
      const options: [string, string][] = Array.from({ length: size }, (_, i) => [String(i), String(i)]);
      const sel = select(options, '0', { className: 'nnlab-select', data: { axis: String(axis) }, aria: { label: axisNames[axis] } });
      sel.addEventListener('change', () => {
        index[axis] = Number(sel.value);
        draw();
      });
      controls.appendChild(h('label', {}, `${axisNames[axis]} `, sel, ` of ${size}`));
    });
    if (leading.length) view.appendChild(controls);
    view.appendChild(plot.node);
    draw();
    return view;
  }
}

/** min, max, mean, std and the counts of zeros, NaN and Inf. */
export function statsTable(stats: Stats | null | undefined): HTMLElement {
  const s = stats ?? ({} as Partial<Stats>);
  const cells: [string, string][] = [
    ['min', fmtNumber(s.min)], ['max', fmtNumber(s.max)], ['mean', fmtNumber(s.mean)], ['std', fmtNumber(s.std)],
    ['zeros', fmtCount(s.zeroCount)], ['NaN', fmtCount(s.nanCount)], ['Inf', fmtCount(s.infCount)],
  ];
  return h('table', { className: 'nnlab-stats' },
    h('tr', {}, ...cells.map(([k]) => h('th', {}, k))),
    h('tr', {}, ...cells.map(([k, v]) => h('td', { data: { stat: k }, className: k === 'NaN' || k === 'Inf' ? (v !== '0' && v !== '—' ? 'nnlab-bad' : '') : '' }, v))));
}

/** A bar chart of histogram counts over their bin edges. */
export function histogramFigure(el: HTMLElement, hist: Histogram, what: string): [unknown[], object] {
  const edges = arr(hist.edges).map(num);
  const counts = arr(hist.counts).map(num);
  const centers: number[] = [];
  const widths: number[] = [];
  for (let i = 0; i < counts.length && i + 1 < edges.length; i++) {
    const a = edges[i] ?? 0;
    const b = edges[i + 1] ?? a;
    centers.push((a + b) / 2);
    widths.push(Math.max(b - a, 1e-12));
  }
  return [
    [{ type: 'bar', x: centers, y: counts.slice(0, centers.length), width: widths, marker: { color: '#4c78a8' }, hovertemplate: '%{x:.4g}: %{y}<extra></extra>' }],
    baseLayout(el, { margin: { l: 45, r: 10, t: 24, b: 30 }, title: { text: plotlyText(`histogram of ${what}`), font: { size: 11 } }, bargap: 0 }),
  ];
}
