import { describe, it, expect } from 'vitest';
import { optim, tensor, randn, zeros, Generator, Tensor, ArgumentError } from '../../src';
import { makeParams, run, expectParams, type Ref } from './reference';

// Five steps of torch.optim.SGD (torch 1.13.1) on the problem in ./reference.ts.
const REF: Record<string, Ref> = {
  sgd_plain: [[0.7923858442894612, -0.08081127307571107, 0.42288975062611245, 0.4906482931428069, -0.2869616301422854, -0.06848734375281113], [1.473674997909158, -0.11704625829823699]],
  sgd_plain_f32: [[0.7923858761787415, -0.0808112695813179, 0.42288967967033386, 0.4906482994556427, -0.2869616150856018, -0.06848730891942978], [1.4736748933792114, -0.11704627424478531]],
  sgd_momentum: [[0.9607371178728223, 0.7751062981731897, -0.6536048450448995, 0.6410416495328148, -0.9877474458302832, 0.18406559059735159], [1.463892525168598, -0.021500804701812724]],
  sgd_momentum_f32: [[0.9607371091842651, 0.7751063108444214, -0.6536047458648682, 0.64104163646698, -0.9877472519874573, 0.18406561017036438], [1.4638924598693848, -0.021500850096344948]],
  sgd_damp_wd: [[0.9372092205111057, 0.7284547411959986, -0.5401011366992158, 0.6394553014343805, -0.9206779398072035, 0.1316891514075113], [1.4575977410938294, -0.044854805143422785]],
  sgd_damp_wd_f32: [[0.9372092485427856, 0.7284547090530396, -0.5401009321212769, 0.639455258846283, -0.9206777215003967, 0.1316891759634018], [1.4575977325439453, -0.04485483840107918]],
  sgd_nesterov: [[0.9517619310006504, 0.5184500158844032, -0.7950392420505704, 0.5480458126446569, -0.9214914137353091, 0.3822574880045237], [1.400140688170736, 0.08649430710470017]],
  sgd_nesterov_f32: [[0.9517619013786316, 0.5184500813484192, -0.795039176940918, 0.548045814037323, -0.9214913249015808, 0.3822574317455292], [1.4001407623291016, 0.08649427443742752]],
  sgd_maximize: [[0.41926395038759223, -1.709218931451549, 2.579990316048365, 0.18974945831609522, 1.1625042196278117, -0.8231239869446584], [1.504774938262349, -0.4478456401450964]],
  sgd_maximize_f32: [[0.41926395893096924, -1.709218978881836, 2.5799903869628906, 0.18974947929382324, 1.1625043153762817, -0.8231239318847656], [1.5047749280929565, -0.4478456676006317]],
};

const CASES: Array<[string, Partial<optim.SGDOptions>]> = [
  ['sgd_plain', { lr: 0.1 }],
  ['sgd_momentum', { lr: 0.05, momentum: 0.9 }],
  ['sgd_damp_wd', { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }],
  ['sgd_nesterov', { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.05 }],
  ['sgd_maximize', { lr: 0.01, momentum: 0.5, maximize: true }],
];

