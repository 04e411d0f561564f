/**
 * The core Jupyter widgets with ipywidgets 8's names, traits and defaults
 * (models `@jupyter-widgets/controls` 2.0.0, `@jupyter-widgets/base` 2.0.0,
 * `@jupyter-widgets/output` 1.0.0): sliders, selections, buttons, text,
 * images, boxes, Output, Layout and the style models.
 *
 * Options are ipywidgets' keyword arguments as one object, with the same
 * snake_case names: `new IntSlider({ value: 3, min: 0, max: 10, description: 'n' })`.
 */
import type { JSONObject } from '../comm';
import { bundleOf, swapDisplaySink, type DisplayMessage } from '../display';
import { check, describe, trait, traits, Widget, type Change, type ModelSpec } from './widget';

const CONTROLS = '@jupyter-widgets/controls';
const BASE = '@jupyter-widgets/base';
const V2 = '2.0.0';

function controlModel(name: string, view: string | null = name): ModelSpec {
  return { modelName: `${name}Model`, modelModule: CONTROLS, modelModuleVersion: V2, viewName: view === null ? null : `${view}View`, viewModule: CONTROLS, viewModuleVersion: V2 };
}

function styleModel(name: string): ModelSpec {
  return { modelName: `${name}Model`, modelModule: CONTROLS, modelModuleVersion: V2, viewName: 'StyleView', viewModule: BASE, viewModuleVersion: V2 };
}

// ---- Layout and styles ---------------------------------------------------------

const LAYOUT_KEYS = [
  'align_content', 'align_items', 'align_self', 'border_bottom', 'border_left', 'border_right', 'border_top', 'bottom', 'display', 'flex', 'flex_flow',
  'grid_area', 'grid_auto_columns', 'grid_auto_flow', 'grid_auto_rows', 'grid_column', 'grid_gap', 'grid_row', 'grid_template_areas', 'grid_template_columns',
  'grid_template_rows', 'height', 'justify_content', 'justify_items', 'left', 'margin', 'max_height', 'max_width', 'min_height', 'min_width', 'object_fit',
  'object_position', 'order', 'overflow', 'padding', 'right', 'top', 'visibility', 'width',
] as const;

type LayoutOptions = { [K in (typeof LAYOUT_KEYS)[number]]?: string | null } & { border?: string | null };

/** CSS layout of a widget (`layout: { width: '300px' }` or `new Layout({ … })`). */
export class Layout extends Widget {
  static override model: ModelSpec = { modelName: 'LayoutModel', modelModule: BASE, modelModuleVersion: V2, viewName: 'LayoutView', viewModule: BASE, viewModuleVersion: V2 };
  constructor(opts: LayoutOptions = {}) {
    const { border, ...rest } = opts;
    // As ipywidgets: `border` sets the four sides.
    super(border === undefined ? rest : { border_top: border, border_right: border, border_bottom: border, border_left: border, ...rest });
  }
}
export interface Layout extends Record<(typeof LAYOUT_KEYS)[number], string | null> {}
traits(Layout, Object.fromEntries(LAYOUT_KEYS.map((k) => [k, null])));

export class DescriptionStyle extends Widget {
  static override model = styleModel('DescriptionStyle');
  constructor(opts: Partial<Pick<DescriptionStyle, 'description_width'>> = {}) {
    super(opts);
  }
}
export interface DescriptionStyle {
  description_width: string;
}
traits(DescriptionStyle, { description_width: '' });

export class SliderStyle extends DescriptionStyle {
  static override model = styleModel('SliderStyle');
}
export interface SliderStyle {
  handle_color: string | null;
}
traits(SliderStyle, { handle_color: null });

export class ButtonStyle extends Widget {
  static override model = styleModel('ButtonStyle');
  constructor(opts: Record<string, unknown> = {}) {
    super(opts);
  }
}
traits(ButtonStyle, { button_color: null, font_family: null, font_size: null, font_style: null, font_variant: null, font_weight: null, text_color: null, text_decoration: null });

export class ToggleButtonsStyle extends DescriptionStyle {
  static override model = styleModel('ToggleButtonsStyle');
}
traits(ToggleButtonsStyle, { button_width: '', font_weight: '' });

export class CheckboxStyle extends DescriptionStyle {
  static override model = styleModel('CheckboxStyle');
}
traits(CheckboxStyle, { background: null });

