/**
 * Diagrams of networks, drawn with Skia (kernel/src/canvas.ts) into one PNG:
 *
 * - `architectureDiagram(model, inputShape)`: a feed-forward model's leaf
 *   layers top to bottom, one box each (its class and settings), joined by
 *   arrows, each with the shape it outputs and its parameter count, traced
 *   by one forward pass (as `summary`). Conv layers blue, pooling green,
 *   linear orange, the rest (activations, flatten) grey.
 * - `unrolledRNNDiagram({ steps })`: a recurrent network unrolled over time,
 *   x_t → h_t → o_t for each step, h_{t−1} → h_t, with the same U, W, V on
 *   every arrow of their kind (the weights are shared across steps).
 *
 * Both display as image/png and nnlab's images JSON (what JupyterLab, GitHub,
 * nbviewer and VS Code show), with a text/plain description of what is drawn.
 *
 * @example
 *   architectureDiagram(lenet, [1, 1, 28, 28], { title: 'LeNet-5' })
 *   unrolledRNNDiagram({ steps: 3, rnn: new nn.TextbookRNN(3, 4, 2) })
 */
import { ArgumentError } from '../../src/errors';
import { Module } from '../../src/nn/module';
import { MIME, type ImagesPayload, type MediaBundle } from '../protocol';
import { Canvas, INK, MUTED, TEXT_SIZE, textWidth } from './canvas';
import { DISPLAY } from './display';
import { fmtShape } from './format';
import { summaryPayload, type SampleInput } from './summary';

/** A drawn diagram: its PNG with the images payload, and a text description. */
export class Diagram {
  constructor(readonly payload: ImagesPayload, readonly description: string) {}
  toJSON(): ImagesPayload {
    return this.payload;
  }
  [DISPLAY](): MediaBundle {
    return { 'text/plain': this.description, 'image/png': this.payload.image.png, [MIME.images]: this.payload };
  }
}

function diagram(c: Canvas, title: string, sourceShape: number[], description: string): Diagram {
  const png = c.toPNG();
  return new Diagram({
    version: 1, kind: 'images', title, sourceShape, rows: 1, cols: 1, colormap: 'diagram',
    image: { png: png.toString('base64'), width: c.width, height: c.height },
  }, description);
}

/** Fill and outline colours of a layer's box, by kind. */
export const LAYER_COLORS = {
  conv: ['#d6e4f5', '#3b6fb6'], pool: ['#d7efdd', '#2a9d5f'], linear: ['#fbe3c8', '#d07a12'], other: ['#ececec', '#8a8a8a'],
} as const;

function kindOf(className: string): keyof typeof LAYER_COLORS {
  if (/^Conv/.test(className)) return 'conv';
  if (/Pool/.test(className)) return 'pool';
  if (/^(Linear|Bilinear)$/.test(className)) return 'linear';
  return 'other';
}

/** An arrow from (x0, y0) to (x1, y1) with its head at the end. */
function arrow(c: Canvas, x0: number, y0: number, x1: number, y1: number, color = INK, width = 1.5): void {
  c.line(x0, y0, x1, y1, color, width);
  const a = Math.atan2(y1 - y0, x1 - x0), s = 7;
  c.polyline([[x1 - s * Math.cos(a - 0.4), y1 - s * Math.sin(a - 0.4)], [x1, y1], [x1 - s * Math.cos(a + 0.4), y1 - s * Math.sin(a + 0.4)]], color, width);
}

/** A box with a 1.5-px outline. */
function box(c: Canvas, x: number, y: number, w: number, h: number, fill: string, stroke: string): void {
  c.fillRect(x, y, w, h, stroke);
  c.fillRect(x + 1.5, y + 1.5, w - 3, h - 3, fill);
}

/** `text` cut with … to at most `max` px. */
function fit(text: string, max: number, size: number, bold = false): string {
  if (textWidth(text, size, bold) <= max) return text;
  let s = text;
  while (s.length > 1 && textWidth(`${s}…`, size, bold) > max) s = s.slice(0, -1);
  return `${s}…`;
}

export interface ArchitectureOptions {
  title?: string;
  /** Width of the layer boxes in px (default 300). */
  boxWidth?: number;
}

/**
 * A feed-forward model as a diagram: its leaf layers (in the order they run
 * in a forward pass of a sample of `inputShape`) as boxes from the input
 * down, each labelled with its class and settings, the shape it outputs and
 * its parameter count; the total at the bottom.
 * @example architectureDiagram(model, [1, 1, 28, 28], { title: 'LeNet-5' })
 */
