/**
 * Comms and widgets on the real nnlab kernel, driven by a scripted frontend
 * (comms.py on jupyter_client): widget state both ways, buffers, the widget
 * control comm, comm_info, refused targets, malformed messages, and comm
 * messages handled while a training cell runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKernel, newProjectFolder, removeProjectFolders, runComms, type CommsStep as Step } from './helpers';

const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';

interface During { at: number; comm: { msg_type: string; content: Record<string, unknown> } }

const comm = (msg_type: string, content: Record<string, unknown>, buffers_hex: string[] = []) => ({ comm: { msg_type, content, buffers_hex } });
const update = (state: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ method: 'update', state, buffer_paths: [], ...extra });

const STEPS = [
  /* 0 */ { execute: `import * as nn from 'nnlab';
import * as widgets from 'nnlab/widgets';
const s = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: 'n' });
const seen: unknown[] = [];
s.observe((c) => seen.push([c.name, c.old, c.new]), 'value');
s` },
  /* 1 */ { execute: 's.modelId', save: 'sid' },
  /* 2 */ comm('comm_msg', { comm_id: '${sid}', data: update({ value: 8 }) }),
  /* 3 */ { execute: 'JSON.stringify([s.value, seen])' },
  /* 4 */ { execute: 's.value = 2;' },
  /* 5 */ comm('comm_msg', { comm_id: '${sid}', data: { method: 'request_state' } }),
  /* 6 */ { comm_info: 'jupyter.widget' },
  /* 7 */ comm('comm_open', { comm_id: 'control-1', target_name: 'jupyter.widget.control', data: {} }),
  /* 8 */ comm('comm_msg', { comm_id: 'control-1', data: { method: 'request_states' } }),
  /* 9 */ { execute: "const img = new widgets.Image({ value: new Uint8Array([137, 80, 78, 71]), format: 'png' });\nimg.modelId", save: 'iid' },
  /* 10 */ comm('comm_msg', { comm_id: '${iid}', data: update({}, { buffer_paths: [['value']] }) }, ['0102ff']),
  /* 11 */ { execute: "Array.from(img.value).join(',')" },
  /* 12 */ { execute: `widgets.registerCommTarget('test.echo', (c, open) => {
  c.send({ opened: open.data });
  c.onMsg((m) => c.send({ echo: m.data }, { buffers: m.buffers }));
});` },
  /* 13 */ comm('comm_open', { comm_id: 'echo-1', target_name: 'test.echo', data: { hello: 1 } }),
  /* 14 */ comm('comm_msg', { comm_id: 'echo-1', data: { n: 2 } }, ['cafe', '00']),
  /* 15 */ { comm_info: null },
  /* 16 */ comm('comm_open', { comm_id: 'stray-1', target_name: 'no.such.target', data: {} }),
  /* 17 */ comm('comm_msg', { comm_id: '${sid}', data: update({ value: 'high' }) }),
  /* 18 */ comm('comm_msg', { data: { method: 'update' } }),
  /* 19 */ comm('comm_msg', { comm_id: '${sid}', data: { method: 'frobnicate' } }),
  /* 20 */ { execute: "'alive ' + s.value" },
  /* 21 */ { execute: `nn.manualSeed(0);
const x = nn.randn([16384, 256]);
const y = x.matmul(nn.randn([256, 10])).argmax(1);
const trainLoader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 2048 });
const model = new nn.Sequential(new nn.Linear(256, 512), new nn.ReLU(), new nn.Linear(512, 10));
const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.01 });
const batchEnds: number[] = [];
const received: { t: number; batches: number; data: unknown }[] = [];
widgets.registerCommTarget('test.probe', (c) => c.onMsg((m) => { received.push({ t: Date.now() / 1000, batches: batchEnds.length, data: m.data }); }));
const stop = new widgets.Button({ description: 'Stop' });
let stopRequested = false;
stop.onClick(() => { stopRequested = true; });
stop.modelId`, save: 'bid' },
  /* 22 */ comm('comm_open', { comm_id: 'probe-1', target_name: 'test.probe', data: {} }),
  /* 23 */ { execute: `const run = await nn.fit(model, { trainLoader, optimizer, epochs: 400, shouldStop: () => stopRequested,
  onBatchEnd: () => { batchEnds.push(Date.now() / 1000); } });`,
    timeout: 240,
    during: [1.5, 2.0, 2.5, 3.0, 3.5].map((at, i): During => ({ at, comm: { msg_type: 'comm_msg', content: { comm_id: 'probe-1', data: { i } } } }))
      .concat([{ at: 4.5, comm: { msg_type: 'comm_msg', content: { comm_id: '${bid}', data: { method: 'custom', content: { event: 'click' } } } } }]) },
  /* 24 */ { execute: 'JSON.stringify({ status: run.status, batchEnds, received, stopRequested })' },
];

