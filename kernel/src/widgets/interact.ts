/**
 * `interact(fn, { lr: [1e-4, 1, 'log'], activation: ['relu', 'tanh'] })`:
 * controls made from abbreviations, as ipywidgets' interact, and `fn` called
 * with their values (one object) whenever one changes, debounced, its output
 * and return value shown in an Output below them.
 *
 * Abbreviations: `[min, max]` or `[min, max, step]` → IntSlider when all are
 * integers, else FloatSlider; `[min, max, 'log']` → FloatLogSlider; a list of
 * other values → Dropdown; `true`/`false` → Checkbox; a string → Text; a
 * number → a slider around it; a widget → itself; `fixed(v)` → `v`, no control.
 */
import { display } from '../display';
import { Checkbox, Dropdown, FloatLogSlider, FloatSlider, IntSlider, Output, Text, VBox } from './controls';
import { describe, Widget } from './widget';

class Fixed<T> {
  constructor(readonly value: T) {}
}

/** A value passed to the function as is, with no control. */
export function fixed<T>(value: T): Fixed<T> {
  return new Fixed(value);
}

export type Abbreviation = Widget | Fixed<unknown> | boolean | string | number | readonly unknown[];

/** The control for one abbreviation. */
export function widgetFrom(name: string, abbrev: Abbreviation): Widget | Fixed<unknown> {
  const description = name;
  if (abbrev instanceof Widget || abbrev instanceof Fixed) return abbrev;
  if (typeof abbrev === 'boolean') return new Checkbox({ value: abbrev, description });
  if (typeof abbrev === 'string') return new Text({ value: abbrev, description });
  if (typeof abbrev === 'number') {
    if (Number.isInteger(abbrev)) return new IntSlider({ value: abbrev, min: abbrev > 0 ? -abbrev : abbrev * 3, max: abbrev > 0 ? abbrev * 3 : -abbrev || 10, description });
    const span = Math.abs(abbrev) || 1;
    return new FloatSlider({ value: abbrev, min: abbrev - 2 * span, max: abbrev + 2 * span, step: span / 50, description });
  }
  if (Array.isArray(abbrev)) {
    const [a, b, c] = abbrev;
    const numeric = typeof a === 'number' && typeof b === 'number' && abbrev.length <= 3;
    if (numeric && c === 'log') {
      if (a <= 0 || b <= 0) throw new RangeError(`interact: '${name}': a log range needs positive bounds, got [${a}, ${b}]`);
      const min = Math.log10(a);
      const max = Math.log10(b);
      return new FloatLogSlider({ value: 10 ** ((min + max) / 2), min, max, step: (max - min) / 100, description });
    }
    if (numeric && (c === undefined || typeof c === 'number')) {
      if (a > b) throw new RangeError(`interact: '${name}': min ${a} exceeds max ${b}`);
      const ints = abbrev.every((x) => Number.isInteger(x));
      const step = (c as number | undefined) ?? (ints ? 1 : (b - a) / 100);
      const value = ints ? Math.round((a + b) / 2 / step) * step : (a + b) / 2;
      return ints ? new IntSlider({ value, min: a, max: b, step, description }) : new FloatSlider({ value, min: a, max: b, step, description });
    }
    if (abbrev.length === 0) throw new RangeError(`interact: '${name}': an empty list of options`);
    return new Dropdown({ options: abbrev as unknown[], description });
  }
  throw new TypeError(`interact: '${name}': cannot make a control from ${describe(abbrev)} (use [min, max], [min, max, 'log'], a list of options, a boolean, a string, a number, a widget or fixed(value))`);
}

/** The box interact shows: the controls, then the output; `kwargs` are the current values. */
export class Interactive<A extends Record<string, unknown>> extends VBox {
  /** The function's last return value. */
  result: unknown = undefined;
  /** Calls made so far (after debouncing). */
  calls = 0;
  declare readonly out: Output;
  declare readonly controls: Record<string, Widget>;
  declare readonly fixedValues: Record<string, unknown>;
  #fn!: (kwargs: A) => unknown;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #debounceMs = 0;

  constructor(fn: (kwargs: A) => unknown, spec: { [K in keyof A]: Abbreviation }, opts: { debounceMs?: number } = {}) {
    const controls: Record<string, Widget> = {};
    const fixedValues: Record<string, unknown> = {};
    for (const [name, abbrev] of Object.entries(spec)) {
      const w = widgetFrom(name, abbrev as Abbreviation);
      if (w instanceof Fixed) fixedValues[name] = w.value;
      else controls[name] = w;
    }
    const out = new Output();
    super([...Object.values(controls), out], { _dom_classes: ['widget-interact'] });
    Object.defineProperties(this, { out: { value: out }, controls: { value: controls }, fixedValues: { value: fixedValues } });
    this.#fn = fn;
    this.#debounceMs = opts.debounceMs ?? 80;
    for (const w of Object.values(controls)) w.observe(() => this.schedule(), 'value');
    for (const w of Object.values(controls)) if (w.keys.includes('index')) w.observe(() => this.schedule(), 'index');
    this.update();
  }

  /** The values `fn` gets now. */
  get kwargs(): A {
    const out: Record<string, unknown> = { ...this.fixedValues };
    for (const [k, w] of Object.entries(this.controls)) out[k] = w.get('value');
    return out as A;
  }

  /** Calls `fn` now with the current values (what a change does, after the debounce). */
  update(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = async () => {
      do {
        this.#again = false;
        this.calls++;
        this.out.clearOutput();
        try {
          const r = await this.out.capture(() => this.#fn(this.kwargs));
          this.result = r;
          if (r !== undefined) this.out.appendDisplayData(r);
        } catch {
          // shown in the output by capture
        }
      } while (this.#again);
    };
    const p = run().finally(() => {
      this.#running = null;
    });
    this.#running = p;
    return p;
  }

  private schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.update(), this.#debounceMs);
  }
}

/** The interactive box for `fn`, not displayed (ipywidgets' `interactive`). */
export function interactive<A extends Record<string, unknown>>(fn: (kwargs: A) => unknown, spec: { [K in keyof A]: Abbreviation }, opts: { debounceMs?: number } = {}): Interactive<A> {
  return new Interactive(fn, spec, opts);
}

/** Shows controls for `fn`'s arguments and calls it on every change (debounced); returns the box. */
export function interact<A extends Record<string, unknown>>(fn: (kwargs: A) => unknown, spec: { [K in keyof A]: Abbreviation }, opts: { debounceMs?: number } = {}): Interactive<A> {
  const box = new Interactive(fn, spec, opts);
  display(box);
  return box;
}
