/**
 * application/vnd.nnlab.run+json: one training run, live. A header (name,
 * status, hyperparameters), a progress bar with epoch/batch/samples/s/ETA,
 * and a plotly chart of loss and accuracy with the best epoch marked.
 *
 * While `fit` trains the run: Pause/Resume, Step, Stop and a learning-rate
 * field (steer.ts), sent to the kernel of the notebook the output is in.
 * Steering events are listed and marked on the loss chart with their values.
 *
 * The kernel updates a live run's output in place (update_display_data);
 * JupyterLab then calls `renderModel` again on this same widget, which
 * updates the text and redraws the chart with `Plotly.react`: no flicker.
 */
import { MIME, type RunPayload } from '../protocol';
import { fmtCount, fmtNumber, fmtSeconds, h, isRecord, num, str } from '../dom';
import { PlotArea, baseLayout } from '../plotly';
import { bestEpoch, epochsOf, hyperparameterText, singleRunFigure } from '../runs/figures';
import { PayloadRenderer } from './base';
import { SteerControls, eventsLine, kernelFor } from '../steer';

/** Fraction of the planned batches done (0..1), or null when unknown. */
export function runFraction(p: RunPayload): number | null {
  if (p.status === 'completed') return 1;
  const g = isRecord(p.progress) ? p.progress : null;
  const total = num(p.totalEpochs);
  const perEpoch = g ? num(g.batchesPerEpoch) : null;
  if (!g || !perEpoch || !total) return total ? epochsOf(p).length / total : null;
  return Math.min(1, (((num(g.epoch) ?? 1) - 1) * perEpoch + (num(g.batch) ?? 0)) / (total * perEpoch));
}

export function progressText(p: RunPayload): string {
  const g = isRecord(p.progress) ? p.progress : null;
  if (!g) return p.status === 'running' ? 'starting…' : `${epochsOf(p).length}/${fmtCount(p.totalEpochs)} epochs`;
  const batches = num(g.batchesPerEpoch) ? `${fmtCount(g.batch)}/${fmtCount(g.batchesPerEpoch)}` : fmtCount(g.batch);
  const parts = [
    `epoch ${fmtCount(g.epoch)}/${fmtCount(g.totalEpochs)}`,
    `batch ${batches}`,
    `${fmtCount(g.samplesPerSec)} samples/s`,
    `elapsed ${fmtSeconds(g.elapsedSec)}`,
  ];
  if (p.status === 'running') parts.push(`ETA ${fmtSeconds(g.etaSec)}`);
  // NOTE: the headline is the epoch's running mean; the last batch's loss alone is noisy.
  const epochLoss = num(g.epochLoss);
  parts.push(epochLoss !== null ? `loss ${fmtNumber(epochLoss)} (epoch mean; last batch ${fmtNumber(g.loss)})` : `loss ${fmtNumber(g.loss)}`);
  return parts.join(' · ');
}

export class RunRenderer extends PayloadRenderer<RunPayload> {
  private readonly heading = h('span', { className: 'nnlab-title' });
  private readonly status = h('span', { className: 'nnlab-status' });
  private readonly params = h('span', { className: 'nnlab-muted nnlab-hparams' });
  private readonly bar = h('div', { className: 'nnlab-progress-fill' });
  private readonly progress = h('div', { className: 'nnlab-progress-text' });
  private readonly best = h('div', { className: 'nnlab-best' });
  private readonly error = h('div', { className: 'nnlab-error' });
  private readonly events = h('div', { className: 'nnlab-run-events nnlab-muted' });
  private readonly controls = new SteerControls(() => kernelFor(this.node));
  private readonly plot: PlotArea;
  private built = false;

  constructor() {
    super(MIME.run, 'run', 'nnlab-run');
    this.plot = this.track(new PlotArea('nnlab-plot nnlab-run-chart', 300));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.controls.dispose();
    super.dispose();
  }

  protected override showError(message: string): void {
    this.built = false;
    super.showError(message);
  }

  protected render(p: RunPayload): Promise<void> {
    if (!this.built) {
      this.node.textContent = '';
      this.node.append(
        h('div', { className: 'nnlab-header' }, this.heading, ' ', this.status, ' ', this.params),
        h('div', { className: 'nnlab-progress' }, this.bar),
        this.controls.node, this.progress, this.best, this.error, this.events, this.plot.node);
      this.built = true;
    }
    const status = str(p.status, 'unknown');
    this.heading.textContent = `${str(p.name)} `;
    this.heading.appendChild(h('span', { className: 'nnlab-muted' }, str(p.id)));
    this.status.textContent = status;
    this.status.dataset.status = status;
    this.node.dataset.status = status;
    this.params.textContent = hyperparameterText(p);
    const frac = runFraction(p);
    this.bar.style.width = frac === null ? '0' : `${(frac * 100).toFixed(1)}%`;
    this.bar.dataset.status = status;
    this.progress.textContent = progressText(p);
    const best = bestEpoch(p);
    this.best.textContent = best ? `best epoch ${best.epoch}: ${best.metric} ${fmtNumber(best.value)}` : '';
    this.error.textContent = p.error ? str(p.error) : '';
    const events = eventsLine(p);
    this.events.textContent = events ? `events: ${events}` : '';
    this.controls.update(p);
    const fig = singleRunFigure(p);
    return this.plot.update(fig.data, baseLayout(this.plot.node, fig.layout));
  }
}
