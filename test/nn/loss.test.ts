import { describe, it, expect } from 'vitest';
import {
  F, Generator, tensor, randn, randint, ShapeError, ArgumentError, DTypeError,
  CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, MultiMarginLoss,
} from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

// Reference values marked "torch" were computed once with torch 1.13
// (torch.nn.functional.*, float64) and pasted here.
const f64 = { dtype: 'float64' as const };
const i32 = { dtype: 'int32' as const };
const tight = { rtol: 1e-10, atol: 1e-12 };

const x3 = tensor([[1, 2, 3], [1, 0, -1], [0.5, -0.5, 2]], f64);
const y3 = tensor([2, 0, 1], i32);
const w3 = tensor([1, 2, 0.5], f64);

describe('F.mseLoss and F.l1Loss', () => {
  it('match hand-computed values for every reduction', () => {
    const a = tensor([[1, 2], [3, 4]]), b = tensor([[0, 2], [5, 1]]);
    // differences 1, 0, −2, 3
    expect(F.mseLoss(a, b)).toBeAllClose((1 + 0 + 4 + 9) / 4);
    expect(F.mseLoss(a, b, 'sum')).toBeAllClose(14);
    expect(F.mseLoss(a, b, { reduction: 'none' })).toBeAllClose([[1, 0], [4, 9]]);
    expect(F.l1Loss(a, b)).toBeAllClose(6 / 4);
    expect(F.l1Loss(a, b, 'sum')).toBeAllClose(6);
    expect(F.l1Loss(a, b, 'none')).toBeAllClose([[1, 0], [2, 3]]);
  });
  it('refuse a shape mismatch instead of broadcasting', () => {
    expect(() => F.mseLoss(randn([4, 1]), randn([4]))).toThrow(ShapeError);
    expect(() => F.mseLoss(randn([4, 1]), randn([4]))).toThrow('mseLoss: input of shape [4, 1] and target of shape [4] differ');
    expect(() => F.l1Loss(randn([3]), randn([2]))).toThrow('l1Loss: input of shape [3] and target of shape [2]');
    expect(() => F.mseLoss(randn([3]), randn([3]), 'avg' as never)).toThrow("mseLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'");
  });
  it('have correct gradients', () => {
    gradcheck('mseLoss', (a, b) => F.mseLoss(a, b), [leaf([3, 4], 1), leaf([3, 4], 2)]);
    gradcheck('mseLoss none', (a, b) => F.mseLoss(a, b, 'none'), [leaf([5], 1), leaf([5], 2)]);
    gradcheck('l1Loss', (a, b) => F.l1Loss(a, b), [leaf([3, 4], 3), leaf([3, 4], 4)]);
    gradcheck('l1Loss sum', (a, b) => F.l1Loss(a, b, 'sum'), [leaf([6], 5), leaf([6], 6)]);
  });
});

