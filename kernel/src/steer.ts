/**
 * Steering training runs from the frontend: the comm target 'nnlab.run'.
 *
 * A frontend (the live training display, the Training Runs panel, a test
 * driver) opens a comm to 'nnlab.run' and sends commands as its messages:
 *
 *   {action: 'pause' | 'resume' | 'step' | 'stop', runId}
 *   {action: 'set', runId, name: 'lr' | 'momentum' | 'weightDecay', value}
 *   {action: 'status', runId}                       (changes nothing)
 *
 * each with an optional `requestId`. The kernel calls the run's own method
 * (`run.pause()`, `run.setLearningRate(value)`, ...), waits until the
 * training loop has taken the command in (`run.untilApplied()`: the loop
 * is paused, stopped, or about to train with the new value; for 'step',
 * until the batch is done) and replies on the same comm with the run's
 * status and events (`RunCommandReply`). A refused command (unknown run, bad
 * value, ended run) replies at once with `ok: false` and the reason. The
 * data of the comm_open may carry a first command.
 *
 * Commands arrive while a cell trains: the kernel dispatches comm messages
 * as they come and `fit` yields to the event loop between batches, so a
 * command acts within one batch. A run shown live (liveFit) redraws its
 * display at each event (the loss chart marks it).
 *
 * @example  (frontend)  kernel.createComm('nnlab.run').open({ action: 'pause', runId: 'run-k3x9-3' })
 */
import { runRegistry, type TrainingRun } from '../../src/train';
import { RUN_COMM_TARGET, type RunCommand, type RunCommandReply } from '../protocol';
import { registerCommTarget, type Comm, type JSONObject } from './comm';

const ACTIONS = ['pause', 'resume', 'step', 'stop', 'set', 'status'];
const SETTERS = { lr: 'setLearningRate', momentum: 'setMomentum', weightDecay: 'setWeightDecay' } as const;

function findRun(runId: unknown): TrainingRun {
  const run = runRegistry.find((r) => r.id === runId);
  if (!run) throw new Error(`no training run '${String(runId)}' in the kernel; runs: ${runRegistry.map((r) => r.id).join(', ') || 'none'}`);
  return run;
}

function summary(run: TrainingRun): RunCommandReply['run'] {
  return {
    id: run.id, name: run.name, status: run.status, steps: run.stepLosses.length,
    events: run.events.map((e) => ({ ...e })), steer: run.currentHyperparameters(),
  };
}

/**
 * Carries out one command and resolves to the reply (never rejects: a
 * refusal is a reply with `ok: false`).
 */
export async function steerRun(data: JSONObject): Promise<RunCommandReply> {
  const receivedAt = Date.now();
  const cmd = data as Partial<RunCommand>;
  const requestId = typeof cmd.requestId === 'string' ? cmd.requestId : null;
  const action = String(cmd.action);
  let run: TrainingRun | null = null;
  let receivedAtStep: number | null = null;
  try {
    if (!ACTIONS.includes(action)) throw new Error(`unknown action '${action}' (expected ${ACTIONS.join(', ')})`);
    run = findRun(cmd.runId);
    const r = run;
    receivedAtStep = r.stepLosses.length;
    switch (action) {
      case 'pause': r.pause(); break;
      case 'resume': r.resume(); break;
      case 'step': r.step(); break;
      case 'stop': r.stop(); break;
      case 'set': {
        const setter = SETTERS[cmd.name as keyof typeof SETTERS];
        if (!setter) throw new Error(`set: unknown hyperparameter '${String(cmd.name)}' for run '${r.name}' (${r.id}) (expected ${Object.keys(SETTERS).join(', ')})`);
        r[setter](cmd.value as number);
        break;
      }
    }
    if (action !== 'status') {
      await r.untilApplied();
      // NOTE: 'step' trains one batch: its first boundary starts the batch, the second ends it.
      if (action === 'step') await r.untilApplied();
    }
    return { kind: 'reply', requestId, action, ok: true, error: null, run: summary(r), receivedAtStep, receivedAt, appliedAt: Date.now() };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { kind: 'reply', requestId, action, ok: false, error, run: run ? summary(run) : null, receivedAtStep, receivedAt, appliedAt: Date.now() };
  }
}

function handle(comm: Comm, data: JSONObject): Promise<void> {
  return steerRun(data).then((reply) => {
    if (!comm.closed) comm.send(reply as unknown as JSONObject);
  });
}

let registered = false;

/** Registers the comm target 'nnlab.run' (once; the kernel layer calls it when it loads). */
export function registerSteeringTarget(): void {
  if (registered) return;
  registered = true;
  registerCommTarget(RUN_COMM_TARGET, (comm, open) => {
    comm.onMsg((msg) => {
      // NOTE: not awaited: a 'pause' waits for the loop, and a 'resume' behind it must get through meanwhile.
      void handle(comm, msg.data);
    });
    if (typeof open.data.action === 'string') void handle(comm, open.data);
  });
}
