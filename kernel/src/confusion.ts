/**
 * Confusion matrices and per-class accuracy for classifiers.
 *
 *   matrix[t][p] = #{ i : target_i = t and prediction_i = p }
 *   accuracy(class t) = matrix[t][t] / Σ_p matrix[t][p]      (recall)
 *   precision(class p) = matrix[p][p] / Σ_t matrix[t][p]
 *
 * Predictions are class indices [N], or logits/probabilities [N, C] (argmax
 * over the last axis).
 *
 * @example
 *   const cm = confusionMatrix(model.forward(xTest), yTest, { classNames: FASHION_CLASSES });
 *   cm.accuracy        // overall
 *   display(cm)        // coloured table with per-class accuracy
 */
import { Tensor } from '../../src/tensor';
import { noGrad } from '../../src/autograd';
import { ArgumentError, ShapeError } from '../../src/errors';
import { MIME, type ConfusionPayload, type MediaBundle } from '../protocol';
import { Canvas, INK, MUTED } from './canvas';
import { colormapHex, textColorOn } from './colormap';
import { escapeHtml, fmtCount, textTable } from './format';

const DISPLAY = Symbol.for('Jupyter.display');

export interface ConfusionOptions {
  classNames?: readonly string[];
  /** Number of classes (default: classNames.length, else the logits' width, else 1 + the largest label). */
  numClasses?: number;
}

function labelsOf(t: Tensor, what: string): ArrayLike<number> {
  if (t.ndim === 2) return t.argmax(1).values();
  if (t.ndim === 1) return t.values();
  throw new ShapeError(`confusionMatrix: ${what} must be class indices [N] or scores [N, C], got shape [${t.shape.join(', ')}]`);
}

export class ConfusionMatrix {
  constructor(readonly payload: ConfusionPayload) {}

  get matrix(): number[][] {
    return this.payload.matrix;
  }
  get accuracy(): number | null {
    return this.payload.accuracy;
  }
  /** Accuracy (recall) of each class, null for a class with no samples. */
  get perClassAccuracy(): (number | null)[] {
    return this.payload.perClass.map((c) => c.accuracy);
  }

  toJSON(): ConfusionPayload {
    return this.payload;
  }

  toString(): string {
    const p = this.payload;
    const names = p.classNames;
    const header = ['true \\ pred', ...names.map((_, j) => String(j)), 'accuracy', 'n'];
    const rows = p.matrix.map((row, i) => [
      `${i} ${names[i]}`, ...row.map(String), pct(p.perClass[i].accuracy), String(p.perClass[i].support),
    ]);
    return `Confusion matrix, ${fmtCount(p.total)} samples, accuracy ${pct(p.accuracy)}\n` + textTable(header, rows, ['l', ...names.map(() => 'r' as const), 'r', 'r']);
  }

  [DISPLAY](): MediaBundle {
    // NOTE: image/png so GitHub, nbviewer and VS Code show the colours (they strip the HTML table's styles).
    return {
      'text/plain': this.toString(), 'text/html': confusionHtml(this.payload),
      'image/png': confusionPng(this.payload).toString('base64'), [MIME.confusion]: this.payload,
    };
  }
}

function pct(v: number | null): string {
  return v === null ? '—' : `${(100 * v).toFixed(1)}%`;
}

