/**
 * The nnlab Jupyter kernel: tslab 1.0.22's TypeScript converter and executor
 * (which compile and run cells), behind nnlab's own handling of the Jupyter
 * messages. Started by kernel/bin/nnlab-kernel.js (the kernelspec's command).
 *
 * What it changes from plain tslab, and how:
 *  - A cell's last expression becomes an `execute_result` with the value's
 *    MIME bundle (`[Symbol.for('Jupyter.display')]()`, else Node's inspect),
 *    as IPython does. tslab's executor hands the last expression to the
 *    `console.log` of the console object it is created with; this file
 *    creates the executor with its own console whose `log` does this.
 *  - Errors become one `error` message (ename, evalue, traceback) and an
 *    execute_reply with them, instead of text on stderr: the executor reports
 *    compile diagnostics and exceptions through that console's `error`.
 *    Tracebacks name cell lines (each cell runs under its own file name, see
 *    kernel/src/traceback.ts) and hide nnlab's, Node's and tslab's frames.
 *  - Shorthand properties (`{ optimizer }`) referring to earlier cells work
 *    (tslab 1.0.22 throws ReferenceError): cells are rewritten to `{ optimizer: optimizer }`.
 *  - `execute_input` is published, silent requests do not count executions,
 *    `stop_on_error: false` is honoured, `history_request` is answered,
 *    `comm_info_reply` has its right type (tslab sends 'complete_reply'),
 *    `interrupt_request` works (interrupt_mode 'message'), kernel logs go to the kernel's
 *    stderr and not into the notebook, is_complete answers 'invalid' for code
 *    with syntax errors (tslab says 'complete'), clear_output can be sent.
 *  - Comms (kernel/src/comm.ts, which widgets use): comm_open, comm_msg and
 *    comm_close both ways with binary buffers, comm_info by target, handled
 *    as they arrive, also while a cell runs; an unknown target is refused
 *    with a comm_close and a logged reason.
 *  - `%nnlab_query {...}` execute requests are answered at once from the
 *    notebook layer (kernel/src/query.ts), without entering the execution
 *    queue, so the extension can ask while a cell is training.
 *  - SIGINT during a training stops it after the current batch (the cell
 *    ends normally with the run marked 'interrupted'); otherwise, or on a
 *    second SIGINT, the cell is interrupted as in tslab.
 *  - Every message goes out through one ordered send queue per socket
 *    (sendInOrder): zeromq 6 refuses a second send while one is pending, and
 *    iopub waits at its high-water mark instead of dropping (noDrop).
 * Sockets and heartbeat are tslab's (ZmqServer.init); completion, inspection and
 * is_complete are tslab's handlers.
 *
 * NOTE: this depends on tslab's internal modules (dist/converter, executor,
 * jupyter, util) of the exact version pinned in package.json.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { format, inspect } from 'node:util';
import { relaxHeapGrowth } from '../../src/runtime';
import type { MediaBundle } from '../protocol';
import { cellFileName, cellTraceback, diagnosticHint, runtimeHint, type RecordedCell } from './traceback';


interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  inspect(src: string, position: number): unknown;
  complete(src: string, position: number): unknown;
  locals: Record<string, unknown>;
  reset(): void;
  interrupt(): void;
  close(): void;
}
interface TslabHandler {
  handleIsComplete(content: unknown): object;
  handleInspect(content: unknown): object;
  handleComplete(content: unknown): object;
  close(): void;
}
interface ConnectionInfo {
  key: string;
}
interface ZmqServerBase {
  connInfo: ConnectionInfo;
  iopub: unknown;
  init(): Promise<void>;
  close(): void;
}
type Writer = (data: unknown, update: boolean) => void;

const DELIM = Buffer.from('<IDS|MSG>');

/** A Jupyter wire message (a port of tslab's ZmqMessage, which it does not export). */
export class WireMessage {
  identity: Buffer[] = [];
  header: Record<string, any> = {};
  parent: Record<string, any> = {};
  metadata: Record<string, any> = {};
  content: Record<string, any> = {};
  /** Binary buffers: the frames after the four JSON parts (comm messages carry them). */
  buffers: Uint8Array[] = [];

