/**
 * The kernel side of a Jupyter widget (the widget message protocol 2.1 that
 * `@jupyter-widgets/base` 6 and `jupyterlab-manager` 5 speak), as ipywidgets'
 * `Widget` / `DOMWidget`: a model whose state (traits) is synced with the
 * frontend over a `jupyter.widget` comm, shown by `display(w)` or as a cell's
 * last expression.
 *
 * Traits are plain properties (`slider.value = 3`), declared per class with
 * `traits(Class, { name: default, … })`; a set sends an `update` to the
 * frontend, an update from the frontend sets the trait; both fire
 * `observe` handlers with ipywidgets' change object `{ name, old, new,
 * owner, type: 'change' }`. Values that are widgets are sent as
 * `"IPY_MODEL_<id>"`, binary values (Uint8Array) as buffers.
 *
 * Message shapes: @jupyter-widgets/schema messages.md; the model names,
 * modules and defaults: its jupyterwidgetmodels.latest.json.
 */
import { Comm, commsAvailable, openComm, registerCommTarget, type CommMessage, type JSONObject } from '../comm';
import type { MediaBundle } from '../../protocol';

/** The widget message protocol version sent in comm_open metadata. */
export const PROTOCOL_VERSION = '2.1.0';
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';
export const WIDGET_STATE_MIME = 'application/vnd.jupyter.widget-state+json';
const TARGET = 'jupyter.widget';
const CONTROL_TARGET = 'jupyter.widget.control';
const REF = 'IPY_MODEL_';

/** ipywidgets' change object, given to `observe` handlers. */
export interface Change<T = unknown, W = Widget> {
  name: string;
  old: T;
  new: T;
  owner: W;
  type: 'change';
}

export type ChangeHandler<T = unknown, W = Widget> = (change: Change<T, W>) => void;

/** A trait's definition: its default, and how a value from either side is checked and normalised. */
export interface TraitSpec {
  default: unknown;
  /** Returns the value to store, or throws with a message naming the trait. */
  coerce?: (value: unknown, owner: Widget) => unknown;
  /** False for kernel-side traits the frontend never sees (a Dropdown's `value`; the frontend has `index`). */
  sync?: boolean;
}

const TRAIT = Symbol('trait');

/** A trait with a check and options; a bare value in `traits()` is a trait with that default. */
export function trait(defaultValue: unknown, opts: { coerce?: TraitSpec['coerce']; sync?: boolean } = {}): TraitSpec {
  return Object.assign({ default: defaultValue, ...opts }, { [TRAIT]: true });
}

/** The model and view a widget class creates on the frontend. */
export interface ModelSpec {
  modelName: string;
  modelModule: string;
  modelModuleVersion: string;
  viewName: string | null;
  viewModule: string;
  viewModuleVersion: string;
}

interface WidgetRegistry {
  live: Map<string, Widget>;
  targetsRegistered: boolean;
}

const KEY = Symbol.for('nnlab.kernel.widgets');

function registry(): WidgetRegistry {
  const g = globalThis as unknown as Record<symbol, WidgetRegistry | undefined>;
  return (g[KEY] ??= { live: new Map(), targetsRegistered: false });
}

const traitSpecs = new WeakMap<Function, Map<string, TraitSpec>>();

