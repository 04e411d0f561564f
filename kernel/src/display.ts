/**
 * The display protocol and the thin adapter to the kernel.
 *
 * An object is displayable when it has a method `[Symbol.for('Jupyter.display')]()`
 * returning a MIME bundle (the convention of Deno's kernel). `display(x)`
 * sends the whole bundle in one `display_data` message (several MIME types,
 * JSON types as objects) and returns a handle whose `update(y)` replaces the
 * output in place (`update_display_data` with the same display id).
 *
 * This file is the only one that writes to the kernel. Inside tslab (and so
 * inside the nnlab kernel) it uses tslab's writer of the cell being executed,
 * `require('tslab/dist/jupyter').lastWriteDisplayData`; outside a kernel it
 * prints the text/plain form.
 *
 * @example
 *   const h = display(nn.randn([4, 4]));
 *   h.update(nn.zeros([4, 4]));   // same output, new content
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { MediaBundle } from '../protocol';

export const DISPLAY = Symbol.for('Jupyter.display');

export interface Displayable {
  [DISPLAY](): MediaBundle;
}

export function isDisplayable(x: unknown): x is Displayable {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as Record<symbol, unknown>)[DISPLAY] === 'function';
}

/** The bundle of any value: its display method's, else `text/plain` as Node's REPL prints it. */
export function bundleOf(value: unknown): MediaBundle {
  if (isDisplayable(value)) {
    const bundle = value[DISPLAY]();
    if (bundle && typeof bundle === 'object') {
      if (typeof bundle['text/plain'] !== 'string') return { 'text/plain': inspect(value), ...bundle };
      return bundle;
    }
  }
  return { 'text/plain': typeof value === 'string' ? value : inspect(value) };
}

/** The content of a display_data / update_display_data message. */
export interface DisplayMessage {
  data: MediaBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/** Where display messages go: tslab's writer, or a test's. */
export type DisplaySink = (message: DisplayMessage, update: boolean) => void;

let overrideSink: DisplaySink | null = null;

/** Routes displays to `sink` (tests, or hosts other than tslab); `null` restores the default. */
export function setDisplaySink(sink: DisplaySink | null): void {
  overrideSink = sink;
}

/** As setDisplaySink, returning the sink set before (an Output widget's capture restores it). */
export function swapDisplaySink(sink: DisplaySink | null): DisplaySink | null {
  const before = overrideSink;
  overrideSink = sink;
  return before;
}

function tslabJupyterModule(): { lastWriteDisplayData?: DisplaySink | null } | null {
  // NOTE: only a tslab that is already loaded (we are inside its kernel); never load it here.
  try {
    const path = require.resolve('tslab/dist/jupyter');
    return (require.cache[path]?.exports as { lastWriteDisplayData?: DisplaySink | null }) ?? null;
  } catch {
    return null;
  }
}

/** The sink of the cell being executed, or null outside a kernel. */
export function currentSink(): DisplaySink | null {
  if (overrideSink) return overrideSink;
  return tslabJupyterModule()?.lastWriteDisplayData ?? null;
}

/** True inside a Jupyter kernel (tslab or nnlab) while a cell can display. */
export function inKernel(): boolean {
  return currentSink() !== null;
}

export function newDisplayId(): string {
  return `nnlab-${randomBytes(8).toString('hex')}`;
}

/** Sends a bundle; outside a kernel prints its text/plain form (not on updates). */
export function sendBundle(data: MediaBundle, opts: { id?: string; update?: boolean; metadata?: Record<string, unknown> } = {}): void {
  const sink = currentSink();
  if (!sink) {
    if (!opts.update) console.log(typeof data['text/plain'] === 'string' ? data['text/plain'] : inspect(data));
    return;
  }
  const message: DisplayMessage = { data, metadata: opts.metadata ?? {}, transient: opts.id ? { display_id: opts.id } : {} };
  sink(message, opts.update ?? false);
}

/** One output in the notebook that can be replaced in place. */
export class DisplayHandle {
  constructor(readonly id: string) {}

  /** Replaces the output with `value`'s bundle (update_display_data). */
  update(value: unknown): void {
    sendBundle(bundleOf(value), { id: this.id, update: true });
  }

  /** Replaces the output with a ready-made bundle. */
  updateBundle(bundle: MediaBundle): void {
    sendBundle(bundle, { id: this.id, update: true });
  }
}

/**
 * Shows `value` rich: every MIME type of its bundle in one display_data
 * message. Returns a handle to update it in place.
 * @example display(model); display(nn.randn([3, 28, 28]));
 */
export function display(value: unknown, opts: { id?: string } = {}): DisplayHandle {
  const id = opts.id ?? newDisplayId();
  sendBundle(bundleOf(value), { id });
  return new DisplayHandle(id);
}

/**
 * Clears the cell's output (clear_output; with `wait`, when the next output
 * arrives). Needs the nnlab kernel (plain tslab has no clear_output); the live
 * training display does not use it (it updates in place).
 */
export function clearOutput(wait = false): void {
  const sink = currentSink() as (DisplaySink & { clearOutput?: (wait: boolean) => void }) | null;
  if (sink?.clearOutput) sink.clearOutput(wait);
}

/** Shows a ready-made MIME bundle. */
export function displayBundle(bundle: MediaBundle, opts: { id?: string } = {}): DisplayHandle {
  const id = opts.id ?? newDisplayId();
  sendBundle(bundle, { id });
  return new DisplayHandle(id);
}