  static fromRaw(key: string, frames: Buffer[]): WireMessage {
    const msg = new WireMessage();
    const delim = frames.findIndex((f) => f.equals(DELIM));
    if (delim < 0) throw new Error('message missing delimiter');
    msg.identity = frames.slice(0, delim);
    const hmac = frames[delim + 1].toString();
    const parts = frames.slice(delim + 2);
    if (key) {
      const hash = createHmac('sha256', key);
      for (const p of parts.slice(0, 4)) hash.update(p);
      const want = hash.digest('hex');
      if (want !== hmac) throw new Error(`invalid hmac ${hmac}; want ${want}`);
    }
    msg.header = JSON.parse(parts[0].toString());
    msg.parent = JSON.parse(parts[1].toString());
    msg.metadata = JSON.parse(parts[2].toString());
    msg.content = JSON.parse(parts[3].toString());
    msg.buffers = parts.slice(4);
    return msg;
  }

  /** A message in reply to (with the parent header of) this one. */
  createReply(msgType = this.header.msg_type): WireMessage {
    const rep = new WireMessage();
    rep.identity = this.identity;
    rep.header = {
      version: '5.3', date: new Date().toISOString(), session: this.header.session, username: this.header.username,
      msg_type: msgType, msg_id: randomBytes(16).toString('hex'),
    };
    rep.parent = this.header;
    return rep;
  }

  /** Signs the message and queues it on `sock` behind every earlier send (see sendInOrder). */
  signAndSend(key: string, sock: any): Promise<void> {
    const bodies = [this.header, this.parent, this.metadata, this.content].map((x) => JSON.stringify(x));
    const hash = createHmac('sha256', key);
    for (const b of bodies) hash.update(b);
    // NOTE: the signature covers the four JSON parts only; buffers follow unsigned (the Jupyter wire protocol).
    return sendInOrder(sock, [...this.identity, DELIM, key ? hash.digest('hex') : '', ...bodies, ...this.buffers], this.header.msg_type);
  }
}

interface Sendable {
  send(frames: unknown[]): Promise<void>;
}
const sendTails = new WeakMap<object, Promise<void>>();
let sendFailures = 0;

/**
 * Sends `frames` on `sock` after every send queued on it before, so messages
 * leave in the order they were made, whatever the load.
 * NOTE: zeromq 6 allows one pending send per socket; a second send while the
 * first waits (a busy peer, the high-water mark) throws "Socket is busy
 * writing". Sending without this queue lost 117 of 200 burst cells' replies.
 * A send that fails (a closed socket at shutdown) is logged on the kernel's
 * stderr and does not stop the ones behind it.
 */
export function sendInOrder(sock: Sendable, frames: unknown[], what = 'message'): Promise<void> {
  const tail = sendTails.get(sock) ?? Promise.resolve();
  const sent = tail.then(() => sendPatiently(sock, frames)).catch((err: unknown) => {
    if (sendFailures++ < 20) process.stderr.write(`[nnlab kernel] could not send ${what}: ${err instanceof Error ? err.message : String(err)}\n`);
  });
  sendTails.set(sock, sent);
  return sent;
}

/** How long a send keeps retrying a peer that is not reading (then it is logged and dropped). */
export const SEND_PATIENCE_MS = 120_000;

/** zeromq's EAGAIN: the peer is past its high-water mark (not reading fast enough), try again later. */
function isBusyPeer(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 'EAGAIN' || /not possible or timed out/.test(String((err as Error)?.message));
}

/**
 * One send, retried while the peer is busy.
 * NOTE: iopub waits at its high-water mark (noDrop), and zeromq 6 then fails
 * the send with EAGAIN ("Operation was not possible or timed out") instead of
 * waiting: under load (a burst of 200 cells on a busy machine) 2 cells lost
 * their output that way. Retrying with a growing pause (1 ms to 100 ms)
 * delivers them as the client catches up.
 */