describe('F.crossEntropy', () => {
  it('matches the hand-computed value on [[1,2,3],[1,0,-1]]', () => {
    // Both rows: −log softmax at the label = log(1 + e^−1 + e^−2) = 0.4076059644 (torch agrees).
    const expected = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    expect(expected).toBeCloseTo(0.4076059644, 10);
    expect(F.crossEntropy(tensor([[1, 2, 3], [1, 0, -1]], f64), tensor([2, 0], i32))).toBeAllClose(expected, tight);
    // float32 logits; labels must be int32 (float labels throw DTypeError, as PyTorch wants Long)
    expect(F.crossEntropy(tensor([[1, 2, 3], [1, 0, -1]]), tensor([2, 0], i32))).toBeAllClose(0.4076059644, { rtol: 1e-6 });
    // unbatched: logits [C], label []
    expect(F.crossEntropy(tensor([1, 2, 3], f64), tensor(2, i32))).toBeAllClose(expected, tight);
    expect(F.crossEntropy(tensor([1, 2, 3], f64), tensor(2, i32), 'none').shape).toEqual([]);
  });
  it('uses the weighted mean with class weights (torch)', () => {
    // none: w_y·nll = [0.5·0.40760596, 1·0.40760596, 2·2.76636790]; mean divides by Σ w_y = 3.5
    expect(F.crossEntropy(x3, y3, { weight: w3, reduction: 'none' })).toBeAllClose([0.2038029822221902, 0.4076059644443804, 5.532735799614267], tight);
    expect(F.crossEntropy(x3, y3, { weight: w3 })).toBeAllClose(1.7554699275088108, tight);
    expect(F.crossEntropy(x3, y3, { weight: w3, reduction: 'sum' })).toBeAllClose(0.2038029822221902 + 0.4076059644443804 + 5.532735799614267, tight);
  });
  it('supports label smoothing, ignoreIndex and their mix with weights (torch)', () => {
    expect(F.crossEntropy(x3, y3, { labelSmoothing: 0.1 })).toBeAllClose(1.2216377206764093, tight);
    expect(F.crossEntropy(x3, y3, { weight: w3, labelSmoothing: 0.1 })).toBeAllClose(1.744547024285888, tight);
    const ignored = tensor([2, -100, 1], i32);
    expect(F.crossEntropy(x3, ignored)).toBeAllClose(1.586986932125757, tight);
    const opts = { weight: w3, labelSmoothing: 0.2 };
    expect(F.crossEntropy(x3, ignored, opts)).toBeAllClose(2.178596637517808, tight);
    expect(F.crossEntropy(x3, ignored, { ...opts, reduction: 'sum' })).toBeAllClose(5.446491593794519, tight);
    expect(F.crossEntropy(x3, ignored, { ...opts, reduction: 'none' })).toBeAllClose([0.5248171108147743, 0, 4.9216744829797445], tight);
    // a custom ignoreIndex
    expect(F.crossEntropy(x3, tensor([2, 7, 1], i32), { ignoreIndex: 7 })).toBeAllClose(1.586986932125757, tight);
    // every sample ignored: 0/0 = NaN, as PyTorch
    expect(F.crossEntropy(x3, tensor([-100, -100, -100], i32)).item()).toBeNaN();
  });
  it('takes class probabilities of the input shape (torch)', () => {
    const p = tensor([[0.2, 0.3, 0.5], [1, 0, 0], [0.1, 0.8, 0.1]], f64);
    expect(F.crossEntropy(x3, p)).toBeAllClose(1.310526609565298, tight);
    expect(F.crossEntropy(x3, p, { weight: w3, labelSmoothing: 0.3 })).toBeAllClose(2.0815893920949957, tight);
    // one-hot probabilities give the same loss as class indices
    expect(F.crossEntropy(x3, tensor([[0, 0, 1], [1, 0, 0], [0, 1, 0]], f64))).toBeAllClose(F.crossEntropy(x3, y3), tight);
  });
  it('handles [N, C, d] inputs with [N, d] labels (torch)', () => {
    const xs = tensor([[[0, 1.682941969615793], [1.8185948536513634, 0.2822400161197344], [-1.5136049906158564, -1.917848549326277]],
      [[-0.5588309963978517, 1.3139731974375781], [1.9787164932467636, 0.8242369704835132], [-1.0880422217787395, -1.999980413101407]]], f64);
    const ys = tensor([[0, 2], [1, -100]], i32);
    expect(F.crossEntropy(xs, ys, { weight: w3 })).toBeAllClose(1.1877941010667343, tight);
    expect(F.crossEntropy(xs, ys, 'none')).toBeAllClose([[1.999221669524622, 3.842737026395023], [0.11834458550571846, 0]], tight);
  });
  it('throws ShapeError naming the loss and both shapes for bad labels', () => {
    const logits = randn([4, 10]);
    expect(() => F.crossEntropy(logits, randint(0, 10, [3]))).toThrow(ShapeError);
    expect(() => F.crossEntropy(logits, randint(0, 10, [3]))).toThrow('crossEntropy: labels of shape [3] do not match input of shape [4, 10]');
    expect(() => F.crossEntropy(logits, tensor([1, 2, 10, 0], i32))).toThrow('crossEntropy: label 10 at position 2 is outside [0, 10) (input of shape [4, 10], labels of shape [4])');
    expect(() => F.crossEntropy(logits, tensor([1, 2, -1, 0], i32))).toThrow(ShapeError);
    expect(() => F.crossEntropy(logits, tensor([1, 2, 1.5, 0]))).toThrow(DTypeError);
    expect(() => F.crossEntropy(logits, randint(0, 10, [4]), { weight: randn([9]) })).toThrow('crossEntropy: weight of shape [9] does not match the 10 classes');
    expect(() => F.crossEntropy(logits, randint(0, 10, [4]), { labelSmoothing: 1.5 })).toThrow(ArgumentError);
  });
  it('has correct gradients (plain, weighted, smoothed, ignored, soft, spatial)', () => {
    const labels = tensor([2, 0, 4, 1], i32);
    gradcheck('crossEntropy', (x) => F.crossEntropy(x, labels), [leaf([4, 5], 1)]);
    gradcheck('crossEntropy weighted smoothed ignored', (x) => F.crossEntropy(x, tensor([2, -100, 4, 1], i32), {
      weight: tensor([1, 2, 0.5, 3, 1.5], f64), labelSmoothing: 0.2,
    }), [leaf([4, 5], 2)]);
    gradcheck('crossEntropy none', (x) => F.crossEntropy(x, labels, 'none'), [leaf([4, 5], 3)]);
    gradcheck('crossEntropy soft targets (both arguments)', (x, t) => F.crossEntropy(x, t), [leaf([3, 4], 4), leaf([3, 4], 5)]);
    gradcheck('crossEntropy spatial', (x) => F.crossEntropy(x, tensor([[0, 2, 1], [1, 1, 0]], i32)), [leaf([2, 3, 3], 6)]);
  });
  it('the gradient is (softmax − onehot)/N', () => {
    const x = tensor([[1, 2, 3], [1, 0, -1]], f64).requiresGrad_();
    F.crossEntropy(x, tensor([2, 0], i32)).backward();
    const s = F.softmax(x.detach(), 1).toArray() as number[][];
    expect(x.grad!).toBeAllClose([[s[0][0] / 2, s[0][1] / 2, (s[0][2] - 1) / 2], [(s[1][0] - 1) / 2, s[1][1] / 2, s[1][2] / 2]], tight);
  });
});

