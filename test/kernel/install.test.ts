import { describe, expect, it } from 'vitest';
import { Sequential, Linear, TrainingRun, Parameter, randn, tensor } from '../../src';
import { MIME, type ModelPayload, type TensorPayload } from '../../kernel/protocol';
import { installDisplayMethods, moduleBundle } from '../../kernel/src/install';
import { rememberInput } from '../../kernel/src/registry';

const DISPLAY = Symbol.for('Jupyter.display');
const bundle = (x: object) => (x as Record<symbol, () => Record<string, unknown>>)[DISPLAY]();

describe('installDisplayMethods', () => {
  installDisplayMethods();

  it('makes tensors and parameters displayable', () => {
    expect(Object.keys(bundle(tensor([1, 2])))).toContain(MIME.tensor);
    const p = new Parameter(randn([2, 2]));
    expect(bundle(p)['text/html']).toContain('Parameter: Tensor [2, 2]');
    expect((bundle(p)[MIME.tensor] as TensorPayload).requiresGrad).toBe(true);
    expect(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Object.getPrototypeOf(p)), DISPLAY)?.enumerable).toBe(false);
  });

  it('shows a module as its summary, with shapes once it has seen an input', () => {
    const model = new Sequential(new Linear(3, 2));
    expect((bundle(model)[MIME.model] as ModelPayload).inputShape).toBeNull();
    rememberInput(model, randn([8, 3]));
    const p = bundle(model)[MIME.model] as ModelPayload;
    expect(p.inputShape).toEqual([1, 3]);
    expect(p.rows[1].outputShape).toEqual([1, 2]);
    rememberInput(model, randn([8, 5])); // no longer fits: shown without shapes instead of failing
    expect((moduleBundle(model)[MIME.model] as ModelPayload).inputShape).toBeNull();
  });

  it('shows a training run with its static chart', () => {
    const run = new TrainingRun('r', {}, 1);
    const b = bundle(run);
    expect(Object.keys(b)).toEqual(expect.arrayContaining([MIME.run, MIME.plotly, 'image/svg+xml', 'text/html', 'text/plain']));
  });
});
