import { describe, it, expect } from 'vitest';
import { optim, tensor, scalar, zeros, ArgumentError, type Tensor } from '../../src';
import { makeParams, run, expectParams, type Ref } from './reference';

// Five steps of torch.optim.Adam / AdamW (torch 1.13.1) on the problem in ./reference.ts.
const REF: Record<string, Ref> = {
  adam_default: [[0.9493401337247371, -0.7075645507505831, 1.505871494126982, 0.603798898729792, 0.3062427261615606, -0.20360537393210004], [1.350788069509515, 0.09793872365623517]],
  adam_default_f32: [[0.9493401050567627, -0.7075645923614502, 1.5058715343475342, 0.6037988662719727, 0.3062427043914795, -0.20360532402992249], [1.3507879972457886, 0.09793870896100998]],
  adam_wd: [[0.9209814772709575, -0.7124116343142707, 1.5097625217513018, 0.5665230161584863, 0.3106231234749877, -0.20689245664384945], [1.0759920028681491, 0.09453146812999942]],
  adam_wd_f32: [[0.9209815263748169, -0.7124117016792297, 1.5097624063491821, 0.566523015499115, 0.3106229901313782, -0.20689243078231812], [1.0759919881820679, 0.09453152120113373]],
  adam_amsgrad: [[0.9493198974119694, -0.7075645507505831, 1.505871494126982, 0.6037876750405742, 0.3062427261615606, -0.20360537393210004], [1.350788069509515, 0.09793872365623517]],
  adam_amsgrad_f32: [[0.9493198394775391, -0.7075645923614502, 1.5058715343475342, 0.6037876605987549, 0.3062427043914795, -0.20360532402992249], [1.3507879972457886, 0.09793870896100998]],
  adam_maximize: [[0.4499109321786423, -1.250042597948033, 2.0500386599669222, 0.24984152474797564, 0.8500377974712267, -0.750030982637309], [1.550212348894529, -0.4500145689841667]],
  adam_maximize_f32: [[0.449910968542099, -1.2500426769256592, 2.0500388145446777, 0.24984152615070343, 0.8500378131866455, -0.7500309348106384], [1.5502123832702637, -0.45001456141471863]],
  adamw: [[0.9466310188682855, -0.7026914497821697, 1.4970306722383127, 0.602793564128677, 0.3033062460075905, -0.20113138922650936], [1.3494494804252408, 0.09892939883913236]],
  adamw_f32: [[0.9466310143470764, -0.7026916146278381, 1.4970307350158691, 0.6027935147285461, 0.30330634117126465, -0.2011314034461975], [1.3494493961334229, 0.09892939031124115]],
  adamw_wd_amsgrad: [[0.8690599695000929, -0.5708563970045818, 1.2568853067022523, 0.575743979879022, 0.22405939660566904, -0.13439981770655168], [1.2838835488737548, 0.12515064589164474]],
  adamw_wd_amsgrad_f32: [[0.8690600395202637, -0.5708564519882202, 1.2568854093551636, 0.5757439732551575, 0.22405943274497986, -0.13439983129501343], [1.2838835716247559, 0.1251506507396698]],
  adam_groups: [[0.5498766389386062, -1.1500478669022165, 1.9500424000680294, 0.3496930586510599, 0.7500417912725864, -0.65003234811854], [0.5793823043298674, 0.5513263544235522]],
};

const CASES: Array<[string, 'Adam' | 'AdamW', Partial<optim.AdamOptions>]> = [
  ['adam_default', 'Adam', { lr: 0.1 }],
  ['adam_wd', 'Adam', { lr: 0.1, betas: [0.8, 0.99], weightDecay: 0.1 }],
  ['adam_amsgrad', 'Adam', { lr: 0.1, amsgrad: true }],
  ['adam_maximize', 'Adam', { lr: 0.01, maximize: true }],
  ['adamw', 'AdamW', { lr: 0.1 }],
  ['adamw_wd_amsgrad', 'AdamW', { lr: 0.1, weightDecay: 0.3, amsgrad: true }],
];