describe('F.nllLoss', () => {
  it('equals crossEntropy on log-probabilities (torch)', () => {
    const lp = F.logSoftmax(x3, 1);
    expect(F.nllLoss(lp, y3, { weight: w3 })).toBeAllClose(1.7554699275088108, tight);
    // hand-computed: −mean of the picked entries
    const picked = tensor([[-1, -2, -3], [-4, -5, -6]], f64);
    expect(F.nllLoss(picked, tensor([1, 2], i32))).toBeAllClose((2 + 6) / 2, tight);
    expect(F.nllLoss(picked, tensor([1, 2], i32), 'none')).toBeAllClose([2, 6], tight);
    expect(F.nllLoss(picked, tensor([1, -100], i32))).toBeAllClose(2, tight);
  });
  it('checks labels and has correct gradients', () => {
    expect(() => F.nllLoss(randn([2, 3]), tensor([0, 3], i32))).toThrow('nllLoss: label 3 at position 1 is outside [0, 3)');
    expect(() => F.nllLoss(randn([2, 3]), tensor([0, 1, 2], i32))).toThrow('nllLoss: labels of shape [3] do not match input of shape [2, 3]');
    gradcheck('nllLoss', (x) => F.nllLoss(x, tensor([2, 0, 1], i32), { weight: tensor([1, 2, 3], f64) }), [leaf([3, 3], 1)]);
  });
});