/** Counts of (target, prediction) pairs, with per-class accuracy and precision. */
export function confusionMatrix(predictions: Tensor, targets: Tensor, opts: ConfusionOptions = {}): ConfusionMatrix {
  const pred = noGrad(() => labelsOf(predictions, 'predictions'));
  const y = labelsOf(targets, 'targets');
  if (pred.length !== y.length) {
    throw new ShapeError(`confusionMatrix: ${pred.length} predictions (shape [${predictions.shape.join(', ')}]) but ${y.length} targets (shape [${targets.shape.join(', ')}])`);
  }
  let maxLabel = -1;
  for (let i = 0; i < y.length; i++) maxLabel = Math.max(maxLabel, y[i], pred[i]);
  const c = opts.numClasses ?? opts.classNames?.length ?? (predictions.ndim === 2 ? Math.max(predictions.shape[1], maxLabel + 1) : maxLabel + 1);
  if (maxLabel >= c) throw new ArgumentError(`confusionMatrix: label ${maxLabel} is out of range for ${c} classes`);
  const names = opts.classNames ? [...opts.classNames] : Array.from({ length: c }, (_, i) => String(i));
  if (names.length !== c) throw new ArgumentError(`confusionMatrix: ${names.length} class names for ${c} classes`);
  const matrix = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < y.length; i++) {
    const t = y[i], p = pred[i];
    if (!Number.isInteger(t) || t < 0) throw new ArgumentError(`confusionMatrix: target ${t} at index ${i} is not a class index`);
    if (!Number.isInteger(p) || p < 0) throw new ArgumentError(`confusionMatrix: prediction ${p} at index ${i} is not a class index`);
    matrix[t][p]++;
  }
  let correct = 0;
  const perClass = names.map((name, k) => {
    const support = matrix[k].reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + row[k], 0);
    correct += matrix[k][k];
    return { name, support, correct: matrix[k][k], accuracy: support ? matrix[k][k] / support : null, precision: predicted ? matrix[k][k] / predicted : null };
  });
  return new ConfusionMatrix({ version: 1, kind: 'confusion', classNames: names, matrix, total: y.length, accuracy: y.length ? correct / y.length : null, perClass });
}

/**
 * The colour of a cell: its fraction of the true class (count / row total)
 * through the sequential 'blues' scale (0 near-white, 1 darkest), and the text
 * colour (black or white) that contrasts more with it.
 */
export function confusionCellColors(count: number, rowTotal: number): { background: string; text: string; fraction: number } {
  const fraction = rowTotal > 0 ? count / rowTotal : 0;
  const background = colormapHex('blues', fraction);
  return { background, text: textColorOn(background), fraction };
}

/** The colour bar under the table: the scale in 10 steps, 0% … 100% of the true class. */
function colorBar(): string {
  const steps = Array.from({ length: 11 }, (_, i) => {
    const { background } = confusionCellColors(i, 10);
    return `<td style="width:18px;height:10px;padding:0;background:${background}" title="${i * 10}%"></td>`;
  });
  return `<table class="nnlab-colorbar" style="border-collapse:collapse;margin-top:4px;font-size:11px"><tr><td style="padding:0 4px 0 0;color:#555">0%</td>${steps.join('')}<td style="padding:0 0 0 4px;color:#555">100% of the true class</td></tr></table>`;
}

/** A table coloured by row-normalised counts (sequential blues: more is darker), with per-class accuracy and a colour bar. */
export function confusionHtml(p: ConfusionPayload): string {
  const cell = 'padding:2px 6px;text-align:right;border:1px solid #e3e6ee';
  const head = `<tr><th style="padding:2px 6px">true \\ predicted</th>${p.classNames.map((n) => `<th style="padding:2px 4px;writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal">${escapeHtml(n)}</th>`).join('')}<th style="padding:2px 6px">accuracy</th><th style="padding:2px 6px">n</th></tr>`;
  const rows = p.matrix.map((row, i) => {
    const cells = row.map((v, j) => {
      const { background: bg, text: fg } = confusionCellColors(v, p.perClass[i].support);
      return `<td style="${cell};background:${bg};color:${fg}${i === j ? ';font-weight:bold' : ''}" title="true ${escapeHtml(p.classNames[i])}, predicted ${escapeHtml(p.classNames[j])}: ${v}">${v}</td>`;
    });
    const acc = p.perClass[i].accuracy;
    const bar = acc === null ? '' : `<div style="display:inline-block;width:${Math.round(acc * 60)}px;height:8px;background:#636efa;margin-left:4px"></div>`;
    return `<tr><th style="padding:2px 6px;text-align:left;font-weight:normal">${escapeHtml(p.classNames[i])}</th>${cells.join('')}<td style="${cell};text-align:left;white-space:nowrap">${pct(acc)}${bar}</td><td style="${cell}">${p.perClass[i].support}</td></tr>`;
  });
  return `<div class="nnlab-confusion" style="font-size:12px"><div><b>Confusion matrix</b> · ${fmtCount(p.total)} samples · accuracy <b>${pct(p.accuracy)}</b> · cells coloured by the fraction of the true class</div><table style="border-collapse:collapse;font-family:monospace">${head}${rows.join('')}</table>${colorBar()}</div>`;
}

