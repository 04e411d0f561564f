/**
 * Jupyter comms in the nnlab kernel: the `comm_open` / `comm_msg` /
 * `comm_close` messages of the Jupyter protocol, both ways, with binary
 * buffers (https://jupyter-client.readthedocs.io/en/latest/messaging.html#custom-messages).
 *
 * Kernel code opens a comm with `openComm(target, data)`, or registers a
 * target with `registerCommTarget(name, (comm, msg) => …)` for comms the
 * frontend opens; then `comm.send(data, { buffers })`, `comm.onMsg(…)`,
 * `comm.close()`. The kernel launcher (kernel/src/launcher.ts) installs the
 * transport that publishes on iopub and hands every comm message from the
 * frontend to `dispatchCommMessage`. Messages are dispatched as they arrive,
 * also while a cell runs: the training loop yields between batches, so a
 * message reaches its handler within one batch.
 *
 * State lives on `globalThis` under a `Symbol.for` key (as registry.ts), so
 * every copy of this module in the process sees the same comms.
 */

export type JSONObject = Record<string, unknown>;

/** A comm message as handlers see it. */
export interface CommMessage {
  /** `content.data`. */
  data: JSONObject;
  metadata: JSONObject;
  buffers: Uint8Array[];
  /** The Jupyter header of the message (msg_id, msg_type, session, …). */
  header: JSONObject;
}

export type CommMsgHandler = (msg: CommMessage) => void | Promise<void>;
export type CommTargetHandler = (comm: Comm, msg: CommMessage) => void | Promise<void>;

/** What the kernel provides: publishing a comm message on iopub, and the kernel log. */
export interface CommTransport {
  send(msgType: 'comm_open' | 'comm_msg' | 'comm_close', content: JSONObject, metadata: JSONObject, buffers: Uint8Array[]): void;
  /** The msg_id of the message kernel output is attributed to now (the comm message being handled, else the running cell). */
  parentMsgId(): string | null;
  log(text: string): void;
}

interface CommState {
  transport: CommTransport | null;
  comms: Map<string, Comm>;
  targets: Map<string, CommTargetHandler>;
}

const KEY = Symbol.for('nnlab.kernel.comms');

function commState(): CommState {
  const g = globalThis as unknown as Record<symbol, CommState | undefined>;
  return (g[KEY] ??= { transport: null, comms: new Map(), targets: new Map() });
}

/** The kernel launcher installs its transport; `null` removes it (tests). */
export function setCommTransport(transport: CommTransport | null): void {
  commState().transport = transport;
}

/** True where comms reach a frontend (inside the nnlab kernel). */
export function commsAvailable(): boolean {
  return commState().transport !== null;
}

/** The msg_id kernel output is attributed to now, or null outside a kernel. */
export function currentParentMsgId(): string | null {
  return commState().transport?.parentMsgId() ?? null;
}

function transport(what: string): CommTransport {
  const t = commState().transport;
  if (!t) throw new Error(`${what}: comms need the nnlab Jupyter kernel (no kernel transport in this process)`);
  return t;
}

function newCommId(): string {
  const { randomUUID } = require('node:crypto') as typeof import('node:crypto');
  return randomUUID().replace(/-/g, '');
}

/** One end of a comm: messages to the frontend with `send`, from it with `onMsg`. */
export class Comm {
  #msgHandlers: CommMsgHandler[] = [];
  #closeHandlers: CommMsgHandler[] = [];
  #closed = false;

