/**
 * Steering training runs from the lab: commands over the kernel's
 * 'nnlab.run' comm (kernel/src/steer.ts), and the controls that send them
 * (Pause/Resume, Step, Stop, a learning-rate field), shared by the live
 * training display and the Training Runs panel.
 *
 * One comm per kernel connection, opened on the first command and opened
 * again after the kernel closed it (a restart). Each command carries a
 * `requestId`; the kernel replies once the command took effect.
 *
 * A MIME renderer knows no kernel: the plugin (index.ts) installs a
 * locator that finds the kernel of the notebook an output is in.
 *
 * @example await steer(kernel, { action: 'pause', runId: 'run-k3x9-3' })   // reply.run.status === 'paused'
 */
import type { Kernel } from '@jupyterlab/services';
import { RUN_COMM_TARGET, type RunCommand, type RunCommandReply, type RunEventPayload, type RunPayload } from './protocol';
import { fmtCount, fmtNumber, h, isRecord, num, str } from './dom';

interface Channel {
  comm: Kernel.IComm;
  pending: Map<string, (reply: RunCommandReply) => void>;
}

const channels = new WeakMap<Kernel.IKernelConnection, Channel>();
let requests = 0;

function channelOf(kernel: Kernel.IKernelConnection): Channel {
  const existing = channels.get(kernel);
  if (existing && !existing.comm.isDisposed) return existing;
  const comm = kernel.createComm(RUN_COMM_TARGET);
  const channel: Channel = { comm, pending: new Map() };
  comm.onMsg = msg => {
    const data = msg.content.data as unknown;
    if (!isRecord(data) || data.kind !== 'reply') return;
    const id = str(data.requestId);
    channel.pending.get(id)?.(data as unknown as RunCommandReply);
    channel.pending.delete(id);
  };
  comm.onClose = msg => {
    channels.delete(kernel);
    const reason = isRecord(msg.content.data) ? str(msg.content.data.reason, 'the kernel closed the comm') : 'the kernel closed the comm';
    for (const [id, resolve] of channel.pending) resolve(refusal(id, 'command', `'${RUN_COMM_TARGET}': ${reason}`));
    channel.pending.clear();
  };
  comm.open({});
  channels.set(kernel, channel);
  return channel;
}

function refusal(requestId: string, action: string, error: string): RunCommandReply {
  const now = Date.now();
  return { kind: 'reply', requestId, action, ok: false, error, run: null, receivedAtStep: null, receivedAt: now, appliedAt: now };
}

