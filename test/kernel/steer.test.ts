/**
 * The 'nnlab.run' comm target (kernel/src/steer.ts) over a recording comm
 * transport, and what a live display shows of steering: a redraw at each
 * event, the events in the payload, text and HTML, and their markers on the
 * loss chart (plotly and the static SVG).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Sequential, Linear, ReLU, randn, manualSeed, optim, data, type TrainingRun } from '../../src';
import { MIME, RUN_COMM_TARGET, type RunCommandReply, type RunPayload } from '../../kernel/protocol';
import { setDisplaySink, type DisplayMessage } from '../../kernel/src/display';
import { liveFit } from '../../kernel/src/live';
import { dispatchCommMessage, setCommTransport, type JSONObject } from '../../kernel/src/comm';
import { registerSteeringTarget, steerRun } from '../../kernel/src/steer';
import { runBundle, runFigure, runPayload } from '../../kernel/src/runView';
import { figureSvg } from '../../kernel/src/figure';

afterEach(() => {
  setDisplaySink(null);
  setCommTransport(null);
});

function problem() {
  manualSeed(1);
  const x = randn([256, 8]);
  const y = x.matmul(randn([8, 3])).argmax(1);
  const model = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 3));
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32 });
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.5 });
  return { model, loader, optimizer };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A frontend end: comm messages the kernel sends, by comm id. */