export class TextStyle extends DescriptionStyle {
  static override model = styleModel('TextStyle');
}
traits(TextStyle, { background: null, font_size: null, text_color: null });

export class LabelStyle extends DescriptionStyle {
  static override model = styleModel('LabelStyle');
}
traits(LabelStyle, { background: null, font_family: null, font_size: null, font_style: null, font_variant: null, font_weight: null, text_color: null, text_decoration: null });

export class HTMLStyle extends DescriptionStyle {
  static override model = styleModel('HTMLStyle');
}
traits(HTMLStyle, { background: null, font_size: null, text_color: null });

// ---- DOM widgets -------------------------------------------------------------------

export interface DOMOptions {
  layout?: Layout | LayoutOptions;
  tooltip?: string | null;
  tabbable?: boolean | null;
  _dom_classes?: string[];
}

function widgetRef<T extends Widget>(name: string, cls: new (o: any) => T) {
  return (v: unknown, w: Widget): T => {
    if (v instanceof cls) return v;
    throw new TypeError(`${w.widgetName}.${name}: expected a ${cls.name}, got ${describe(v)}`);
  };
}

/** A widget with a view: layout, tooltip, CSS classes (ipywidgets' DOMWidget). */
export class DOMWidget extends Widget {
  /** The style model class of this widget (its `style` option). */
  static styleClass: (new (o: any) => Widget) | null = null;

  protected override init(values: Record<string, unknown>): Record<string, unknown> {
    const out = { ...values };
    out.layout = values.layout instanceof Layout ? values.layout : new Layout((values.layout ?? {}) as LayoutOptions);
    const Style = (this.constructor as typeof DOMWidget).styleClass;
    if (Style && 'style' in this.keysOfClass()) {
      out.style = values.style instanceof Style ? values.style : new Style((values.style ?? {}) as Record<string, unknown>);
    }
    return out;
  }

  private keysOfClass(): Record<string, true> {
    return Object.fromEntries(this.keys.map((k) => [k, true]));
  }

  /** Adds a CSS class to the widget's views. */
  addClass(name: string): this {
    const classes = this.get('_dom_classes') as string[];
    if (!classes.includes(name)) this.set('_dom_classes', [...classes, name]);
    return this;
  }

  removeClass(name: string): this {
    this.set('_dom_classes', (this.get('_dom_classes') as string[]).filter((c) => c !== name));
    return this;
  }
}
export interface DOMWidget {
  layout: Layout;
  tooltip: string | null;
  tabbable: boolean | null;
}
traits(DOMWidget, {
  _dom_classes: trait([], { coerce: (v, w) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : fail(w, '_dom_classes', 'a list of strings', v)) }),
  layout: trait(null, { coerce: widgetRef('layout', Layout) }),
  tabbable: null,
  tooltip: null,
});

export interface DescriptionOptions extends DOMOptions {
  description?: string;
  description_allow_html?: boolean;
  style?: Widget | Record<string, unknown>;
}

/** A widget with a description label (ipywidgets' DescriptionWidget). */
export class DescriptionWidget extends DOMWidget {
  static override styleClass: (new (o: any) => Widget) | null = DescriptionStyle;
}
export interface DescriptionWidget {
  description: string;
  description_allow_html: boolean;
  style: Widget;
}
traits(DescriptionWidget, {
  description: trait('', { coerce: check.string('description') }),
  description_allow_html: false,
  style: trait(null, { coerce: (v, w) => (v instanceof Widget ? v : fail(w, 'style', 'a style widget', v)) }),
});

function fail(w: Widget, name: string, expected: string, v: unknown): never {
  throw new TypeError(`${w.widgetName}.${name}: expected ${expected}, got ${describe(v)}`);
}

// ---- Sliders -----------------------------------------------------------------------

export interface SliderOptions<T> extends DescriptionOptions {
  value?: T;
  min?: number;
  max?: number;
  step?: number;
  orientation?: 'horizontal' | 'vertical';
  readout?: boolean;
  readout_format?: string;
  continuous_update?: boolean;
  disabled?: boolean;
  behavior?: 'drag-tap' | 'drag-snap' | 'tap' | 'drag' | 'snap';
}

