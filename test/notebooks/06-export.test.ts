/**
 * notebooks/06-export.ipynb, executed headless: safetensors and ONNX written
 * from cells, reloaded into a fresh model and run by onnxruntime-node (and
 * PyTorch when Debian's python3-torch is there) with the same outputs.
 */
import { describe, expect, it } from 'vitest';
import { checkExercises, type Executed, notebookSuite, num, textOf } from './helpers';

const NAME = '06-export';
let run: Executed;
let text: string;

describe(NAME, () => {
  notebookSuite(NAME, (r, t) => {
    run = r;
    text = t;
  });

  it('writes safetensors that read back by hand and into a fresh model with identical logits', () => {
    expect(text).toMatch(/Saved 10 tensors \(61,706 values, [\d,]+ bytes\)/);
    const fromBytes = /first 5 values from the bytes: (\[.*\])/.exec(text)![1];
    expect(/first 5 values of the tensor: +(\[.*\])/.exec(text)![1]).toBe(fromBytes);
    expect(num(text, /before loading: max \|fresh − trained\| logits = ([\d.]+)/)).toBeGreaterThan(0.1);
    expect(text).toContain('after loading:  max |fresh − trained| logits = 0 over 1000 images; same predictions: true');
    expect(text).toContain('Size mismatch for classifier.5.weight: copying a tensor of shape [10, 84], the shape in the current model is [5, 84]');
  });

  it('exports ONNX that onnxruntime-node runs with the same results', () => {
    expect(text).toMatch(/Exported ONNX \(opset 17\)/);
    expect(text).toContain('input   input  float32 [batch, 1, 28, 28]');
    expect(num(text, /max \|onnxruntime − nnlab\| = ([\d.e+-]+)/)).toBeLessThan(1e-4);
    expect(text).toContain('predictions that agree: 1000 of 1000');
  });

  it('loads into the same architecture in PyTorch with the same logits (when python3-torch is installed)', () => {
    if (text.includes('PyTorch is not installed here')) return;
    expect(text).toContain('PyTorch <All keys matched successfully>');
    expect(num(text, /max \|PyTorch − nnlab\| = ([\d.e+-]+)/)).toBeLessThan(1e-4);
  });

  it('ends with exercises whose collapsed solutions ran: float64 size, a refused 5-class load, another ONNX batch size', () => {
    const solutions = textOf(checkExercises(run.nb));
    const ratio = num(solutions, /float64 [\d,]+ bytes: ratio ([\d.]+)/);
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(2);
    expect(solutions).toMatch(/load refused: .*classifier\.5/);
    expect(solutions).toMatch(/loadWeights with exclude: 8 tensors loaded, not loaded: classifier\.5\.weight, classifier\.5\.bias/);
    if (!solutions.includes('onnxruntime-node is not installed')) {
      expect(solutions).toContain('batch of 3: output [3,10]');
      expect(num(solutions, /batch of 3: .*max \|onnxruntime − nnlab\| = ([\d.e+-]+)/)).toBeLessThan(1e-4);
    }
  });
});