  constructor(readonly commId: string, readonly targetName: string) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends `data` (JSON) and binary `buffers` to the frontend's end. */
  send(data: JSONObject = {}, opts: { metadata?: JSONObject; buffers?: Uint8Array[] } = {}): void {
    if (this.#closed) throw new Error(`Comm ${this.commId} (target '${this.targetName}'): send on a closed comm`);
    transport('Comm.send').send('comm_msg', { comm_id: this.commId, data }, opts.metadata ?? {}, opts.buffers ?? []);
  }

  /** Closes the comm on both ends (the frontend gets a comm_close). */
  close(data: JSONObject = {}, opts: { metadata?: JSONObject; buffers?: Uint8Array[] } = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    commState().comms.delete(this.commId);
    commState().transport?.send('comm_close', { comm_id: this.commId, data }, opts.metadata ?? {}, opts.buffers ?? []);
  }

  /** Calls `handler` with every message from the frontend. */
  onMsg(handler: CommMsgHandler): this {
    this.#msgHandlers.push(handler);
    return this;
  }

  /** Calls `handler` when the frontend closes the comm. */
  onClose(handler: CommMsgHandler): this {
    this.#closeHandlers.push(handler);
    return this;
  }

  /** @internal The launcher's dispatch. */
  _receive(msg: CommMessage): Promise<void> {
    return callAll(this.#msgHandlers, msg);
  }

  /** @internal The frontend closed it. */
  async _closedByFrontend(msg: CommMessage): Promise<void> {
    this.#closed = true;
    commState().comms.delete(this.commId);
    await callAll(this.#closeHandlers, msg);
  }
}

/**
 * Calls every handler now (synchronously, so what they send is attributed to
 * the message being handled), then waits for the async ones.
 */
function callAll(handlers: CommMsgHandler[], msg: CommMessage): Promise<void> {
  const results = handlers.map((h) => {
    try {
      return Promise.resolve(h(msg));
    } catch (err) {
      return Promise.reject(err);
    }
  });
  return Promise.all(results).then(() => undefined);
}

/** Opens a comm from the kernel to `targetName` on the frontend. */
export function openComm(targetName: string, data: JSONObject = {}, opts: { metadata?: JSONObject; buffers?: Uint8Array[]; commId?: string } = {}): Comm {
  const t = transport(`openComm('${targetName}')`);
  const comm = new Comm(opts.commId ?? newCommId(), targetName);
  commState().comms.set(comm.commId, comm);
  t.send('comm_open', { comm_id: comm.commId, target_name: targetName, data }, opts.metadata ?? {}, opts.buffers ?? []);
  return comm;
}

/** Accepts comms the frontend opens to `name`; returns a function that removes the target. */
export function registerCommTarget(name: string, handler: CommTargetHandler): () => void {
  const targets = commState().targets;
  targets.set(name, handler);
  return () => {
    if (targets.get(name) === handler) targets.delete(name);
  };
}

/** The open comms (for `comm_info_request`), all or those of one target. */
export function commInfo(targetName?: string | null): Record<string, { target_name: string }> {
  const out: Record<string, { target_name: string }> = {};
  for (const [id, comm] of commState().comms) if (!targetName || comm.targetName === targetName) out[id] = { target_name: comm.targetName };
  return out;
}

/** The comm with this id, if open. */
export function getComm(commId: string): Comm | undefined {
  return commState().comms.get(commId);
}

/** Why a comm message could not be handled (sent back to the frontend as an error and logged). */
export class CommError extends Error {
  override name = 'CommError';
}

/**
 * The launcher's entry point for a comm message from the frontend. Unknown
 * targets are refused (a comm_close, and the reason in the kernel log);
 * messages for unknown comms are logged and dropped, as ipykernel does;
 * a handler that throws is reported by the launcher.
 */
export async function dispatchCommMessage(msgType: string, content: JSONObject, metadata: JSONObject, buffers: Uint8Array[], header: JSONObject): Promise<void> {
  const state = commState();
  const commId = content.comm_id;
  if (typeof commId !== 'string' || commId === '') throw new CommError(`${msgType}: the message has no comm_id (content keys: ${Object.keys(content).join(', ') || 'none'})`);
  const data = (content.data ?? {}) as JSONObject;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CommError(`${msgType} for comm ${commId}: data must be an object, got ${Array.isArray(data) ? 'an array' : typeof data}`);
  const msg: CommMessage = { data, metadata, buffers, header };
  if (msgType === 'comm_open') {
    const target = String(content.target_name ?? '');
    const handler = state.targets.get(target);
    if (!handler) {
      const reason = `no comm target '${target}' is registered in the nnlab kernel${state.targets.size ? ` (targets: ${[...state.targets.keys()].join(', ')})` : ''}`;
      state.transport?.log(`comm_open ${commId} refused: ${reason}`);
      state.transport?.send('comm_close', { comm_id: commId, data: { reason } }, {}, []);
      return;
    }
    const comm = new Comm(commId, target);
    state.comms.set(commId, comm);
    try {
      await handler(comm, msg);
    } catch (err) {
      comm.close();
      throw err;
    }
    return;
  }
  const comm = state.comms.get(commId);
  if (!comm) {
    // NOTE: a frontend may message a comm the kernel closed a moment ago; ipykernel logs and drops it.
    state.transport?.log(`${msgType} for unknown comm ${commId} dropped`);
    return;
  }
  if (msgType === 'comm_msg') return comm._receive(msg);
  if (msgType === 'comm_close') return comm._closedByFrontend(msg);
}