describe('F.binaryCrossEntropy', () => {
  it('matches torch, logs clamped at −100', () => {
    const p = tensor([0.8, 0.1, 0.5, 0, 1], f64), t = tensor([1, 0, 1, 1, 1], f64);
    // −log 0.8, −log 0.9, log 2, −clamp(log 0) = 100, −log 1 = 0
    expect(F.binaryCrossEntropy(p, t, 'none')).toBeAllClose([0.2231435513142097, 0.10536051565782628, 0.6931471805599453, 100, 0], tight);
    expect(F.binaryCrossEntropy(p, t)).toBeAllClose(20.204330249506395, tight);
    expect(F.binaryCrossEntropy(p, t, { weight: tensor([1, 1, 2, 0, 1], f64), reduction: 'sum' }))
      .toBeAllClose(0.2231435513142097 + 0.10536051565782628 + 2 * 0.6931471805599453, tight);
    // the clamped ends have a finite gradient
    const q = tensor([0, 1, 0.5], f64).requiresGrad_();
    F.binaryCrossEntropy(q, tensor([1, 0, 1], f64)).backward();
    expect(q.grad!.toFlatArray().every(Number.isFinite)).toBe(true);
  });
  it('rejects values outside [0, 1] and mismatched shapes', () => {
    expect(() => F.binaryCrossEntropy(tensor([0.5, 1.7]), tensor([1, 0]))).toThrow('binaryCrossEntropy: input must hold probabilities in [0, 1], got');
    expect(() => F.binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1]))).toThrow(ShapeError);
    expect(() => F.binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1, 0]), { weight: tensor([1, 2, 3]) })).toThrow('binaryCrossEntropy');
  });
  it('has the gradient (p − y)/(p(1 − p))/N', () => {
    gradcheck('binaryCrossEntropy', (x, y) => F.binaryCrossEntropy(x.sigmoid(), y), [leaf([3, 4], 1), leaf([3, 4], 2)]);
    const p = tensor([0.25, 0.6], f64).requiresGrad_();
    F.binaryCrossEntropy(p, tensor([1, 0], f64)).backward();
    expect(p.grad!).toBeAllClose([(0.25 - 1) / (0.25 * 0.75) / 2, 0.6 / (0.6 * 0.4) / 2], tight);
  });
});

describe('F.binaryCrossEntropyWithLogits', () => {
  it('matches torch, stable for huge logits', () => {
    const x = tensor([2, -1, 0, 30, -30, 500, -500], f64), y = tensor([1, 0, 1, 0, 1, 0.5, 0.25], f64);
    expect(F.binaryCrossEntropyWithLogits(x, y, 'none')).toBeAllClose([0.1269280110429726, 0.31326168751822286, 0.6931471805599453, 30.000000000000092, 30.000000000000092, 250, 125], tight);
    expect(F.binaryCrossEntropyWithLogits(x, y, { posWeight: tensor([3], f64) })).toBeAllClose(106.82478389461816, tight);
    expect(F.binaryCrossEntropyWithLogits(x, y, { weight: tensor([0, 1, 2, 3, 4, 5, 6], f64) })).toBeAllClose(315.95707943551986, tight);
    // float32 with huge logits stays finite
    const big = F.binaryCrossEntropyWithLogits(tensor([100, -100]), tensor([0, 1]), 'none');
    expect(big).toBeAllClose([100, 100], { rtol: 1e-6 });
  });
  it('equals binaryCrossEntropy of the sigmoid', () => {
    const x = randn([10], { dtype: 'float64', generator: new Generator(4) });
    const y = randn([10], { dtype: 'float64', generator: new Generator(5) }).sigmoid();
    expect(F.binaryCrossEntropyWithLogits(x, y)).toBeAllClose(F.binaryCrossEntropy(x.sigmoid(), y), { rtol: 1e-10 });
  });
  it('has the gradient σ(x) − y, also at x = 0 (torch: −0.5 for y = 1)', () => {
    const x = tensor([0], f64).requiresGrad_();
    F.binaryCrossEntropyWithLogits(x, tensor([1], f64)).backward();
    expect(x.grad!).toBeAllClose([-0.5], tight);
    gradcheck('binaryCrossEntropyWithLogits', (a, b) => F.binaryCrossEntropyWithLogits(a, b), [leaf([3, 4], 1, 3), leaf([3, 4], 2)]);
    gradcheck('binaryCrossEntropyWithLogits posWeight', (a) => F.binaryCrossEntropyWithLogits(a, tensor([[1, 0, 0.3], [0, 1, 1]], f64), {
      posWeight: tensor([2, 0.5, 1], f64), weight: tensor([[1], [3]], f64),
    }), [leaf([2, 3], 3, 2)]);
  });
  it('names the shapes on a mismatch', () => {
    expect(() => F.binaryCrossEntropyWithLogits(randn([4, 1]), randn([4]))).toThrow('binaryCrossEntropyWithLogits: input of shape [4, 1] and target of shape [4] differ');
  });
});

