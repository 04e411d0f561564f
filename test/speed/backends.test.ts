// Every op that has a wasm kernel, run on both backends (the plain js loops and
// the WebAssembly SIMD kernels) with the same float32 inputs: forward values and
// every gradient agree within float32 tolerance. The wasm size threshold is set
// to 0 so even small cases take the wasm path.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Tensor, randn, matmul, conv2d, conv1d, maxPool2d, Generator } from '../../src';
import { getBackend, setBackend, setWasmThreshold, WASM_MIN_MACS, type Backend } from '../../src/kernels/backend';
import { ArgumentError } from '../../src';
import { convRuns, setConvChunkFloats, setConvPath } from '../../src/kernels/wasm/conv';

/** Runs fn on fresh float32 leaves copied from `inputs` with the given backend; returns [output, ...grads]. */
function run(backend: Backend, inputs: Tensor[], fn: (...xs: Tensor[]) => Tensor): Tensor[] {
  const before = getBackend();
  setBackend(backend);
  try {
    const leaves = inputs.map((t) => t.detach().clone().requiresGrad_());
    const y = fn(...leaves);
    // A fixed, non-uniform upstream gradient so every gradient entry is exercised.
    const g = randn(y.shape, { generator: new Generator(99) });
    y.mul(g).sum().backward();
    return [y.detach(), ...leaves.map((l) => l.grad!)];
  } finally {
    setBackend(before);
  }
}

function agree(inputs: Tensor[], fn: (...xs: Tensor[]) => Tensor, tol = 1e-4): void {
  const js = run('js', inputs, fn), wasm = run('wasm', inputs, fn);
  expect(wasm.length).toBe(js.length);
  for (let i = 0; i < js.length; i++) {
    expect(wasm[i].shape).toEqual(js[i].shape);
    expect(wasm[i].dtype).toBe(js[i].dtype);
    let scale = 1;
    for (const v of js[i].values()) scale = Math.max(scale, Math.abs(v));
    expect(wasm[i]).toBeAllClose(js[i], { rtol: tol, atol: tol * scale });
  }
}

function rnd(shape: number[], seed: number): Tensor {
  return randn(shape, { generator: new Generator(seed) });
}

let threshold = 0;
beforeAll(() => {
  threshold = WASM_MIN_MACS;
  setWasmThreshold(0);
});
afterAll(() => setWasmThreshold(threshold));

describe('backend selection', () => {
  it('defaults to wasm in Node 20 and switches both ways', () => {
    const before = getBackend();
    setBackend('js');
    expect(getBackend()).toBe('js');
    setBackend('wasm');
    expect(getBackend()).toBe('wasm');
    setBackend(before);
  });
  it('rejects an unknown backend, naming it', () => {
    expect(() => setBackend('gpu' as Backend)).toThrow(ArgumentError);
    expect(() => setBackend('gpu' as Backend)).toThrow(/setBackend: expected 'native', 'wasm' or 'js', got "gpu"/);
  });
  it('dispatch really changes: wasm accumulates in float32, js in float64', () => {
    // 1 + 4·2⁻²⁴: float64 sums it exactly (1 + 2⁻²² is a float32); float32 rounds each 1 + 2⁻²⁴ back to 1.
    const a = new Tensor(new Float32Array([1, 2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24]), [1, 5]);
    const b = new Tensor(new Float32Array(5).fill(1), [5, 1]);
    const before = getBackend();
    setBackend('js');
    expect(matmul(a, b).item()).toBe(1 + 2 ** -22);
    setBackend('wasm');
    expect(matmul(a, b).item()).toBe(1);
    setBackend(before);
  });
});

describe('matmul on both backends', () => {
  const cases: [string, number[], number[]][] = [
    ['2-D', [37, 53], [53, 29]],
    ['MLP layer', [64, 784], [784, 256]],
    ['batched with broadcast', [3, 1, 9, 17], [4, 17, 12]],
    ['vector @ matrix', [40], [40, 33]],
    ['matrix @ vector', [33, 40], [40]],
    ['K past one 256 block', [10, 600], [600, 21]],
  ];
  for (const [name, sa, sb] of cases) {
    it(name, () => agree([rnd(sa, 1), rnd(sb, 2)], (a, b) => matmul(a, b)));
  }
  it('transposed operands (the backward forms)', () => {
    agree([rnd([50, 30], 3), rnd([20, 50], 4)], (a, b) => matmul(a.T, b.T));
  });
  it('float64 stays on the js loops and is exact on both', () => {
    const a = rnd([20, 30], 5).double(), b = rnd([30, 10], 6).double();
    const js = run('js', [a, b], (x, y) => matmul(x, y)), wasm = run('wasm', [a, b], (x, y) => matmul(x, y));
    for (let i = 0; i < js.length; i++) expect(Array.from(wasm[i].values())).toEqual(Array.from(js[i].values()));
  });
});