/** All trait specs of a class, its parents' first. */
function specsOf(cls: Function): Map<string, TraitSpec> {
  const chain: Function[] = [];
  for (let c: any = cls; c && c !== Object && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
  const out = new Map<string, TraitSpec>();
  for (const c of chain) for (const [k, v] of traitSpecs.get(c) ?? []) out.set(k, v);
  return out;
}

/**
 * Declares synced traits on a widget class: each becomes a property whose
 * set sends an `update` and fires `observe` handlers.
 */
export function traits(cls: Function, specs: Record<string, TraitSpec | unknown>): void {
  const own = traitSpecs.get(cls) ?? new Map<string, TraitSpec>();
  for (const [name, s] of Object.entries(specs)) {
    const spec: TraitSpec = s !== null && typeof s === 'object' && TRAIT in (s as object) ? (s as TraitSpec) : { default: s };
    own.set(name, spec);
    if (!Object.getOwnPropertyDescriptor(cls.prototype, name)) {
      Object.defineProperty(cls.prototype, name, {
        get(this: Widget) {
          return this.get(name);
        },
        set(this: Widget, value: unknown) {
          this.set(name, value);
        },
        enumerable: true,
        configurable: true,
      });
    }
  }
  traitSpecs.set(cls, own);
}

/** Trait coercions used by the controls. */
export const check = {
  number(name: string, integer = false) {
    return (v: unknown, w: Widget): number => {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || Number.isNaN(n)) throw new TypeError(`${w.widgetName}.${name}: expected a number, got ${describe(v)}`);
      if (integer && !Number.isInteger(n)) throw new TypeError(`${w.widgetName}.${name}: expected an integer, got ${n}`);
      return n;
    };
  },
  string(name: string) {
    return (v: unknown, w: Widget): string => {
      if (typeof v !== 'string') throw new TypeError(`${w.widgetName}.${name}: expected a string, got ${describe(v)}`);
      return v;
    };
  },
  bool(name: string) {
    return (v: unknown, w: Widget): boolean => {
      if (typeof v !== 'boolean') throw new TypeError(`${w.widgetName}.${name}: expected true or false, got ${describe(v)}`);
      return v;
    };
  },
  oneOf(name: string, values: readonly string[]) {
    return (v: unknown, w: Widget): string => {
      if (typeof v !== 'string' || !values.includes(v)) throw new TypeError(`${w.widgetName}.${name}: expected one of ${values.map((x) => `'${x}'`).join(', ')}, got ${describe(v)}`);
      return v;
    };
  },
};

export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v instanceof Widget) return v.widgetName;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v === null || v === undefined) return String(v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function isBinary(v: unknown): v is Uint8Array | ArrayBuffer | DataView {
  return v instanceof Uint8Array || v instanceof ArrayBuffer || v instanceof DataView;
}

function toBytes(v: Uint8Array | ArrayBuffer | DataView): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Widgets to references, binary values out into buffers (with their paths), as ipywidgets' `_remove_buffers`. */
export function serializeState(state: JSONObject): { state: JSONObject; bufferPaths: (string | number)[][]; buffers: Uint8Array[] } {
  const bufferPaths: (string | number)[][] = [];
  const buffers: Uint8Array[] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (v instanceof Widget) return REF + v.modelId;
    if (isBinary(v)) {
      bufferPaths.push(path);
      buffers.push(toBytes(v));
      return undefined;
    }
    if (Array.isArray(v)) return v.map((x, i) => (isBinary(x) ? (walk(x, [...path, i]), null) : walk(x, [...path, i])));
    if (v !== null && typeof v === 'object') {
      const out: JSONObject = {};
      for (const [k, x] of Object.entries(v)) {
        const y = walk(x, [...path, k]);
        if (y !== undefined) out[k] = y;
      }
      return out;
    }
    return v;
  };
  const out: JSONObject = {};
  for (const [k, v] of Object.entries(state)) {
    const y = walk(v, [k]);
    if (y !== undefined) out[k] = y;
  }
  return { state: out, bufferPaths, buffers };
}