const sliderTraits = (integer: boolean) => ({
  min: trait(0, { coerce: check.number('min', integer) }),
  max: trait(100, { coerce: check.number('max', integer) }),
  step: trait(integer ? 1 : 0.1, { coerce: check.number('step', integer) }),
  orientation: trait('horizontal', { coerce: check.oneOf('orientation', ['horizontal', 'vertical']) }),
  readout: trait(true, { coerce: check.bool('readout') }),
  readout_format: trait(integer ? 'd' : '.2f', { coerce: check.string('readout_format') }),
  continuous_update: trait(true, { coerce: check.bool('continuous_update') }),
  disabled: trait(false, { coerce: check.bool('disabled') }),
  behavior: trait('drag-tap', { coerce: check.oneOf('behavior', ['drag-tap', 'drag-snap', 'tap', 'drag', 'snap']) }),
});

abstract class NumberSlider extends DescriptionWidget {
  static override styleClass: (new (o: any) => Widget) | null = SliderStyle;
  /** As ipywidgets: a value outside [min, max] is clamped; min > max is refused. */
  protected override derive(changes: Change[]): Record<string, unknown> {
    if (!changes.some((c) => c.name === 'value' || c.name === 'min' || c.name === 'max')) return {};
    const min = this.get('min') as number;
    const max = this.get('max') as number;
    if (min > max) throw new RangeError(`${this.widgetName}: min (${min}) must not exceed max (${max})`);
    const v = this.get('value') as number;
    const clamped = Math.min(max, Math.max(min, v));
    return clamped === v ? {} : { value: clamped };
  }
  protected override reprKeys(): string[] {
    return ['value', 'min', 'max', 'step', 'description'].filter((k) => k !== 'description' || this.get(k) !== '');
  }
}

/** A slider for integers. */
export class IntSlider extends NumberSlider {
  static override model = controlModel('IntSlider');
  constructor(opts: SliderOptions<number> = {}) {
    super(opts);
  }
}
export interface IntSlider extends Required<Omit<SliderOptions<number>, 'layout' | 'style'>> {}
traits(IntSlider, { ...sliderTraits(true), value: trait(0, { coerce: check.number('value', true) }) });

/** A slider for floats. */
export class FloatSlider extends NumberSlider {
  static override model = controlModel('FloatSlider');
  constructor(opts: SliderOptions<number> = {}) {
    super(opts);
  }
}
export interface FloatSlider extends Required<Omit<SliderOptions<number>, 'layout' | 'style'>> {}
traits(FloatSlider, { ...sliderTraits(false), value: trait(0, { coerce: check.number('value') }) });

/**
 * A slider on a log scale: `min`/`max` are exponents of `base`, `value` is
 * the number itself (`new FloatLogSlider({ value: 0.01, min: -4, max: 0 })`).
 */
export class FloatLogSlider extends DescriptionWidget {
  static override model = controlModel('FloatLogSlider');
  static override styleClass: (new (o: any) => Widget) | null = SliderStyle;
  constructor(opts: SliderOptions<number> & { base?: number } = {}) {
    super(opts);
  }
  protected override derive(changes: Change[]): Record<string, unknown> {
    if (!changes.some((c) => ['value', 'min', 'max', 'base'].includes(c.name))) return {};
    const [min, max, base, v] = ['min', 'max', 'base', 'value'].map((k) => this.get(k) as number);
    if (min > max) throw new RangeError(`FloatLogSlider: min (${min}) must not exceed max (${max}) (they are exponents of base ${base})`);
    const clamped = Math.min(base ** max, Math.max(base ** min, v));
    return clamped === v ? {} : { value: clamped };
  }
  protected override reprKeys(): string[] {
    return ['value', 'min', 'max', 'base', 'description'].filter((k) => k !== 'description' || this.get(k) !== '');
  }
}
export interface FloatLogSlider extends Required<Omit<SliderOptions<number>, 'layout' | 'style'>> {
  base: number;
}
traits(FloatLogSlider, {
  ...sliderTraits(false), min: trait(0, { coerce: check.number('min') }), max: trait(4, { coerce: check.number('max') }),
  readout_format: trait('.3g', { coerce: check.string('readout_format') }),
  base: trait(10, { coerce: check.number('base') }),
  value: trait(1, { coerce: (v, w) => { const n = check.number('value')(v, w); if (n <= 0) throw new RangeError(`FloatLogSlider.value: must be positive, got ${n}`); return n; } }),
});