let steps: Step[];
let stderr: string;

afterAll(removeProjectFolders);

beforeAll(() => {
  ensureKernel();
  ({ steps, stderr } = runComms(STEPS, newProjectFolder('kernel-comms'), 400_000));
}, 420_000);

const ofType = (s: Step, type: string) => s.messages.filter((m) => m.type === type && m.parent === s.msg_id);
const commMsgs = (s: Step, method?: string) => ofType(s, 'comm_msg').filter((m) => method === undefined || m.content.data.method === method);
const result = (s: Step) => {
  const r = ofType(s, 'execute_result')[0];
  if (!r) throw new Error(`no execute_result: ${JSON.stringify(s.messages).slice(0, 800)}`);
  return r.content.data['text/plain'] as string;
};
const sid = () => result(steps[1]);

describe('widgets on the real kernel', () => {
  it('a widget opens its comm with its state, and the cell shows the widget view with a text fallback', () => {
    const s0 = steps[0];
    expect(s0.reply?.content.status).toBe('ok');
    const opens = ofType(s0, 'comm_open');
    const slider = opens.find((m) => m.content.data.state._model_name === 'IntSliderModel')!;
    expect(slider.content).toMatchObject({ target_name: 'jupyter.widget', comm_id: sid() });
    expect(slider.content.data.state).toMatchObject({ value: 3, min: 0, max: 10, description: 'n', _view_name: 'IntSliderView', _model_module: '@jupyter-widgets/controls' });
    expect(opens.map((m) => m.content.data.state._model_name)).toEqual(expect.arrayContaining(['LayoutModel', 'SliderStyleModel']));
    const data = ofType(s0, 'execute_result')[0].content.data;
    expect(data[WIDGET_VIEW]).toEqual({ version_major: 2, version_minor: 0, model_id: sid() });
    expect(data['text/plain']).toMatch(/^IntSlider\(value=3/);
  });

  it('a frontend update changes w.value and fires observe, and is echoed to the frontends', () => {
    const echo = commMsgs(steps[2], 'echo_update');
    expect(echo.map((m) => m.content)).toEqual([{ comm_id: sid(), data: { method: 'echo_update', state: { value: 8 }, buffer_paths: [] } }]);
    expect(commMsgs(steps[2], 'update')).toEqual([]);
    expect(JSON.parse(result(steps[3]))).toEqual([8, [['value', 3, 8]]]);
  });

  it('a kernel-side set sends an update; request_state gets the full state in reply to it', () => {
    expect(commMsgs(steps[4], 'update').map((m) => m.content.data.state)).toEqual([{ value: 2 }]);
    const reply = commMsgs(steps[5], 'update');
    expect(reply).toHaveLength(1);
    expect(reply[0].content.data.state).toMatchObject({ _model_name: 'IntSliderModel', value: 2, max: 10 });
  });

  it('comm_info lists open comms by target', () => {
    const only = steps[6].reply!.content;
    expect(only.status).toBe('ok');
    expect(only.comms[sid()]).toEqual({ target_name: 'jupyter.widget' });
    expect(Object.values(only.comms).every((c: any) => c.target_name === 'jupyter.widget')).toBe(true);
    const all = steps[15].reply!.content.comms;
    expect(all['echo-1']).toEqual({ target_name: 'test.echo' });
    expect(all[sid()]).toEqual({ target_name: 'jupyter.widget' });
  });

  it('the widget control comm returns every model for the manager to restore', () => {
    const [m] = commMsgs(steps[8], 'update_states');
    expect(m.content.comm_id).toBe('control-1');
    expect(m.content.data.states[sid()]).toMatchObject({ model_name: 'IntSliderModel', model_module: '@jupyter-widgets/controls', model_module_version: '2.0.0', state: { value: 2 } });
  });

  it('Image bytes travel as binary buffers both ways', () => {
    const open = ofType(steps[9], 'comm_open').find((m) => m.content.data.state._model_name === 'ImageModel')!;
    expect(open.content.data.buffer_paths).toEqual([['value']]);
    expect(open.buffers_hex).toEqual(['89504e47']);
    expect(result(steps[11])).toBe('1,2,255');
  });

  it('a comm target registered from a cell gets the open, and messages with buffers, replying to each', () => {
    expect(ofType(steps[13], 'comm_msg').map((m) => m.content.data)).toEqual([{ opened: { hello: 1 } }]);
    const [echo] = ofType(steps[14], 'comm_msg');
    expect(echo.content).toEqual({ comm_id: 'echo-1', data: { echo: { n: 2 } } });
    expect(echo.buffers_hex).toEqual(['cafe', '00']);
  });

  it('an unknown comm target is refused with its reason, and the reason is logged', () => {
    const [close] = ofType(steps[16], 'comm_close');
    expect(close.content.comm_id).toBe('stray-1');
    expect(close.content.data.reason).toMatch(/no comm target 'no\.such\.target'/);
    expect(stderr).toMatch(/comm_open stray-1 refused: no comm target 'no\.such\.target'/);
  });

  it('malformed widget messages get an error reply naming the problem, and the kernel lives on', () => {
    const [bad] = ofType(steps[17], 'error');
    expect(bad.content.evalue).toMatch(/IntSlider\.value: expected a number, got "high"/);
    expect(commMsgs(steps[17], 'echo_update')).toEqual([]);
    expect(ofType(steps[18], 'error')[0].content.evalue).toMatch(/comm_msg: the message has no comm_id/);
    expect(ofType(steps[19], 'error')[0].content.evalue).toMatch(/unknown widget message method "frobnicate"/);
    expect(result(steps[20])).toBe('alive 2');
  });
});

describe('comm messages while a training cell runs', () => {
  const final = () => JSON.parse(result(steps[24]));

  it('each message reaches its handler within one batch, while training goes on', () => {
    const { batchEnds, received } = final() as { batchEnds: number[]; received: { t: number; batches: number; data: { i: number } }[] };
    const sent = steps[23].during!;
    expect(received.map((r) => r.data.i)).toEqual([0, 1, 2, 3, 4]);
    for (const [i, r] of received.entries()) {
      // batches that ended between the frontend's send and the handler's call: at most the one in flight
      const between = batchEnds.filter((t) => t > sent[i].t_sent && t < r.t).length;
      expect(between, `message ${i}: ${between} batches ended between send and handling`).toBeLessThanOrEqual(1);
      expect(r.batches, 'handled while training was running').toBeLessThan(batchEnds.length);
    }
  });

  it('a Button clicked during training stops the run through shouldStop', () => {
    const f = final();
    expect(f.stopRequested).toBe(true);
    expect(f.status).toBe('interrupted');
    expect(steps[23].reply?.content.status).toBe('ok');
    expect(f.batchEnds.length).toBeLessThan(400 * 8);
  });
});