describe('F.multiMarginLoss', () => {
  it('matches the PyTorch docs example and torch', () => {
    // (max(0, 1 − 0.8 + 0.1) + max(0, 1 − 0.8 + 0.2) + max(0, 1 − 0.8 + 0.4)) / 4 = (0.3 + 0.4 + 0.6)/4
    expect(F.multiMarginLoss(tensor([[0.1, 0.2, 0.4, 0.8]], f64), tensor([3], i32))).toBeAllClose(0.325, tight);
    const s = tensor([[0.1, 0.2, 0.4, 0.8], [1, -0.5, 0.3, 0.9], [0, 0, 0, 0]], f64), l = tensor([3, 0, 2], i32);
    expect(F.multiMarginLoss(s, l)).toBeAllClose(0.4583333333333333, tight);
    expect(F.multiMarginLoss(s, l, 'none')).toBeAllClose([0.325, 0.3, 0.75], tight);
    expect(F.multiMarginLoss(s, l, { p: 2, margin: 0.5 })).toBeAllClose(0.07666666666666667, tight);
    const w = tensor([1, 2, 3, 4], f64);
    expect(F.multiMarginLoss(s, l, { weight: w })).toBeAllClose(1.2833333333333332, tight);
    expect(F.multiMarginLoss(s, l, { weight: w, p: 2 })).toBeAllClose(1.0283333333333333, tight);
    // unbatched
    expect(F.multiMarginLoss(tensor([0.1, 0.2, 0.4, 0.8], f64), tensor(3, i32))).toBeAllClose(0.325, tight);
  });
  it('throws on bad labels and options', () => {
    expect(() => F.multiMarginLoss(randn([2, 4]), tensor([0, 4], i32))).toThrow('multiMarginLoss: label 4 at position 1 is outside [0, 4) (input of shape [2, 4], labels of shape [2])');
    expect(() => F.multiMarginLoss(randn([2, 4]), tensor([0], i32))).toThrow('multiMarginLoss: labels of shape [1] do not match input of shape [2, 4]');
    expect(() => F.multiMarginLoss(randn([2, 4]), tensor([0, 1], i32), { p: 3 as never })).toThrow(ArgumentError);
    expect(() => F.multiMarginLoss(randn([2, 4, 1]), tensor([0, 1], i32))).toThrow(ShapeError);
  });
  it('has correct gradients', () => {
    const labels = tensor([2, 0, 3], i32);
    gradcheck('multiMarginLoss', (x) => F.multiMarginLoss(x, labels), [leaf([3, 4], 1)]);
    gradcheck('multiMarginLoss p=2 weighted', (x) => F.multiMarginLoss(x, labels, { p: 2, margin: 0.7, weight: tensor([1, 2, 3, 4], f64) }), [leaf([3, 4], 2)]);
  });
});