/** A slider with two handles: `value` is `[low, high]`. */
export class IntRangeSlider extends DescriptionWidget {
  static override model = controlModel('IntRangeSlider');
  static override styleClass: (new (o: any) => Widget) | null = SliderStyle;
  constructor(opts: SliderOptions<[number, number]> = {}) {
    super(opts);
  }
  protected override derive(changes: Change[]): Record<string, unknown> {
    if (!changes.some((c) => ['value', 'min', 'max'].includes(c.name))) return {};
    const min = this.get('min') as number;
    const max = this.get('max') as number;
    if (min > max) throw new RangeError(`IntRangeSlider: min (${min}) must not exceed max (${max})`);
    const [lo, hi] = this.get('value') as [number, number];
    const next: [number, number] = [Math.min(max, Math.max(min, lo)), Math.min(max, Math.max(min, hi))];
    return next[0] === lo && next[1] === hi ? {} : { value: next };
  }
  get lower(): number {
    return (this.get('value') as number[])[0];
  }
  get upper(): number {
    return (this.get('value') as number[])[1];
  }
  protected override reprKeys(): string[] {
    return ['value', 'min', 'max', 'description'].filter((k) => k !== 'description' || this.get(k) !== '');
  }
}
export interface IntRangeSlider extends Required<Omit<SliderOptions<[number, number]>, 'layout' | 'style'>> {}
traits(IntRangeSlider, {
  ...sliderTraits(true),
  value: trait([0, 1], {
    coerce: (v, w) => {
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x))) fail(w, 'value', 'a pair of integers [low, high]', v);
      const [lo, hi] = v as number[];
      if (lo > hi) throw new RangeError(`IntRangeSlider.value: low (${lo}) must not exceed high (${hi})`);
      return [lo, hi];
    },
  }),
});

/** Plays through a range of integers (an animation control; link it to a slider). */
export class Play extends DescriptionWidget {
  static override model = controlModel('Play');
  constructor(opts: Omit<SliderOptions<number>, 'orientation' | 'readout' | 'readout_format' | 'continuous_update' | 'behavior'> & { interval?: number; playing?: boolean; repeat?: boolean; show_repeat?: boolean } = {}) {
    super(opts);
  }
  protected override derive(changes: Change[]): Record<string, unknown> {
    if (!changes.some((c) => ['value', 'min', 'max'].includes(c.name))) return {};
    const [min, max, v] = ['min', 'max', 'value'].map((k) => this.get(k) as number);
    const clamped = Math.min(max, Math.max(min, v));
    return clamped === v ? {} : { value: clamped };
  }
}
export interface Play {
  value: number; min: number; max: number; step: number; interval: number; playing: boolean; repeat: boolean; show_repeat: boolean; disabled: boolean;
}
traits(Play, {
  value: trait(0, { coerce: check.number('value', true) }), min: trait(0, { coerce: check.number('min', true) }), max: trait(100, { coerce: check.number('max', true) }),
  step: trait(1, { coerce: check.number('step', true) }), interval: trait(100, { coerce: check.number('interval', true) }),
  playing: trait(false, { coerce: check.bool('playing') }), repeat: trait(false, { coerce: check.bool('repeat') }), show_repeat: true, disabled: false,
});

// ---- Selections --------------------------------------------------------------------

export type Options<T> = readonly (T | readonly [string, T])[] | Record<string, T>;

/**
 * Dropdown, ToggleButtons and RadioButtons: `options` are values (shown as
 * text), `[label, value]` pairs or a `{ label: value }` object; `value`,
 * `label` and `index` follow each other (the frontend sends `index`).
 */
