/**
 * Activation maps that answer clicks (the CNN Explainer view). Clicking a
 * channel tile opens it large (viridis, its value range and a colour bar),
 * from a 'channel' query; clicking a pixel of a Conv2d output asks 'explain'
 * and shows the pixel's receptive field on the model's input and the dot
 * product that made it: per input channel the window, the kernel weights and
 * their products, then Σ + bias = the output value, with the numbers.
 *
 * The kernel asked is that of the notebook the view is shown in, else (the
 * Layer Inspector, in the sidebar) the active notebook's (`setKernelSource`).
 *
 * @example new ChannelView({ model: 'model', index: 0 }).open('features.0', 3)
 */
import type { Kernel } from '@jupyterlab/services';
import { viridisRGB, type ChannelResult, type ExplainResult, type ExplainTerm } from '../protocol';
import { arr, clear, fmtNumber, fmtShape, h, num, str } from '../dom';
import { queryKernel } from '../query';
import { kernelFor } from '../steer';

type KernelSource = () => Kernel.IKernelConnection | null;
// NOTE: on globalThis, so the plugin entry and the mime-renderer entry share it whatever copies of this module load.
const SOURCE = Symbol.for('nnlab.extension.kernelSource');
const registry = globalThis as unknown as Record<symbol, KernelSource | undefined>;

/** The plugin tells the renderers where to send their queries (the active notebook's kernel). */
export function setKernelSource(source: KernelSource): void {
  registry[SOURCE] = source;
}

function kernelSource(node: HTMLElement): Kernel.IKernelConnection | null {
  return kernelFor(node) ?? registry[SOURCE]?.() ?? null;
}

/** viridis at t in [0, 1], the kernel's own (protocol.ts), so the large view matches the tiles. */
export const viridis = viridisRGB;

function canvasOf(width: number, height: number, scale: number, className: string): [HTMLCanvasElement, CanvasRenderingContext2D | null] {
  const canvas = document.createElement('canvas');
  canvas.width = width * scale;
  canvas.height = height * scale;
  canvas.className = className;
  return [canvas, canvas.getContext('2d')];
}

/** Draws a height x width grid of values, each cell `scale` px, coloured by `colour(value)`. */
function paintGrid(ctx: CanvasRenderingContext2D, values: (number | null)[], height: number, width: number, scale: number, colour: (v: number | null) => [number, number, number]): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(values[y * width + x]);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(x * scale, y * scale, scale, scale);
    }
  }
}

export interface ChannelContext {
  /** The model's variable name in the kernel. */
  model: string;
  /** The sample of the model's last input the maps show. */
  index: number;
}

/** The large view of one channel, and below it the explanation of a clicked pixel. */
export class ChannelView {
  readonly node = h('div', { className: 'nnlab-channel-view' });
  private channel: ChannelResult | null = null;

  constructor(private readonly context: ChannelContext) {
    this.node.hidden = true;
  }

  close(): void {
    this.node.hidden = true;
    clear(this.node);
    this.channel = null;
  }

