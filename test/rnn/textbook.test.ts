/**
 * The textbook RNN (U, V, W; h_t = f(U x_t + W h_{t−1} + b), o_t = V h_t + c),
 * truncated BPTT, and hiddenGradNorms on cases whose gradients are known exactly.
 */
import { describe, it, expect } from 'vitest';
import { TextbookRNN, hiddenGradNorms, F, Tensor, Generator, tensor, zeros, randn, noGrad, ShapeError, ArgumentError } from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

describe('TextbookRNN', () => {
  it('has U [H, in], W [H, H], V [out, H], b [H], c [out], shared by every step', () => {
    const net = new TextbookRNN(3, 5, 2);
    expect(net.namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual(['U 5x3', 'W 5x5', 'V 2x5', 'b 5', 'c 2']);
    expect(new TextbookRNN(3, 5, 2, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['U', 'W', 'V']);
    // The parameter count does not depend on the sequence length.
    expect(net.numParameters()).toBe(5 * 3 + 5 * 5 + 2 * 5 + 5 + 2);
    expect(String(net)).toBe('TextbookRNN(in=3, hidden=5, out=2, activation=tanh, outputs=all)');
  });

  it('computes h_t = tanh(U x_t + W h_{t−1} + b), o_t = V h_t + c (hand-computed)', () => {
    const net = new TextbookRNN(1, 1, 1);
    net.U.data.set([0.5]);
    net.W.data.set([-1]);
    net.V.data.set([2]);
    net.b!.data.set([0.1]);
    net.c!.data.set([-0.3]);
    const x = tensor([[[1], [2], [0]]]);
    const h1 = Math.tanh(0.5 * 1 + 0.1);
    const h2 = Math.tanh(0.5 * 2 - h1 + 0.1);
    const h3 = Math.tanh(0 - h2 + 0.1);
    const { output, hiddens, hN } = net.run(x);
    expect(output).toBeAllClose([[[2 * h1 - 0.3], [2 * h2 - 0.3], [2 * h3 - 0.3]]]);
    expect(hiddens.map((h) => h.item())).toBeAllClose([h1, h2, h3]);
    expect(hN).toBeAllClose([[h3]]);
    // relu, and an initial state
    const relu = new TextbookRNN(1, 1, 1, { activation: 'relu' });
    relu.loadStateDict(net.stateDict());
    expect(relu.run(x, tensor([[0.7]])).hiddens.map((h) => h.item()))
      .toBeAllClose([0, 1.1, 0]); // relu(0.5 − 0.7 + 0.1), relu(1 − 0 + 0.1), relu(0 − 1.1 + 0.1)
  });

  it('many-to-one is the last step of many-to-many; probabilities are softmax(o)', () => {
    const all = new TextbookRNN(4, 6, 3, { generator: new Generator(1) });
    const last = new TextbookRNN(4, 6, 3, { outputs: 'last' });
    last.loadStateDict(all.stateDict());
    const x = randn([2, 7, 4], { generator: new Generator(2) });
    const o = all.forward(x);
    expect(o.shape).toEqual([2, 7, 3]);
    expect(last.forward(x)).toBeAllClose(o.select(1, 6), { atol: 1e-6 });
    const p = all.probabilities(x);
    expect(p.sum(-1)).toBeAllClose(zeros([2, 7]).add(1), { atol: 1e-6 });
    expect(p).toBeAllClose(F.softmax(o, -1));
    // unbatched [T, in]
    expect(all.forward(x.select(0, 1))).toBeAllClose(o.select(0, 1), { atol: 1e-6 });
  });

  it('passes gradient checks (tanh and relu, many-to-many and many-to-one)', () => {
    for (const [name, opts] of [
      ['tanh, all outputs', {}],
      ['relu, last output', { activation: 'relu', outputs: 'last' }],
    ] as const) {
      const net = new TextbookRNN(3, 4, 2, { ...opts, generator: new Generator(3), dtype: 'float64' });
      const x = leaf([2, 5, 3], 4, 0.8), h0 = leaf([2, 4], 5, 0.5);
      gradcheck(`TextbookRNN ${name}`, (xx, hh) => net.forward(xx, hh), [x, h0, ...net.parameters()]);
    }
  });

  it('truncated BPTT: a many-to-one loss reaches only the last window of k steps', () => {
    const T = 10, k = 4;
    const net = new TextbookRNN(2, 3, 2, { outputs: 'last', truncate: k, generator: new Generator(6) });
    const x = randn([2, T, 2], { generator: new Generator(7) });
    const norms = hiddenGradNorms(() => {
      const { output, hiddens } = net.run(x);
      return { loss: output.sum(), hiddens };
    });
    // windows [0, 4), [4, 8), [8, 10): the state entering step 8 is detached
    expect(norms.slice(0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(norms[8]).toBeGreaterThan(0);
    expect(norms[9]).toBeGreaterThan(0);
    // The forward values do not change.
    const full = new TextbookRNN(2, 3, 2, { outputs: 'last' });
    full.loadStateDict(net.stateDict());
    expect(full.forward(x)).toBeAllClose(net.forward(x));
    // Many-to-many with truncation: each h_t still gets the gradient of its own output and of its window.
    const mm = new TextbookRNN(2, 3, 2, { truncate: k });
    mm.loadStateDict(net.stateDict());
    const mmNorms = hiddenGradNorms(() => {
      const { output, hiddens } = mm.run(x);
      return { loss: output.sum(), hiddens };
    });
    expect(mmNorms.every((v) => v > 0)).toBe(true);
  });

  it('truncated BPTT gives the gradient of the windows run one after another from detached states', () => {
    const k = 3;
    const net = new TextbookRNN(2, 3, 2, { truncate: k, generator: new Generator(10), dtype: 'float64' });
    const manual = new TextbookRNN(2, 3, 2, { dtype: 'float64' });
    manual.loadStateDict(net.stateDict());
    const x = randn([2, 8, 2], { dtype: 'float64', generator: new Generator(11) });
    net.forward(x).pow(2).sum().backward();
    let h: Tensor | null = null;
    let loss: Tensor | null = null;
    for (let start = 0; start < 8; start += k) {
      const { output, hN } = manual.run(x.narrow(1, start, Math.min(k, 8 - start)), h);
      const part = output.pow(2).sum();
      loss = loss ? loss.add(part) : part;
      h = hN.detach();
    }
    loss!.backward();
    for (const name of ['U', 'W', 'V', 'b', 'c']) {
      expect(net.getParameter(name).grad!).toBeAllClose(manual.getParameter(name).grad!, { rtol: 1e-10, atol: 1e-12 });
    }
  });

  it('rejects bad input naming the layer and the shapes', () => {
    const net = new TextbookRNN(28, 16, 10);
    expect(() => net.forward(zeros([64, 28, 30]))).toThrow(ShapeError);
    expect(() => net.forward(zeros([64, 28, 30]))).toThrow('TextbookRNN: expected input of shape [B, T, 28] or [T, 28], got shape [64, 28, 30]');
    expect(() => net.forward(zeros([64, 28, 28]), zeros([32, 16]))).toThrow('TextbookRNN: expected h0 of shape [64, 16], got [32, 16]');
    expect(() => new TextbookRNN(2, 3, 4, { truncate: 0 })).toThrow(ArgumentError);
    expect(() => new TextbookRNN(2, 3, 4, { outputs: 'first' as 'all' })).toThrow("TextbookRNN: outputs must be 'all' or 'last', got 'first'");
  });
});

describe('hiddenGradNorms', () => {
  /**
   * A linear regime: relu with positive states is the identity, so with W = a·I
   * ∂L/∂h_t = (Wᵀ)^(T−t) ∂L/∂h_T and ‖∂L/∂h_t‖ = a^(T−t)·‖∂L/∂h_T‖ exactly.
   */
  function linearChain(a: number, T: number): number[] {
    const net = new TextbookRNN(2, 3, 1, { activation: 'relu', outputs: 'last', dtype: 'float64' });
    noGrad(() => {
      net.U.data.set([1, 0.5, 0.2, 1, 0.3, 0.3]);
      net.W.data.set([a, 0, 0, 0, a, 0, 0, 0, a]);
      net.V.data.set([1, -2, 0.5]);
      net.b!.data.fill(0);
    });
    const x = tensor([Array.from({ length: T }, (_, t) => [1 + t / T, 0.5])], { dtype: 'float64' });
    return hiddenGradNorms(() => {
      const { output, hiddens } = net.run(x);
      return { loss: output.sum(), hiddens };
    });
  }

  it('measures vanishing gradients: ‖∂L/∂h_t‖ = 0.5^(T−t)·‖∂L/∂h_T‖', () => {
    const norms = linearChain(0.5, 30);
    const last = Math.sqrt(1 + 4 + 0.25); // ‖Vᵀ‖
    expect(norms[29]).toBeCloseTo(last, 12);
    expect(norms).toBeAllClose(norms.map((_, t) => last * 0.5 ** (29 - t)), { rtol: 1e-12, atol: 0 });
    expect(norms[0] / norms[29]).toBeLessThan(1e-8);
  });

  it('measures exploding gradients: ‖∂L/∂h_t‖ = 1.5^(T−t)·‖∂L/∂h_T‖', () => {
    const norms = linearChain(1.5, 30);
    expect(norms).toBeAllClose(norms.map((_, t) => norms[29] * 1.5 ** (29 - t)), { rtol: 1e-10, atol: 0 });
    expect(norms[0] / norms[29]).toBeGreaterThan(1e5);
  });

  it('gives the total derivative, through o_t and through later steps', () => {
    const net = new TextbookRNN(2, 3, 2, { generator: new Generator(8), dtype: 'float64' });
    const x = randn([1, 4, 2], { dtype: 'float64', generator: new Generator(9) });
    const norms = hiddenGradNorms(() => {
      const { output, hiddens } = net.run(x);
      return { loss: output.pow(2).sum(), hiddens };
    });
    // Central differences on h_2 (perturb the state passed into step 3 and the output read from it).
    const { hiddens } = net.run(x);
    const h2 = hiddens[1].detach();
    const lossFrom = (h: Tensor) => {
      const rest = net.run(x.narrow(1, 2, 2), h).output.pow(2).sum();
      const own = F.linear(h, net.V, net.c).pow(2).sum();
      return rest.add(own).add(net.run(x.narrow(1, 0, 1)).output.pow(2).sum()).item();
    };
    const grad: number[] = [];
    for (let i = 0; i < 3; i++) {
      const plus = h2.clone(), minus = h2.clone();
      plus.data[i] += 1e-6;
      minus.data[i] -= 1e-6;
      grad.push((lossFrom(plus) - lossFrom(minus)) / 2e-6);
    }
    expect(norms[1]).toBeCloseTo(Math.hypot(...grad), 6);
  });

  it('needs a scalar loss', () => {
    const net = new TextbookRNN(2, 3, 2);
    expect(() => hiddenGradNorms(() => ({ loss: net.forward(zeros([1, 3, 2])), hiddens: [] }))).toThrow('hiddenGradNorms: the loss must be a scalar, got shape [1, 3, 2]');
  });
});