abstract class Selection<T = unknown> extends DescriptionWidget {
  constructor(opts: DescriptionOptions & { options?: Options<T>; value?: T | null; label?: string | null; index?: number | null; disabled?: boolean } & Record<string, unknown> = {}) {
    super(opts);
  }
  /** The options as [label, value] pairs. */
  get pairs(): [string, T][] {
    return this.get('_pairs') as [string, T][];
  }
  protected override init(values: Record<string, unknown>): Record<string, unknown> {
    const out = super.init(values);
    // The order matters for derive: options first, then whichever of value / label / index was given.
    const { options, value, label, index, ...rest } = out;
    const ordered: Record<string, unknown> = { ...rest };
    if (options !== undefined) ordered.options = options;
    if (index !== undefined) ordered.index = index;
    if (label !== undefined) ordered.label = label;
    if (value !== undefined) ordered.value = value;
    return ordered;
  }
  protected override derive(changes: Change[]): Record<string, unknown> {
    const names = new Set(changes.map((c) => c.name));
    const pairs = this.pairs;
    if (names.has('options')) {
      const opts = this.get('options') as Options<T>;
      const next: [string, T][] = Array.isArray(opts)
        ? opts.map((o) => (Array.isArray(o) && o.length === 2 && typeof o[0] === 'string' ? [o[0], o[1]] : [String(o), o as T]) as [string, T])
        : Object.entries(opts as Record<string, T>);
      const keep = next.findIndex(([, v]) => v === this.get('value'));
      return { _pairs: next, _options_labels: next.map(([l]) => l), index: keep >= 0 ? keep : next.length ? 0 : null };
    }
    if (names.has('index')) {
      const i = this.get('index') as number | null;
      return i === null ? { value: null, label: null } : { value: pairs[i][1], label: pairs[i][0] };
    }
    if (names.has('value')) {
      const v = this.get('value');
      const i = pairs.findIndex(([, x]) => x === v);
      if (i < 0 && v !== null) throw new RangeError(`${this.widgetName}.value: ${describe(v)} is not one of the options (${pairs.map(([l]) => l).join(', ')})`);
      return { index: i < 0 ? null : i };
    }
    if (names.has('label')) {
      const l = this.get('label');
      const i = pairs.findIndex(([x]) => x === l);
      if (i < 0 && l !== null) throw new RangeError(`${this.widgetName}.label: ${describe(l)} is not one of the labels (${pairs.map(([x]) => x).join(', ')})`);
      return { index: i < 0 ? null : i };
    }
    return {};
  }
  protected override reprKeys(): string[] {
    return ['options', 'value', 'description'].filter((k) => k !== 'description' || this.get(k) !== '');
  }
  override toString(): string {
    const desc = this.description ? `, description='${this.description}'` : '';
    return `${this.widgetName}(options=[${this.pairs.map(([l]) => `'${l}'`).join(', ')}], value=${typeof this.value === 'string' ? `'${this.value}'` : String(this.value)}${desc})`;
  }
}
interface Selection<T> {
  options: Options<T>;
  value: T | null;
  label: string | null;
  index: number | null;
  disabled: boolean;
}
traits(Selection, {
  options: trait([], { sync: false, coerce: (v, w) => (Array.isArray(v) || (v !== null && typeof v === 'object') ? v : fail(w, 'options', 'a list of options or a { label: value } object', v)) }),
  _pairs: trait([], { sync: false }),
  value: trait(null, { sync: false }),
  label: trait(null, { sync: false }),
  _options_labels: [],
  index: trait(null, {
    coerce: (v, w) => {
      if (v === null) return null;
      const n = (w as Selection).pairs.length;
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= n) throw new RangeError(`${w.widgetName}.index: expected an integer in [0, ${n - 1}] or null, got ${describe(v)}`);
      return v;
    },
  }),
  disabled: trait(false, { coerce: check.bool('disabled') }),
});

/** A drop-down list. */
export class Dropdown<T = unknown> extends Selection<T> {
  static override model = controlModel('Dropdown');
}

/** A row of buttons, one selected. */
export class ToggleButtons<T = unknown> extends Selection<T> {
  static override model = controlModel('ToggleButtons');
  static override styleClass: (new (o: any) => Widget) | null = ToggleButtonsStyle;
}
export interface ToggleButtons<T> {
  button_style: '' | 'primary' | 'success' | 'info' | 'warning' | 'danger';
  tooltips: string[];
  icons: string[];
}
traits(ToggleButtons, { button_style: trait('', { coerce: check.oneOf('button_style', ['', 'primary', 'success', 'info', 'warning', 'danger']) }), tooltips: [], icons: [] });

/** Radio buttons, one selected. */
export class RadioButtons<T = unknown> extends Selection<T> {
  static override model = controlModel('RadioButtons');
}
export interface RadioButtons<T> {
  orientation: 'horizontal' | 'vertical';
}
traits(RadioButtons, { orientation: trait('vertical', { coerce: check.oneOf('orientation', ['horizontal', 'vertical']) }) });

// ---- Booleans, buttons, text -------------------------------------------------------------