/**
 * The matrix as a picture: cells coloured as in confusionHtml (fraction of the
 * true class, sequential blues) with their counts, class names on both axes
 * (predicted ones turned), per-class accuracy at the right, a colour bar below.
 */
export function confusionPng(p: ConfusionPayload): Buffer {
  const c = p.classNames.length;
  const probe = new Canvas(1, 1);
  const cellW = Math.max(30, Math.ceil(probe.textWidth(fmtCount(Math.max(0, ...p.matrix.flat()))) + 10)), cellH = 22;
  const nameW = Math.ceil(Math.max(40, ...p.classNames.map((n) => probe.textWidth(n)))) + 10;
  const top = 26 + nameW, left = 18 + nameW, accW = 70;
  const width = left + c * cellW + accW + 10;
  const height = top + c * cellH + 46;
  const cv = new Canvas(width, height);
  cv.text(8, 6, `Confusion matrix · ${fmtCount(p.total)} samples · accuracy ${pct(p.accuracy)}`, INK, { bold: true });
  cv.text(left + (c * cellW) / 2, top - nameW - 2, 'predicted', MUTED, { align: 'center', size: 11 });
  cv.text(4, top + (c * cellH) / 2, 'true', MUTED, { size: 11, rotate: -90, align: 'center' });
  p.classNames.forEach((name, j) => {
    // Predicted names turned, reading upwards, ending just above their column.
    cv.text(left + j * cellW + cellW / 2 - 7, top - 6, name, INK, { rotate: -90, size: 11 });
    cv.text(left - 6, top + j * cellH + 5, name, INK, { align: 'right', size: 11 });
  });
  p.matrix.forEach((row, i) => {
    row.forEach((v, j) => {
      const { background, text } = confusionCellColors(v, p.perClass[i].support);
      const x = left + j * cellW, y = top + i * cellH;
      cv.fillRect(x, y, cellW, cellH, background);
      cv.text(x + cellW / 2, y + 5, String(v), text, { align: 'center', size: 11, bold: i === j });
    });
    cv.text(left + c * cellW + 8, top + i * cellH + 5, pct(p.perClass[i].accuracy), INK, { size: 11 });
  });
  cv.frame(left, top, c * cellW, c * cellH);
  cv.text(left + c * cellW + 8, top - 16, 'accuracy', MUTED, { size: 11 });
  // The colour bar: 0% … 100% of the true class.
  const barY = top + c * cellH + 14, steps = 50, barW = Math.min(c * cellW, 300);
  for (let k = 0; k < steps; k++) cv.fillRect(left + (k * barW) / steps, barY, barW / steps + 1, 10, colormapHex('blues', k / (steps - 1)));
  cv.frame(left, barY, barW, 10);
  cv.text(left, barY + 13, '0%', MUTED, { size: 10 });
  cv.text(left + barW, barY + 13, '100% of the true class', MUTED, { size: 10, align: 'right' });
  return cv.toPNG();
}

/**
 * The confusion matrix of `model` over a loader (eval mode, no graph).
 * @example display(confusionMatrixOf(model, testLoader, { classNames }))
 */
export function confusionMatrixOf(
  model: { forward(x: Tensor): Tensor; eval(): unknown; train(mode?: boolean): unknown; training?: boolean },
  batches: Iterable<[Tensor, Tensor]>,
  opts: ConfusionOptions = {},
): ConfusionMatrix {
  const wasTraining = model.training ?? false;
  model.eval();
  const preds: number[] = [], targets: number[] = [];
  let width = 0;
  try {
    noGrad(() => {
      for (const [x, y] of batches) {
        const out = model.forward(x);
        if (out.ndim === 2) width = Math.max(width, out.shape[1]);
        preds.push(...Array.from(labelsOf(out, 'model outputs')));
        targets.push(...Array.from(labelsOf(y, 'targets')));
      }
    });
  } finally {
    if (wasTraining) model.train(true);
  }
  const numClasses = opts.numClasses ?? opts.classNames?.length ?? (width || undefined);
  return confusionMatrix(new Tensor(Int32Array.from(preds), [preds.length]), new Tensor(Int32Array.from(targets), [targets.length]), { ...opts, numClasses });
}
