import { describe, expect, it } from 'vitest';
import { tensor, Linear, ShapeError, ArgumentError } from '../../src';
import { MIME } from '../../kernel/protocol';
import { confusionMatrix, confusionMatrixOf } from '../../kernel/src/confusion';

describe('confusionMatrix', () => {
  it('counts (true, predicted) pairs from labels, with per-class accuracy and precision', () => {
    const cm = confusionMatrix(tensor([0, 1, 1, 2, 2, 2], { dtype: 'int32' }), tensor([0, 1, 2, 2, 2, 1], { dtype: 'int32' }), { classNames: ['a', 'b', 'c'] });
    expect(cm.matrix).toEqual([[1, 0, 0], [0, 1, 1], [0, 1, 2]]);
    expect(cm.accuracy).toBeCloseTo(4 / 6);
    expect(cm.perClassAccuracy).toEqual([1, 0.5, 2 / 3]);
    expect(cm.payload.perClass.map((c) => c.precision)).toEqual([1, 0.5, 2 / 3]);
    expect(cm.toString()).toContain('accuracy 66.7%');
  });

  it('takes the argmax of logits and keeps classes without samples', () => {
    const logits = tensor([[2, 1, 0, 0], [0, 3, 0, 0], [0, 0, 0, 1]]);
    const cm = confusionMatrix(logits, tensor([0, 0, 3], { dtype: 'int32' }));
    expect(cm.matrix).toEqual([[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]);
    expect(cm.perClassAccuracy).toEqual([0.5, null, null, 1]);
  });

  it('displays as a coloured HTML table with the JSON payload', () => {
    const cm = confusionMatrix(tensor([0, 1]), tensor([0, 0]), { classNames: ['<x>', 'y'] });
    const b = (cm as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]();
    expect(Object.keys(b).sort()).toEqual([MIME.confusion, 'text/html', 'text/plain'].sort());
    expect(b['text/html']).toContain('&lt;x&gt;');
    expect(b['text/html']).toMatch(/background:#[0-9a-f]{6}/);
    expect((b[MIME.confusion] as { total: number }).total).toBe(2);
  });

  it('rejects mismatched lengths, bad labels and wrong class counts', () => {
    expect(() => confusionMatrix(tensor([0, 1]), tensor([0]))).toThrow(/2 predictions \(shape \[2\]\) but 1 targets/);
    expect(() => confusionMatrix(tensor([0, 3]), tensor([0, 1]), { numClasses: 2 })).toThrow(/label 3 is out of range for 2 classes/);
    expect(() => confusionMatrix(tensor([0, 1]), tensor([0, 1]), { classNames: ['a'] })).toThrow(/label 1 is out of range for 1 classes/);
    expect(() => confusionMatrix(tensor([[[0]]]), tensor([0]))).toThrow(/predictions must be class indices \[N\] or scores \[N, C\]/);
    expect(() => confusionMatrix(tensor([0, 1]), tensor([0]))).toThrow(ShapeError);
    expect(() => confusionMatrix(tensor([0, -1]), tensor([0, 1]))).toThrow(ArgumentError);
  });
});

describe('confusionMatrixOf', () => {
  it('evaluates a model over batches in eval mode', () => {
    const model = new Linear(2, 2);
    model.weight.data.set([1, 0, 0, 1]);
    model.bias!.data.set([0, 0]);
    model.train();
    const batches: [ReturnType<typeof tensor>, ReturnType<typeof tensor>][] = [
      [tensor([[1, 0], [0, 1]]), tensor([0, 1], { dtype: 'int32' })],
      [tensor([[2, 0]]), tensor([1], { dtype: 'int32' })],
    ];
    const cm = confusionMatrixOf(model, batches);
    expect(cm.matrix).toEqual([[1, 0], [1, 1]]);
    expect(model.training).toBe(true);
  });
});