  /** Asks the kernel for channel `channel` of `layer` and shows it large. */
  async open(layer: string, channel: number): Promise<void> {
    this.node.hidden = false;
    clear(this.node);
    this.node.appendChild(h('div', { className: 'nnlab-muted' }, `loading ${layer} channel ${channel}…`));
    const kernel = kernelSource(this.node);
    if (!kernel) return this.fail('No kernel to ask: open the notebook that made these maps.');
    try {
      const result = (await queryKernel(kernel, { op: 'channel', model: this.context.model, layer, channel, index: this.context.index })) as ChannelResult;
      this.channel = result;
      this.render(result);
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  private fail(message: string): void {
    clear(this.node);
    this.node.appendChild(h('div', { className: 'nnlab-error' }, message));
  }

  private render(c: ChannelResult): void {
    clear(this.node);
    const height = num(c.height) ?? 0, width = num(c.width) ?? 0;
    const values = arr(c.values).map(num);
    const lo = num(c.stats?.min) ?? 0, hi = num(c.stats?.max) ?? 0;
    const span = hi - lo || 1;
    const scale = Math.max(2, Math.min(24, Math.floor(320 / Math.max(width, height, 1))));
    const close = h('button', { className: 'jp-mod-styled nnlab-button nnlab-channel-close', title: 'Close the large view' }, '×');
    close.addEventListener('click', () => this.close());
    const header = h('div', { className: 'nnlab-channel-header' },
      h('b', {}, `${str(c.layer)} · channel ${fmtNumber(c.channel)}`), ' ',
      h('span', { className: 'nnlab-muted' }, `${str(c.className)} ${fmtShape(c.shape)} · ${height}×${width}`), ' ', close);
    const range = h('div', { className: 'nnlab-channel-range', data: { min: String(lo), max: String(hi) } },
      `range ${fmtNumber(c.stats?.min)} … ${fmtNumber(c.stats?.max)} · mean ${fmtNumber(c.stats?.mean)}`);
    const [canvas, ctx] = canvasOf(width, height, scale, 'nnlab-channel-large');
    canvas.dataset.scale = String(scale);
    if (ctx) paintGrid(ctx, values, height, width, scale, v => (v === null ? [200, 200, 200] : viridis((v - lo) / span)));
    const [bar, barCtx] = canvasOf(16, 128, 1, 'nnlab-colorbar');
    if (barCtx) for (let y = 0; y < 128; y++) {
      const [r, g, b] = viridis(1 - y / 127);
      barCtx.fillStyle = `rgb(${r},${g},${b})`;
      barCtx.fillRect(0, y, 16, 1);
    }
    const colourBar = h('div', { className: 'nnlab-colorbar-holder' },
      h('span', { className: 'nnlab-colorbar-max' }, fmtNumber(hi)), bar, h('span', { className: 'nnlab-colorbar-min' }, fmtNumber(lo)));
    const hover = h('div', { className: 'nnlab-channel-hover nnlab-muted' }, c.explainable ? 'Click a pixel to see the dot product that made it.' : 'Hover a pixel for its value.');
    const explanation = h('div', { className: 'nnlab-explain' });
    const pixelAt = (e: MouseEvent): [number, number] | null => {
      const rect = canvas.getBoundingClientRect();
      const x = Math.floor(((e.clientX - rect.left) / rect.width) * width), y = Math.floor(((e.clientY - rect.top) / rect.height) * height);
      return x >= 0 && x < width && y >= 0 && y < height ? [y, x] : null;
    };
    canvas.addEventListener('mousemove', e => {
      const p = pixelAt(e);
      if (p) hover.textContent = `[${p[0]}, ${p[1]}] = ${fmtNumber(values[p[0] * width + p[1]])}`;
    });
    canvas.addEventListener('click', e => {
      const p = pixelAt(e);
      if (p && c.explainable) void this.explain(p[0], p[1], explanation, canvas, scale);
    });
    this.node.append(header, range, h('div', { className: 'nnlab-channel-body' }, canvas, colourBar), hover, explanation);
  }

  /** Asks 'explain' for pixel (y, x) and shows the receptive field and the dot product. */
  async explain(y: number, x: number, holder: HTMLElement, canvas: HTMLCanvasElement, scale: number): Promise<void> {
    const c = this.channel;
    const kernel = kernelSource(this.node);
    if (!c || !kernel) return;
    clear(holder);
    holder.appendChild(h('div', { className: 'nnlab-muted' }, `explaining [${y}, ${x}]…`));
    try {
      const e = (await queryKernel(kernel, { op: 'explain', model: this.context.model, layer: c.layer, channel: c.channel, y, x, index: this.context.index })) as ExplainResult;
      clear(holder);
      this.mark(canvas, scale, y, x);
      holder.append(receptiveFieldView(e), dotProduct(e));
    } catch (err) {
      clear(holder);
      holder.appendChild(h('div', { className: 'nnlab-error' }, err instanceof Error ? err.message : String(err)));
    }
  }

  private mark(canvas: HTMLCanvasElement, scale: number, y: number, x: number): void {
    const c = this.channel;
    const ctx = canvas.getContext('2d');
    if (!c || !ctx) return;
    const width = num(c.width) ?? 0, height = num(c.height) ?? 0;
    const lo = num(c.stats?.min) ?? 0, hi = num(c.stats?.max) ?? 0;
    paintGrid(ctx, arr(c.values).map(num), height, width, scale, v => (v === null ? [200, 200, 200] : viridis((v - lo) / (hi - lo || 1))));
    ctx.strokeStyle = '#ff2d55';
    ctx.lineWidth = 2;
    ctx.strokeRect(x * scale + 1, y * scale + 1, scale - 2, scale - 2);
    canvas.dataset.selected = `${y},${x}`;
  }
}

/** The model's input with the pixel's receptive field outlined. */
function receptiveFieldView(e: ExplainResult): HTMLElement {
  const img = e.inputImage;
  const rf = e.receptiveField;
  const section = h('div', { className: 'nnlab-rf' }, h('div', { className: 'nnlab-caption' },
    rf ? `receptive field on the input: rows ${rf.y0}–${rf.y1 - 1}, columns ${rf.x0}–${rf.x1 - 1} (${rf.y1 - rf.y0}×${rf.x1 - rf.x0})` : 'receptive field on the input: unknown (the path to the input is not a chain of layers)'));
  if (!img) return section;
  const { channels, height, width } = img;
  const values = arr(img.values).map(num);
  const scale = Math.max(1, Math.min(8, Math.floor(160 / Math.max(width, height, 1))));
  const [canvas, ctx] = canvasOf(width, height, scale, 'nnlab-rf-input');
  if (!ctx) return section;
  const planes = channels === 3 ? [0, 1, 2] : [0, 0, 0];
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (v !== null) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const norm = (v: number | null) => (v === null ? 0 : Math.round((255 * (v - lo)) / (hi - lo || 1)));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = planes.map(p => norm(values[(p * height + y) * width + x]));
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(x * scale, y * scale, scale, scale);
    }
  }
  if (rf) {
    ctx.fillStyle = 'rgba(255, 45, 85, 0.25)';
    ctx.fillRect(rf.x0 * scale, rf.y0 * scale, (rf.x1 - rf.x0) * scale, (rf.y1 - rf.y0) * scale);
    ctx.strokeStyle = '#ff2d55';
    ctx.lineWidth = 2;
    ctx.strokeRect(rf.x0 * scale + 1, rf.y0 * scale + 1, (rf.x1 - rf.x0) * scale - 2, (rf.y1 - rf.y0) * scale - 2);
    canvas.dataset.rf = `${rf.y0},${rf.y1},${rf.x0},${rf.x1}`;
  }
  section.appendChild(canvas);
  return section;
}

