import { describe, it, expect } from 'vitest';
import { optim, zeros, ArgumentError } from '../../src';

// torch.optim.lr_scheduler (torch 1.13.1) on SGD(lr=0.5): get_last_lr() after construction and after each step().
const TORCH: Record<string, number[]> = {
  step_lr: [0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.0625, 0.0625, 0.0625, 0.03125],
  multistep_lr: [0.5, 0.5, 0.05, 0.05, 0.05, 0.005000000000000001, 0.005000000000000001, 0.005000000000000001, 0.005000000000000001, 0.0005000000000000001, 0.0005000000000000001, 0.0005000000000000001, 0.0005000000000000001],
  exp_lr: [0.5, 0.45, 0.405, 0.36450000000000005, 0.32805000000000006, 0.2952450000000001, 0.2657205000000001, 0.23914845000000007, 0.21523360500000008, 0.19371024450000007, 0.17433922005000008, 0.15690529804500009, 0.14121476824050008],
  cos_lr: [0.5, 0.48800884649231263, 0.4532091636218621, 0.39900738681165593, 0.33070916362186215, 0.255, 0.17929083637813792, 0.11099261318834411, 0.05679083637813791, 0.021991153507687385, 0.01, 0.021991153507687385, 0.05679083637813806, 0.1109926131883445, 0.1792908363781386],
  linear_lr: [0.125, 0.21875, 0.3125, 0.40625, 0.5, 0.5, 0.5, 0.5, 0.5],
  lambda_lr: [0.5, 0.25, 0.16666666666666666, 0.125, 0.1, 0.08333333333333333, 0.07142857142857142],
};

function sgd(lrs: number[] = [0.5]) {
  return new optim.SGD(lrs.map((lr) => ({ params: [zeros([1], { requiresGrad: true })], lr })), { lr: 0.5 });
}

/** get_last_lr()[0] after construction, then after each of `n` steps. */
function sequence(sched: optim.LRScheduler, n: number): number[] {
  const out = [sched.getLastLr()[0]];
  for (let i = 0; i < n; i++) {
    sched.step();
    out.push(sched.getLastLr()[0]);
  }
  return out;
}

const closeTo = { rtol: 1e-12, atol: 1e-15 };