/** Sends one command and resolves to the kernel's reply (a refusal after `timeoutMs`, or when the comm closes). */
export function steer(kernel: Kernel.IKernelConnection, command: Omit<RunCommand, 'requestId'>, timeoutMs = 15000): Promise<RunCommandReply> {
  const requestId = `steer-${Date.now().toString(36)}-${++requests}`;
  let channel: Channel;
  try {
    channel = channelOf(kernel);
  } catch (err) {
    return Promise.resolve(refusal(requestId, command.action, `cannot open the '${RUN_COMM_TARGET}' comm: ${err instanceof Error ? err.message : String(err)}`));
  }
  return new Promise(resolve => {
    const timer = window.setTimeout(() => {
      channel.pending.delete(requestId);
      resolve(refusal(requestId, command.action, `no reply from the kernel to '${command.action}' within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    channel.pending.set(requestId, reply => {
      window.clearTimeout(timer);
      resolve(reply);
    });
    channel.comm.send({ ...command, requestId } as unknown as Record<string, never>);
  });
}

// ---- finding the kernel of an output -------------------------------------------------

export type KernelLocator = (node: HTMLElement) => Kernel.IKernelConnection | null;
const LOCATOR = Symbol.for('nnlab.steer.kernelLocator');

/** The plugin installs how to find the kernel of the notebook an element is in. */
export function setKernelLocator(locator: KernelLocator | null): void {
  (window as unknown as Record<symbol, KernelLocator | null>)[LOCATOR] = locator;
}

/** The kernel of the notebook `node` is in (null: none, or no nnlab plugin). */
export function kernelFor(node: HTMLElement): Kernel.IKernelConnection | null {
  const locator = (window as unknown as Record<symbol, KernelLocator | null | undefined>)[LOCATOR];
  return locator ? locator(node) : null;
}

// ---- events ---------------------------------------------------------------------------

const EVENT_NAMES: Record<string, string> = { lr: 'lr', momentum: 'momentum', weightDecay: 'weight decay' };

/** A run's well-formed events. */
export function eventsOf(run: RunPayload): RunEventPayload[] {
  return (Array.isArray(run.events) ? run.events : []).filter(e => isRecord(e) && num(e.step) !== null && typeof e.kind === 'string') as RunEventPayload[];
}

/** 'lr 0.1 → 0.025', or 'pause'. */
export function eventText(e: RunEventPayload): string {
  const value = num(e.value);
  if (value === null) return str(e.kind);
  const from = num(e.from);
  return `${EVENT_NAMES[e.kind] ?? str(e.kind)} ${from !== null ? `${fmtNumber(from)} → ` : ''}${fmtNumber(value)}`;
}

/** 'lr=0.025' (the new value), or 'pause': the label of an event's marker. */
export function eventLabel(e: RunEventPayload): string {
  const value = num(e.value);
  return value === null ? str(e.kind) : `${e.kind === 'weightDecay' ? 'wd' : str(e.kind)}=${fmtNumber(value)}`;
}

/** 'step 12: lr 0.1 → 0.025 · step 30: pause' (the last `max`). */
export function eventsLine(run: RunPayload, max = 12): string {
  const events = eventsOf(run);
  const shown = events.slice(-max).map(e => `step ${fmtCount(e.step)}: ${eventText(e)}`).join(' · ');
  return events.length > max ? `(${events.length - max} earlier) ${shown}` : shown;
}

// ---- controls -------------------------------------------------------------------------

/** The last reply shown per run id (kept while the run's status stays what it was then). */
const lastMessages = new Map<string, { text: string; error: boolean; status: string | null }>();

/** True for a run `fit` is training (it can be steered). */
export function steerable(run: RunPayload): boolean {
  return (run.status === 'running' || run.status === 'paused') && isRecord(run.steer);
}

/**
 * Pause/Resume, Step, Stop and a learning-rate field for one run. `update`
 * shows a new payload of the run; `kernel()` gives the kernel to send to.
 * After each reply the node dispatches a 'nnlab-steered' event (detail: the reply).
 */
export class SteerControls {
  readonly node = h('div', { className: 'nnlab-steer', role: 'toolbar', aria: { label: 'steer the training run' } });
  private readonly pauseButton = h('button', { className: 'jp-mod-styled nnlab-button nnlab-steer-pause', type: 'button', title: 'Pause after the current batch' }, 'Pause');
  private readonly stepButton = h('button', { className: 'jp-mod-styled nnlab-button nnlab-steer-step', type: 'button', title: 'Train one batch, then pause' }, 'Step');
  private readonly stopButton = h('button', { className: 'jp-mod-styled nnlab-button nnlab-steer-stop', type: 'button', title: 'End the run, keeping the weights of the last completed step' }, 'Stop');
  private readonly lrInput = h('input', { className: 'nnlab-steer-lr', type: 'text', aria: { label: 'learning rate' }, title: 'Learning rate: Enter sets it from the next step' });
  private readonly lrButton = h('button', { className: 'jp-mod-styled nnlab-button nnlab-steer-set-lr', type: 'button', title: 'Set the learning rate from the next step' }, 'Set lr');
  private readonly message = h('span', { className: 'nnlab-steer-message nnlab-muted', role: 'status' });
  private run: RunPayload | null = null;
  private busy = 0;
  /** The run's status when the message was shown: a message outlives no status change made elsewhere. */
  private saidAtStatus: string | null = null;
  /** The lr field is not overwritten while the user edits it. */
  private editing = false;

  constructor(private readonly kernel: () => Kernel.IKernelConnection | null) {
    this.node.append(this.pauseButton, this.stepButton, this.stopButton, h('label', { className: 'nnlab-steer-lr-label' }, 'lr ', this.lrInput), this.lrButton, this.message);
    this.pauseButton.addEventListener('click', this.onPause);
    this.stepButton.addEventListener('click', this.onStep);
    this.stopButton.addEventListener('click', this.onStop);
    this.lrButton.addEventListener('click', this.onSetLr);
    this.lrInput.addEventListener('keydown', this.onLrKey);
    this.lrInput.addEventListener('focus', this.onLrFocus);
    this.lrInput.addEventListener('blur', this.onLrBlur);
  }

  dispose(): void {
    this.pauseButton.removeEventListener('click', this.onPause);
    this.stepButton.removeEventListener('click', this.onStep);
    this.stopButton.removeEventListener('click', this.onStop);
    this.lrButton.removeEventListener('click', this.onSetLr);
    this.lrInput.removeEventListener('keydown', this.onLrKey);
    this.lrInput.removeEventListener('focus', this.onLrFocus);
    this.lrInput.removeEventListener('blur', this.onLrBlur);
  }

  /** Shows the run's state; hides the controls once it can no longer be steered. */
  update(run: RunPayload): void {
    this.run = run;
    const live = steerable(run);
    this.node.hidden = !live;
    this.node.dataset.status = str(run.status);
    const kept = lastMessages.get(str(run.id));
    if (kept && this.message.textContent === '' && this.busy === 0) {
      // NOTE: a re-created output (JupyterLab may rebuild it on an update) shows the last reply again.
      this.message.textContent = kept.text;
      this.message.dataset.error = kept.error ? 'true' : 'false';
      this.saidAtStatus = kept.status;
    }
    if (this.busy === 0 && this.saidAtStatus !== null && this.saidAtStatus !== str(run.status)) {
      this.message.textContent = '';
      this.saidAtStatus = null;
      lastMessages.delete(str(run.id));
    }
    const paused = run.status === 'paused';
    this.pauseButton.textContent = paused ? 'Resume' : 'Pause';
    this.pauseButton.title = paused ? 'Go on training' : 'Pause after the current batch';
    this.stepButton.disabled = !paused || this.busy > 0;
    const lr = isRecord(run.steer) ? num(run.steer.lr) : null;
    this.lrInput.disabled = this.lrButton.disabled = lr === null;
    if (!this.editing && lr !== null) this.lrInput.value = String(lr);
  }

  private readonly onPause = () => void this.send(this.run?.status === 'paused' ? { action: 'resume' } : { action: 'pause' });
  private readonly onStep = () => void this.send({ action: 'step' });
  private readonly onStop = () => void this.send({ action: 'stop' });
  private readonly onSetLr = () => {
    const value = Number(this.lrInput.value.trim());
    if (this.lrInput.value.trim() === '' || !Number.isFinite(value)) {
      this.say(`not a number: '${this.lrInput.value}'`, true);
      return;
    }
    this.editing = false;
    void this.send({ action: 'set', name: 'lr', value });
  };
  private readonly onLrKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter') this.onSetLr();
  };
  private readonly onLrFocus = () => (this.editing = true);
  private readonly onLrBlur = () => {
    // NOTE: an unsent edit stays visible until the next update shows the kernel's value.
    window.setTimeout(() => (this.editing = document.activeElement === this.lrInput), 0);
  };

  private say(text: string, error = false): void {
    this.saidAtStatus = this.run ? str(this.run.status) : null;
    this.message.textContent = text;
    this.message.dataset.error = error ? 'true' : 'false';
    if (this.run) lastMessages.set(str(this.run.id), { text, error, status: this.saidAtStatus });
  }

  private async send(command: Omit<RunCommand, 'requestId' | 'runId'>): Promise<void> {
    const run = this.run;
    const kernel = this.kernel();
    if (!run) return;
    if (!kernel) return this.say('no kernel for this run', true);
    this.busy++;
    this.node.dataset.busy = 'true';
    this.say(`${command.action}…`);
    try {
      const reply = await steer(kernel, { ...command, runId: str(run.id) });
      if (!reply.ok) this.say(reply.error ?? 'refused', true);
      else this.say(command.action === 'set' ? `lr = ${fmtNumber(command.value ?? null)} from step ${fmtCount((reply.run?.steps ?? 0) + 1)}` : `${reply.run?.status ?? ''} at step ${fmtCount(reply.run?.steps ?? null)}`);
      if (reply.run && this.run && this.run.id === reply.run.id) {
        this.run = { ...this.run, status: reply.run.status, events: reply.run.events, steer: reply.run.steer };
        this.saidAtStatus = reply.run.status;
        const kept = lastMessages.get(str(this.run.id));
        if (kept) kept.status = reply.run.status;
      }
      this.node.dispatchEvent(new CustomEvent('nnlab-steered', { detail: reply }));
    } finally {
      this.busy--;
      if (this.busy === 0) delete this.node.dataset.busy;
      if (this.run) this.update(this.run);
    }
  }
}