describe('Adam and AdamW', () => {
  for (const [name, kind, options] of CASES) {
    it(`match torch.optim.${kind} ${JSON.stringify(options)} in float64 and float32`, () => {
      for (const dtype of ['float64', 'float32'] as const) {
        const [p0, p1] = makeParams(dtype);
        run(new optim[kind]([p0, p1], options), p0, p1);
        expectParams(p0, p1, REF[dtype === 'float64' ? name : `${name}_f32`], dtype);
      }
    });
  }

  it('take a first step of size lr in the direction of −sign(g) (bias correction)', () => {
    const p = tensor([1, -1, 2], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.01, eps: 0 });
    p.grad = tensor([3, -0.001, 50], { dtype: 'float64' });
    opt.step();
    expect(p).toBeAllClose([0.99, -0.99, 1.99], { rtol: 0, atol: 1e-14 });
    expect(opt.state.get(p)!.step).toBe(1);
  });

  it('AdamW shrinks parameters by (1 − lr·λ) even with a zero gradient; Adam with L2 moves them by lr', () => {
    const p = tensor([2, -4], { dtype: 'float64', requiresGrad: true });
    p.grad = zeros([2], { dtype: 'float64' });
    new optim.AdamW([p], { lr: 0.1, weightDecay: 0.5 }).step();
    expect(p).toBeAllClose([2 * 0.95, -4 * 0.95], { rtol: 1e-15, atol: 0 });
    const q = tensor([2, -4], { dtype: 'float64', requiresGrad: true });
    q.grad = zeros([2], { dtype: 'float64' });
    new optim.Adam([q], { lr: 0.1, weightDecay: 0.5 }).step(); // g = λθ, a first step of lr against its sign
    expect(q).toBeAllClose([2 - 0.1 / (1 + 1e-8), -4 + 0.1 * 2 / (2 + 1e-8)], { rtol: 1e-12, atol: 0 });
  });

  it('have PyTorch defaults', () => {
    const p = zeros([1], { requiresGrad: true });
    expect(new optim.Adam([p]).defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(new optim.AdamW([p]).defaults.weightDecay).toBe(1e-2);
  });

  it('honour per-group hyperparameters (torch reference)', () => {
    const [p0, p1] = makeParams();
    run(new optim.Adam([{ params: [p0] }, { params: [p1], lr: 0.2, weightDecay: 0.5 }], { lr: 0.01 }), p0, p1);
    expectParams(p0, p1, REF.adam_groups);
  });

  it('resume from a state dict (through JSON) exactly where they left off', () => {
    const [p0, p1] = makeParams();
    const opt = new optim.Adam([p0, p1], { lr: 0.1, amsgrad: true });
    run(opt, p0, p1, 2);
    const saved = JSON.parse(JSON.stringify(opt.stateDict()));
    expect(saved.paramGroups[0].params).toEqual([0, 1]);
    expect(saved.state[0].step).toBe(2);
    expect(saved.state[1].expAvg).toHaveLength(2);

    const q0 = tensor(p0.toArray(), { dtype: 'float64', requiresGrad: true });
    const q1 = tensor(p1.toArray(), { dtype: 'float64', requiresGrad: true });
    const resumed = new optim.Adam([q0, q1], { lr: 0.5 });
    resumed.loadStateDict(saved);
    expect(resumed.paramGroups[0].lr).toBe(0.1);
    expect(resumed.paramGroups[0].amsgrad).toBe(true);
    run(resumed, q0, q1, 3);
    expectParams(q0, q1, REF.adam_amsgrad);

    const sgd = new optim.SGD([q0, q1], { lr: 0.1 });
    expect(() => sgd.loadStateDict(saved)).toThrow(/SGD.loadStateDict: unknown param group 0 key 'betas'/);
    const other = new optim.Adam([zeros([3], { dtype: 'float64', requiresGrad: true }), q1]);
    expect(() => other.loadStateDict(saved)).toThrow(/Adam.loadStateDict: state 'expAvg' of parameter 0 \(shape \[3\]\) should have 3 values/);
  });

  it('minimise the Rosenbrock function', () => {
    const x = scalar(-1.2, { dtype: 'float64', requiresGrad: true });
    const y = scalar(1, { dtype: 'float64', requiresGrad: true });
    const rosenbrock = (a: Tensor, b: Tensor) => scalar(1, { dtype: 'float64' }).sub(a).square().add(b.sub(a.square()).square().mul(100));
    const opt = new optim.Adam([x, y], { lr: 0.02 });
    const start = rosenbrock(x, y).item();
    for (let i = 0; i < 4000; i++) {
      opt.zeroGrad();
      rosenbrock(x, y).backward();
      opt.step();
    }
    expect(start).toBeGreaterThan(4);
    expect(rosenbrock(x, y).item()).toBeLessThan(1e-6);
    expect([x.item(), y.item()]).toBeAllClose([1, 1], { atol: 2e-3 });
  });

  it('reject bad options, naming the optimiser and the value', () => {
    const p = zeros([2], { requiresGrad: true });
    expect(() => new optim.Adam([p], { lr: -1 })).toThrow(/Adam: lr must be a finite number ≥ 0, got -1/);
    expect(() => new optim.Adam([p], { betas: [1, 0.999] })).toThrow(/Adam: betas\[0\] must be in \[0, 1\), got 1/);
    expect(() => new optim.AdamW([p], { betas: [0.9, -0.1] })).toThrow(/AdamW: betas\[1\] must be in \[0, 1\), got -0.1/);
    expect(() => new optim.Adam([p], { betas: [0.9] as never })).toThrow(/Adam: betas must be a pair/);
    expect(() => new optim.Adam([p], { eps: -1e-8 })).toThrow(/Adam: eps .* got -1e-8/);
    expect(() => new optim.AdamW([p], { weightDecay: -0.01 })).toThrow(/AdamW: weightDecay .* got -0.01/);
    expect(() => new optim.Adam([p], { amsgrad: 1 as never })).toThrow(ArgumentError);
    expect(() => new optim.Adam([p], { beta1: 0.9 } as never)).toThrow(/Adam: unknown option 'beta1' \(known: lr, betas, eps, weightDecay, amsgrad, maximize\)/);
  });
});