describe('relu on both backends', () => {
  // 4096 elements and more take the wasm kernel; fewer stay on the js loop.
  for (const n of [4099, 37]) {
    it(`${n} elements, with NaN, ±∞ and −0: NaN propagates (torch.relu), its gradient is 0`, () => {
      const x = rnd([n], 30);
      const xv = x.values() as Float32Array;
      xv.set([NaN, Infinity, -Infinity, -0, 0], 0);
      agree([x], (a) => a.relu());
      const y = x.relu();
      expect(Array.from(y.values().slice(0, 5))).toEqual([NaN, Infinity, 0, 0, 0]);
      for (const backend of ['js', 'wasm'] as const) {
        const [out, dx] = run(backend, [x], (a) => a.relu());
        const g = randn(out.shape, { generator: new Generator(99) }).values();
        for (let i = 0; i < n; i++) {
          const v = xv[i];
          expect(dx.values()[i]).toBe(v > 0 ? g[i] : 0);
        }
      }
    });
  }
});

describe('tanh and sigmoid on both backends', () => {
  // The wasm kernels compute in float32 (Cody–Waite exp, Taylor tanh near 0);
  // the js loops in float64 then round: within 2 float32 ulps of each other.
  const special = [0, -0, 1e-30, -1e-8, 0.3999, 0.4, -0.40001, 9.99, 10, -20, 88, -88, -100, -104, NaN, Infinity, -Infinity];
  for (const op of ['tanh', 'sigmoid'] as const) {
    it(`${op}: float32-accurate over [−120, 120] and at special values, gradients agree`, () => {
      const n = 20000;
      const x = new Float32Array(n);
      const gen = new Generator(40);
      for (let i = 0; i < n; i++) x[i] = (gen.uniform() - 0.5) * 240 * gen.uniform() ** 3;
      x.set(special, 0);
      const t = new Tensor(x, [n]);
      const [wasm, js] = [run('wasm', [t], (a) => a[op]()), run('js', [t], (a) => a[op]())];
      const yw = wasm[0].values(), yj = js[0].values();
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(yj[i])) {
          expect(Number.isNaN(yw[i]), `${op}(${x[i]})`).toBe(true);
          continue;
        }
        // Two ulps of the float32 result (ulps of the smallest normal below it: subnormal results).
        const ulp = Math.max(Math.abs(yj[i]), 2 ** -126) * 2 ** -23;
        expect(Math.abs(yw[i] - yj[i]), `${op}(${x[i]}) = ${yj[i]}, wasm ${yw[i]}`).toBeLessThanOrEqual(2 * ulp);
      }
      expect(Object.is(yw[1], op === 'tanh' ? -0 : 0.5)).toBe(true);
      expect(wasm[1]).toBeAllClose(js[1], { rtol: 1e-5, atol: 1e-6 });
    });
  }
});

describe('2×2 max pooling on both backends', () => {
  // The wasm kernel (stride 2, float32, ≥ 4096 inputs) must pick the very same
  // input as the js loops: values, argmax and so the gradient, bit for bit.
  function values(shape: number[], seed: number, kind: 'gauss' | 'ties' | 'special'): Tensor {
    const gen = new Generator(seed);
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = gen.uniform();
      v[i] = kind === 'gauss' ? gen.normal() : Math.floor(u * 5) - 2;
      if (kind === 'special') v[i] = u < 0.01 ? NaN : u < 0.03 ? Infinity : u < 0.05 ? -Infinity : u < 0.1 ? -0 : v[i];
    }
    return new Tensor(v, shape);
  }
  const shapes: number[][] = [[64, 6, 28, 28], [64, 16, 10, 10], [3, 5, 13, 11], [2, 7, 9, 30]];
  for (const shape of shapes) {
    for (const kind of ['gauss', 'ties', 'special'] as const) {
      it(`${shape.join('×')}, ${kind}`, () => {
        const x = values(shape, shape[3] * 7 + kind.length, kind);
        const [js, wasm] = (['js', 'wasm'] as const).map((b) => run(b, [x], (a) => maxPool2d(a, 2)));
        for (let i = 0; i < js.length; i++) expect(Array.from(wasm[i].values())).toEqual(Array.from(js[i].values()));
      });
    }
  }
});