/** A check box. */
export class Checkbox extends DescriptionWidget {
  static override model = controlModel('Checkbox');
  static override styleClass: (new (o: any) => Widget) | null = CheckboxStyle;
  constructor(opts: DescriptionOptions & { value?: boolean; disabled?: boolean; indent?: boolean } = {}) {
    super(opts);
  }
}
export interface Checkbox {
  value: boolean; disabled: boolean; indent: boolean;
}
traits(Checkbox, { value: trait(false, { coerce: check.bool('value') }), disabled: trait(false, { coerce: check.bool('disabled') }), indent: true });

/** A button; `onClick(handler)` runs `handler(button)` on every click. */
export class Button extends DOMWidget {
  static override model = controlModel('Button');
  static override styleClass: (new (o: any) => Widget) | null = ButtonStyle;
  constructor(opts: DOMOptions & { description?: string; button_style?: string; icon?: string; disabled?: boolean; style?: Widget | Record<string, unknown> } = {}) {
    super(opts);
    this.onMsg((content) => {
      if (content.event !== 'click') throw new TypeError(`Button ${this.modelId}: unknown event ${describe(content.event)} (expected 'click')`);
      this.click();
    });
  }
  /** Registers `handler` for clicks (ipywidgets' `on_click`); `remove` takes it off. Returns a function that removes it. */
  onClick(handler: (button: this) => void | Promise<void>, remove = false): () => void {
    const handlers = clickHandlers(this);
    if (remove) {
      handlers.delete(handler as (b: Button) => void);
      return () => undefined;
    }
    handlers.add(handler as (b: Button) => void);
    return () => handlers.delete(handler as (b: Button) => void);
  }
  /** Runs the click handlers as a click would. */
  click(): void {
    for (const h of [...clickHandlers(this)]) void h(this);
  }
  protected override reprKeys(): string[] {
    return ['description'];
  }
}
export interface Button {
  description: string; button_style: '' | 'primary' | 'success' | 'info' | 'warning' | 'danger'; icon: string; disabled: boolean; style: Widget;
}
traits(Button, {
  description: trait('', { coerce: check.string('description') }),
  button_style: trait('', { coerce: check.oneOf('button_style', ['', 'primary', 'success', 'info', 'warning', 'danger']) }),
  icon: trait('', { coerce: check.string('icon') }),
  disabled: trait(false, { coerce: check.bool('disabled') }),
  style: trait(null, { coerce: (v, w) => (v instanceof Widget ? v : fail(w, 'style', 'a ButtonStyle', v)) }),
});
const clicks = new WeakMap<Button, Set<(b: Button) => void | Promise<void>>>();
function clickHandlers(b: Button): Set<(b: Button) => void | Promise<void>> {
  let set = clicks.get(b);
  if (!set) clicks.set(b, (set = new Set()));
  return set;
}

/** A one-line text box. */
export class Text extends DescriptionWidget {
  static override model = controlModel('Text');
  static override styleClass: (new (o: any) => Widget) | null = TextStyle;
  constructor(opts: DescriptionOptions & { value?: string; placeholder?: string; disabled?: boolean; continuous_update?: boolean } = {}) {
    super(opts);
  }
}
export interface Text {
  value: string; placeholder: string; disabled: boolean; continuous_update: boolean;
}
traits(Text, { value: trait('', { coerce: check.string('value') }), placeholder: '\u200b', disabled: trait(false, { coerce: check.bool('disabled') }), continuous_update: true });

/** Plain text. */
export class Label extends DescriptionWidget {
  static override model = controlModel('Label');
  static override styleClass: (new (o: any) => Widget) | null = LabelStyle;
  constructor(opts: DescriptionOptions & { value?: string; placeholder?: string } = {}) {
    super(opts);
  }
}
export interface Label {
  value: string; placeholder: string;
}
traits(Label, { value: trait('', { coerce: check.string('value') }), placeholder: '\u200b' });

/** HTML (sanitized by the frontend as any notebook HTML). */
export class HTML extends DescriptionWidget {
  static override model = controlModel('HTML');
  static override styleClass: (new (o: any) => Widget) | null = HTMLStyle;
  constructor(opts: DescriptionOptions & { value?: string; placeholder?: string } = {}) {
    super(opts);
  }
}
export interface HTML {
  value: string; placeholder: string;
}
traits(HTML, { value: trait('', { coerce: check.string('value') }), placeholder: '\u200b' });

