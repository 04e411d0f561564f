import { describe, it, expect } from 'vitest';
import {
  F, Sequential, ModuleList, Linear, Flatten, Identity, Dropout, ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax,
  MSELoss, Tensor, Generator, tensor, randn, zeros, ones, noGrad, manualSeed, ShapeError, ArgumentError,
} from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

describe('Linear', () => {
  it('has weight [out, in], bias [out], PyTorch default init U(−1/√in, 1/√in)', () => {
    const layer = new Linear(100, 30, { generator: new Generator(1) });
    expect(layer.weight.shape).toEqual([30, 100]);
    expect(layer.bias!.shape).toEqual([30]);
    const bound = 1 / Math.sqrt(100);
    const w = layer.weight.toFlatArray(), b = layer.bias!.toFlatArray();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bound);
    // uniform variance bound²/3
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance).toBeGreaterThan(0.9 * bound * bound / 3);
    expect(variance).toBeLessThan(1.1 * bound * bound / 3);
    expect(new Linear(3, 2, { bias: false }).bias).toBeNull();
    expect(new Linear(3, 2, { dtype: 'float64' }).weight.dtype).toBe('float64');
  });
  it('is reproducible from a seed or a generator', () => {
    manualSeed(5);
    const a = new Linear(4, 3);
    manualSeed(5);
    const b = new Linear(4, 3);
    expect(a.weight).toBeAllClose(b.weight);
    expect(a.bias!).toBeAllClose(b.bias!);
    expect(new Linear(4, 3, { generator: new Generator(2) }).weight).toBeAllClose(new Linear(4, 3, { generator: new Generator(2) }).weight);
  });
  it('computes x Wᵀ + b', () => {
    const layer = new Linear(2, 3);
    layer.weight.data.set([1, 0, 0, 1, 2, -1]);
    layer.bias!.data.set([0.5, -1, 0]);
    expect(layer.forward(tensor([[1, 2], [3, -1]]))).toBeAllClose([[1.5, 1, 0], [3.5, -2, 7]]);
    expect(layer.forward(zeros([4, 5, 2])).shape).toEqual([4, 5, 3]);
  });
  it('names itself and the shape on a wrong input', () => {
    expect(() => new Linear(784, 256).forward(zeros([64, 100]))).toThrow(ShapeError);
    expect(() => new Linear(784, 256).forward(zeros([64, 100]))).toThrow('Linear: expected input with 784 features (last axis), got shape [64, 100]');
    const model = new Sequential(new Linear(4, 3), new ReLU(), new Linear(4, 2));
    expect(() => model.forward(zeros([8, 4]))).toThrow('Linear(2): expected input with 4 features (last axis), got shape [8, 3]');
    expect(() => new Linear(-1, 2)).toThrow(ArgumentError);
  });
  it('has correct gradients for its parameters (float64)', () => {
    const layer = new Linear(4, 3, { dtype: 'float64', generator: new Generator(3) });
    gradcheck('Linear', (x, w, b) => F.linear(x, w, b), [leaf([5, 4], 1), layer.weight, layer.bias!]);
    const x = leaf([5, 4], 2);
    layer.zeroGrad();
    layer.forward(x).sum().backward();
    // d(Σ xWᵀ + b)/db = N, d/dW[o, i] = Σ_n x[n, i]
    expect(layer.bias!.grad!).toBeAllClose([5, 5, 5]);
    const colSums = x.detach().sum(0).toFlatArray();
    expect(layer.weight.grad!).toBeAllClose([colSums, colSums, colSums]);
  });
});