describe('conv on both backends', () => {
  const cases: [string, number[], number[], boolean, Parameters<typeof conv2d>[3]][] = [
    ['LeNet conv1 (pad 2)', [4, 1, 28, 28], [6, 1, 5, 5], true, { padding: 2 }],
    ['LeNet conv2', [4, 6, 14, 14], [16, 6, 5, 5], true, {}],
    ['stride 2, padding 1, no bias', [3, 3, 11, 9], [5, 3, 3, 3], false, { stride: 2, padding: 1 }],
    ['dilation 2, rectangular kernel', [2, 2, 10, 12], [4, 2, 3, 2], true, { dilation: 2, padding: [1, 2] }],
    ['groups 2', [2, 4, 8, 8], [6, 2, 3, 3], true, { groups: 2, padding: 1 }],
    ["padding 'same' with an even kernel", [2, 3, 7, 7], [4, 3, 4, 4], true, { padding: 'same' }],
    ['odd output channels, 1×1 kernel', [3, 5, 6, 7], [5, 5, 1, 1], true, {}],
    ['odd output channels, wide kernel', [2, 2, 9, 13], [3, 2, 2, 7], false, { padding: [0, 3] }],
  ];
  // The wasm backend runs a thin stride-1 convolution on the direct kernels
  // and everything else on im2col + gemm; each case runs on im2col only, and
  // on the direct kernels wherever the stride is 1.
  for (const path of ['im2col', 'direct'] as const) {
    describe(`wasm ${path} path`, () => {
      beforeAll(() => setConvPath(path));
      afterAll(() => setConvPath('auto'));
      for (const [name, sx, sw, bias, opts] of cases) {
        it(name, () => {
          const inputs = [rnd(sx, 7), rnd(sw, 8)];
          if (bias) inputs.push(rnd([sw[0]], 9));
          const before = { ...convRuns };
          agree(inputs, (x, w, b) => conv2d(x, w, b ?? null, opts));
          const strided = opts?.stride !== undefined && opts.stride !== 1;
          // Forward and backward each ran once on wasm, on the path expected.
          const expected = path === 'direct' && !strided ? 'direct' : 'im2col';
          expect(convRuns[expected] - before[expected]).toBe(2);
          expect(convRuns.direct + convRuns.im2col - before.direct - before.im2col).toBe(2);
        });
      }
      it('conv1d', () => {
        agree([rnd([3, 4, 30], 10), rnd([8, 4, 5], 11), rnd([8], 12)], (x, w, b) => conv1d(x, w, b, { padding: 'same' }));
      });
      it('a batch processed in chunks (a tiny memory budget: 1 or 2 samples per chunk)', () => {
        for (const floats of [1, 3000]) {
          setConvChunkFloats(floats);
          try {
            agree([rnd([5, 3, 10, 10], 15), rnd([4, 3, 3, 3], 16), rnd([4], 17)], (x, w, b) => conv2d(x, w, b, { padding: 1 }));
            agree([rnd([3, 4, 9, 9], 18), rnd([6, 2, 3, 3], 19)], (x, w) => conv2d(x, w, null, { groups: 2, stride: 2 }));
          } finally {
            setConvChunkFloats(16 << 20);
          }
        }
      });
    });
  }
  it('LeNet-5 picks the direct kernels for its thin first convolution only', () => {
    const backend = getBackend();
    setBackend('wasm');
    try {
      const before = { ...convRuns };
      conv2d(rnd([2, 1, 28, 28], 1), rnd([6, 1, 5, 5], 2), null, { padding: 2 });
      expect(convRuns.direct - before.direct).toBe(1);
      conv2d(rnd([2, 6, 14, 14], 3), rnd([16, 6, 5, 5], 4));
      expect(convRuns.im2col - before.im2col).toBe(1);
    } finally {
      setBackend(backend);
    }
  });
  it('an infinite input pixel gives the weight gradient ±∞ as on the js path, not NaN', () => {
    // The direct kernels' junk columns would multiply the pixel by a zero of dy
    // (0·∞ = NaN): the backward pass sees the ∞ and takes the im2col path.
    const x = rnd([2, 2, 5, 6], 20);
    (x.values() as Float32Array)[5] = Infinity; // sample 0, channel 0, row 0, last column
    setConvPath('direct');
    try {
      const before = { ...convRuns };
      const [, , dw] = run('wasm', [x, rnd([3, 2, 1, 3], 21)], (a, w) => conv2d(a, w));
      expect(convRuns.direct - before.direct).toBe(1);
      expect(convRuns.im2col - before.im2col).toBe(1);
      const [, , dwJs] = run('js', [x, rnd([3, 2, 1, 3], 21)], (a, w) => conv2d(a, w));
      const got = Array.from(dw.values()), want = Array.from(dwJs.values());
      expect(got.map(Number.isNaN)).toEqual(want.map(Number.isNaN));
      expect(got.filter((v) => !Number.isFinite(v)).length).toBeGreaterThan(0);
      for (let i = 0; i < got.length; i++) {
        if (Number.isFinite(want[i])) expect(got[i]).toBeCloseTo(want[i], 3);
        else expect(got[i]).toBe(want[i]);
      }
    } finally {
      setConvPath('auto');
    }
  });
  it('gradient for the weight only and for the input only', () => {
    const x = rnd([2, 3, 9, 9], 13), w = rnd([4, 3, 3, 3], 14);
    for (const backend of ['js', 'wasm'] as const) {
      setBackend(backend);
      const wl = w.clone().requiresGrad_();
      conv2d(x, wl).sum().backward();
      expect(wl.grad!.shape).toEqual([4, 3, 3, 3]);
      const xl = x.clone().requiresGrad_();
      conv2d(xl, w).sum().backward();
      expect(xl.grad!.shape).toEqual([2, 3, 9, 9]);
    }
    setBackend('wasm');
    agree([x, w], (a, b) => conv2d(a, b));
  });
});