/** An image from bytes (`value`: PNG, JPEG, GIF, SVG… bytes, sent as a binary buffer). */
export class Image extends DOMWidget {
  static override model = controlModel('Image');
  constructor(opts: DOMOptions & { value?: Uint8Array; format?: string; width?: string | number; height?: string | number } = {}) {
    super(opts);
  }
  protected override reprKeys(): string[] {
    return ['format', 'width', 'height'];
  }
  override toString(): string {
    return `Image(${(this.get('value') as Uint8Array).length} bytes, format='${this.format}')`;
  }
}
export interface Image {
  value: Uint8Array; format: string; width: string; height: string;
}
const size = (name: string) => (v: unknown, w: Widget): string => (typeof v === 'number' ? String(v) : check.string(name)(v, w));
traits(Image, {
  value: trait(() => new Uint8Array(0), { coerce: (v, w) => (v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : fail(w, 'value', 'bytes (a Uint8Array)', v)) }),
  format: trait('png', { coerce: check.string('format') }), width: trait('', { coerce: size('width') }), height: trait('', { coerce: size('height') }),
});

// ---- Boxes ---------------------------------------------------------------------------------

const children = (v: unknown, w: Widget): Widget[] => {
  if (!Array.isArray(v)) fail(w, 'children', 'a list of widgets', v);
  (v as unknown[]).forEach((c, i) => {
    if (!(c instanceof Widget)) throw new TypeError(`${w.widgetName}.children[${i}]: expected a widget, got ${describe(c)}`);
  });
  return [...(v as Widget[])];
};

/** Lays out `children` (ipywidgets' Box; HBox in a row, VBox in a column, GridBox on a CSS grid). */
export class Box extends DOMWidget {
  static override model = controlModel('Box');
  constructor(childrenOrOpts: Widget[] | (DOMOptions & { children?: Widget[]; box_style?: string }) = [], opts: DOMOptions & { box_style?: string } = {}) {
    super(Array.isArray(childrenOrOpts) ? { ...opts, children: childrenOrOpts } : childrenOrOpts);
  }
  protected override reprKeys(): string[] {
    return ['children'];
  }
}
export interface Box {
  children: Widget[]; box_style: '' | 'success' | 'info' | 'warning' | 'danger';
}
traits(Box, { children: trait([], { coerce: children }), box_style: trait('', { coerce: check.oneOf('box_style', ['', 'success', 'info', 'warning', 'danger']) }) });

export class HBox extends Box {
  static override model = controlModel('HBox');
}
export class VBox extends Box {
  static override model = controlModel('VBox');
}
export class GridBox extends Box {
  static override model = controlModel('GridBox');
}

// ---- Output ---------------------------------------------------------------------------------

type OutputJSON = JSONObject & { output_type: string };

/**
 * Output captured into a widget: `out.capture(() => { display(x); console.log('…') })`
 * (Python's `with out:`), `out.clearOutput()`, `out.appendStdout(text)`,
 * `out.appendDisplayData(value)`. The outputs are the widget's state (saved in
 * the notebook with it).
 */
export class Output extends DOMWidget {
  static override model: ModelSpec = { modelName: 'OutputModel', modelModule: '@jupyter-widgets/output', modelModuleVersion: '1.0.0', viewName: 'OutputView', viewModule: '@jupyter-widgets/output', viewModuleVersion: '1.0.0' };
  constructor(opts: DOMOptions = {}) {
    super(opts);
  }

