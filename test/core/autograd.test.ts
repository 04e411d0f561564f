import { describe, it, expect } from 'vitest';
import * as nn from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

describe('backward', () => {
  it('a chain of 10,000 ops does not overflow the stack', () => {
    const x = nn.tensor([1, 2], { requiresGrad: true, dtype: 'float64' });
    let y = x;
    for (let i = 0; i < 10_000; i++) y = i % 2 === 0 ? y.mul(1.0001) : y.add(0.5);
    y.sum().backward();
    expect(x.grad).toBeAllClose([1.0001 ** 5000, 1.0001 ** 5000], { rtol: 1e-10 });
  });

  it('gradients accumulate across two backward() calls', () => {
    const x = nn.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad).toBeAllClose([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(x.grad).toBeAllClose([5, 7, 9]);
    // the same graph twice, kept for the second pass
    const w = nn.tensor([2], { requiresGrad: true });
    const loss = w.mul(w).sum();
    loss.backward({ retainGraph: true });
    loss.backward();
    expect(w.grad).toBeAllClose([8]);
  });

  it('a second backward through a freed graph throws with PyTorch\'s advice (retainGraph: true)', () => {
    const w = nn.tensor([2, 3], { requiresGrad: true });
    const loss = w.mul(w).sum();
    loss.backward();
    expect(() => loss.backward()).toThrow(nn.ArgumentError);
    expect(() => loss.backward()).toThrow(/backward through the graph a second time \(through sum .*retainGraph: true/);
    expect(w.grad).toBeAllClose([4, 6]); // the failed pass added nothing
    // through a shared trunk: the second loss reaches the freed exp node
    const x = nn.tensor([1], { requiresGrad: true });
    const h = x.exp();
    h.sum().backward();
    expect(() => h.mul(2).sum().backward()).toThrow(/second time \(through exp with output of shape \[1\]\)/);
    // with a gradient argument and options
    const y = nn.tensor([1, 2], { requiresGrad: true }).mul(3);
    y.backward(nn.ones(2), { retainGraph: true });
    y.backward(nn.ones(2));
    expect(() => y.backward(nn.ones(2))).toThrow(/second time/);
    // a fresh forward pass is fine
    w.mul(w).sum().backward();
    expect(w.grad).toBeAllClose([8, 12]);
  });

  it('a tensor used twice (a diamond) gets the summed gradient', () => {
    const x = nn.tensor([3], { requiresGrad: true, dtype: 'float64' });
    const a = x.mul(2), b = x.exp();
    const y = a.mul(b); // d/dx 2x·eˣ = 2eˣ + 2x·eˣ
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(2 * Math.exp(3) * (1 + 3), 10);
    const z = nn.tensor([1.5], { requiresGrad: true, dtype: 'float64' });
    const h = z.mul(z); // h used by two branches
    h.add(h.mul(h)).sum().backward(); // z² + z⁴ → 2z + 4z³
    expect(z.grad!.item()).toBeCloseTo(2 * 1.5 + 4 * 1.5 ** 3, 10);
    gradcheck('diamond', (t) => t.tanh().mul(t.sigmoid()).add(t), [leaf([2, 3], 1)]);
  });

  it('backward on a non-scalar needs a gradient of the same shape (ShapeError)', () => {
    const x = nn.ones([2, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(nn.ShapeError);
    expect(() => x.mul(2).backward()).toThrow(/backward: a gradient is needed for a non-scalar output of shape \[2, 2\]/);
    expect(() => x.mul(2).backward(nn.ones([3]))).toThrow(/backward: gradient of shape \[3\] does not match the output of shape \[2, 2\]/);
    x.mul(2).backward(nn.tensor([[1, 2], [3, 4]]));
    expect(x.grad).toBeAllClose([[2, 4], [6, 8]]);
    const s = nn.ones([1, 1], { requiresGrad: true });
    s.mul(5).backward(); // a one-element tensor needs no gradient
    expect(s.grad!.toArray()).toEqual([[5]]);
  });

  it('backward on a tensor that does not require grad throws', () => {
    expect(() => nn.ones([1]).backward()).toThrow(nn.ArgumentError);
    expect(() => nn.ones([2]).sum().backward()).toThrow(/backward: the tensor of shape \[\] does not require grad/);
  });

  it('gradients are fresh tensors: never shared between inputs or with the caller', () => {
    const a = nn.tensor([1, 2], { requiresGrad: true }), b = nn.tensor([3, 4], { requiresGrad: true });
    const g = nn.tensor([1, 1]);
    a.add(b).backward(g);
    expect(a.grad).not.toBe(b.grad);
    expect(a.grad!.data).not.toBe(b.grad!.data);
    expect(a.grad!.data).not.toBe(g.data);
    a.grad!.data.fill(0); // an optimiser zeroing one gradient in place
    expect(b.grad).toBeAllClose([1, 1]);
    expect(g).toBeAllClose([1, 1]);
    const leafRoot = nn.tensor([1, 2], { requiresGrad: true });
    leafRoot.backward(g);
    expect(leafRoot.grad!.data).not.toBe(g.data);
    expect(leafRoot.grad!.isContiguous()).toBe(true);
  });

  it('a gradient has its input dtype', () => {
    const w = nn.tensor([1, 2], { requiresGrad: true }); // float32
    w.mul(nn.tensor([0.5, 0.25], { dtype: 'float64' })).sum().backward();
    expect(w.grad!.dtype).toBe('float32');
    expect(w.grad).toBeAllClose([0.5, 0.25]);
  });

  it('gradients of composed expressions (softmax, logsumexp, MSE)', () => {
    const softmax = (t: nn.Tensor) => {
      const e = t.sub(t.max(-1, true)).exp();
      return e.div(e.sum(-1, true));
    };
    gradcheck('softmax', softmax, [leaf([3, 5], 1, 2)]);
    gradcheck('logsumexp', (t) => t.exp().sum(1).log(), [leaf([3, 5], 2)]);
    gradcheck('mse', (p, y) => p.sub(y).pow(2).mean(), [leaf([4, 3], 3), leaf([4, 3], 4)]);
    gradcheck('linear layer', (x, w, b) => x.matmul(w.T).add(b).relu().sum(1), [leaf([4, 3], 5), leaf([2, 3], 6), leaf([2], 7, 1)]);
  });

  it('gradcheck itself catches a wrong gradient', () => {
    // x·detach(x) has true derivative 2x, but autograd sees only x.
    expect(() => gradcheck('wrong', (t) => t.mul(t.detach()), [leaf([3], 1)])).toThrow(/gradcheck\(wrong\): argument 0, index 0/);
  });
});

describe('graph control', () => {
  it('noGrad records nothing, restores the mode, and nests', () => {
    const x = nn.ones([2], { requiresGrad: true });
    expect(nn.isGradEnabled()).toBe(true);
    const y = nn.noGrad(() => {
      expect(nn.isGradEnabled()).toBe(false);
      const inner = nn.noGrad(() => x.mul(2));
      expect(nn.isGradEnabled()).toBe(false);
      return inner.add(x);
    });
    expect(nn.isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(() => nn.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(nn.isGradEnabled()).toBe(true);
    expect(x.mul(2).requiresGrad).toBe(true);
  });

  it('detach cuts the graph and shares the data', () => {
    const x = nn.tensor([1, 2], { requiresGrad: true });
    const d = x.mul(3).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = x.mul(d).sum(); // d is a constant: dy/dx = d = 3x
    y.backward();
    expect(x.grad).toBeAllClose([3, 6]);
    const shared = x.detach();
    expect(shared.data).toBe(x.data);
  });

  it('retainGrad keeps a non-leaf gradient; other non-leaves keep none', () => {
    const x = nn.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const k = h.add(1);
    k.mul(k).sum().backward(); // d/dh (h+1)² = 2(h + 1)
    expect(h.grad).toBeAllClose([8, 14]);
    expect(k.grad).toBeNull();
    expect(x.grad).toBeAllClose([24, 42]);
    expect(h.isLeaf).toBe(false);
  });

  it('requiresGrad flows only from leaves that ask for it', () => {
    const a = nn.ones([2]), b = nn.ones([2], { requiresGrad: true });
    expect(a.mul(2).requiresGrad).toBe(false);
    const c = a.mul(b);
    expect(c.requiresGrad).toBe(true);
    expect(c.node!.op).toBe('mul');
    c.sum().backward();
    expect(a.grad).toBeNull();
    expect(b.grad).toBeAllClose([1, 1]);
    expect(() => c.requiresGrad_(false)).toThrow(nn.ArgumentError);
    expect(nn.ones([1]).requiresGrad_().requiresGrad).toBe(true);
  });

  it('clone stays in the graph', () => {
    const x = nn.tensor([1, 2], { requiresGrad: true });
    const c = x.clone();
    expect(c.data).not.toBe(x.data);
    c.mul(2).sum().backward();
    expect(x.grad).toBeAllClose([2, 2]);
  });
});