/** Buffers back into the state at their paths (ipywidgets' `_put_buffers`); references to live widgets become the widgets. */
export function deserializeState(state: JSONObject, bufferPaths: unknown, buffers: Uint8Array[]): JSONObject {
  if (bufferPaths !== undefined && !Array.isArray(bufferPaths)) throw new TypeError(`widget update: buffer_paths must be an array, got ${describe(bufferPaths)}`);
  const paths = (bufferPaths ?? []) as unknown[];
  if (paths.length > buffers.length) throw new TypeError(`widget update: ${paths.length} buffer paths but ${buffers.length} buffers`);
  paths.forEach((p, i) => {
    if (!Array.isArray(p) || p.length === 0) throw new TypeError(`widget update: buffer path ${i} is not a non-empty array`);
    let obj: any = state;
    for (const key of p.slice(0, -1)) {
      if (obj === null || typeof obj !== 'object') throw new TypeError(`widget update: buffer path ${JSON.stringify(p)} does not exist in the state`);
      obj[key] ??= typeof key === 'number' ? [] : {};
      obj = obj[key];
    }
    obj[p[p.length - 1]] = buffers[i];
  });
  const resolve = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith(REF)) return registry().live.get(v.slice(REF.length)) ?? v;
    if (Array.isArray(v)) return v.map(resolve);
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return resolve(state) as JSONObject;
}

function modelState(spec: ModelSpec): JSONObject {
  return {
    _model_name: spec.modelName, _model_module: spec.modelModule, _model_module_version: spec.modelModuleVersion,
    _view_name: spec.viewName, _view_module: spec.viewModule, _view_module_version: spec.viewModuleVersion,
  };
}

/**
 * A widget: a model with synced traits. Subclasses say which frontend model
 * they are (`static model`) and declare their traits with `traits()`.
 */
export class Widget {
  static model: ModelSpec = {
    modelName: 'WidgetModel', modelModule: '@jupyter-widgets/base', modelModuleVersion: '2.0.0',
    viewName: null, viewModule: '@jupyter-widgets/base', viewModuleVersion: '2.0.0',
  };

  /** The model's id on both sides (the comm id). */
  readonly modelId: string;
  #state = new Map<string, unknown>();
  #observers: { handler: ChangeHandler<any, any>; names: Set<string> | null }[] = [];
  #customHandlers: ((content: JSONObject, buffers: Uint8Array[]) => void)[] = [];
  #comm: Comm | null = null;
  /** The trait being set from a frontend update (not sent back, except as echo). */
  #fromFrontend: string | null = null;
  #holding: Set<string> | null = null;
  #closed = false;

  constructor(options: object = {}) {
    const values = options as Record<string, unknown>;
    const specs = specsOf(this.constructor);
    for (const [k, s] of specs) this.#state.set(k, typeof s.default === 'function' ? (s.default as () => unknown)() : structuredCloneSafe(s.default));
    for (const k of Object.keys(values)) {
      if (!specs.has(k)) throw new TypeError(`${this.widgetName}: unknown option '${k}'${suggestion(k, [...specs.keys()])} (options: ${[...specs.keys()].filter((x) => !x.startsWith('_')).join(', ')})`);
    }
    const given = Object.fromEntries(Object.entries(this.init(values)).filter(([, v]) => v !== undefined));
    let round = this.applyValues(given);
    for (let i = 0; round.length > 0 && i < 4; i++) round = this.applyValues(this.derive(round));
    this.validate();
    registerWidgetTargets();
    this.modelId = this.open();
  }

  /** Hook for subclasses: runs before `values` are applied, returns the values to apply (create layout and style models here). */
  protected init(values: Record<string, unknown>): Record<string, unknown> {
    return values;
  }

  /** Hook for subclasses: checks the whole state (min ≤ value ≤ max, …) after construction. */
  protected validate(): void {}

  /** The class name, as in error messages and `text/plain`. */
  get widgetName(): string {
    return this.constructor.name;
  }