function frontend() {
  const sent: { type: string; content: JSONObject }[] = [];
  setCommTransport({ send: (type, content) => sent.push({ type, content }), parentMsgId: () => null, log: () => undefined });
  registerSteeringTarget();
  let n = 0;
  const open = async (data: JSONObject = {}) => {
    const commId = `c${++n}`;
    await dispatchCommMessage('comm_open', { comm_id: commId, target_name: RUN_COMM_TARGET, data }, {}, [], {});
    return commId;
  };
  const send = (commId: string, data: JSONObject) => dispatchCommMessage('comm_msg', { comm_id: commId, data }, {}, [], {});
  /** The replies on one comm, in order. */
  const replies = (commId: string) => sent.filter((m) => m.type === 'comm_msg' && m.content.comm_id === commId).map((m) => m.content.data as unknown as RunCommandReply);
  return { sent, open, send, replies };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe("the 'nnlab.run' comm target", () => {
  it('pauses, steps, changes the rate, resumes and stops a liveFit run, replying once each command took effect', async () => {
    const { model, loader, optimizer } = problem();
    const shown: DisplayMessage[] = [];
    setDisplaySink((m) => shown.push(m));
    const fe = frontend();
    const comm = await fe.open();
    const training = liveFit(model, { trainLoader: loader, optimizer, epochs: 50, name: 'steered', minIntervalMs: 1e9 });
    const run: TrainingRun = training.run;
    await until(() => run.stepLosses.length >= 3, 'three steps');

    await fe.send(comm, { action: 'pause', runId: run.id, requestId: 'p1' });
    await until(() => fe.replies(comm).length === 1, 'the pause reply');
    const paused = fe.replies(comm)[0];
    expect(paused).toMatchObject({ kind: 'reply', requestId: 'p1', action: 'pause', ok: true, error: null, run: { id: run.id, name: 'steered', status: 'paused' } });
    const at = paused.run!.steps;
    expect(paused.run!.events).toEqual([expect.objectContaining({ kind: 'pause', step: at })]);
    expect(paused.appliedAt).toBeGreaterThanOrEqual(paused.receivedAt);
    await sleep(50);
    expect(run.stepLosses).toHaveLength(at);
    // The display was redrawn at the pause although no batch ended since.
    const lastShown = () => shown[shown.length - 1].data[MIME.run] as RunPayload;
    expect(lastShown().status).toBe('paused');
    expect(lastShown().steer).toEqual({ lr: 0.1, momentum: 0.5, weightDecay: 0 });

    await fe.send(comm, { action: 'step', runId: run.id, requestId: 's1' });
    await until(() => fe.replies(comm).length === 2, 'the step reply');
    expect(fe.replies(comm)[1]).toMatchObject({ ok: true, run: { status: 'paused', steps: at + 1 } });

    await fe.send(comm, { action: 'set', runId: run.id, name: 'lr', value: 0.02, requestId: 'l1' });
    await fe.send(comm, { action: 'set', runId: run.id, name: 'momentum', value: 0.9 });
    await until(() => fe.replies(comm).length === 4, 'the set replies');
    expect(fe.replies(comm)[2]).toMatchObject({ ok: true, requestId: 'l1', run: { steer: { lr: 0.02 } } });
    expect(optimizer.paramGroups[0]).toMatchObject({ lr: 0.02, momentum: 0.9 });
    expect(lastShown().events!.map((e) => e.kind)).toEqual(['pause', 'step', 'lr', 'momentum']);

    await fe.send(comm, { action: 'resume', runId: run.id });
    await until(() => fe.replies(comm).length === 5, 'the resume reply');
    expect(fe.replies(comm)[4].run!.status).toBe('running');
    await until(() => run.stepLosses.length >= at + 4, 'training again');
    await fe.send(comm, { action: 'stop', runId: run.id, requestId: 'x' });
    await until(() => fe.replies(comm).length === 6, 'the stop reply');
    const stopped = fe.replies(comm)[5];
    expect(stopped).toMatchObject({ ok: true, run: { status: 'stopped' } });
    const done = await training;
    expect(done.status).toBe('stopped');
    // The reply came once the loop had ended: no step after it.
    expect(done.stepLosses).toHaveLength(stopped.run!.steps);
    expect(done.events.map((e) => e.kind)).toEqual(['pause', 'step', 'lr', 'momentum', 'resume', 'stop']);
    const final = shown[shown.length - 1].data;
    expect((final[MIME.run] as RunPayload).status).toBe('stopped');
    expect(String(final['text/plain'])).toMatch(/events: step \d+: pause; step \d+: step; step \d+: lr 0\.1 → 0\.02; step \d+: momentum 0\.5 → 0\.9; step \d+: resume; step \d+: stop/);
  });

  it('takes a first command in the comm_open data', async () => {
    const { model, loader, optimizer } = problem();
    setDisplaySink(() => undefined);
    const fe = frontend();
    const training = liveFit(model, { trainLoader: loader, optimizer, epochs: 50 });
    await until(() => training.run.stepLosses.length >= 1, 'a step');
    const comm = await fe.open({ action: 'stop', runId: training.run.id });
    await training;
    await until(() => fe.replies(comm).length === 1, 'the reply');
    expect(fe.replies(comm)[0]).toMatchObject({ ok: true, action: 'stop', run: { status: 'stopped' } });
  });

  it('refuses bad commands with the reason, and keeps the comm open', async () => {
    const { model, loader, optimizer } = problem();
    setDisplaySink(() => undefined);
    const fe = frontend();
    const comm = await fe.open();
    const training = liveFit(model, { trainLoader: loader, optimizer, epochs: 50, name: 'strict' });
    const run = training.run;
    await fe.send(comm, { action: 'set', runId: run.id, name: 'lr', value: -1 });
    await fe.send(comm, { action: 'set', runId: run.id, name: 'gamma', value: 1 });
    await fe.send(comm, { action: 'jump', runId: run.id });
    await fe.send(comm, { action: 'pause', runId: 'run-999999' });
    await fe.send(comm, { action: 'step', runId: run.id });
    await until(() => fe.replies(comm).length === 5, 'five replies');
    const r = fe.replies(comm);
    expect(r.every((x) => !x.ok)).toBe(true);
    expect(r[0].error).toMatch(new RegExp(`TrainingRun 'strict' \\(${run.id}\\): setLearningRate\\(-1\\) on optimizer SGD: lr must be a finite number ≥ 0, got -1`));
    expect(r[0].run).toMatchObject({ id: run.id, events: [] });
    expect(r[1].error).toMatch(/unknown hyperparameter 'gamma' for run 'strict'.*expected lr, momentum, weightDecay/);
    expect(r[2].error).toMatch(/unknown action 'jump'/);
    expect(r[3].error).toMatch(/no training run 'run-999999' in the kernel; runs: .*run-/);
    expect(r[3].run).toBeNull();
    expect(r[4].error).toMatch(/step\(\) trains one batch of a paused run, but the run is running/);
    await fe.send(comm, { action: 'stop', runId: run.id });
    expect((await training).status).toBe('stopped');
    expect(fe.sent.some((m) => m.type === 'comm_close')).toBe(false);
  });

  it('status of a finished run, with no optimiser values', async () => {
    const { model, loader, optimizer } = problem();
    setDisplaySink(() => undefined);
    const run = await liveFit(model, { trainLoader: loader, optimizer, epochs: 1 });
    const reply = await steerRun({ action: 'status', runId: run.id });
    expect(reply).toMatchObject({ ok: true, run: { status: 'completed', steps: 8, steer: null } });
    const refused = await steerRun({ action: 'pause', runId: run.id });
    expect(refused.error).toMatch(/cannot pause\(\): the run has ended \(status 'completed', after 8 step\(s\)\)/);
  });
});

describe('steering events on the run display', () => {
  it('draws each change as a marker with its new value, and commands as markers, on the loss curve', async () => {
    const { model, loader, optimizer } = problem();
    setDisplaySink(() => undefined);
    const run = await liveFit(model, {
      trainLoader: loader, optimizer, epochs: 2,
      onBatchEnd: (info, r) => {
        if (info.step === 4) r.setLearningRate(0.025);
        if (info.step === 6) r.setWeightDecay(0.001);
        if (info.step === 10) r.pause();
        if (info.step === 10) setTimeout(() => r.resume(), 5);
      },
    });
    const p = runPayload(run);
    expect(p.events!.map((e) => [e.kind, e.step, e.value])).toEqual([['lr', 4, 0.025], ['weightDecay', 6, 0.001], ['pause', 10, undefined], ['resume', 10, undefined]]);
    const fig = runFigure(p);
    const changes = fig.data.find((t) => t.name === 'changes')!;
    expect(changes.mode).toBe('markers+text');
    // 8 steps an epoch: step 4 is at epoch 0.5.
    expect(changes.x).toEqual([0.5, 0.75]);
    expect(changes.text).toEqual(['lr=0.025', 'wd=0.001']);
    expect(changes.y.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    const commands = fig.data.find((t) => t.name === 'commands')!;
    // Two events at one step share a marker.
    expect(commands.text).toEqual(['pause, resume']);
    expect(commands.x).toEqual([1.25]);
    const svg = figureSvg(fig);
    expect(svg).toContain('>lr=0.025</text>');
    expect(svg).toContain('>wd=0.001</text>');
    const bundle = runBundle(run, { staticImage: true });
    expect(String(bundle['text/html'])).toContain('step 4: lr 0.1 → 0.025; step 6: weight decay 0 → 0.001; step 10: pause; step 10: resume');
    expect(String(bundle['image/svg+xml'])).toContain('lr=0.025');
  });

  it('a run without events has no event traces and no events line', async () => {
    const { model, loader, optimizer } = problem();
    setDisplaySink(() => undefined);
    const run = await liveFit(model, { trainLoader: loader, optimizer, epochs: 1 });
    const fig = runFigure(runPayload(run));
    expect(fig.data.map((t) => t.name)).not.toContain('changes');
    expect(String(runBundle(run)['text/plain'])).not.toContain('events:');
  });
});