async function sendPatiently(sock: Sendable, frames: unknown[], patienceMs = SEND_PATIENCE_MS): Promise<void> {
  const start = Date.now();
  for (let pause = 1; ; pause = Math.min(100, pause * 2)) {
    try {
      return await sock.send(frames);
    } catch (err) {
      if (!isBusyPeer(err) || Date.now() - start > patienceMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** Resolves when every send queued so far on `sock` has been handed to zeromq. */
export function flushed(sock: object): Promise<void> {
  return sendTails.get(sock) ?? Promise.resolve();
}

const ABORTED = Symbol('aborted');

class CellError extends Error {
  constructor(readonly count: number, readonly ename: string, readonly evalue: string, readonly traceback: string[]) {
    super(evalue);
  }
}

interface Cell {
  msg: WireMessage;
  count: number;
  silent: boolean;
  errors: unknown[][];
  resultText: string | null;
}

/** Stack lines worth showing: not Node's or tslab's internals. */
function userStack(e: Error): string[] {
  const lines = (e.stack ?? `${e.name}: ${e.message}`).split('\n');
  return lines.filter((l, i) => i === 0 || !/node:internal|node:vm|node_modules\/tslab\/|kernel\/src\/launcher/.test(l));
}

/** What errorContent needs to map a traceback to the cell (kernel/src/traceback.ts). */
export interface TracebackContext {
  ts: any;
  cells: ReadonlyMap<string, RecordedCell>;
  locals: Record<string, unknown>;
  source: string;
  isModuleClass(name: string): boolean;
}

/** One error message from what the executor reported through console.error. */
export function errorContent(errors: unknown[][], context?: TracebackContext): { ename: string; evalue: string; traceback: string[] } {
  const thrown = errors.find((args) => args.length === 1);
  if (thrown) {
    const e = thrown[0];
    if (e instanceof Error) {
      // NOTE: tslab rejects an awaited cell with 'Interrupted asynchronously'; Node's vm
      // (breakOnSigint) stops a synchronous one with 'Script execution was interrupted by `SIGINT`'.
      if (e.message === 'Interrupted asynchronously' || /^Script execution (was )?interrupted/.test(e.message)) return { ename: 'KeyboardInterrupt', evalue: 'the cell was interrupted', traceback: ['KeyboardInterrupt: the cell was interrupted'] };
      if (!context) return { ename: e.name || 'Error', evalue: e.message, traceback: userStack(e) };
      const hint = runtimeHint(e, context.locals);
      const evalue = e.message.replace(/^exports\./, '');
      return { ename: e.name || 'Error', evalue: hint ? `${evalue}\n${hint}` : evalue, traceback: cellTraceback(context.ts, e, context.cells, { hint }) };
    }
    const text = inspect(e);
    return { ename: 'Error', evalue: text, traceback: [`Uncaught ${text}`] };
  }
  if (errors.length === 0) return { ename: 'Error', evalue: 'the cell failed', traceback: ['the cell failed'] };
  const lines = errors.map((args) => format(...(args as [unknown, ...unknown[]])));
  const hint = context ? diagnosticHint(lines, context.source, context.isModuleClass) : null;
  if (hint) lines.push(hint);
  return { ename: 'TSError', evalue: lines.join('\n'), traceback: ['TypeScript error(s):', ...lines] };
}

/**
 * Rewrites every shorthand property `{ a }` to `{ a: a }` (also `{ a = 1 }` in
 * destructuring assignments to `{ a: a = 1 }`), which means the same.
 * NOTE: tslab 1.0.22 rewrites references to earlier cells' variables as
 * `exports.a` but misses shorthand properties, so `fit(model, { optimizer })`
 * threw "optimizer is not defined" when `optimizer` came from an earlier cell.
 * `ts` is a TypeScript module (tslab's own in the kernel).
 */
export function expandShorthandProperties(code: string, ts: any): string {
  if (!code.includes('{')) return code;
  const source = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts: { at: number; text: string }[] = [];
  const visit = (node: any): void => {
    if (ts.isShorthandPropertyAssignment(node)) inserts.push({ at: node.name.end, text: `: ${node.name.text}` });
    ts.forEachChild(node, visit);
  };
  visit(source);
  let out = code;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

/** Glob (`*`, `?`) to RegExp, as IPython's history search. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  output: string | null;
}

/** The history_reply content for a history_request (tail, range, search). */
export function historyReply(history: HistoryEntry[], req: Record<string, any>): { status: 'ok'; history: unknown[] } {
  let items = history;
  if (req.hist_access_type === 'tail') {
    items = req.n ? history.slice(-req.n) : history;
  } else if (req.hist_access_type === 'range') {
    const session = req.session ?? 0;
    items = history.filter((h) => (session === 0 || session === h.session) && h.line >= (req.start ?? 0) && (req.stop === undefined || req.stop === null || h.line < req.stop));
  } else if (req.hist_access_type === 'search') {
    const re = globRegExp(req.pattern ?? '*');
    items = history.filter((h) => re.test(h.input));
    if (req.unique) {
      const last = new Map<string, HistoryEntry>();
      for (const h of items) last.set(h.input, h);
      items = items.filter((h) => last.get(h.input) === h);
    }
    if (req.n) items = items.slice(-req.n);
  } else {
    items = [];
  }
  return { status: 'ok', history: items.map((h) => [h.session, h.line, req.output ? [h.input, h.output] : h.input]) };
}

function versionOf(request: string, paths?: string[]): string {
  try {
    return (require(require.resolve(request, paths ? { paths } : undefined)) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Lets cells in a folder outside the project import `nnlab` and
 * `nnlab/kernel` (with their types): where `cwd` does not resolve `nnlab`
 * itself (a user's own install wins), Node's global module paths get the
 * project's node_modules (which links `nnlab` to the project) and tslab's
 * TypeScript program maps both names onto the project.
 */
export function resolveNnlabFromAnyFolder(cwd: string, log: (...args: unknown[]) => void): void {
  const path = require('node:path') as typeof import('node:path');
  try {
    require.resolve('nnlab', { paths: [cwd] });
    return;
  } catch {
    // not resolvable from the notebook's folder: fall back to this kernel's project
  }
  const root = path.resolve(__dirname, '..', '..', '..');
  const modules = path.join(root, 'node_modules');
  const Module = require('node:module') as { _initPaths(): void };
  process.env.NODE_PATH = [modules, process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
  Module._initPaths();
  // NOTE: as tslab does for `tslab` itself (forwardTslabPath): the TypeScript program's file
  // system sees <cwd>/node_modules/nnlab as the project (the options object cannot be changed).
  const tslabDir = path.dirname(require.resolve('tslab/package.json'));
  const sys = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] })).sys as Record<string, any>;
  const linked = path.join(cwd, 'node_modules', 'nnlab');
  const forward = (p: string): string => {
    const rel = path.relative(linked, p);
    return rel === '' ? root : rel.startsWith('..') || path.isAbsolute(rel) ? p : path.join(root, rel);
  };
  for (const name of ['readFile', 'fileExists', 'directoryExists', 'readDirectory', 'realpath', 'getModifiedTime', 'watchFile']) {
    const original = sys[name];
    if (typeof original === 'function') sys[name] = (p: string, ...rest: unknown[]) => original.call(sys, forward(p), ...rest);
  }
  log(`nnlab is not installed in ${cwd}; cells import the one in ${root}`);
}

/** Starts the kernel with the connection file at `configPath`. */
export function startKernel(configPath: string): void {
  const tslabDir = require('node:path').dirname(require.resolve('tslab/package.json')) as string;
  const { createConverter } = require('tslab/dist/converter');
  const { createExecutor } = require('tslab/dist/executor');
  const tslabJupyter = require('tslab/dist/jupyter');
  const kernelLog = process.stderr.write.bind(process.stderr);
  const log = (...args: unknown[]) => kernelLog(`[nnlab kernel] ${format(...(args as [unknown]))}\n`);

  // The notebook layer: display methods, interruptible fit, queries. The kernel still runs without it.
  let layer: typeof import('./index') | null = null;
  let queries: typeof import('./query') | null = null;
  let registry: typeof import('./registry') | null = null;
  let comms: typeof import('./comm') | null = null;
  try {
    layer = require('./index');
    queries = require('./query');
    registry = require('./registry');
    comms = require('./comm');
  } catch (err) {
    log('the notebook layer failed to load; plain tslab behaviour:', err);
  }

  resolveNnlabFromAnyFolder(process.cwd(), log);

  const convs = {
    _node: null as any,
    _browser: null as any,
    get node() {
      return (this._node ??= recordingConverter(createConverter({ isJS: false, isBrowser: false })));
    },
    get browser() {
      return (this._browser ??= createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      this._node?.close();
      this._browser?.close();
    },
  };
  convs.node; // NOTE: warms the TypeScript program (about a second) before the first cell.

  let current: Cell | null = null;
  let server!: NnlabServer;
  // Tracebacks map to cells: the JavaScript tslab ran for each cell, by the file name it ran under.
  const recorded = new Map<string, RecordedCell>();
  let serial = 0;
  let pending: { label: string; source: string; generated: string | null } | null = null;
  function recordingConverter(conv: any): any {
    const convert = conv.convert.bind(conv);
    conv.convert = (prevDecl: string, src: string) => {
      const out = convert(prevDecl, src);
      if (pending) pending.generated = out.output ?? null;
      return out;
    };
    return conv;
  }
  const vm = require('node:vm') as typeof import('node:vm');
  const runInThisContext = vm.runInThisContext;
  // NOTE: tslab's executor calls vm.runInThisContext(wrapped cell, { breakOnSigint }) once per cell;
  // a file name per cell makes frames of functions from earlier cells map to their own cell.
  vm.runInThisContext = ((code: string, options?: any) => {
    const prefix = /^\((async )?function\(exports, require\) \{ /.exec(code);
    if (!pending || pending.generated === null || !prefix || typeof options !== 'object') return runInThisContext.call(vm, code, options);
    const filename = cellFileName(++serial);
    recorded.set(filename, { label: pending.label, source: pending.source, generated: pending.generated, prefixLength: prefix[0].length });
    if (recorded.size > 500) recorded.delete(recorded.keys().next().value as string);
    pending = null;
    return runInThisContext.call(vm, code, { ...options, filename });
  }) as typeof vm.runInThisContext;
  const nnlabExports = (() => {
    try {
      return require('../../src/index') as Record<string, unknown>;
    } catch {
      return {};
    }
  })();
  const isModuleClass = (name: string): boolean => {
    const Base = (nnlabExports as { Module?: Function }).Module;
    const cls = (nnlabExports[name] ?? executor.locals[name]) as { prototype?: unknown } | undefined;
    return typeof cls === 'function' && !!Base && (cls === Base || cls.prototype instanceof Base);
  };
  const executor: TslabExecutor = createExecutor(process.cwd(), convs, {
    log: (value: unknown) => server.showResult(value),
    error: (...args: unknown[]) => {
      if (current) current.errors.push(args);
      else log(...args);
    },
  });
  registry?.setLocalsProvider(() => executor.locals);
  const handler: TslabHandler = new tslabJupyter.JupyterHandlerImpl(executor, false);
  const tsVersion = versionOf('@tslab/typescript-for-tslab/package.json', [tslabDir]);
  const tslabVersion = versionOf('tslab/package.json');
  const nnlabVersion = versionOf(require('node:path').join(__dirname, '..', '..', '..', 'package.json'));

  const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
  /** tslab's answer ('complete' or 'incomplete' with an indent), plus 'invalid' for code with syntax errors. */
  const isComplete = (code: string): object => {
    const answer = handler.handleIsComplete({ code }) as { status: string };
    if (answer.status !== 'complete') return answer;
    const source = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    return (source.parseDiagnostics?.length ?? 0) > 0 ? { status: 'invalid' } : answer;
  };

  const Base = tslabJupyter.ZmqServer as new (handler: unknown, configPath: string) => ZmqServerBase;

  class NnlabServer extends Base {
    count = 0;
    history: HistoryEntry[] = [];
    received = 0;
    abortThrough = 0;
    /** The comm message whose handlers are running (synchronously): comm messages they send are its children. */
    commParent: WireMessage | null = null;
    /** The last cell run: output made outside any cell (timers, callbacks) is attributed to it, as tslab does. */
    lastCell: WireMessage | null = null;
    #tail: Promise<unknown> = Promise.resolve();

    override async init(): Promise<void> {
      await super.init();
      // NOTE: a publisher drops messages for a subscriber past its high-water mark (1000
      // messages); with noDrop the send waits instead (sendInOrder queues behind it).
      (this.iopub as { noDrop: boolean }).noDrop = true;
      comms?.setCommTransport({
        send: (msgType, content, metadata, buffers) => {
          const parent = this.commParent ?? current?.msg ?? this.lastCell ?? new WireMessage();
          const m = parent.createReply(msgType);
          m.content = content;
          m.metadata = metadata;
          m.buffers = buffers;
          m.signAndSend(this.connInfo.key, this.iopub);
        },
        parentMsgId: () => (this.commParent ?? current?.msg ?? null)?.header.msg_id ?? null,
        log: (text) => log(text),
      });
    }

    /**
     * A comm message from the frontend, handed to kernel/src/comm.ts. What its
     * handlers send while they run synchronously has it as parent (a widget's
     * reply to `request_state` must, for the frontend to match it). A handler
     * that throws gets an `error` message (parent: the comm message, which
     * JupyterLab shows in its log console) and a line under the last cell.
     */
    async handleComm(msg: WireMessage): Promise<void> {
      const type = msg.header.msg_type as string;
      if (!comms) {
        if (type === 'comm_open') this.publish(msg, 'comm_close', { comm_id: msg.content.comm_id, data: {} });
        return;
      }
      let done: Promise<void>;
      this.commParent = msg;
      try {
        done = comms.dispatchCommMessage(type, msg.content, msg.metadata, msg.buffers, msg.header);
      } finally {
        this.commParent = null;
      }
      try {
        await done;
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        log(`${type} for comm ${String(msg.content.comm_id)} failed:`, e);
        this.publish(msg, 'error', { ename: e.name || 'Error', evalue: e.message, traceback: userStack(e) });
        process.stderr.write(`nnlab: a widget or comm handler failed: ${e.name}: ${e.message}\n`);
      }
    }

    /** Runs tasks one after another (a failed task does not stop the ones behind it). */
    enqueue<T>(task: () => Promise<T>): Promise<T> {
      const run = this.#tail.then(task);
      this.#tail = run.catch(() => undefined);
      return run;
    }

    publish(parent: WireMessage, msgType: string, content: object): void {
      const m = parent.createReply(msgType);
      m.content = content as Record<string, any>;
      m.signAndSend(this.connInfo.key, this.iopub);
    }

    reply(sock: unknown, parent: WireMessage, msgType: string, content: object): void {
      const m = parent.createReply(msgType);
      m.content = content as Record<string, any>;
      m.signAndSend(this.connInfo.key, sock);
    }

    publishStatus(state: string, parent: WireMessage): void {
      this.publish(parent, 'status', { execution_state: state });
    }

    kernelInfo(): object {
      return {
        status: 'ok', protocol_version: '5.3', implementation: 'nnlab', implementation_version: nnlabVersion,
        language_info: {
          name: 'typescript', version: tsVersion, mimetype: 'text/typescript', file_extension: '.ts',
          codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
        },
        banner: `nnlab (TypeScript ${tsVersion}) on tslab ${tslabVersion}, Node ${process.version}`,
        help_links: [{ text: 'tslab', url: 'https://github.com/yunabe/tslab' }],
      };
    }

    /** The executor's last-expression callback. */
    showResult(value: unknown): void {
      const cell = current;
      if (!cell || cell.silent) return;
      let data: MediaBundle;
      try {
        data = layer ? layer.bundleOf(value) : { 'text/plain': typeof value === 'string' ? value : inspect(value) };
      } catch (err) {
        data = { 'text/plain': `${inspect(value)}\n(nnlab: its display failed: ${err instanceof Error ? err.message : String(err)})` };
      }
      cell.resultText = typeof data['text/plain'] === 'string' ? data['text/plain'] : null;
      this.publish(cell.msg, 'execute_result', { execution_count: cell.count, data, metadata: {} });
    }

    async handleShellMessage(sock: unknown, ...frames: Buffer[]): Promise<void> {
      let msg: WireMessage;
      try {
        msg = WireMessage.fromRaw(this.connInfo.key, frames);
      } catch (err) {
        log('dropped a message:', err);
        return;
      }
      let terminate = false;
      this.publishStatus('busy', msg);
      try {
        const c = msg.content;
        switch (msg.header.msg_type) {
          case 'kernel_info_request':
            this.reply(sock, msg, 'kernel_info_reply', this.kernelInfo());
            break;
          case 'execute_request':
            await this.execute(sock, msg);
            break;
          case 'is_complete_request':
            this.reply(sock, msg, 'is_complete_reply', isComplete(String(c.code ?? '')));
            break;
          case 'inspect_request':
            this.reply(sock, msg, 'inspect_reply', handler.handleInspect(c));
            break;
          case 'complete_request':
            this.reply(sock, msg, 'complete_reply', handler.handleComplete(c));
            break;
          case 'comm_info_request':
            this.reply(sock, msg, 'comm_info_reply', { status: 'ok', comms: comms ? comms.commInfo(typeof c.target_name === 'string' ? c.target_name : null) : {} });
            break;
          case 'history_request':
            this.reply(sock, msg, 'history_reply', historyReply(this.history, c));
            break;
          case 'interrupt_request':
            interrupt();
            this.reply(sock, msg, 'interrupt_reply', { status: 'ok' });
            break;
          case 'shutdown_request':
            this.reply(sock, msg, 'shutdown_reply', { status: 'ok', restart: !!c.restart });
            terminate = true;
            break;
          case 'comm_open':
          case 'comm_msg':
          case 'comm_close':
            await this.handleComm(msg);
            break;
          default:
            log(`unsupported message type: ${msg.header.msg_type}`);
        }
      } catch (err) {
        log(`error while handling ${msg.header.msg_type}:`, err);
      } finally {
        this.publishStatus('idle', msg);
        // NOTE: a query answered while a cell runs ends with its own idle; say busy again for the
        // running cell, since frontends take the kernel's state from the last status message.
        if (current && current.msg !== msg) this.publishStatus('busy', current.msg);
      }
      if (terminate) {
        // The shutdown_reply and the last status go out before the sockets close.
        await Promise.race([Promise.all([flushed(sock as object), flushed(this.iopub as object)]), new Promise((r) => setTimeout(r, 2000).unref())]);
        handler.close();
        this.close();
        setTimeout(() => process.exit(0), 50).unref();
      }
    }

    async execute(sock: unknown, msg: WireMessage): Promise<void> {
      const code = String(msg.content.code ?? '');
      const queryJson = queries ? queries.parseQueryCode(code) : null;
      if (queries && queryJson !== null) {
        this.publish(msg, 'display_data', { data: queries.queryBundle(queries.answerQuery(queryJson)), metadata: {}, transient: {} });
        this.reply(sock, msg, 'execute_reply', { status: 'ok', execution_count: this.count, user_expressions: {}, payload: [] });
        return;
      }
      const silent = !!msg.content.silent;
      const storeHistory = msg.content.store_history ?? !silent;
      const stopOnError = msg.content.stop_on_error ?? true;
      const writeStream = (name: string, text: string) => this.publish(msg, 'stream', { name, text });
      const writeDisplay: Writer & { clearOutput?: (wait: boolean) => void } = (data, update) =>
        this.publish(msg, update ? 'update_display_data' : 'display_data', data as object);
      writeDisplay.clearOutput = (wait) => this.publish(msg, 'clear_output', { wait });
      // NOTE: cells run one at a time, in order; after a failure (with stop_on_error) the
      // requests already received are aborted, later ones run (as ipykernel).
      const seq = ++this.received;
      let content: object;
      try {
        const result = await this.enqueue(async () => {
          if (seq <= this.abortThrough) return ABORTED;
          try {
            return await this.runCell(msg, code, silent, storeHistory, writeStream, writeDisplay);
          } catch (err) {
            if (err instanceof CellError) {
              if (stopOnError) this.abortThrough = this.received;
              return err;
            }
            throw err;
          }
        });
        if (result === ABORTED) content = { status: 'aborted', execution_count: null };
        else if (result instanceof CellError) {
          content = { status: 'error', execution_count: result.count, ename: result.ename, evalue: result.evalue, traceback: result.traceback };
        } else content = { status: 'ok', execution_count: result, user_expressions: {}, payload: [] };
      } catch (err) {
        log('unexpected error:', err);
        const e = err instanceof Error ? err : new Error(String(err));
        content = { status: 'error', execution_count: this.count, ename: e.name, evalue: e.message, traceback: userStack(e) };
      }
      this.reply(sock, msg, 'execute_reply', content);
    }

    async runCell(msg: WireMessage, code: string, silent: boolean, storeHistory: boolean, writeStream: (n: string, t: string) => void, writeDisplay: Writer): Promise<number> {
      // As tslab: output written later (timers, background promises) goes to the last cell that ran.
      process.stdout.write = iopubWriter('stdout', writeStream);
      process.stderr.write = iopubWriter('stderr', writeStream);
      tslabJupyter.lastWriteDisplayData = writeDisplay;
      const count = silent ? this.count : ++this.count;
      if (!silent) this.publish(msg, 'execute_input', { code, execution_count: count });
      const cell: Cell = { msg, count, silent, errors: [], resultText: null };
      current = cell;
      if (!silent) this.lastCell = msg;
      pending = { label: silent ? 'cell' : `cell [${count}]`, source: code, generated: null };
      let ok: boolean;
      try {
        ok = await executor.execute(expandShorthandProperties(code, ts));
      } finally {
        if (current === cell) current = null;
        pending = null;
      }
      if (storeHistory && !silent) this.history.push({ session: 1, line: count, input: code, output: cell.resultText });
      if (!ok) {
        const { ename, evalue, traceback } = errorContent(cell.errors, { ts, cells: recorded, locals: executor.locals, source: code, isModuleClass });
        this.publish(msg, 'error', { ename, evalue, traceback });
        throw new CellError(count, ename, evalue, traceback);
      }
      return count;
    }
  }

  const utf8 = new TextDecoder();
  function iopubWriter(name: string, writeStream: (n: string, t: string) => void): typeof process.stdout.write {
    return ((chunk: string | Uint8Array) => {
      writeStream(name, typeof chunk === 'string' ? chunk : utf8.decode(chunk));
      return true;
    }) as typeof process.stdout.write;
  }

  function interrupt(): void {
    const mode = registry ? registry.requestInterrupt() : 'abort';
    if (mode === 'graceful') {
      process.stderr.write('KeyboardInterrupt: training stops after the current batch (interrupt again to abort the cell)\n');
    } else {
      executor.interrupt();
    }
  }

  server = new NnlabServer(handler, configPath);
  process.on('SIGINT', interrupt);
  process.on('uncaughtException', (err) => console.error('UncaughtException:', err));
  process.on('unhandledRejection', (reason) => console.error('UnhandledPromiseRejection:', reason));
  server.init().catch((err) => {
    log('failed to start:', err);
    process.exit(1);
  });
}

/** Command line: `nnlab-kernel.js --config-path <connection file>` (or the file alone). */
export function main(argv: string[]): void {
  // A notebook loads data, trains and evaluates in turns, the allocation
  // pattern after which V8 would otherwise collect the old generation every few steps.
  relaxHeapGrowth();
  const i = argv.indexOf('--config-path');
  const configPath = i >= 0 ? argv[i + 1] : argv.find((a) => a.endsWith('.json'));
  if (!configPath) {
    process.stderr.write('usage: nnlab-kernel.js --config-path <connection file>\n');
    process.exit(2);
  }
  startKernel(configPath);
}
