/**
 * Steering a training cell over the 'nnlab.run' comm, on the real nnlab
 * kernel (comms.py, a scripted jupyter_client frontend): comm messages sent
 * while liveFit trains pause it, change its learning rate, step it, resume
 * and stop it, each within one batch; the stopped run keeps the weights of
 * its last completed step (checked by a following cell).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIME, type RunCommandReply, type RunPayload } from '../../kernel/protocol';
import { ensureKernel, newProjectFolder, removeProjectFolders, runComms as drive, type CommsStep as Step } from './helpers';

const SETUP = `import * as nn from 'nnlab';
import { liveFit } from 'nnlab/kernel';
nn.manualSeed(0);
const x = nn.randn([4096, 32]);
const y = x.matmul(nn.randn([32, 4])).argmax(1);
const trainLoader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 64 });
const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 4));
const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const snapshot = () => model.parameters().map((p) => Array.from(p.values()));
let afterStep: number[][] = snapshot(), stepsSeen = 0;
const run = new nn.TrainingRun('steered', { lr: 0.05 }, 1000);
run.id`;

const COMM = 'steer-comm-1';
const msg = (data: Record<string, unknown>) => ({ msg_type: 'comm_msg', content: { comm_id: COMM, data } });

let result: { steps: Step[]; stderr: string };
let replies: RunCommandReply[];

afterAll(removeProjectFolders);

beforeAll(() => {
  ensureKernel();
  result = drive([
    { execute: SETUP, save: 'runId' },
    {
      execute: `await liveFit(model, { trainLoader, optimizer, epochs: 1000, run, onBatchEnd: (info) => { afterStep = snapshot(); stepsSeen = info.step; } });
run.status`,
      timeout: 120,
      during: [
        { at: 1.5, comm: { msg_type: 'comm_open', content: { comm_id: COMM, target_name: 'nnlab.run', data: {} } } },
        { at: 2.0, comm: msg({ action: 'pause', runId: '${runId}', requestId: 'pause' }) },
        { at: 2.8, comm: msg({ action: 'set', runId: '${runId}', name: 'lr', value: 0.01, requestId: 'lr' }) },
        { at: 3.2, comm: msg({ action: 'step', runId: '${runId}', requestId: 'step' }) },
        { at: 3.6, comm: msg({ action: 'set', runId: '${runId}', name: 'lr', value: -3, requestId: 'bad' }) },
        { at: 4.0, comm: msg({ action: 'resume', runId: '${runId}', requestId: 'resume' }) },
        { at: 5.0, comm: msg({ action: 'stop', runId: '${runId}', requestId: 'stop' }) },
      ],
    },
    {
      execute: `const same = snapshot().every((w, i) => w.every((v, j) => Object.is(v, afterStep[i][j])));
JSON.stringify({ status: run.status, steps: run.stepLosses.length, stepsSeen, same, lr: optimizer.paramGroups[0].lr, events: run.events.map((e) => [e.kind, e.step, e.value ?? null]) })`,
      save: 'check',
    },
  ], newProjectFolder('kernel-steer'));
  const training = result.steps[1];
  replies = training.messages.filter((m) => m.type === 'comm_msg' && m.content.comm_id === COMM).map((m) => m.content.data as RunCommandReply);
}, 240_000);

const byId = (id: string) => {
  const r = replies.find((x) => x.requestId === id);
  if (!r) throw new Error(`no reply to '${id}'; replies: ${JSON.stringify(replies.map((x) => x.requestId))}\nkernel stderr:\n${result.stderr.slice(-3000)}`);
  return r;
};

describe("steering a training cell over the 'nnlab.run' comm (real kernel)", () => {
  it('the training cell ends normally, stopped by the comm, long before its 1000 epochs', () => {
    const training = result.steps[1];
    expect(training.reply?.content.status).toBe('ok');
    const end = training.messages.find((m) => m.type === 'status' && m.content.execution_state === 'idle' && m.parent === training.msg_id)!;
    expect(end.t - training.t_sent).toBeLessThan(60);
    expect(replies.map((r) => r.requestId)).toEqual(['pause', 'lr', 'step', 'bad', 'resume', 'stop']);
  });

  it('pause acts within one batch and holds: no step while paused', () => {
    const pause = byId('pause');
    expect(pause).toMatchObject({ ok: true, run: { status: 'paused' } });
    expect(pause.receivedAtStep).toBeGreaterThan(0);
    expect(pause.run!.steps - pause.receivedAtStep!).toBeLessThanOrEqual(1);
    const lr = byId('lr');
    expect(lr).toMatchObject({ ok: true, run: { status: 'paused', steer: { lr: 0.01, momentum: 0.9 } } });
    expect(lr.receivedAtStep).toBe(pause.run!.steps);
    expect(lr.run!.steps).toBe(pause.run!.steps);
    const step = byId('step');
    expect(step).toMatchObject({ ok: true, run: { status: 'paused', steps: pause.run!.steps + 1 } });
    const bad = byId('bad');
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/TrainingRun 'steered' \(run-[0-9a-z]{4}-\d+\): setLearningRate\(-3\) on optimizer SGD: lr must be a finite number ≥ 0, got -3/);
    expect(bad.run!.steps).toBe(pause.run!.steps + 1);
    const resume = byId('resume');
    expect(resume).toMatchObject({ ok: true, run: { status: 'running' } });
  });

  it('stop acts within one batch, ends the run stopped with the weights of its last completed step', () => {
    const stop = byId('stop');
    expect(stop).toMatchObject({ ok: true, run: { status: 'stopped' } });
    expect(stop.run!.steps - stop.receivedAtStep!).toBeLessThanOrEqual(1);
    const resume = byId('resume');
    expect(stop.run!.steps).toBeGreaterThan(resume.run!.steps);
    const check = result.steps[2].messages.find((m) => m.type === 'execute_result')!;
    const c = JSON.parse(String(check.content.data['text/plain']).replace(/^'|'$/g, ''));
    expect(c).toMatchObject({ status: 'stopped', steps: stop.run!.steps, stepsSeen: stop.run!.steps, same: true, lr: 0.01 });
    const p = byId('pause').run!.steps;
    expect(c.events).toEqual([['pause', p, null], ['lr', p, 0.01], ['step', p, null], ['resume', p + 1, null], ['stop', stop.run!.steps, null]]);
  });

  it('the live display shows the run paused, then its events and the lr marker on the chart', () => {
    const ups = result.steps[1].messages.filter((m) => m.type === 'update_display_data');
    const payloads = ups.map((m) => m.content.data[MIME.run] as RunPayload);
    expect(payloads.some((p) => p.status === 'paused')).toBe(true);
    const last = ups[ups.length - 1].content.data;
    expect((last[MIME.run] as RunPayload).status).toBe('stopped');
    expect(String(last['text/plain'])).toMatch(/events: step \d+: pause; step \d+: lr 0\.05 → 0\.01; step \d+: step; step \d+: resume; step \d+: stop/);
    const changes = (last[MIME.plotly] as { data: { name?: string; text?: string[] }[] }).data.find((t) => t.name === 'changes');
    expect(changes?.text).toEqual(['lr=0.01']);
    expect(String(last['image/svg+xml'])).toContain('lr=0.01');
  });
});
