/**
 * application/vnd.nnlab.model+json: the model summary as a table (layer,
 * type, output shape, parameters, trainable, mult-adds) that sorts by any
 * column on a header click (again: descending, a third time: layer order),
 * with the totals and memory estimate below.
 */
import { MIME, type ModelPayload, type SummaryRow } from '../protocol';
import { arr, clear, fmtBytes, fmtCount, fmtShape, h, isRecord, num, onActivate, shapeOf, str } from '../dom';
import { PayloadRenderer } from './base';

interface Column {
  key: string;
  label: string;
  numeric: boolean;
  /** The value sorted on (null sorts last). */
  sortValue(row: SummaryRow, index: number): number | string | null;
  cell(row: SummaryRow): HTMLElement;
}

function trainableText(t: unknown): string {
  return t === true ? 'yes' : t === false ? 'no' : t === 'partial' ? 'partial' : '—';
}

function shapeSize(shape: number[] | null): number | null {
  return shape ? shape.reduce((a, b) => a * b, 1) : null;
}

const COLUMNS: Column[] = [
  {
    key: 'layer', label: 'Layer', numeric: false,
    sortValue: (_row, index) => index,
    cell: row => h('td', { className: 'nnlab-layer-name', style: { paddingLeft: `${0.4 + 1.1 * Math.max(0, num(row.depth) ?? 0)}em` }, title: str(row.name) }, str(row.name) || '(model)'),
  },
  { key: 'type', label: 'Type', numeric: false, sortValue: row => str(row.className), cell: row => h('td', {}, str(row.className)) },
  {
    key: 'output', label: 'Output shape', numeric: true,
    sortValue: row => shapeSize(shapeOf(row.outputShape)),
    cell: row => {
      const calls = num(row.calls) ?? 0;
      const extra = arr(row.outputShapes).length > 1 ? arr(row.outputShapes).slice(1).map(fmtShape).join(' ') : '';
      return h('td', { className: 'nnlab-shape' }, row.outputShape ? fmtShape(row.outputShape) : '—', extra ? ` ${extra}` : '', calls > 1 ? ` ×${calls}` : '');
    },
  },
  { key: 'params', label: 'Params', numeric: true, sortValue: row => num(row.params), cell: row => h('td', { className: 'nnlab-num' }, fmtCount(row.params)) },
  { key: 'trainable', label: 'Trainable', numeric: false, sortValue: row => trainableText(row.trainable), cell: row => h('td', {}, trainableText(row.trainable)) },
  { key: 'multAdds', label: 'Mult-adds', numeric: true, sortValue: row => num(row.multAdds), cell: row => h('td', { className: 'nnlab-num' }, fmtCount(row.multAdds)) },
];

export class ModelRenderer extends PayloadRenderer<ModelPayload> {
  private sortKey = 'layer';
  private descending = false;

  constructor() {
    super(MIME.model, 'model', 'nnlab-model');
  }

  protected render(m: ModelPayload): void {
    this.node.textContent = '';
    const rows = arr(m.rows).filter(isRecord) as unknown as SummaryRow[];
    this.node.appendChild(
      h('div', { className: 'nnlab-header' },
        h('span', { className: 'nnlab-title' }, str(m.name) ? `${str(m.name)}: ${str(m.className)}` : str(m.className)), ' ',
        m.inputShape ? h('span', { className: 'nnlab-muted' }, `input ${fmtShape(m.inputShape)}`) : null)
    );
    const table = h('table', { className: 'nnlab-table nnlab-summary' });
    const head = h('tr');
    const body = h('tbody');
    const redraw = () => {
      clear(body);
      for (const row of this.sorted(rows)) body.appendChild(h('tr', { data: { layer: str(row.name) } }, ...COLUMNS.map(c => c.cell(row))));
      for (const th of Array.from(head.children) as HTMLElement[]) {
        const active = th.dataset.key === this.sortKey;
        th.setAttribute('aria-sort', active ? (this.descending ? 'descending' : 'ascending') : 'none');
      }
    };
    for (const column of COLUMNS) {
      const th = h('th', { data: { key: column.key }, className: column.numeric ? 'nnlab-num nnlab-sortable' : 'nnlab-sortable', title: `Sort by ${column.label}`, tabIndex: 0 }, column.label);
      const toggle = () => {
        if (this.sortKey !== column.key) {
          this.sortKey = column.key;
          this.descending = false;
        } else if (!this.descending) {
          this.descending = true;
        } else {
          this.sortKey = 'layer';
          this.descending = false;
        }
        redraw();
      };
      onActivate(th, toggle);
      head.appendChild(th);
    }
    table.appendChild(h('thead', {}, head));
    table.appendChild(body);
    redraw();
    this.node.appendChild(table);
    this.node.appendChild(totalsTable(m));
  }

  private sorted(rows: SummaryRow[]): SummaryRow[] {
    const column = COLUMNS.find(c => c.key === this.sortKey) ?? COLUMNS[0];
    const keyed = rows.map((row, index) => ({ row, index, value: column.sortValue(row, index) }));
    keyed.sort((a, b) => {
      if (a.value === null && b.value === null) return a.index - b.index;
      if (a.value === null) return 1; // missing values last, either direction
      if (b.value === null) return -1;
      const c = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : String(a.value).localeCompare(String(b.value));
      return (this.descending ? -c : c) || a.index - b.index;
    });
    return keyed.map(k => k.row);
  }
}

function totalsTable(m: ModelPayload): HTMLElement {
  const t = isRecord(m.totals) ? m.totals : ({} as ModelPayload['totals']);
  const rows: [string, string][] = [
    ['Total params', fmtCount(t.params)],
    ['Trainable params', fmtCount(t.trainableParams)],
    ['Non-trainable params', fmtCount(t.nonTrainableParams)],
    ['Mult-adds', fmtCount(t.multAdds)],
    ['Input size', fmtBytes(t.inputBytes)],
    ['Forward/backward pass size', fmtBytes(t.forwardBackwardBytes)],
    ['Params size', fmtBytes(t.paramBytes)],
    ['Estimated total size', fmtBytes(t.totalBytes)],
  ];
  return h('table', { className: 'nnlab-totals' }, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { className: 'nnlab-num' }, v))));
}