/** A kh x kw table of numbers (padding taps greyed). */
function grid(values: number[], padded: boolean[], kw: number, className: string): HTMLElement {
  const rows: HTMLElement[] = [];
  for (let i = 0; i < values.length / kw; i++) {
    rows.push(h('tr', {}, ...values.slice(i * kw, (i + 1) * kw).map((v, j) =>
      h('td', { className: padded[i * kw + j] ? 'nnlab-padded' : '' }, fmtNumber(v)))));
  }
  return h('table', { className: `nnlab-table nnlab-dot-grid ${className}` }, h('tbody', {}, ...rows));
}

const SHOWN_CHANNELS = 4;

/** Per input channel: window × kernel = products (Σ); then Σ + bias = output. */
function dotProduct(e: ExplainResult): HTMLElement {
  const [, kw] = e.kernelSize;
  const terms = arr(e.terms) as ExplainTerm[];
  const section = h('div', { className: 'nnlab-dot', data: { sum: String(e.sum), output: String(e.output), bias: String(e.bias) } },
    h('div', { className: 'nnlab-caption' },
      `${str(e.layer)}[${e.channel}, ${e.y}, ${e.x}]: kernel ${e.kernelSize.join('×')}, stride ${e.stride.join('×')}, padding ${e.padding.join('/')}, dilation ${e.dilation.join('×')}; input ${fmtShape(e.layerInputShape)} rows ${e.rows[0]}…${e.rows[e.rows.length - 1]}, columns ${e.cols[0]}…${e.cols[e.cols.length - 1]}`));
  for (const t of terms.slice(0, SHOWN_CHANNELS)) {
    section.appendChild(h('div', { className: 'nnlab-dot-term', data: { channel: String(t.inChannel), sum: String(t.sum) } },
      h('div', { className: 'nnlab-muted' }, `input channel ${t.inChannel}`),
      h('div', { className: 'nnlab-dot-row' },
        grid(t.window, t.padded, kw, 'nnlab-dot-window'), h('span', { className: 'nnlab-op' }, '×'),
        grid(t.weights, t.padded.map(() => false), kw, 'nnlab-dot-weights'), h('span', { className: 'nnlab-op' }, '='),
        grid(t.products, t.padded, kw, 'nnlab-dot-products'), h('span', { className: 'nnlab-op' }, `Σ ${fmtNumber(t.sum)}`))));
  }
  if (terms.length > SHOWN_CHANNELS) {
    section.appendChild(h('div', { className: 'nnlab-muted nnlab-dot-rest' },
      `input channels ${SHOWN_CHANNELS}–${terms.length - 1}: Σ ${terms.slice(SHOWN_CHANNELS).map(t => fmtNumber(t.sum)).join(' + ')}`));
  }
  section.appendChild(h('div', { className: 'nnlab-dot-total' },
    `${terms.map(t => fmtNumber(t.sum)).join(' + ')} + bias ${fmtNumber(e.bias)} = `, h('b', { className: 'nnlab-dot-sum' }, fmtNumber(e.sum)),
    ' · the layer output: ', h('b', { className: 'nnlab-dot-output' }, fmtNumber(e.output))));
  return section;
}
