import { describe, it, expect } from 'vitest';
import { optim, tensor, zeros, ArgumentError } from '../../src';
import { makeParams, run, expectParams, type Ref } from './reference';

// Five steps of torch.optim.RMSprop (torch 1.13.1) on the problem in ./reference.ts.
const REF: Record<string, Ref> = {
  rmsprop: [[0.7623106510264654, -0.8961292932371536, 1.6929943441002726, 0.4847215391959454, 0.4934618481694379, -0.38783358417847874], [1.38629957311064, -0.08277202744292911]],
  rmsprop_f32: [[0.7623106241226196, -0.896129310131073, 1.6929943561553955, 0.4847215414047241, 0.49346181750297546, -0.3878335952758789], [1.38629949092865, -0.08277201652526855]],
  rmsprop_centered: [[0.7645253065180887, -0.8924781140354104, 1.689233806212079, 0.48511099573410993, 0.48972698760896166, -0.38390449708423263], [1.3862986076288206, -0.07871933952242718]],
  rmsprop_centered_f32: [[0.7645252346992493, -0.8924781680107117, 1.6892337799072266, 0.4851109981536865, 0.4897269606590271, -0.3839045464992523], [1.386298656463623, -0.07871934771537781]],
  rmsprop_momentum: [[1.1283814609717047, -0.335354180850914, 1.1175237370220015, 0.6414521722703743, -0.0761305656198042, 0.20592031808715705], [1.3721703540303978, 0.5191693334196009]],
  rmsprop_momentum_f32: [[1.1283814907073975, -0.3353542685508728, 1.1175237894058228, 0.6414521336555481, -0.07613057643175125, 0.20592020452022552], [1.3721702098846436, 0.5191693305969238]],
  rmsprop_all: [[0.6853372685140008, -1.002287734359542, 1.8014589290485592, 0.46188149969286546, 0.6015950392505519, -0.5003728900342606], [1.3161190797943059, -0.1991566620301865]],
  rmsprop_all_f32: [[0.6853371858596802, -1.0022878646850586, 1.8014589548110962, 0.46188148856163025, 0.6015950441360474, -0.5003728866577148], [1.3161190748214722, -0.19915668666362762]],
};

const CASES: Array<[string, Partial<optim.RMSpropOptions>]> = [
  ['rmsprop', { lr: 0.01 }],
  ['rmsprop_centered', { lr: 0.01, centered: true }],
  ['rmsprop_momentum', { lr: 0.01, momentum: 0.9 }],
  ['rmsprop_all', { lr: 0.01, alpha: 0.9, eps: 1e-6, momentum: 0.5, centered: true, weightDecay: 0.1 }],
];

describe('RMSprop', () => {
  for (const [name, options] of CASES) {
    it(`matches torch.optim.RMSprop ${JSON.stringify(options)} in float64 and float32`, () => {
      for (const dtype of ['float64', 'float32'] as const) {
        const [p0, p1] = makeParams(dtype);
        run(new optim.RMSprop([p0, p1], options), p0, p1);
        expectParams(p0, p1, REF[dtype === 'float64' ? name : `${name}_f32`], dtype);
      }
    });
  }

  it('divides the first step by √((1 − α) g²): a step of lr/√(1 − α) against the sign', () => {
    const p = tensor([1, 1], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.RMSprop([p], { lr: 0.01, alpha: 0.75, eps: 0 });
    p.grad = tensor([4, -0.5], { dtype: 'float64' });
    opt.step();
    expect(p).toBeAllClose([1 - 0.02, 1 + 0.02], { rtol: 0, atol: 1e-15 });
    const s = opt.state.get(p)!;
    expect(Array.from(s.squareAvg)).toBeAllClose([4, 0.0625], { rtol: 1e-15, atol: 0 });
    expect(s.momentumBuffer).toBeNull();
    expect(s.gradAvg).toBeNull();
  });

  it('creates the buffers it needs when momentum or centered is switched on later', () => {
    const p = tensor([1], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.RMSprop([p], { lr: 0.01 });
    p.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    opt.paramGroups[0].momentum = 0.9;
    opt.paramGroups[0].centered = true;
    opt.step();
    expect(opt.state.get(p)!.momentumBuffer).toBeInstanceOf(Float64Array);
    expect(opt.state.get(p)!.gradAvg).toBeInstanceOf(Float64Array);
    expect(opt.state.get(p)!.step).toBe(2);
  });

  it('rejects bad options, naming RMSprop and the value', () => {
    const p = zeros([2], { requiresGrad: true });
    expect(() => new optim.RMSprop([p], { lr: -0.01 })).toThrow(/RMSprop: lr .* got -0.01/);
    expect(() => new optim.RMSprop([p], { alpha: 1 })).toThrow(/RMSprop: alpha must be in \[0, 1\), got 1/);
    expect(() => new optim.RMSprop([p], { alpha: -0.1 })).toThrow(ArgumentError);
    expect(() => new optim.RMSprop([p], { eps: -1 })).toThrow(/RMSprop: eps .* got -1/);
    expect(() => new optim.RMSprop([p], { momentum: -0.9 })).toThrow(/RMSprop: momentum .* got -0.9/);
    expect(() => new optim.RMSprop([p], { weightDecay: Infinity })).toThrow(/RMSprop: weightDecay .* got Infinity/);
    expect(() => new optim.RMSprop([p], { centered: 'yes' as never })).toThrow(/RMSprop: centered must be true or false, got yes/);
  });
});