describe('SGD', () => {
  for (const [name, options] of CASES) {
    it(`matches torch.optim.SGD ${JSON.stringify(options)} in float64 and float32`, () => {
      for (const dtype of ['float64', 'float32'] as const) {
        const [p0, p1] = makeParams(dtype);
        run(new optim.SGD([p0, p1], options), p0, p1);
        expectParams(p0, p1, REF[dtype === 'float64' ? name : `${name}_f32`], dtype);
      }
    });
  }

  it('follows the update rule by hand: first buffer = g, then μb + (1 − τ)g; nesterov adds μb', () => {
    const p = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.5, dampening: 0.2 });
    p.grad = tensor([0.5, -1], { dtype: 'float64' });
    opt.step(); // b = g = [0.5, -1]; p = [1 - 0.05, 2 + 0.1]
    expect(p).toBeAllClose([0.95, 2.1], { rtol: 0, atol: 1e-15 });
    expect(Array.from(opt.state.get(p)!.momentumBuffer!)).toEqual([0.5, -1]);
    p.grad = tensor([1, 1], { dtype: 'float64' });
    opt.step(); // b = 0.5 b + 0.8 g = [1.05, 0.3]; p -= 0.1 b
    expect(p).toBeAllClose([0.95 - 0.105, 2.1 - 0.03], { rtol: 0, atol: 1e-15 });

    const q = tensor([1], { dtype: 'float64', requiresGrad: true });
    const nesterov = new optim.SGD([q], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.5 });
    q.grad = tensor([2], { dtype: 'float64' });
    nesterov.step(); // d = 2 + 0.5 = 2.5; b = 2.5; step = d + 0.9 b = 4.75
    expect(q.item()).toBeCloseTo(1 - 0.475, 15);
  });

  it('updates a parameter that views a buffer at an offset, and nothing else of the buffer', () => {
    const buffer = new Float32Array([9, 9, 1, 2, 3, 9]);
    const p = new Tensor(buffer, [3], [1], 2).requiresGrad_();
    p.grad = tensor([1, -1, 0.5]);
    new optim.SGD([p], { lr: 0.5 }).step();
    expect(Array.from(buffer)).toEqual([9, 9, 0.5, 2.5, 2.75, 9]);
    expect(p.toFlatArray()).toEqual([0.5, 2.5, 2.75]);
  });

  it('keeps its momentum buffer in the parameter dtype', () => {
    const p = zeros([3], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad = tensor([1, 2, 3]);
    opt.step();
    expect(opt.state.get(p)!.momentumBuffer).toBeInstanceOf(Float32Array);
  });

  it('reads a non-contiguous gradient correctly', () => {
    const p = zeros([2, 2], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor([[1, 2], [3, 4]], { dtype: 'float64' }).T; // [[1, 3], [2, 4]], not contiguous
    new optim.SGD([p], { lr: 1 }).step();
    expect(p.toArray()).toEqual([[-1, -3], [-2, -4]]);
  });

  it('with momentum solves a least-squares problem', () => {
    const g = new Generator(7);
    const X = randn([64, 5], { dtype: 'float64', generator: g });
    const wTrue = tensor([[1.5], [-2], [0.5], [3], [-1]], { dtype: 'float64' });
    const y = X.matmul(wTrue);
    const w = zeros([5, 1], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let i = 0; i < 300; i++) {
      opt.zeroGrad();
      const l = X.matmul(w).sub(y).square().mean();
      losses.push(l.item());
      l.backward();
      opt.step();
    }
    expect(losses[299]).toBeLessThan(1e-10);
    expect(losses[299]).toBeLessThan(losses[0] * 1e-10);
    expect(w).toBeAllClose(wTrue, { rtol: 1e-5, atol: 1e-5 });
  });

  it('rejects bad options, naming SGD and the value', () => {
    const p = zeros([2], { requiresGrad: true });
    expect(() => new optim.SGD([p], { lr: -0.1 })).toThrow(/SGD: lr must be a finite number ≥ 0, got -0.1/);
    expect(() => new optim.SGD([p], { lr: NaN })).toThrow(ArgumentError);
    expect(() => new optim.SGD([p], {})).toThrow(/SGD: a learning rate is required/);
    expect(() => new optim.SGD([p], { lr: 0.1, momentum: -0.5 })).toThrow(/SGD: momentum must be a finite number ≥ 0, got -0.5/);
    expect(() => new optim.SGD([p], { lr: 0.1, weightDecay: -1 })).toThrow(/SGD: weightDecay .* got -1/);
    expect(() => new optim.SGD([p], { lr: 0.1, dampening: 2 })).toThrow(/SGD: dampening must be in \[0, 1\], got 2/);
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum=0, dampening=0/);
    expect(() => new optim.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(ArgumentError);
    expect(() => new optim.SGD([p], { lr: 0.1, weight_decay: 0.1 } as never)).toThrow(/SGD: unknown option 'weight_decay'/);
    expect(() => new optim.SGD([{ params: [p], lr: -1 }], { lr: 0.1 })).toThrow(/SGD: lr .* got -1 \(param group 0\)/);
  });
});
