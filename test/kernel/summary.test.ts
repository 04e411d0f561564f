import { describe, expect, it } from 'vitest';
import { ShapeError, ArgumentError, Module, Sequential, Linear, ReLU, Conv2d, MaxPool2d, Flatten, LSTM, Embedding, Tensor, randn, randint } from '../../src';
import { MIME, type ModelPayload } from '../../kernel/protocol';
import { summary, summaryPayload, layerTree, callMultAdds } from '../../kernel/src/summary';

const mlp = () => new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));

describe('summaryPayload', () => {
  it('lists every module with output shapes, parameters and mult-adds of an MLP', () => {
    const p = summaryPayload(mlp(), [64, 784]);
    expect(p.rows.map((r) => [r.name, r.className, r.outputShape, r.ownParams, r.multAdds])).toEqual([
      ['', 'Sequential', [64, 10], 0, 0],
      ['0', 'Linear', [64, 256], 784 * 256 + 256, 64 * 784 * 256],
      ['1', 'ReLU', [64, 256], 0, 0],
      ['2', 'Linear', [64, 10], 256 * 10 + 10, 64 * 256 * 10],
    ]);
    expect(p.totals).toEqual({
      params: 203530, trainableParams: 203530, nonTrainableParams: 0, multAdds: 64 * (784 * 256 + 256 * 10),
      inputBytes: 64 * 784 * 4, forwardBackwardBytes: 2 * 4 * 64 * (256 + 256 + 10), paramBytes: 203530 * 4,
      totalBytes: 64 * 784 * 4 + 2 * 4 * 64 * 522 + 203530 * 4,
    });
    expect(p.rows[0]).toMatchObject({ params: 203530, isLeaf: false, trainable: true, depth: 0 });
  });

  it('counts conv mult-adds as torchinfo (kernel size x in x out x output positions)', () => {
    const cnn = new Sequential(new Conv2d(1, 8, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(8 * 13 * 13, 10));
    const p = summaryPayload(cnn, [2, 1, 28, 28]);
    expect(p.rows[1]).toMatchObject({ className: 'Conv2d', outputShape: [2, 8, 26, 26], ownParams: 8 * 9 + 8, multAdds: 8 * 9 * 2 * 26 * 26 });
    expect(p.rows[3].outputShape).toEqual([2, 8, 13, 13]);
    expect(p.rows[5].multAdds).toBe(2 * 8 * 13 * 13 * 10);
  });

  it('handles nested modules, LSTM tuple outputs and partial trainability', () => {
    class Net extends Module {
      embed = new Embedding(20, 6);
      lstm = new LSTM(6, 16);
      head = new Sequential(new Linear(16, 4));
      forward(ids: Tensor): Tensor {
        const [out] = this.lstm.forward(this.embed.forward(ids));
        return this.head.forward(out.select(0, out.shape[0] - 1));
      }
    }
    const net = new Net();
    net.head.requiresGrad_(false);
    const p = summaryPayload(net, randint(0, 20, [5, 3]), { name: 'net' });
    const byName = Object.fromEntries(p.rows.map((r) => [r.name, r]));
    expect(byName.embed).toMatchObject({ outputShape: [5, 3, 6], multAdds: 0, depth: 1 });
    expect(byName.lstm.outputShape).toEqual([5, 3, 16]);
    expect(byName.lstm.outputShapes).toEqual([[5, 3, 16], [1, 3, 16], [1, 3, 16]]);
    expect(byName.lstm.multAdds).toBe((4 * 16 * 6 + 4 * 16 * 16) * 5 * 3);
    expect(byName['head.0']).toMatchObject({ depth: 2, trainable: false, outputShape: [3, 4] });
    expect(byName[''].trainable).toBe('partial');
    expect(p.totals.nonTrainableParams).toBe(16 * 4 + 4);
    expect(p.name).toBe('net');
  });

  it('without an input gives parameters only, and restores modes and hooks after a pass', () => {
    const model = mlp();
    const p = summaryPayload(model);
    expect(p.rows.every((r) => r.outputShape === null && r.multAdds === null)).toBe(true);
    expect(p.totals.totalBytes).toBeNull();
    model.train();
    summaryPayload(model, [1, 784]);
    expect(model.training).toBe(true);
    const calls: number[] = [];
    model.registerForwardHook(() => void calls.push(1));
    summaryPayload(model, [1, 784]);
    model.forward(randn([1, 784]));
    expect(calls).toHaveLength(2); // the user's hook ran in the pass and after; the summary's hooks are gone
  });

  it('names the model and the input when the forward pass fails', () => {
    expect(() => summaryPayload(mlp(), [2, 100])).toThrow(/summary: the forward pass of Sequential on input \[2, 100\] failed: .*Linear/);
    expect(() => summaryPayload({} as Module)).toThrow(/expected a Module/);
    expect(() => summaryPayload(mlp(), [2, 100])).toThrow(ShapeError); // the layer's own error class is kept
    expect(() => summaryPayload(mlp(), [2.5] as number[])).toThrow(ArgumentError);
  });
});

describe('callMultAdds', () => {
  it('counts nothing for layers without matrices and for embeddings', () => {
    expect(callMultAdds(new ReLU(), randn([2, 3]))).toBe(0);
    expect(callMultAdds(new Embedding(10, 4), randn([2, 4]))).toBe(0);
    expect(callMultAdds(new Linear(3, 5), randn([7, 5]))).toBe(3 * 5 * 7);
  });
});

describe('layerTree', () => {
  it('nests children with own and subtree parameter counts and statistics', () => {
    const tree = layerTree(mlp(), { stats: true });
    expect(tree.children.map((c) => [c.key, c.className, c.ownParams, c.params])).toEqual([
      ['0', 'Linear', 200960, 200960], ['1', 'ReLU', 0, 0], ['2', 'Linear', 2570, 2570],
    ]);
    const w = tree.children[0].parameters[0];
    expect(w).toMatchObject({ name: '0.weight', shape: [256, 784], size: 200704, requiresGrad: true });
    expect(w.stats.count).toBe(200704);
    expect(w.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(200704);
    expect(tree.children[0].extraRepr).toContain('784');
  });
});

describe('summary display', () => {
  it('renders a torchinfo-like text table and an HTML table', () => {
    const s = summary(mlp(), [64, 784], { name: 'mlp' });
    const text = s.toString();
    expect(text).toContain('mlp: Sequential on input [64, 784]');
    expect(text).toMatch(/├─0 \(Linear\)\s+\[64, 256\]\s+200,960\s+12,845,056\s+True/);
    expect(text).toMatch(/└─2 \(Linear\)\s+\[64, 10\]/);
    expect(text).toContain('Total params: 203,530');
    expect(text).toContain('Total mult-adds (M): 13.01');
    expect(text).toContain('Params size (MB): 0.81');
    const b = s[Symbol.for('Jupyter.display') as keyof typeof s] as unknown as () => Record<string, unknown>;
    const bundle = b.call(s);
    expect(Object.keys(bundle).sort()).toEqual([MIME.model, 'text/html', 'text/plain'].sort());
    expect(bundle['text/html']).toContain('<table');
    expect((bundle[MIME.model] as ModelPayload).rows).toHaveLength(4);
  });
});
