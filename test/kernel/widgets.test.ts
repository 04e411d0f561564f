/**
 * nnlab/widgets against a recording comm transport: the messages a frontend
 * would get, and the frontend's messages fed back through the launcher's
 * entry point (dispatchCommMessage). The real kernel is exercised in
 * test/kernel-integration/comms.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatchCommMessage, registerCommTarget, setCommTransport, commInfo, CommError, openComm, type JSONObject } from '../../kernel/src/comm';
import * as widgets from '../../kernel/src/widgets';
import { WIDGET_VIEW_MIME } from '../../kernel/src/widgets/widget';
import { display } from '../../kernel/src/display';

interface Sent {
  type: string;
  content: JSONObject;
  metadata: JSONObject;
  buffers: Uint8Array[];
}

let sent: Sent[] = [];
let logged: string[] = [];

beforeEach(() => {
  sent = [];
  logged = [];
  setCommTransport({
    send: (type, content, metadata, buffers) => sent.push({ type, content, metadata, buffers }),
    parentMsgId: () => 'cell-1',
    log: (text) => logged.push(text),
  });
});
afterEach(() => setCommTransport(null));

const header = (n = 1) => ({ msg_id: `front-${n}`, msg_type: 'comm_msg' });
const fromFrontend = (commId: string, data: JSONObject, buffers: Uint8Array[] = []) =>
  dispatchCommMessage('comm_msg', { comm_id: commId, data }, {}, buffers, header());
const openOf = (w: widgets.Widget) => sent.find((m) => m.type === 'comm_open' && m.content.comm_id === w.modelId)!;
const updatesOf = (w: widgets.Widget, method = 'update') =>
  sent.filter((m) => m.type === 'comm_msg' && m.content.comm_id === w.modelId && (m.content.data as JSONObject).method === method).map((m) => m.content.data as JSONObject);

describe('widget models on the wire (protocol 2.1)', () => {
  it('an IntSlider opens a jupyter.widget comm with its full state, and layout/style models first', () => {
    const s = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: 'n' });
    const open = openOf(s);
    expect(open.content.target_name).toBe('jupyter.widget');
    expect(open.metadata).toEqual({ version: '2.1.0' });
    const state = (open.content.data as JSONObject).state as JSONObject;
    expect(state).toMatchObject({
      _model_name: 'IntSliderModel', _model_module: '@jupyter-widgets/controls', _model_module_version: '2.0.0',
      _view_name: 'IntSliderView', value: 3, min: 0, max: 10, step: 1, description: 'n', orientation: 'horizontal',
    });
    // layout and style are references to models opened before the slider
    const layoutId = String(state.layout).replace('IPY_MODEL_', '');
    const styleId = String(state.style).replace('IPY_MODEL_', '');
    const order = sent.filter((m) => m.type === 'comm_open').map((m) => m.content.comm_id);
    expect(order.indexOf(layoutId)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(styleId)).toBeLessThan(order.indexOf(s.modelId));
    expect(((sent.find((m) => m.content.comm_id === layoutId)!.content.data as JSONObject).state as JSONObject)._model_name).toBe('LayoutModel');
  });

  it('display(w) and the last expression give the widget view MIME with a text fallback', () => {
    const s = new widgets.FloatSlider({ value: 0.5, description: 'lr' });
    const bundle = (s as any)[Symbol.for('Jupyter.display')]();
    expect(bundle[WIDGET_VIEW_MIME]).toEqual({ version_major: 2, version_minor: 0, model_id: s.modelId });
    expect(bundle['text/plain']).toBe("FloatSlider(value=0.5, min=0, max=100, step=0.1, description='lr')");
  });

  it('w.value = x sends an update and fires observe with the ipywidgets change object', () => {
    const s = new widgets.IntSlider({ value: 3, max: 10 });
    const seen: unknown[] = [];
    s.observe((c) => seen.push({ name: c.name, old: c.old, new: c.new, owner: c.owner === s, type: c.type }), 'value');
    s.value = 7;
    expect(updatesOf(s).at(-1)).toEqual({ method: 'update', state: { value: 7 }, buffer_paths: [] });
    expect(seen).toEqual([{ name: 'value', old: 3, new: 7, owner: true, type: 'change' }]);
    s.value = 7; // no change: no message, no event
    expect(updatesOf(s)).toHaveLength(1);
    expect(seen).toHaveLength(1);
  });

  it('a frontend update changes w.value, fires observe and is echoed, not sent back as an update', async () => {
    const s = new widgets.IntSlider({ value: 3, max: 10 });
    const seen: number[] = [];
    s.observe((c) => seen.push(c.new as number), 'value');
    await fromFrontend(s.modelId, { method: 'update', state: { value: 9 }, buffer_paths: [] });
    expect(s.value).toBe(9);
    expect(seen).toEqual([9]);
    expect(updatesOf(s, 'echo_update')).toEqual([{ method: 'echo_update', state: { value: 9 }, buffer_paths: [] }]);
    expect(updatesOf(s)).toEqual([]);
  });

  it('a value the kernel coerces (clamped to max) is sent back to the frontend', async () => {
    const s = new widgets.IntSlider({ value: 3, max: 10 });
    s.value = 12;
    expect(s.value).toBe(10);
    const f = new widgets.FloatSlider({ value: 1, min: 0, max: 2, step: 0.5 });
    f.max = 0.5; // value follows max, as in ipywidgets
    expect(f.value).toBe(0.5);
  });

  it('a bad value is refused with the widget, trait and value named, and nothing changes', async () => {
    const s = new widgets.IntSlider({ value: 3, max: 10 });
    expect(() => { (s as any).value = 'x'; }).toThrow(/IntSlider\.value: expected a number, got "x"/);
    expect(s.value).toBe(3);
    expect(() => new widgets.IntSlider({ vlaue: 3 } as any)).toThrow(/unknown option 'vlaue'.*did you mean 'value'/);
    await expect(fromFrontend(s.modelId, { method: 'update', state: { value: 'nope' } })).rejects.toThrow(/IntSlider/);
    expect(s.value).toBe(3);
    expect(updatesOf(s, 'echo_update')).toEqual([]);
    await expect(fromFrontend(s.modelId, { method: 'update', state: { colour: 1 } })).rejects.toThrow(/unknown trait 'colour'/);
    await expect(fromFrontend(s.modelId, { method: 'frobnicate' })).rejects.toThrow(/unknown widget message method "frobnicate" \(expected 'update', 'request_state' or 'custom'\)/);
  });

  it('request_state answers with the full state', async () => {
    const t = new widgets.Text({ value: 'hi', placeholder: 'name' });
    await fromFrontend(t.modelId, { method: 'request_state' });
    const reply = updatesOf(t).at(-1)!;
    expect(reply.state).toMatchObject({ _model_name: 'TextModel', value: 'hi', placeholder: 'name' });
  });

  it('Image bytes travel as a binary buffer, both ways', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const img = new widgets.Image({ value: png, format: 'png', width: '64' });
    const open = openOf(img);
    expect((open.content.data as JSONObject).buffer_paths).toEqual([['value']]);
    expect(Array.from(open.buffers[0])).toEqual(Array.from(png));
    expect(((open.content.data as JSONObject).state as JSONObject).value).toBeUndefined();
    const next = new Uint8Array([9, 8, 7]);
    await fromFrontend(img.modelId, { method: 'update', state: {}, buffer_paths: [['value']] }, [next]);
    expect(Array.from(img.value)).toEqual([9, 8, 7]);
  });

  it('the control comm answers request_states with every live widget', async () => {
    const a = new widgets.Checkbox({ value: true, description: 'ok' });
    const b = new widgets.Image({ value: new Uint8Array([1, 2]) });
    await dispatchCommMessage('comm_open', { comm_id: 'ctl', target_name: 'jupyter.widget.control', data: {} }, {}, [], header());
    await fromFrontend('ctl', { method: 'request_states' });
    const reply = sent.filter((m) => m.content.comm_id === 'ctl').at(-1)!;
    const data = reply.content.data as JSONObject;
    expect(data.method).toBe('update_states');
    const states = data.states as Record<string, JSONObject>;
    expect(states[a.modelId]).toMatchObject({ model_name: 'CheckboxModel', model_module: '@jupyter-widgets/controls', state: { value: true, description: 'ok' } });
    const paths = data.buffer_paths as unknown[][];
    const i = paths.findIndex((p) => p[0] === b.modelId);
    expect(paths[i]).toEqual([b.modelId, 'state', 'value']);
    expect(Array.from(reply.buffers[i])).toEqual([1, 2]);
  });

  it('a frontend comm_open for jupyter.widget is refused: models are created by the kernel', async () => {
    await dispatchCommMessage('comm_open', { comm_id: 'x1', target_name: 'jupyter.widget', data: { state: {} } }, {}, [], header());
    expect(sent.at(-1)).toMatchObject({ type: 'comm_close', content: { comm_id: 'x1' } });
  });
});

describe('comms', () => {
  it('an unknown target is refused with the reason in comm_close and the log', async () => {
    await dispatchCommMessage('comm_open', { comm_id: 'c9', target_name: 'no.such', data: {} }, {}, [], header());
    const close = sent.at(-1)!;
    expect(close.type).toBe('comm_close');
    expect((close.content.data as JSONObject).reason).toMatch(/no comm target 'no.such'/);
    expect(logged.join('\n')).toMatch(/comm_open c9 refused: no comm target 'no.such'/);
  });

  it('a registered target gets the open, messages with buffers, and the close; commInfo lists it', async () => {
    const got: unknown[] = [];
    const off = registerCommTarget('test.echo', (comm, msg) => {
      got.push(['open', msg.data]);
      comm.onMsg((m) => comm.send({ echo: m.data }, { buffers: m.buffers }));
      comm.onClose((m) => got.push(['close', m.data]));
    });
    try {
      await dispatchCommMessage('comm_open', { comm_id: 'e1', target_name: 'test.echo', data: { hello: 1 } }, {}, [], header());
      expect(commInfo('test.echo')).toEqual({ e1: { target_name: 'test.echo' } });
      await dispatchCommMessage('comm_msg', { comm_id: 'e1', data: { n: 2 } }, {}, [new Uint8Array([5, 6])], header(2));
      const echo = sent.at(-1)!;
      expect(echo).toMatchObject({ type: 'comm_msg', content: { comm_id: 'e1', data: { echo: { n: 2 } } } });
      expect(Array.from(echo.buffers[0])).toEqual([5, 6]);
      await dispatchCommMessage('comm_close', { comm_id: 'e1', data: { bye: true } }, {}, [], header(3));
      expect(got).toEqual([['open', { hello: 1 }], ['close', { bye: true }]]);
      expect(commInfo('test.echo')).toEqual({});
    } finally {
      off();
    }
  });

  it('kernel-opened comms send and close; malformed frontend messages raise a CommError', async () => {
    const c = openComm('test.kernel-side', { a: 1 });
    expect(sent.at(-1)).toMatchObject({ type: 'comm_open', content: { comm_id: c.commId, target_name: 'test.kernel-side', data: { a: 1 } } });
    c.close({ done: true });
    expect(sent.at(-1)).toMatchObject({ type: 'comm_close', content: { comm_id: c.commId, data: { done: true } } });
    expect(() => c.send({})).toThrow(/closed/);
    await expect(dispatchCommMessage('comm_msg', { data: {} }, {}, [], header())).rejects.toBeInstanceOf(CommError);
    await expect(dispatchCommMessage('comm_msg', { comm_id: 'zz', data: [1] }, {}, [], header())).rejects.toThrow(/data must be an object, got an array/);
    await dispatchCommMessage('comm_msg', { comm_id: 'gone', data: {} }, {}, [], header());
    expect(logged.at(-1)).toMatch(/comm_msg for unknown comm gone dropped/);
  });
});

describe('controls', () => {
  it('Dropdown takes a list, label/value pairs or an object; value, label and index agree', async () => {
    const d = new widgets.Dropdown({ options: ['relu', 'tanh', 'sigmoid'], value: 'tanh' });
    expect([d.index, d.label, d.value]).toEqual([1, 'tanh', 'tanh']);
    const state = ((openOf(d).content.data as JSONObject).state as JSONObject);
    expect(state._options_labels).toEqual(['relu', 'tanh', 'sigmoid']);
    expect(state.index).toBe(1);
    await fromFrontend(d.modelId, { method: 'update', state: { index: 2 } });
    expect(d.value).toBe('sigmoid');
    const p = new widgets.ToggleButtons({ options: [['small', 8], ['large', 64]] });
    expect([p.value, p.label]).toEqual([8, 'small']);
    p.value = 64;
    expect(p.index).toBe(1);
    const o = new widgets.RadioButtons({ options: { one: 1, two: 2 }, value: 2 });
    expect(o.label).toBe('two');
    expect(() => { d.value = 'gelu'; }).toThrow('Dropdown.value: "gelu" is not one of the options (relu, tanh, sigmoid)');
  });

  it('FloatLogSlider keeps value in [base^min, base^max]; IntRangeSlider refuses lower > upper', () => {
    const lr = new widgets.FloatLogSlider({ value: 0.01, min: -4, max: 0 });
    expect(lr.value).toBe(0.01);
    lr.value = 10;
    expect(lr.value).toBe(1);
    const r = new widgets.IntRangeSlider({ value: [2, 5], min: 0, max: 10 });
    expect(r.value).toEqual([2, 5]);
    expect(() => { r.value = [7, 3]; }).toThrow('IntRangeSlider.value: low (7) must not exceed high (3)'); // as ipywidgets
    expect(r.value).toEqual([2, 5]);
  });

  it('Button onClick runs on the frontend click message', async () => {
    const b = new widgets.Button({ description: 'Go', button_style: 'success' });
    const clicks: unknown[] = [];
    b.onClick((w) => clicks.push(w === b));
    await fromFrontend(b.modelId, { method: 'custom', content: { event: 'click' } });
    b.click();
    expect(clicks).toEqual([true, true]);
    expect(() => new widgets.Button({ button_style: 'shiny' } as any)).toThrow(/button_style/);
  });

  it('Output captures display() and console output inside it', async () => {
    const out = new widgets.Output();
    await out.capture(() => {
      display('shown');
      process.stdout.write('printed\n');
    });
    expect(out.outputs).toEqual([
      { output_type: 'display_data', data: { 'text/plain': 'shown' }, metadata: {} },
      { output_type: 'stream', name: 'stdout', text: 'printed\n' },
    ]);
    expect(updatesOf(out).at(-1)!.state).toHaveProperty('outputs');
    out.clearOutput();
    expect(out.outputs).toEqual([]);
  });

  it('jslink opens a LinkModel with both ends; link() keeps two widgets in step kernel-side', () => {
    const a = new widgets.IntSlider({ value: 1 });
    const b = new widgets.IntSlider({ value: 2 });
    const l = widgets.jslink([a, 'value'], [b, 'value']);
    const state = (openOf(l).content.data as JSONObject).state as JSONObject;
    expect(state).toMatchObject({ _model_name: 'LinkModel', source: [`IPY_MODEL_${a.modelId}`, 'value'], target: [`IPY_MODEL_${b.modelId}`, 'value'] });
    const k = widgets.link([a, 'value'], [b, 'value']);
    a.value = 5;
    expect(b.value).toBe(5);
    b.value = 6;
    expect(a.value).toBe(6);
    k.unlink();
    a.value = 1;
    expect(b.value).toBe(6);
    expect(() => widgets.jslink([a, 'vaule'], [b, 'value'])).toThrow(/vaule/);
  });

  it('boxes hold their children as model references', () => {
    const a = new widgets.Label({ value: 'x' });
    const b = new widgets.HTML({ value: '<b>y</b>' });
    const box = new widgets.HBox({ children: [a, b] });
    const state = (openOf(box).content.data as JSONObject).state as JSONObject;
    expect(state.children).toEqual([`IPY_MODEL_${a.modelId}`, `IPY_MODEL_${b.modelId}`]);
    expect(() => new widgets.VBox({ children: [1] } as any)).toThrow(/VBox.*children/);
  });
});

describe('interact', () => {
  it('builds controls from abbreviations and calls the function, debounced, with the latest values', async () => {
    const calls: Record<string, unknown>[] = [];
    const ui = widgets.interactive((kw: { lr: number; activation: string; layers: number; on: boolean; name: string }) => { calls.push(kw); return kw.layers * 2; }, {
      lr: [1e-4, 1, 'log'], activation: ['relu', 'tanh'], layers: [0, 4], on: true, name: 'net',
    }, { debounceMs: 20 });
    const { lr, activation, layers, on, name } = ui.controls;
    expect(lr).toBeInstanceOf(widgets.FloatLogSlider);
    expect(activation).toBeInstanceOf(widgets.Dropdown);
    expect(layers).toBeInstanceOf(widgets.IntSlider);
    expect(on).toBeInstanceOf(widgets.Checkbox);
    expect(name).toBeInstanceOf(widgets.Text);
    expect(ui.children.at(-1)).toBe(ui.out);
    await ui.update();
    const first = ui.calls;
    (layers as widgets.IntSlider).value = 1;
    (layers as widgets.IntSlider).value = 3;
    (activation as widgets.Dropdown).value = 'tanh';
    await new Promise((r) => setTimeout(r, 150));
    expect(ui.calls).toBe(first + 1); // three changes inside the debounce: one call
    expect(calls.at(-1)).toMatchObject({ activation: 'tanh', layers: 3, on: true, name: 'net' });
    expect(ui.result).toBe(6);
    expect(ui.out.outputs.at(-1)).toMatchObject({ output_type: 'display_data', data: { 'text/plain': '6' } });
    expect(() => widgets.interactive(() => 0, { x: {} } as any)).toThrow(/interact: 'x': cannot make a control/);
  });
});
