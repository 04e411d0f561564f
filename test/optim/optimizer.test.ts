import { describe, it, expect } from 'vitest';
import { optim, tensor, zeros, ones, Tensor, DTypeError, ShapeError } from '../../src';
import { makeParams, run, expectParams, loss, type Ref } from './reference';

// torch.optim.SGD([{'params': [p0], 'lr': 0.1}, {'params': [p1]}], lr=0.01, momentum=0.9), five steps (torch 1.13.1).
const REF: Record<string, Ref> = {
  sgd_groups: [[1.130893069969352, 0.8000997064831362, -2.0717439327878115, 0.5166221141945699, -1.3813732101685798, 0.9363825100054631], [1.4924062038309014, -0.32274360111247175]],
  sgd_plain: [[0.7923858442894612, -0.08081127307571107, 0.42288975062611245, 0.4906482931428069, -0.2869616301422854, -0.06848734375281113], [1.473674997909158, -0.11704625829823699]],
};

describe('Optimizer', () => {
  it('builds groups that override the defaults (per-layer learning rates, torch reference)', () => {
    const [p0, p1] = makeParams();
    const opt = new optim.SGD([{ params: [p0], lr: 0.1 }, { params: [p1] }], { lr: 0.01, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    expect(opt.paramGroups[1].momentum).toBe(0.9);
    expect(opt.paramGroups[0].params).toEqual([p0]);
    run(opt, p0, p1);
    expectParams(p0, p1, REF.sgd_groups);
  });

  it('reads group.lr at every step, so it can be changed between steps', () => {
    const p = tensor([1], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    opt.paramGroups[0].lr = 0.5;
    opt.step();
    expect(p.item()).toBeCloseTo(1 - 0.1 - 0.5, 15);
  });

  it('skips parameters without a gradient or with requiresGrad = false, and creates no state for them', () => {
    const [p0, p1] = makeParams();
    const frozen = tensor([3, 4], { dtype: 'float64' });
    frozen.grad = ones([2], { dtype: 'float64' }); // a stale gradient on a frozen tensor
    const opt = new optim.SGD([p0, p1, frozen], { lr: 0.1 });
    for (let i = 0; i < 5; i++) {
      opt.zeroGrad();
      frozen.grad = ones([2], { dtype: 'float64' });
      loss(p0, p1.detach()).backward(); // p1 gets no gradient
      opt.step();
    }
    expect(p1.grad).toBeNull();
    expect(p1.toFlatArray()).toEqual([1.5, -0.4]);
    expect(frozen.toFlatArray()).toEqual([3, 4]);
    expect(opt.state.has(p0)).toBe(true);
    expect(opt.state.has(p1)).toBe(false);
    expect(opt.state.has(frozen)).toBe(false);
    expect(p0.toFlatArray()).toBeAllClose(REF.sgd_plain[0], { rtol: 1e-12, atol: 0 }); // p0's path does not involve p1
  });

  it('zeroGrad sets every gradient to null', () => {
    const [p0, p1] = makeParams();
    const opt = new optim.Adam([{ params: [p0] }, { params: [p1] }]);
    loss(p0, p1).backward();
    expect(p0.grad).not.toBeNull();
    opt.zeroGrad();
    expect(p0.grad).toBeNull();
    expect(p1.grad).toBeNull();
  });

  it('accepts any iterable of parameters, and addParamGroup adds a group later', () => {
    const a = zeros([2], { requiresGrad: true }), b = zeros([3], { requiresGrad: true });
    function* params() { yield a; }
    const opt = new optim.SGD(params(), { lr: 0.1, momentum: 0.5 });
    opt.addParamGroup({ params: [b], lr: 0.01 });
    expect(opt.paramGroups).toHaveLength(2);
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.01, momentum: 0.5, dampening: 0 });
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/SGD: parameter 0 \(param group 2\) of shape \[2\] appears more than once/);
    expect(() => opt.addParamGroup({ params: [zeros([1], { requiresGrad: true })], momentum: -1 })).toThrow(/SGD: momentum .* got -1 \(param group 2\)/);
    expect(opt.paramGroups).toHaveLength(2);
  });

  it('step(closure) calls the closure and returns its loss', () => {
    const [p0, p1] = makeParams();
    const opt = new optim.SGD([p0, p1], { lr: 0.1 });
    for (let i = 0; i < 5; i++) {
      const l = opt.step(() => {
        opt.zeroGrad();
        const value = loss(p0, p1);
        value.backward();
        return value.item();
      });
      expect(typeof l).toBe('number');
    }
    expectParams(p0, p1, REF.sgd_plain);
  });

  it('rejects bad parameter lists with typed errors', () => {
    const p = zeros([2, 2], { requiresGrad: true });
    expect(() => new optim.SGD(p as never, { lr: 0.1 })).toThrow(/SGD: expected an array of parameters or of param groups, got a single Tensor of shape \[2, 2\]/);
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(/SGD: got an empty parameter list/);
    expect(() => new optim.Adam({ parameters: () => [p] } as never)).toThrow(/Adam: .* \(for a module, pass module.parameters\(\)\)/);
    expect(() => new optim.SGD([p, p], { lr: 0.1 })).toThrow(/SGD: parameter 1 of shape \[2, 2\] appears more than once/);
    expect(() => new optim.SGD([p, { params: [p] }] as never, { lr: 0.1 })).toThrow(/entry 1 is an object of type Object/);
    expect(() => new optim.SGD([zeros([2], { dtype: 'int32' })], { lr: 0.1 })).toThrow(DTypeError);
    expect(() => new optim.SGD([p.mul(2)], { lr: 0.1 })).toThrow(/SGD: parameter 0 of shape \[2, 2\] is not a leaf tensor/);
    const t = new Tensor(new Float32Array(4), [2, 2], [1, 2]).requiresGrad_();
    expect(() => new optim.SGD([t], { lr: 0.1 })).toThrow(/SGD: parameter 0 of shape \[2, 2\] is not contiguous/);
    expect(() => new optim.SGD([{ params: p }] as never, { lr: 0.1 })).toThrow(/params of a group must be an array of Tensors, got a single Tensor \(param group 0\)/);
    expect(() => new optim.SGD([{ params: [p], lrate: 1 }] as never, { lr: 0.1 })).toThrow(/SGD: unknown param group 0 key 'lrate'/);
    expect(() => new optim.SGD([{ params: [p] }, { params: [zeros([1], { requiresGrad: true })], lr: 0.1 }])).toThrow(/SGD: a learning rate is required: .* \(param group 0\)/);
  });

  it('throws a ShapeError when a gradient does not match its parameter', () => {
    const p = zeros([2, 3], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.grad = zeros([3, 2]);
    expect(() => opt.step()).toThrow(ShapeError);
    expect(() => opt.step()).toThrow(/SGD: gradient of shape \[3, 2\] for parameter 0 \(param group 0\) of shape \[2, 3\]/);
  });

  it('saves and restores SGD momentum state, validating the dict', () => {
    const [p0, p1] = makeParams();
    const opt = new optim.SGD([{ params: [p0], lr: 0.1 }, { params: [p1] }], { lr: 0.01, momentum: 0.9 });
    run(opt, p0, p1, 3);
    const dict = opt.stateDict();
    expect(dict.paramGroups.map((g) => g.params)).toEqual([[0], [1]]);
    expect(dict.state[0].momentumBuffer).toHaveLength(6);
    const q0 = tensor(p0.toArray(), { dtype: 'float64', requiresGrad: true }), q1 = tensor(p1.toArray(), { dtype: 'float64', requiresGrad: true });
    const again = new optim.SGD([{ params: [q0] }, { params: [q1] }], { lr: 1, momentum: 0.9 });
    again.loadStateDict(dict);
    expect(again.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    run(again, q0, q1, 2);
    expectParams(q0, q1, REF.sgd_groups);
    expect(() => new optim.SGD([q0, q1], { lr: 1 }).loadStateDict(dict)).toThrow(/SGD.loadStateDict: the state has 2 param groups, the optimiser has 1/);
    const bad = { ...dict, paramGroups: [{ ...dict.paramGroups[0], lr: -1 }, dict.paramGroups[1]] };
    expect(() => again.loadStateDict(bad)).toThrow(/SGD: lr .* got -1 \(param group 0\)/);
  });

  it('prints its hyperparameters', () => {
    const p = zeros([2], { requiresGrad: true });
    expect(String(new optim.SGD([p], { lr: 0.1, momentum: 0.9 }))).toBe('SGD(lr=0.1, momentum=0.9, dampening=0, nesterov=false, weightDecay=0, maximize=false) over 1 parameter');
    const two = new optim.Adam([{ params: [p] }, { params: [zeros([1], { requiresGrad: true })], lr: 0.1 }]);
    expect(String(two)).toContain('group 1: (lr=0.1, betas=[0.9, 0.999]');
  });
});