export function architectureDiagram(model: Module, inputShape: SampleInput, opts: ArchitectureOptions = {}): Diagram {
  if (!(model instanceof Module)) throw new ArgumentError(`architectureDiagram: expected a Module, got ${Object.prototype.toString.call(model)}`);
  const payload = summaryPayload(model, inputShape);
  const modules = new Map(model.namedModules());
  const layers = payload.rows.filter((r) => r.isLeaf && r.name !== '' && r.calls > 0);
  if (layers.length === 0) throw new ArgumentError(`architectureDiagram: ${model.constructor.name} ran no leaf layers on an input of shape ${fmtShape(payload.inputShape ?? [])}`);
  const title = opts.title ?? `${model.constructor.name}: ${layers.length} layers`;
  const BW = opts.boxWidth ?? 300, BH = 38, GAP = 22, X0 = 20, TOP = 40;
  const shapeX = X0 + BW + 16;
  const shapeW = Math.max(
    textWidth('output shape', TEXT_SIZE - 1, true),
    ...layers.map((r) => textWidth(`→ ${fmtShape(r.outputShape ?? [])}`, TEXT_SIZE)),
    ...layers.map((r) => textWidth(`${r.params.toLocaleString('en')} parameters`, TEXT_SIZE - 2)),
  );
  const W = Math.ceil(shapeX + shapeW + 20);
  const rows = layers.length + 1;
  const H = TOP + rows * BH + (rows - 1) * GAP + 44;
  const c = new Canvas(W, H, 'viridis');
  c.text(W / 2, 12, title, INK, { size: TEXT_SIZE + 2, bold: true, align: 'center' });
  c.text(shapeX, TOP - 16, 'output shape', MUTED, { size: TEXT_SIZE - 1, bold: true });
  const lines: string[] = [`${title}`, `input ${fmtShape(payload.inputShape ?? [])}`];
  // the input
  box(c, X0, TOP, BW, BH, '#ffffff', '#444444');
  c.text(X0 + BW / 2, TOP + 6, 'input', INK, { bold: true, align: 'center' });
  c.text(X0 + BW / 2, TOP + 22, fmtShape(payload.inputShape ?? []), MUTED, { size: TEXT_SIZE - 2, align: 'center' });
  c.text(shapeX, TOP + 12, fmtShape(payload.inputShape ?? []), INK);
  layers.forEach((r, i) => {
    const y = TOP + (i + 1) * (BH + GAP);
    arrow(c, X0 + BW / 2, y - GAP + 1, X0 + BW / 2, y - 2);
    const [fill, stroke] = LAYER_COLORS[kindOf(r.className)];
    box(c, X0, y, BW, BH, fill, stroke);
    const m = modules.get(r.name);
    const extra = m ? m.extraRepr() : '';
    c.text(X0 + 8, y + 5, fit(`${r.className}  (${r.name})`, BW - 16, TEXT_SIZE, true), INK, { bold: true });
    c.text(X0 + 8, y + 21, fit(extra || '—', BW - 16, TEXT_SIZE - 2), MUTED, { size: TEXT_SIZE - 2 });
    const shape = fmtShape(r.outputShape ?? []);
    c.text(shapeX, y + 5, `→ ${shape}`, INK);
    c.text(shapeX, y + 21, `${r.params.toLocaleString('en')} parameters`, r.params > 0 ? stroke : MUTED, { size: TEXT_SIZE - 2 });
    lines.push(`${r.name} ${r.className}(${extra}) → ${shape}, ${r.params} parameters`);
  });
  const total = `${payload.totals.params.toLocaleString('en')} parameters in all`;
  c.text(X0 + BW / 2, H - 28, total, INK, { bold: true, align: 'center' });
  lines.push(total);
  return diagram(c, title, [...(payload.inputShape ?? [])], lines.join('\n'));
}

export interface UnrolledRNNOptions {
  /** Time steps drawn (default 3; at most 8). */
  steps?: number;
  /** A model to read the sizes from: anything with inputSize, hiddenSize, outputSize (nn.TextbookRNN) and optionally outputs. */
  rnn?: { inputSize: number; hiddenSize: number; outputSize?: number; outputs?: 'all' | 'last' };
  inputSize?: number;
  hiddenSize?: number;
  outputSize?: number;
  /** 'all' (default): an output o_t at every step; 'last': only the last step's. */
  outputs?: 'all' | 'last';
  title?: string;
}

/**
 * A recurrent network unrolled over `steps` time steps: inputs x_t at the
 * bottom, hidden states h_t in the middle (h₀ = 0 at the left), outputs o_t
 * on top (every step, or the last one only), the arrows labelled with the
 * shared weights U (x → h), W (h → h) and V (h → o), and the equations with
 * the weights' shapes when the sizes are known.
 * @example unrolledRNNDiagram({ steps: 3, rnn: new nn.TextbookRNN(3, 4, 2) })
 */