describe('Sequential and ModuleList', () => {
  it('chains forward and is indexable', () => {
    const a = new Linear(2, 3), r = new ReLU(), b = new Linear(3, 1);
    const model = new Sequential(a, r, b);
    expect(model.length).toBe(3);
    expect(model[0]).toBe(a);
    expect(model.at(1)).toBe(r);
    expect(model.at(-1)).toBe(b);
    expect([...model]).toEqual([a, r, b]);
    const x = randn([4, 2]);
    expect(model.forward(x)).toBeAllClose(b.forward(r.forward(a.forward(x))));
    expect(() => model.at(3)).toThrow('Sequential.at: index 3 is out of range for Sequential of length 3');
    expect(model.push(new Sigmoid())).toBe(4);
    expect(model.append(new Identity())).toBe(model);
    expect(model.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2', '3', '4']);
    expect(model.forward(x).shape).toEqual([4, 1]);
    expect(new Sequential().forward(x)).toBe(x);
  });
  it('nested Sequentials have dotted names', () => {
    const model = new Sequential(new Sequential(new Linear(2, 2), new Tanh()), new Linear(2, 1));
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.0.weight', '0.0.bias', '1.weight', '1.bias']);
  });
  it('ModuleList registers modules, inserts and has no forward', () => {
    const list = new ModuleList([new Linear(1, 1), new ReLU()]);
    list.append(new Tanh());
    list.insert(1, new Sigmoid());
    expect(list.children().map((m) => m.constructor.name)).toEqual(['Linear', 'Sigmoid', 'ReLU', 'Tanh']);
    expect(list.length).toBe(4);
    expect(list.at(-1)).toBeInstanceOf(Tanh);
    expect(list[1]).toBeInstanceOf(Sigmoid);
    expect(() => list.forward()).toThrow('ModuleList: a ModuleList has no forward');
    expect(String(list)).toBe('ModuleList(\n  (0): Linear(in_features=1, out_features=1, bias=True)\n  (1): Sigmoid()\n  (2): ReLU()\n  (3): Tanh()\n)');
  });
});

describe('Flatten, Identity, Dropout', () => {
  it('Flatten keeps the batch axis by default', () => {
    const x = randn([2, 3, 4, 5]);
    expect(new Flatten().forward(x).shape).toEqual([2, 60]);
    expect(new Flatten(0).forward(x).shape).toEqual([120]);
    expect(new Flatten(1, 2).forward(x).shape).toEqual([2, 12, 5]);
    expect(new Flatten().forward(x)).toBeAllClose(x.reshape([2, 60]));
    expect(() => new Sequential(new Flatten()).forward(randn([5]))).toThrow('Flatten(0): startDim 1 is out of range for input of shape [5]');
  });
  it('Identity returns its input', () => {
    const x = randn([3]);
    expect(new Identity().forward(x)).toBe(x);
  });
  it('Dropout follows train/eval and its generator', () => {
    const x = ones([1000]);
    const d = new Dropout(0.3, { generator: new Generator(4) });
    const y = d.forward(x).toFlatArray();
    const kept = y.filter((v) => v !== 0);
    expect(kept.length).toBeGreaterThan(650);
    expect(kept.length).toBeLessThan(750);
    expect(kept[0]).toBeCloseTo(1 / 0.7, 5);
    expect(d.eval().forward(x)).toBe(x);
    expect(String(d)).toBe('Dropout(p=0.3)');
    expect(() => new Dropout(2)).toThrow('Dropout: p must be in [0, 1], got 2');
  });
});

describe('activation modules', () => {
  it('compute their functions (hand-computed)', () => {
    const x = tensor([-2, 0.5], { dtype: 'float64' });
    const tight = { rtol: 1e-12 };
    expect(new ReLU().forward(x)).toBeAllClose([0, 0.5], tight);
    expect(new LeakyReLU().forward(x)).toBeAllClose([-0.02, 0.5], tight);
    expect(new LeakyReLU(0.2).forward(x)).toBeAllClose([-0.4, 0.5], tight);
    expect(new ELU().forward(x)).toBeAllClose([Math.exp(-2) - 1, 0.5], tight);
    expect(new ELU(2).forward(x)).toBeAllClose([2 * (Math.exp(-2) - 1), 0.5], tight);
    expect(new Sigmoid().forward(x)).toBeAllClose([1 / (1 + Math.exp(2)), 1 / (1 + Math.exp(-0.5))], tight);
    expect(new Tanh().forward(x)).toBeAllClose([Math.tanh(-2), Math.tanh(0.5)], tight);
    // GELU(x) = x·Φ(x): Φ(−2) = 0.022750131948179, Φ(0.5) = 0.691462461274013
    expect(new GELU().forward(x)).toBeAllClose([-2 * 0.022750131948179, 0.5 * 0.691462461274013], { rtol: 1e-7 });
    const logits = tensor([[1, 2, 3], [0, 0, 0]]);
    expect(new Softmax().forward(logits)).toBeAllClose(F.softmax(logits, -1));
    expect(new Softmax(0).forward(logits)).toBeAllClose(F.softmax(logits, 0));
    expect(new LogSoftmax(1).forward(logits)).toBeAllClose([[-2.4076059644, -1.4076059644, -0.4076059644], [-Math.log(3), -Math.log(3), -Math.log(3)]]);
    expect(() => new Softmax(2).forward(logits)).toThrow('Softmax: dim 2 is out of range for input of shape [2, 3]');
  });
  it('print their settings like PyTorch', () => {
    expect(String(new ReLU())).toBe('ReLU()');
    expect(String(new LeakyReLU())).toBe('LeakyReLU(negative_slope=0.01)');
    expect(String(new ELU())).toBe('ELU(alpha=1.0)');
    expect(String(new Softmax(1))).toBe('Softmax(dim=1)');
    expect(String(new LogSoftmax())).toBe('LogSoftmax(dim=-1)');
    expect(String(new GELU())).toBe('GELU()');
  });
});

describe('subclassing and hooks', () => {
  it('a subclass that overrides forward still runs hooks, once', () => {
    class Doubled extends Linear {
      override forward(x: Tensor): Tensor {
        return super.forward(x).mul(2);
      }
    }
    const layer = new Doubled(2, 2);
    layer.weight.data.set([1, 0, 0, 1]);
    layer.bias!.data.set([0, 0]);
    let calls = 0;
    layer.registerForwardHook((_m, _i, out) => {
      calls++;
      return (out as Tensor).add(1);
    });
    expect(layer.forward(tensor([[1, 2]]))).toBeAllClose([[3, 5]]);
    expect(calls).toBe(1);
  });
});

describe('end to end', () => {
  it('a 2-4-1 MLP (Sequential, Linear, Tanh) learns XOR with plain gradient descent', () => {
    const model = new Sequential(
      new Linear(2, 4, { generator: new Generator(0) }), new Tanh(),
      new Linear(4, 1, { generator: new Generator(1) }), new Sigmoid(),
    );
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([[0], [1], [1], [0]]);
    const lossFn = new MSELoss();
    const lr = 0.5;
    let first = 0, last = 0;
    for (let step = 0; step < 2000; step++) {
      model.zeroGrad();
      const loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      noGrad(() => {
        for (const p of model.parameters()) {
          const g = p.grad!.values();
          for (let i = 0; i < p.size; i++) p.data[i] -= lr * g[i];
        }
      });
      if (step === 0) first = loss.item();
      last = loss.item();
    }
    expect(first).toBeGreaterThan(0.2);
    expect(last).toBeLessThan(0.01);
    const out = noGrad(() => model.eval().forward(x)).toFlatArray();
    expect(out.map((v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });
});