  /** The widget's comm, or null outside the nnlab kernel (the widget then works kernel-side only). */
  get comm(): Comm | null {
    return this.#comm;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The trait names of this widget. */
  get keys(): string[] {
    return [...this.#state.keys()];
  }

  get(name: string): unknown {
    if (!this.#state.has(name)) throw new TypeError(`${this.widgetName}: no trait '${name}'`);
    return this.#state.get(name);
  }

  /** Sets a trait (checked), sends it to the frontend, fires observers. */
  set(name: string, value: unknown): void {
    this.setState({ [name]: value });
  }

  /**
   * Sets several traits at once: all are checked first (nothing changes if
   * one is refused), then one update message, then the observers.
   */
  setState(values: Record<string, unknown>): void {
    const changes: Change[] = [];
    const before = new Map(this.#state);
    try {
      let round = this.applyValues(values);
      for (let i = 0; round.length > 0 && i < 4; i++) {
        changes.push(...round);
        round = this.applyValues(this.derive(round));
      }
    } catch (err) {
      this.#state = before; // a refused value changes nothing
      throw err;
    }
    if (changes.length === 0) return;
    const specs = specsOf(this.constructor);
    this.sync([...new Set(changes.map((c) => c.name))].filter((n) => n !== this.#fromFrontend && specs.get(n)?.sync !== false));
    for (const c of changes) this.notify(c);
  }

  /** Checks and stores `values` in order; returns what changed. */
  private applyValues(values: Record<string, unknown>): Change[] {
    const made: Change[] = [];
    for (const [name, value] of Object.entries(values)) {
      if (!this.#state.has(name)) throw new TypeError(`${this.widgetName}: no trait '${name}'${suggestion(name, this.keys)}`);
      const next = this.coerce(name, value);
      const old = this.#state.get(name);
      if (sameValue(old, next)) continue;
      this.#state.set(name, next);
      made.push({ name, old, new: next, owner: this, type: 'change' });
    }
    return made;
  }

  /** Hook for subclasses: the traits that follow from `changes` (a Dropdown's `value` from its `index`). */
  protected derive(_changes: Change[]): Record<string, unknown> {
    return {};
  }

  /** The traits the frontend sees. */
  private syncedKeys(): string[] {
    const specs = specsOf(this.constructor);
    return this.keys.filter((k) => specs.get(k)?.sync !== false);
  }

  protected coerce(name: string, value: unknown): unknown {
    const spec = specsOf(this.constructor).get(name);
    return spec?.coerce ? spec.coerce(value, this) : value;
  }

  /**
   * Calls `handler(change)` when a trait changes, from either side: `names` is
   * one trait, a list, or omitted for all (ipywidgets' `observe(handler, names)`).
   * Returns a function that removes the handler.
   */
  observe<T = unknown>(handler: ChangeHandler<T, this>, names?: string | string[]): () => void {
    const set = names === undefined ? null : new Set(typeof names === 'string' ? [names] : names);
    if (set) for (const n of set) if (!this.#state.has(n)) throw new TypeError(`${this.widgetName}.observe: no trait '${n}'${suggestion(n, this.keys)}`);
    const entry = { handler, names: set };
    this.#observers.push(entry);
    return () => this.unobserve(handler, names);
  }

  unobserve(handler: ChangeHandler<any, any>, names?: string | string[]): void {
    const set = names === undefined ? null : new Set(typeof names === 'string' ? [names] : names);
    this.#observers = this.#observers.filter((o) => !(o.handler === handler && (set === null || (o.names !== null && [...set].every((n) => o.names!.has(n))))));
  }

  private notify(change: Change): void {
    for (const o of [...this.#observers]) {
      if (o.names && !o.names.has(change.name)) continue;
      o.handler(change);
    }
  }

  /** Batches the updates made inside `fn` into one message (ipywidgets' `hold_sync`). */
  holdSync(fn: () => void): void {
    if (this.#holding) return fn();
    this.#holding = new Set();
    try {
      fn();
    } finally {
      const names = [...this.#holding];
      this.#holding = null;
      this.sync(names);
    }
  }

  /** Sends a custom message to the frontend model. */
  send(content: JSONObject, buffers: Uint8Array[] = []): void {
    this.#comm?.send({ method: 'custom', content }, { buffers });
  }

  /** Calls `handler` with custom messages from the frontend (ipywidgets' `on_msg`). */
  onMsg(handler: (content: JSONObject, buffers: Uint8Array[]) => void): void {
    this.#customHandlers.push(handler);
  }

  /** The whole state (serialized: references, buffers apart). */
  getState(names?: string[]): { state: JSONObject; bufferPaths: (string | number)[][]; buffers: Uint8Array[] } {
    const out: JSONObject = {};
    for (const k of names ?? this.syncedKeys()) out[k] = this.#state.get(k);
    return serializeState(out);
  }

  /** Closes the comm: the frontend model goes away, views show nothing (ipywidgets' `close`). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    registry().live.delete(this.modelId);
    this.#comm?.close();
    this.#comm = null;
  }

  /** The MIME bundle `display(w)` and a cell's last expression show. */
  [Symbol.for('Jupyter.display')](): MediaBundle {
    if (this.#closed) return { 'text/plain': `${this.widgetName} (closed)` };
    const bundle: MediaBundle = { 'text/plain': this.toString() };
    if (this.constructor as typeof Widget !== Widget && (this.constructor as typeof Widget).model.viewName !== null) {
      bundle[WIDGET_VIEW_MIME] = { version_major: 2, version_minor: 0, model_id: this.modelId };
    }
    return bundle;
  }

  toString(): string {
    const shown = this.reprKeys().map((k) => `${k}=${reprValue(this.#state.get(k))}`);
    return `${this.widgetName}(${shown.join(', ')})`;
  }

  /** Traits shown in `text/plain`. */
  protected reprKeys(): string[] {
    return ['value', 'description', 'min', 'max', 'options'].filter((k) => this.#state.has(k) && (k !== 'description' || this.#state.get(k) !== ''));
  }

  private open(): string {
    const { state, bufferPaths, buffers } = serializeState(this.fullState());
    if (!commsAvailable()) {
      // Outside the kernel (a script, a test without a transport) the widget still works kernel-side.
      const id = `local-${Math.random().toString(16).slice(2)}`;
      registry().live.set(id, this);
      return id;
    }
    const comm = openComm(TARGET, { state, buffer_paths: bufferPaths }, { metadata: { version: PROTOCOL_VERSION }, buffers });
    this.#comm = comm;
    registry().live.set(comm.commId, this);
    comm.onMsg((msg) => this.handleMessage(msg));
    comm.onClose(() => {
      this.#closed = true;
      this.#comm = null;
      registry().live.delete(this.modelId);
    });
    return comm.commId;
  }

  private sync(names: string[]): void {
    if (names.length === 0) return;
    if (this.#holding) {
      for (const n of names) this.#holding.add(n);
      return;
    }
    if (!this.#comm || this.#comm.closed) return;
    const { state, bufferPaths, buffers } = this.getState(names);
    this.#comm.send({ method: 'update', state, buffer_paths: bufferPaths }, { buffers });
  }

  /** A message from the frontend model: `update`, `request_state`, `custom`. */
  private handleMessage(msg: CommMessage): void {
    const data = msg.data;
    const method = data.method;
    if (method === 'update') {
      const raw = data.state;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError(`${this.widgetName} ${this.modelId}: an update's state must be an object, got ${describe(raw)}`);
      const state = deserializeState({ ...(raw as JSONObject) }, data.buffer_paths, msg.buffers);
      const synced = new Set(this.syncedKeys());
      for (const k of Object.keys(state)) if (!synced.has(k)) throw new TypeError(`${this.widgetName} ${this.modelId}: the frontend updated an unknown trait '${k}'`);
      for (const [k, v] of Object.entries(state)) this.coerce(k, v); // refuse a bad value before echoing it
      // NOTE: protocol 2.1: echo the frontend's update to every frontend (parent: this message), as ipywidgets 8.
      const echoed = serializeState(state);
      this.#comm?.send({ method: 'echo_update', state: echoed.state, buffer_paths: echoed.bufferPaths }, { buffers: echoed.buffers });
      for (const [k, v] of Object.entries(state)) {
        this.#fromFrontend = k;
        try {
          this.setState({ [k]: v });
        } finally {
          this.#fromFrontend = null;
        }
      }
    } else if (method === 'request_state') {
      // NOTE: as ipywidgets' send_state(): every synced trait, the model and view names included.
      const { state, bufferPaths, buffers } = serializeState(this.fullState());
      this.#comm?.send({ method: 'update', state, buffer_paths: bufferPaths }, { buffers });
    } else if (method === 'custom') {
      const content = (data.content ?? {}) as JSONObject;
      for (const h of this.#customHandlers) h(content, msg.buffers);
    } else {
      throw new TypeError(`${this.widgetName} ${this.modelId}: unknown widget message method ${describe(method)} (expected 'update', 'request_state' or 'custom')`);
    }
  }

  /** @internal A model's entry in the control comm's `update_states`: its names and full state. */
  _controlState(): JSONObject {
    const spec = (this.constructor as typeof Widget).model;
    return {
      model_name: spec.modelName, model_module: spec.modelModule, model_module_version: spec.modelModuleVersion,
      state: this.fullState(),
    };
  }

  /** Every synced trait, the model and view names included (what a comm_open and ipywidgets' send_state carry). */
  private fullState(): JSONObject {
    return { ...modelState((this.constructor as typeof Widget).model), ...this.syncedState() };
  }

  private syncedState(): JSONObject {
    return Object.fromEntries(this.syncedKeys().map((k) => [k, this.#state.get(k)]));
  }
}

/** The widgets alive in this kernel. */
export function liveWidgets(): Widget[] {
  return [...registry().live.values()];
}

/**
 * Registers the two comm targets the frontend opens: `jupyter.widget.control`
 * (one `request_states` for every widget's state, how jupyterlab-manager
 * restores widgets after a page reload) and `jupyter.widget` (frontend-made
 * models, which nnlab does not create: refused with a reason). Registered
 * with the first widget, as ipywidgets does when it is imported.
 * NOTE: registered at kernel start-up, a fresh kernel answered the lab's
 * restore request at once with no widgets, and jupyterlab-manager 5.0.16
 * then marked itself restored before it had loaded the notebook's saved
 * state: a reopened notebook showed "model not found" in 4 of 6 runs of
 * test/browser/widgets.test.mjs (0 of 4 registered lazily).
 */
export function registerWidgetTargets(): void {
  const reg = registry();
  if (reg.targetsRegistered) return;
  reg.targetsRegistered = true;
  registerCommTarget(CONTROL_TARGET, (comm) => {
    comm.onMsg((msg) => {
      if (msg.data.method !== 'request_states') throw new TypeError(`${CONTROL_TARGET}: unknown method ${describe(msg.data.method)} (expected 'request_states')`);
      const states: JSONObject = {};
      for (const [id, w] of reg.live) if (w.comm) states[id] = w._controlState();
      const { state, bufferPaths, buffers } = serializeState(states);
      comm.send({ method: 'update_states', states: state, buffer_paths: bufferPaths }, { buffers });
    });
  });
  registerCommTarget(TARGET, (comm, msg) => {
    const name = (msg.data.state as JSONObject | undefined)?._model_name;
    comm.close({ reason: `nnlab creates widgets in the kernel; a ${String(name ?? 'widget')} created by the frontend is not supported` });
  });
}

function reprValue(v: unknown): string {
  if (v instanceof Widget) return v.widgetName;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(reprValue).join(', ')}]`;
  return String(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  return false;
}

function structuredCloneSafe(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

/** " (did you mean 'x'?)" for a near miss, as nnlab's other errors. */
export function suggestion(name: string, names: string[]): string {
  const close = names.filter((n) => !n.startsWith('_')).map((n) => [n, editDistance(name.toLowerCase(), n.toLowerCase())] as const).filter(([, d]) => d <= 2).sort((a, b) => a[1] - b[1]);
  return close.length ? ` (did you mean '${close[0][0]}'?)` : '';
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}