export function unrolledRNNDiagram(opts: UnrolledRNNOptions = {}): Diagram {
  const steps = opts.steps ?? 3;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 8)) throw new ArgumentError(`unrolledRNNDiagram: steps must be an integer from 1 to 8, got ${steps}`);
  const nIn = opts.inputSize ?? opts.rnn?.inputSize, nH = opts.hiddenSize ?? opts.rnn?.hiddenSize, nOut = opts.outputSize ?? opts.rnn?.outputSize;
  const outputs = opts.outputs ?? opts.rnn?.outputs ?? 'all';
  if (outputs !== 'all' && outputs !== 'last') throw new ArgumentError(`unrolledRNNDiagram: outputs must be 'all' or 'last', got '${String(outputs)}'`);
  const sub = (t: number) => String(t).split('').map((d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]).join('');
  const title = opts.title ?? `an RNN unrolled over ${steps} step${steps === 1 ? '' : 's'} (按时间展开): the same U, W, V at every step`;
  const R = 24, COL = 128, X0 = 96, YO = 70, YH = 170, YX = 270;
  const W = Math.max(X0 + steps * COL + 40, textWidth(title, TEXT_SIZE + 1, true) + 40);
  const H = 380;
  const c = new Canvas(Math.ceil(W), H, 'viridis');
  c.text(W / 2, 10, title, INK, { size: TEXT_SIZE + 1, bold: true, align: 'center' });
  const node = (x: number, y: number, label: string, fill: string, stroke: string) => {
    c.dot(x, y, R, stroke);
    c.dot(x, y, R - 2, fill);
    c.text(x, y - 8, label, INK, { size: TEXT_SIZE + 2, align: 'center' });
  };
  const [hf, hs] = ['#d6e4f5', '#3b6fb6'], [xf, xs] = ['#d7efdd', '#2a9d5f'], [of, os] = ['#fbe3c8', '#d07a12'];
  // h₀ = 0 at the left
  const h0 = X0 - COL / 2 + 10;
  c.dot(h0, YH, R - 6, '#9a9a9a');
  c.dot(h0, YH, R - 8, '#ffffff');
  c.text(h0, YH - 7, 'h' + sub(0), MUTED, { size: TEXT_SIZE, align: 'center' });
  c.text(h0, YH + R, '= 0', MUTED, { size: TEXT_SIZE - 1, align: 'center' });
  let prev = h0 + R - 6;
  for (let t = 1; t <= steps; t++) {
    const x = X0 + (t - 1) * COL + COL / 2 - 10;
    // W: h_{t-1} → h_t
    arrow(c, prev + 2, YH, x - R - 2, YH, hs, 2);
    c.text((prev + x - R) / 2, YH - 20, 'W', hs, { bold: true, align: 'center' });
    // U: x_t → h_t
    node(x, YX, 'x' + sub(t), xf, xs);
    arrow(c, x, YX - R - 2, x, YH + R + 2, xs, 2);
    c.text(x + 8, (YX + YH) / 2 - 7, 'U', xs, { bold: true });
    node(x, YH, 'h' + sub(t), hf, hs);
    if (outputs === 'all' || t === steps) {
      arrow(c, x, YH - R - 2, x, YO + R + 2, os, 2);
      c.text(x + 8, (YO + YH) / 2 - 7, 'V', os, { bold: true });
      node(x, YO, 'o' + sub(t), of, os);
    }
    prev = x + R;
  }
  // the next step, faded: the chain goes on
  arrow(c, prev + 2, YH, prev + 44, YH, '#9a9a9a', 1.5);
  c.text(prev + 50, YH - 8, '…', MUTED, { size: TEXT_SIZE + 2 });
  const dim = (a?: number, b?: number) => (a !== undefined && b !== undefined ? ` [${a}×${b}]` : '');
  const eq = [
    `h_t = tanh(U x_t + W h_{t−1} + b)    U${dim(nH, nIn)}, W${dim(nH, nH)}`,
    `o_t = V h_t + c${outputs === 'last' ? ' (the last step only)' : ''}    V${dim(nOut, nH)}`,
  ];
  c.text(20, YX + R + 22, eq[0], INK, { size: TEXT_SIZE });
  c.text(20, YX + R + 40, eq[1], INK, { size: TEXT_SIZE });
  if (nIn !== undefined && nH !== undefined && nOut !== undefined) {
    const params = nH * nIn + nH * nH + nH + nOut * nH + nOut;
    eq.push(`${params} parameters, for any number of steps`);
    c.text(20, YX + R + 58, eq[2], MUTED, { size: TEXT_SIZE - 1 });
  }
  return diagram(c, title, [steps], [title, ...eq].join('\n'));
}