describe('LR schedulers', () => {
  it('StepLR: η₀ γ^⌊t/s⌋, as torch', () => {
    const seq = sequence(new optim.StepLR(sgd(), 3, 0.5), 12);
    expect(seq).toBeAllClose(TORCH.step_lr, closeTo);
    expect(seq).toBeAllClose(seq.map((_, t) => 0.5 * 0.5 ** Math.floor(t / 3)), closeTo);
  });

  it('MultiStepLR: η₀ γ^(milestones ≤ t), as torch, with unsorted milestones', () => {
    expect(sequence(new optim.MultiStepLR(sgd(), [9, 2, 5], 0.1), 12)).toBeAllClose(TORCH.multistep_lr, closeTo);
  });

  it('ExponentialLR: η₀ γᵗ, as torch', () => {
    expect(sequence(new optim.ExponentialLR(sgd(), 0.9), 12)).toBeAllClose(TORCH.exp_lr, closeTo);
  });

  it('CosineAnnealingLR: η_min + (η₀ − η_min)(1 + cos(πt/T))/2, as torch (including past T_max)', () => {
    const seq = sequence(new optim.CosineAnnealingLR(sgd(), 10, 0.01), 14);
    expect(seq).toBeAllClose(TORCH.cos_lr, closeTo);
    expect(seq).toBeAllClose(seq.map((_, t) => 0.01 + (0.49 * (1 + Math.cos((Math.PI * t) / 10))) / 2), closeTo);
    expect(seq[10]).toBeCloseTo(0.01, 15);
  });

  it('LinearLR and LambdaLR, as torch', () => {
    expect(sequence(new optim.LinearLR(sgd(), 0.25, 1, 4), 8)).toBeAllClose(TORCH.linear_lr, closeTo);
    expect(sequence(new optim.LambdaLR(sgd(), (t) => 1 / (1 + t)), 6)).toBeAllClose(TORCH.lambda_lr, closeTo);
    expect(new optim.LinearLR(sgd()).getLastLr()[0]).toBeCloseTo(0.5 / 3, 15); // torch defaults: 1/3 → 1 over 5 steps
  });

  it('LinearWarmup ramps (t + 1)/n up to η₀ and stays', () => {
    expect(sequence(new optim.LinearWarmup(sgd([0.4]), 4), 6)).toBeAllClose([0.1, 0.2, 0.3, 0.4, 0.4, 0.4, 0.4], closeTo);
  });

  it('drive every group of the optimiser from its own initial lr', () => {
    const opt = sgd([0.1, 1]);
    const sched = new optim.ExponentialLR(opt, 0.5);
    sched.step();
    sched.step();
    expect(opt.paramGroups.map((g) => g.lr)).toBeAllClose([0.025, 0.25], closeTo);
    expect(sched.getLastLr()).toBeAllClose([0.025, 0.25], closeTo);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 1]);
    expect(sched.lastEpoch).toBe(2);
    const perGroup = new optim.LambdaLR(opt, [(t) => t, (t) => 1 / (t + 1)]);
    perGroup.step();
    expect(opt.paramGroups.map((g) => g.lr)).toBeAllClose([0.1, 0.5], closeTo); // from initialLr, not from the decayed rates
  });

  it('the scheduled lr is the one the optimiser uses', () => {
    const p = zeros([1], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 1 });
    const sched = new optim.StepLR(opt, 1, 0.1);
    for (let i = 0; i < 3; i++) {
      p.grad = zeros([1], { dtype: 'float64' }).add(1);
      opt.step();
      sched.step();
    }
    expect(p.item()).toBeCloseTo(-1.11, 14);
  });

  it('SequentialLR: warm-up then cosine, each counting from its milestone', () => {
    const opt = sgd([1]);
    const warm = new optim.LinearLR(opt, 0.25, 1, 3);
    const cos = new optim.CosineAnnealingLR(opt, 4);
    const sched = new optim.SequentialLR(opt, [warm, cos], [3]);
    const expected = [0.25, 0.5, 0.75, ...[0, 1, 2, 3, 4].map((t) => (1 + Math.cos((Math.PI * t) / 4)) / 2)];
    expect(sequence(sched, 7)).toBeAllClose(expected, closeTo);
    expect(() => new optim.SequentialLR(opt, [warm, cos], [])).toThrow(/SequentialLR: expected 1 milestones for 2 schedulers/);
    expect(() => new optim.SequentialLR(sgd(), [warm, cos], [3])).toThrow(/SequentialLR: every scheduler must be built on the optimiser/);
  });

  it('stateDict / loadStateDict resume the schedule', () => {
    const a = new optim.CosineAnnealingLR(sgd(), 10);
    for (let i = 0; i < 4; i++) a.step();
    const b = new optim.CosineAnnealingLR(sgd(), 10);
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(b.lastEpoch).toBe(4);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    a.step();
    b.step();
    expect(b.getLastLr()).toEqual(a.getLastLr());
    expect(() => b.loadStateDict({ lastEpoch: 1.5, baseLrs: [1] })).toThrow(/CosineAnnealingLR.loadStateDict: expected \{lastEpoch, baseLrs\}/);
  });

  it('reject bad arguments, naming the scheduler and the value', () => {
    expect(() => new optim.StepLR(sgd(), 0)).toThrow(/StepLR: stepSize must be a positive integer, got 0/);
    expect(() => new optim.StepLR(sgd(), 2.5)).toThrow(ArgumentError);
    expect(() => new optim.StepLR(sgd(), 2, -0.1)).toThrow(/StepLR: gamma must be a finite number > 0, got -0.1/);
    expect(() => new optim.MultiStepLR(sgd(), [1, -2])).toThrow(/MultiStepLR: milestones must be an array of non-negative integers, got \[1,-2\]/);
    expect(() => new optim.ExponentialLR(sgd(), 0)).toThrow(/ExponentialLR: gamma .* got 0/);
    expect(() => new optim.CosineAnnealingLR(sgd(), -10)).toThrow(/CosineAnnealingLR: tMax .* got -10/);
    expect(() => new optim.CosineAnnealingLR(sgd(), 10, -1)).toThrow(/CosineAnnealingLR: etaMin .* got -1/);
    expect(() => new optim.LinearLR(sgd(), 0)).toThrow(/LinearLR: startFactor must be in \(0, 1\], got 0/);
    expect(() => new optim.LinearLR(sgd(), 0.5, 1.5)).toThrow(/LinearLR: endFactor must be in \[0, 1\], got 1.5/);
    expect(() => new optim.LinearWarmup(sgd(), 0)).toThrow(/LinearWarmup: warmupSteps must be a positive integer, got 0/);
    expect(() => new optim.LambdaLR(sgd([1, 2]), [(t) => t])).toThrow(/LambdaLR: expected 2 functions \(one per param group\), got 1/);
    expect(() => new optim.LambdaLR(sgd(), () => NaN)).toThrow(/LambdaLR: the function for param group 0 returned NaN at t = 0/);
    expect(() => new optim.StepLR({} as never, 1)).toThrow(/StepLR: expected an optimiser/);
  });
});