describe('loss modules', () => {
  it('call the functions with their settings', () => {
    const a = randn([3, 4], { generator: new Generator(1) }), b = randn([3, 4], { generator: new Generator(2) });
    expect(new MSELoss().forward(a, b)).toBeAllClose(F.mseLoss(a, b));
    expect(new MSELoss({ reduction: 'sum' }).forward(a, b)).toBeAllClose(F.mseLoss(a, b, 'sum'));
    expect(new L1Loss({ reduction: 'none' }).forward(a, b)).toBeAllClose(F.l1Loss(a, b, 'none'));
    expect(new BCELoss().forward(a.sigmoid(), b.sigmoid())).toBeAllClose(F.binaryCrossEntropy(a.sigmoid(), b.sigmoid()));
    expect(new BCEWithLogitsLoss({ posWeight: tensor([1, 2, 3, 4]) }).forward(a, b.sigmoid()))
      .toBeAllClose(F.binaryCrossEntropyWithLogits(a, b.sigmoid(), { posWeight: tensor([1, 2, 3, 4]) }));
    expect(new CrossEntropyLoss({ weight: w3, labelSmoothing: 0.2 }).forward(x3, tensor([2, -100, 1], i32))).toBeAllClose(2.178596637517808, tight);
    expect(new CrossEntropyLoss({ ignoreIndex: 1 }).forward(x3, y3)).toBeAllClose(F.crossEntropy(x3, tensor([2, 0, -100], i32)), tight);
    expect(new NLLLoss({ weight: w3 }).forward(F.logSoftmax(x3, 1), y3)).toBeAllClose(1.7554699275088108, tight);
    expect(new MultiMarginLoss({ p: 2, margin: 0.5 }).forward(
      tensor([[0.1, 0.2, 0.4, 0.8], [1, -0.5, 0.3, 0.9], [0, 0, 0, 0]], f64), tensor([3, 0, 2], i32),
    )).toBeAllClose(0.07666666666666667, tight);
  });
  it('keep class weights as buffers and print like PyTorch', () => {
    const loss = new CrossEntropyLoss({ weight: w3 });
    expect(Object.keys(loss.stateDict())).toEqual(['weight']);
    expect(Object.keys(new CrossEntropyLoss().stateDict())).toEqual([]);
    expect(String(loss)).toBe('CrossEntropyLoss()');
  });
});

describe('float class labels (PyTorch: expected scalar type Long but found Float)', () => {
  it('crossEntropy and nllLoss reject float labels of the label shape, naming dtype and shape', () => {
    const logits = tensor([[1, 2, 3], [1, 0, -1]]);
    const labels = tensor([2, 0]);
    expect(() => F.crossEntropy(logits, labels)).toThrow(DTypeError);
    expect(() => F.crossEntropy(logits, labels)).toThrow(/crossEntropy: expected int32 class-index labels, got float32 labels of shape \[2\]/);
    expect(() => F.nllLoss(F.logSoftmax(logits, 1), labels)).toThrow(/nllLoss: .*float32 labels of shape \[2\].*int32/);
    expect(() => new CrossEntropyLoss().forward(logits, labels)).toThrow(DTypeError);
  });
  it('keeps int32 labels and float class-probability targets working', () => {
    const logits = tensor([[1, 2, 3], [1, 0, -1]]);
    expect(F.crossEntropy(logits, tensor([2, 0], { dtype: 'int32' })).item()).toBeCloseTo(0.4076, 4);
    expect(F.crossEntropy(logits, tensor([[0, 0, 1], [1, 0, 0]])).item()).toBeCloseTo(0.4076, 4);
  });
});