  /** Runs `fn` with displays and console output going into this widget; awaits it if it is async. */
  capture<T>(fn: () => T): T {
    const ids = new Map<string, number>();
    const sink = (m: DisplayMessage, update: boolean) => {
      const id = m.transient?.display_id;
      const out: OutputJSON = { output_type: 'display_data', data: m.data as JSONObject, metadata: m.metadata as JSONObject };
      const outputs = [...(this.get('outputs') as OutputJSON[])];
      if (update) {
        const at = id === undefined ? undefined : ids.get(id);
        if (at !== undefined) outputs[at] = out;
        this.set('outputs', outputs);
        return;
      }
      if (id) ids.set(id, outputs.length);
      outputs.push(out);
      this.set('outputs', outputs);
    };
    const before = swapDisplaySink(Object.assign(sink, { clearOutput: (_wait: boolean) => this.clearOutput() }));
    const { stdout, stderr } = process;
    const writeOut = stdout.write;
    const writeErr = stderr.write;
    const stream = (name: 'stdout' | 'stderr') => ((chunk: string | Uint8Array) => {
      this.appendStream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    stdout.write = stream('stdout');
    stderr.write = stream('stderr');
    const restore = () => {
      swapDisplaySink(before);
      stdout.write = writeOut;
      stderr.write = writeErr;
    };
    let result: T;
    try {
      result = fn();
    } catch (err) {
      restore();
      this.appendError(err);
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => (restore(), v),
        (err) => {
          restore();
          this.appendError(err);
          throw err;
        },
      ) as T;
    }
    restore();
    return result;
  }

  clearOutput(): void {
    this.set('outputs', []);
  }

  appendStdout(text: string): void {
    this.appendStream('stdout', text);
  }

  appendStderr(text: string): void {
    this.appendStream('stderr', text);
  }

  /** Appends `value`'s display (as `display(value)` inside `capture`). */
  appendDisplayData(value: unknown): void {
    this.set('outputs', [...(this.get('outputs') as OutputJSON[]), { output_type: 'display_data', data: bundleOf(value) as JSONObject, metadata: {} }]);
  }

  private appendStream(name: 'stdout' | 'stderr', text: string): void {
    const outputs = [...(this.get('outputs') as OutputJSON[])];
    const last = outputs[outputs.length - 1];
    // Consecutive writes to one stream are one output, as in a notebook cell.
    if (last && last.output_type === 'stream' && last.name === name) outputs[outputs.length - 1] = { ...last, text: String(last.text) + text };
    else outputs.push({ output_type: 'stream', name, text });
    this.set('outputs', outputs);
  }

  private appendError(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.set('outputs', [...(this.get('outputs') as OutputJSON[]), { output_type: 'error', ename: e.name, evalue: e.message, traceback: (e.stack ?? e.message).split('\n') }]);
  }
}
export interface Output {
  outputs: OutputJSON[]; msg_id: string;
}
traits(Output, { msg_id: '', outputs: trait([], { coerce: (v, w) => (Array.isArray(v) ? v : fail(w, 'outputs', 'a list of outputs', v)) }) });

// ---- Links ---------------------------------------------------------------------------------

type Endpoint = readonly [Widget, string];

const endpoint = (name: string) => (v: unknown, w: Widget): [Widget, string] => {
  if (!Array.isArray(v) || v.length !== 2 || !(v[0] instanceof Widget) || typeof v[1] !== 'string') fail(w, name, '[widget, trait name]', v);
  const [widget, key] = v as [Widget, string];
  if (!widget.keys.includes(key)) throw new TypeError(`${w.widgetName}.${name}: ${widget.widgetName} has no trait '${key}'`);
  return [widget, key];
};

/** A link kept by the frontend (works with no kernel round trip): `jslink([a, 'value'], [b, 'value'])`. */
export class Link extends Widget {
  static override model = controlModel('Link', null);
  constructor(source: Endpoint, target: Endpoint) {
    super({ source, target });
  }
  unlink(): void {
    this.close();
  }
}
traits(Link, { source: trait([], { coerce: endpoint('source') }), target: trait([], { coerce: endpoint('target') }) });

export class DirectionalLink extends Link {
  static override model = controlModel('DirectionalLink', null);
}

/** Links two widgets' traits in the frontend, both ways. */
export function jslink(source: Endpoint, target: Endpoint): Link {
  return new Link(source, target);
}

/** Links `source` to `target` in the frontend, one way. */
export function jsdlink(source: Endpoint, target: Endpoint): DirectionalLink {
  return new DirectionalLink(source, target);
}

/** Links two traits in the kernel, both ways (traitlets' `link`); returns `{ unlink }`. */
export function link(source: Endpoint, target: Endpoint): { unlink(): void } {
  let busy = false;
  const copy = (from: Endpoint, to: Endpoint) => (c: Change) => {
    if (busy) return;
    busy = true;
    try {
      to[0].set(to[1], c.new);
    } finally {
      busy = false;
    }
  };
  target[0].set(target[1], source[0].get(source[1]));
  const a = source[0].observe(copy(source, target), source[1]);
  const b = target[0].observe(copy(target, source), target[1]);
  return { unlink: () => (a(), b()) };
}

/** Links `source` to `target` in the kernel, one way, through `transform`. */
export function dlink(source: Endpoint, target: Endpoint, transform: (v: any) => unknown = (v) => v): { unlink(): void } {
  target[0].set(target[1], transform(source[0].get(source[1])));
  const off = source[0].observe((c) => target[0].set(target[1], transform(c.new)), source[1]);
  return { unlink: off };
}
