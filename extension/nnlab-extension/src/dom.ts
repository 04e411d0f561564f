/**
 * DOM building for data that is never trusted: every string becomes a text
 * node (`textContent`), attributes come from a fixed list, and images are
 * accepted only as base64 PNG data. Nothing here sets `innerHTML`.
 *
 * @example h('td', { className: 'nnlab-num', title: name }, fmtNumber(x))
 */

type Child = Node | string | number | null | undefined | false;

export interface Attributes {
  className?: string;
  title?: string;
  role?: string;
  type?: string;
  value?: string;
  disabled?: boolean;
  checked?: boolean;
  min?: string;
  max?: string;
  step?: string;
  tabIndex?: number;
  /** `data-*` attributes (keys without the prefix). */
  data?: Record<string, string>;
  aria?: Record<string, string>;
  style?: Partial<Record<'width' | 'height' | 'background' | 'paddingLeft' | 'color', string>>;
}

/** Runs `fn` when `el` is clicked, or focused and Enter or Space is pressed (a keyboard-usable button, e.g. a sortable header). */
export function onActivate(el: HTMLElement, fn: () => void): void {
  el.addEventListener('click', fn);
  el.addEventListener('keydown', e => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      fn();
    }
  });
}

/** An element with safe attributes and text or element children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs.className) el.className = attrs.className;
  if (attrs.title !== undefined) el.title = attrs.title;
  if (attrs.role) el.setAttribute('role', attrs.role);
  if (attrs.tabIndex !== undefined) el.tabIndex = attrs.tabIndex;
  if (el instanceof HTMLInputElement || el instanceof HTMLButtonElement || el instanceof HTMLSelectElement) {
    if (attrs.type !== undefined) el.setAttribute('type', attrs.type);
    if (attrs.disabled !== undefined) el.disabled = attrs.disabled;
  }
  if (el instanceof HTMLInputElement) {
    if (attrs.min !== undefined) el.min = attrs.min;
    if (attrs.max !== undefined) el.max = attrs.max;
    if (attrs.step !== undefined) el.step = attrs.step;
    if (attrs.checked !== undefined) el.checked = attrs.checked;
  }
  if (attrs.value !== undefined && (el instanceof HTMLInputElement || el instanceof HTMLOptionElement || el instanceof HTMLSelectElement)) {
    el.value = attrs.value;
  }
  for (const [k, v] of Object.entries(attrs.data ?? {})) el.dataset[k] = v;
  for (const [k, v] of Object.entries(attrs.aria ?? {})) el.setAttribute(`aria-${k}`, v);
  for (const [k, v] of Object.entries(attrs.style ?? {})) if (v !== undefined) el.style[k as 'width'] = v;
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A `<select>` with (value, label) options. */
export function select(options: [string, string][], value: string, attrs: Attributes = {}): HTMLSelectElement {
  const el = h('select', attrs, ...options.map(([v, label]) => h('option', { value: v }, label)));
  el.value = value;
  return el;
}

// ---- Untrusted values ------------------------------------------------------------

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A finite number or null (JSON sends NaN and ±Inf as null). */
export function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

export function str(x: unknown, fallback = ''): string {
  return typeof x === 'string' ? x : x === null || x === undefined ? fallback : String(x);
}

export function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

/** A shape: a list of non-negative integers, or null if `x` is not one. */
export function shapeOf(x: unknown): number[] | null {
  if (!Array.isArray(x)) return null;
  return x.every(d => Number.isInteger(d) && d >= 0) ? (x as number[]) : null;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A `data:` URL for base64 PNG data, or null when `png` is not plain base64. */
export function pngSrc(png: unknown): string | null {
  if (typeof png !== 'string' || png.length === 0 || !BASE64.test(png)) return null;
  return `data:image/png;base64,${png}`;
}

/** An `<img>` of a base64 PNG (pixelated when scaled up), or a note when the data is not a PNG. */
export function pngImage(png: unknown, alt: string, width?: number, height?: number): HTMLElement {
  const src = pngSrc(png);
  if (!src) return h('span', { className: 'nnlab-muted' }, '(no image)');
  const img = h('img', { className: 'nnlab-pixelated' });
  img.alt = alt;
  img.src = src;
  if (width && height && width > 0 && height > 0) {
    img.width = width;
    img.height = height;
  }
  return img;
}

// ---- Formatting ------------------------------------------------------------------

export function fmtShape(shape: unknown): string {
  const s = shapeOf(shape);
  return s ? `[${s.join(', ')}]` : '—';
}

/** 61706 → '61,706'. */
export function fmtCount(n: unknown): string {
  const v = num(n);
  return v === null ? '—' : Math.round(v).toLocaleString('en-US');
}

/** Four significant digits, exponent form for very large or small values; '—' for null. */
export function fmtNumber(n: unknown): string {
  const v = num(n);
  if (v === null) return n === null ? '—' : typeof n === 'number' ? String(n) : '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

export function fmtPercent(x: unknown): string {
  const v = num(x);
  return v === null ? '—' : `${(v * 100).toFixed(2)}%`;
}

export function fmtBytes(n: unknown): string {
  const v = num(n);
  if (v === null) return '—';
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KB`;
  return `${(v / 1024 / 1024).toFixed(2)} MB`;
}

export function fmtSeconds(s: unknown): string {
  const v = num(s);
  if (v === null) return '—';
  if (v < 60) return `${v.toFixed(v < 10 ? 1 : 0)} s`;
  const m = Math.floor(v / 60);
  return `${m} min ${Math.round(v - m * 60)} s`;
}
