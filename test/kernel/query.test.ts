import { afterEach, describe, expect, it } from 'vitest';
import { Sequential, Linear, ReLU, Conv2d, Flatten, TrainingRun, randn, type Tensor } from '../../src';
import { MIME, QUERY_MAGIC, type ListResult, type ModelInfo, type WeightsResult, type ActivationsResult, type RunPayload, type QueryPayload } from '../../kernel/protocol';
import { answerQuery, parseQueryCode, queryBundle, query, MAX_QUERY_VALUES } from '../../kernel/src/query';
import { setLocalsProvider, track, rememberInput } from '../../kernel/src/registry';
import { setDisplaySink, type DisplayMessage } from '../../kernel/src/display';

afterEach(() => {
  setLocalsProvider(null);
  setDisplaySink(null);
});

function notebook() {
  const model = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new Flatten(), new Linear(2 * 4 * 4, 3));
  const sample = randn([2, 1, 6, 6]);
  const run = new TrainingRun('q-run', { lr: 0.5 }, 1);
  run.stepLosses.push(1, 0.5);
  const locals: Record<string, unknown> = { model, sample, run, n: 3 };
  setLocalsProvider(() => locals);
  return { model, sample, run };
}

function ok<T>(p: QueryPayload): T {
  if (!p.ok) throw new Error(`query failed: ${p.error}`);
  return p.result as T;
}

describe('answerQuery', () => {
  it('lists the models (with layer trees and weight statistics) and the runs in the kernel', () => {
    const { run } = notebook();
    track('extra', new Linear(2, 2));
    const list = ok<ListResult>(answerQuery({ op: 'list' }));
    expect(list.models.map((m) => [m.name, m.className, m.numParams])).toEqual([['model', 'Sequential', 2 * 9 + 2 + 32 * 3 + 3], ['extra', 'Linear', 6]]);
    const conv = list.models[0].tree.children[0];
    expect(conv.parameters[0]).toMatchObject({ name: '0.weight', shape: [2, 1, 3, 3] });
    expect(conv.parameters[0].stats.count).toBe(18);
    expect(conv.parameters[0].histogram).not.toBeNull();
    expect(list.runs.some((r) => r.id === run.id && r.name === 'q-run')).toBe(true);
    expect(list.kernel.node).toBe(process.version);
    expect(list.kernel.nnlab).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('caps maxValues at MAX_QUERY_VALUES and says so in tensor.valueLimit', () => {
    const big = new Linear(1024, 1100);
    setLocalsProvider(() => ({ big }));
    const w = ok<WeightsResult>(answerQuery({ op: 'weights', model: 'big', param: 'weight', maxValues: 1e9 }));
    expect(w.tensor.size).toBe(1024 * 1100);
    expect(w.tensor.valueLimit).toBe(MAX_QUERY_VALUES);
    expect(w.tensor.values).toBeNull();
  });

  it('returns one parameter with its values and heatmap', () => {
    notebook();
    const w = ok<WeightsResult>(answerQuery({ op: 'weights', model: 'model', param: '3.weight' }));
    expect(w.tensor).toMatchObject({ kind: 'tensor', shape: [3, 32], size: 96 });
    expect(w.tensor.values).toHaveLength(96);
    expect(w.tensor.heatmap).not.toBeNull();
  });

  it('returns activation maps for a named input or the last input the model saw', () => {
    const { model, sample } = notebook();
    const a = ok<ActivationsResult>(answerQuery({ op: 'activations', model: 'model', input: 'sample', index: 1 }));
    expect(a.activations.layers.map((l) => l.name)).toEqual(['input', '0', '1', '2', '3']);
    expect(a.activations.inputShape).toEqual([1, 1, 6, 6]);
    const noInput = answerQuery({ op: 'activations', model: 'model' });
    expect(noInput.ok).toBe(true); // featureMaps above remembered the sample
    rememberInput(model, sample);
    const one = ok<ActivationsResult>(answerQuery({ op: 'activations', model: 'model', layer: '1' }));
    expect(one.activations.layers.map((l) => l.name)).toEqual(['1']);
    expect(one.activations.layers[0].image).not.toBeNull();
  });

  it('returns a model and a run in full', () => {
    const { run } = notebook();
    expect(ok<ModelInfo>(answerQuery({ op: 'model', name: 'model' })).tree.children).toHaveLength(4);
    expect(ok<RunPayload>(answerQuery({ op: 'run', id: run.id })).steps.count).toBe(2);
    expect(ok<RunPayload>(answerQuery({ op: 'run', id: 'run' })).name).toBe('q-run');
  });

  it('answers errors as ok: false, naming what exists', () => {
    notebook();
    const cases: [unknown, RegExp][] = [
      [{ op: 'model', name: 'nope' }, /no model named 'nope' in the kernel; models: model/],
      [{ op: 'weights', model: 'model', param: '9.weight' }, /no submodule '9'/],
      [{ op: 'activations', model: 'model', input: 'n' }, /no tensor named 'n'/],
      [{ op: 'activations', model: 'model', input: 'sample', index: 5 }, /sample index 5 is out of range/],
      [{ op: 'run', id: 'run-999999' }, /no training run 'run-999999'/],
      [{ op: 'dance' }, /unknown op 'dance'/],
      ['{not json', /bad query/],
      [{ nope: 1 }, /bad query: a request is an object with an "op"/],
    ];
    for (const [req, error] of cases) {
      const p = answerQuery(req as never);
      expect(p.ok, JSON.stringify(req)).toBe(false);
      if (!p.ok) expect(p.error).toMatch(error);
    }
  });
});

describe('query entry points', () => {
  it('parses %nnlab_query code, defaulting to list', () => {
    expect(parseQueryCode(`${QUERY_MAGIC} {"op":"run","id":"run-1"}`)).toBe('{"op":"run","id":"run-1"}');
    expect(parseQueryCode(`  ${QUERY_MAGIC}\n`)).toBe('{"op":"list"}');
    expect(parseQueryCode('const x = 1')).toBeNull();
  });

  it('displays one JSON answer', () => {
    notebook();
    const messages: DisplayMessage[] = [];
    setDisplaySink((m) => messages.push(m));
    query({ op: 'model', name: 'model' });
    expect(messages).toHaveLength(1);
    expect(Object.keys(messages[0].data).sort()).toEqual([MIME.query, 'text/plain'].sort());
    expect((messages[0].data[MIME.query] as QueryPayload).ok).toBe(true);
    expect(queryBundle({ version: 1, kind: 'query', op: 'x', ok: false, error: 'bad' })['text/plain']).toBe("nnlab query 'x' failed: bad");
    expect((messages[0].data[MIME.query] as { result: { tree: { className: string } } }).result.tree.className).toBe('Sequential');
    void (null as unknown as Tensor);
  });
});
