// Every kernel of every backend against the js path: each op runs on 'js',
// 'wasm' and 'native' with the same float32 inputs, and the forward values and
// every gradient agree (bit for bit where the native kernel computes as the
// js loop does: elementwise, sums, pooling, the optimiser updates; within
// float32 rounding for gemm and convolution). The wasm and native size
// thresholds are not lowered: the sizes here are the ones the models use.
//
// The native addon must be built (scripts/setup.sh builds it); these tests
// are skipped only when NNLAB_NATIVE=off says it was left out on purpose.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import {
  Tensor, randn, matmul, conv2d, conv1d, maxPool2d, Generator, ArgumentError, backendInfo, optim,
} from '../../src';
import { getBackend, setBackend, getNumThreads, setNumThreads, type Backend } from '../../src/kernels/backend';
import { coreWarning, nativeAddon, nativeLoadError } from '../../src/kernels/native';

const ROOT = join(__dirname, '..', '..');
const off = process.env.NNLAB_NATIVE === 'off';
const BACKENDS: Backend[] = off ? ['js', 'wasm'] : ['js', 'wasm', 'native'];
const startBackend = getBackend();
afterAll(() => setBackend(startBackend));

/** Runs fn on fresh float32 leaves copied from `inputs` on `backend`; returns [output, ...grads]. */
function run(backend: Backend, inputs: Tensor[], fn: (...xs: Tensor[]) => Tensor): Tensor[] {
  const before = getBackend();
  setBackend(backend);
  try {
    const leaves = inputs.map((t) => t.detach().clone().requiresGrad_());
    const y = fn(...leaves);
    const g = randn(y.shape, { generator: new Generator(99) });
    y.mul(g).sum().backward();
    return [y.detach(), ...leaves.map((l) => l.grad!)];
  } finally {
    setBackend(before);
  }
}

/** fn on every backend agrees with js: within `tol` (relative to the largest value), or bit for bit when `exact`. */
function agree(inputs: Tensor[], fn: (...xs: Tensor[]) => Tensor, opts: { tol?: number; exact?: boolean } = {}): void {
  const tol = opts.tol ?? 1e-4;
  const js = run('js', inputs, fn);
  for (const backend of BACKENDS.slice(1)) {
    const other = run(backend, inputs, fn);
    expect(other.length).toBe(js.length);
    for (let i = 0; i < js.length; i++) {
      const what = `${backend}, ${i === 0 ? 'output' : `gradient ${i}`}`;
      expect(other[i].shape, what).toEqual(js[i].shape);
      expect(other[i].dtype, what).toBe(js[i].dtype);
      if (opts.exact) {
        expect(Array.from(other[i].values()), what).toEqual(Array.from(js[i].values()));
        continue;
      }
      let scale = 1;
      for (const v of js[i].values()) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
      expect(other[i], what).toBeAllClose(js[i], { rtol: tol, atol: tol * scale });
    }
  }
}

function rnd(shape: number[], seed: number): Tensor {
  return randn(shape, { generator: new Generator(seed) });
}

describe('the native addon', () => {
  it.skipIf(off)('loads (scripts/setup.sh builds it against OpenBLAS)', () => {
    expect(nativeAddon(), `native addon: ${nativeLoadError()}`).not.toBeNull();
  });
  it.skipIf(off)('backendInfo() says which backend runs, why, and what OpenBLAS runs with how many threads', () => {
    setBackend('native');
    const info = backendInfo();
    expect(info.backend).toBe('native');
    expect(info.reason).toBe("setBackend('native')");
    expect(info.available).toEqual({ native: true, wasm: true, js: true });
    expect(info.openblas!.config).toMatch(/^OpenBLAS 0\.3\.\d+/);
    expect(info.openblas!.corename.length).toBeGreaterThan(0);
    expect(info.openblas!.threads).toBe(getNumThreads());
    expect(['avx512f', 'avx2', 'baseline']).toContain(info.openblas!.isa);
    setBackend(startBackend);
  });
  it.skipIf(off)('shares one thread count with OpenBLAS', () => {
    const before = getNumThreads();
    try {
      setNumThreads(1);
      expect(backendInfo().openblas!.threads).toBe(1);
      setNumThreads(2);
      expect(backendInfo().openblas!.threads).toBe(2);
    } finally {
      setNumThreads(before);
    }
  });
  it('warns, with the OPENBLAS_CORETYPE fix, when OpenBLAS runs generic kernels on a CPU with AVX2 or AVX-512', () => {
    const info = { config: '', threads: 2, parallel: 1, parallelMinMacs: 0 };
    expect(coreWarning({ ...info, corename: 'Prescott', isa: 'avx2' })).toMatch(/generic 'Prescott' kernels .* OPENBLAS_CORETYPE=Haswell/);
    expect(coreWarning({ ...info, corename: 'Core2', isa: 'avx512f' })).toMatch(/OPENBLAS_CORETYPE=SkylakeX/);
    expect(coreWarning({ ...info, corename: 'SkylakeX', isa: 'avx512f' })).toBeNull();
    expect(coreWarning({ ...info, corename: 'Prescott', isa: 'baseline' })).toBeNull();
  });
  it('rejects an unknown backend, naming the three', () => {
    expect(() => setBackend('gpu' as Backend)).toThrow(ArgumentError);
    expect(() => setBackend('gpu' as Backend)).toThrow(/setBackend: expected 'native', 'wasm' or 'js', got "gpu"/);
  });
  it.skipIf(off)('refuses views outside the arrays and wrong types, naming the function', () => {
    const nat = nativeAddon()!;
    const a = new Float32Array(6), c = new Float32Array(4);
    expect(() => nat.sgemm(0, 0, 2, 2, 4, a, 0, 3, a, 0, 2, c, 0, 2, 0)).toThrow(/nnlab native sgemm: A: a 2×4 view .* reaches element 6 of an array of 6/);
    expect(() => nat.binary(0, a, 0, 3, 1, a, 0, 3, 1, c, 0, 2, 3)).toThrow(/nnlab native binary: out/);
    expect(() => nat.unary(0, new Float64Array(4) as unknown as Float32Array, 0, c, 0, 4)).toThrow(TypeError);
    expect(() => nat.sgd(a, 0, a, 0, 6, null, 1, 0.1, 0.9, 0, 0, 0, 1)).toThrow(/momentum needs a buffer/);
  });
  it.skipIf(off)('dispatch really changes: OpenBLAS accumulates in float32, js in float64', () => {
    const a = new Tensor(new Float32Array([1, 2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24]), [1, 5]);
    const b = new Tensor(new Float32Array(5).fill(1), [5, 1]);
    const before = getBackend();
    setBackend('js');
    expect(matmul(a.expand([64, 5]), b.expand([5, 64])).values()[0]).toBe(1 + 2 ** -22);
    setBackend('native');
    expect(matmul(a.expand([64, 5]), b.expand([5, 64])).values()[0]).toBe(1);
    setBackend(before);
  });
});

describe('matmul on every backend', () => {
  const cases: [string, number[], number[]][] = [
    ['2-D', [37, 53], [53, 29]],
    ['MLP layer', [64, 784], [784, 256]],
    ['batched with broadcast (gathered)', [3, 1, 9, 17], [4, 17, 12]],
    ['vector @ matrix (gemv)', [400], [400, 33]],
    ['matrix @ vector (gemv)', [33, 400], [400]],
    ['one row (batch 1)', [1, 784], [784, 256]],
  ];
  for (const [name, sa, sb] of cases) it(name, () => agree([rnd(sa, 1), rnd(sb, 2)], (a, b) => matmul(a, b)));
  it('transposed operands (the backward forms), one row and one column included', () => {
    agree([rnd([50, 30], 3), rnd([20, 50], 4)], (a, b) => matmul(a.T, b.T));
    agree([rnd([300, 1], 3), rnd([20, 300], 4)], (a, b) => matmul(a.T, b.T));
    agree([rnd([30, 300], 3), rnd([1, 300], 4)], (a, b) => matmul(a, b.T));
  });
  it('strided and offset views (columns every other, a slice of rows)', () => {
    agree([rnd([40, 120], 5), rnd([70, 70], 6)], (a, b) => matmul(a.slice(null, [0, 120, 2]), b.slice([5, 65], null)));
  });
  it('an empty inner dimension gives zeros', () => {
    try {
      for (const backend of BACKENDS) {
        setBackend(backend);
        expect(Array.from(matmul(randn([64, 0]), randn([0, 64])).values()).every((v) => v === 0), backend).toBe(true);
      }
    } finally {
      setBackend(startBackend);
    }
  });
});

describe('elementwise on every backend', () => {
  const special = [NaN, Infinity, -Infinity, -0, 0, 1e-30, -88, 88, 20, -20];
  function withSpecials(n: number, seed: number): Tensor {
    const x = rnd([n], seed);
    (x.values() as Float32Array).set(special, 0);
    return x;
  }
  for (const op of ['relu', 'neg', 'abs'] as const) {
    it(`${op}, with NaN, ±∞ and −0: bit for bit, gradients too`, () => agree([withSpecials(5000, 30)], (a) => a[op](), { exact: true }));
  }
  it('exp, log, sqrt, square: bit for bit (computed in double, as the js loops)', () => {
    const x = rnd([5000], 31).abs().add(1e-3);
    for (const op of ['exp', 'log', 'sqrt'] as const) agree([x], (a) => a[op](), { exact: true });
    agree([x], (a) => a.mul(a), { exact: true });
  });
  for (const op of ['tanh', 'sigmoid'] as const) {
    it(`${op} and its gradient, at special values too`, () => agree([withSpecials(5000, 32)], (a) => a[op](), { tol: 1e-6 }));
    it.skipIf(off)(`${op} over [−120, 120]: the wasm kernel's bits, within 2 float32 ulps of js`, () => {
      const n = 20000, x = new Float32Array(n), gen = new Generator(40);
      for (let i = 0; i < n; i++) x[i] = (gen.uniform() - 0.5) * 240 * gen.uniform() ** 3;
      x.set(special, 0);
      const t = new Tensor(x, [n]);
      const [js, wasm, native] = (['js', 'wasm', 'native'] as const).map((b) => run(b, [t], (a) => a[op]())[0].values());
      expect(Array.from(native)).toEqual(Array.from(wasm));
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(js[i])) {
          expect(Number.isNaN(native[i]), `${op}(${x[i]})`).toBe(true);
          continue;
        }
        const ulp = Math.max(Math.abs(js[i]), 2 ** -126) * 2 ** -23;
        expect(Math.abs(native[i] - js[i]), `${op}(${x[i]}) = ${js[i]}, native ${native[i]}`).toBeLessThanOrEqual(2 * ulp);
      }
    });
  }
  it('add, sub, mul, div, maximum, minimum: same shape, row broadcast (a bias), column broadcast, scalar, 4-D', () => {
    const shapes: [number[], number[]][] = [[[64, 256], [64, 256]], [[64, 256], [256]], [[64, 256], [64, 1]], [[64, 256], [1]], [[4, 6, 9, 9], [6, 1, 1]]];
    for (const [sa, sb] of shapes) {
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) {
        agree([rnd(sa, 33), rnd(sb, 34)], (a, b) => a[op](b), { exact: true });
      }
    }
  });
  it('a strided operand (a transposed view)', () => {
    agree([rnd([64, 300], 35), rnd([300, 64], 36)], (a, b) => a.add(b.T), { exact: true });
  });
  it('sums over trailing, leading and middle axes: bit for bit (double accumulators, js order)', () => {
    const x = rnd([16, 32, 20], 37);
    for (const axes of [[2], [0], [0, 1], [1], null] as (number[] | null)[]) agree([x], (a) => a.sum(axes).mul(1), { exact: true });
  });
});

describe('max pooling on every backend: the same input picked, bit for bit', () => {
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
  const cases: [number[], Parameters<typeof maxPool2d>[1]][] = [
    [[16, 6, 28, 28], 2], [[8, 16, 10, 10], 2], [[3, 5, 13, 11], { kernelSize: 3, stride: 2 }], [[2, 7, 9, 30], { kernelSize: [2, 3], stride: 1 }],
    [[2, 3, 9, 9], { kernelSize: 3, stride: 2, padding: 1 }],
  ];
  for (const [shape, opts] of cases) {
    for (const kind of ['gauss', 'ties', 'special'] as const) {
      it(`${shape.join('×')} ${JSON.stringify(opts)}, ${kind}`, () => {
        agree([values(shape, shape[3] * 7 + kind.length, kind)], (a) => maxPool2d(a, opts), { exact: true });
      });
    }
  }
});

describe('convolution on every backend', () => {
  const cases: [string, number[], number[], boolean, Parameters<typeof conv2d>[3]][] = [
    ['LeNet conv1 (pad 2)', [4, 1, 28, 28], [6, 1, 5, 5], true, { padding: 2 }],
    ['LeNet conv2', [4, 6, 14, 14], [16, 6, 5, 5], true, {}],
    ['stride 2, padding 1, no bias', [3, 3, 11, 9], [5, 3, 3, 3], false, { stride: 2, padding: 1 }],
    ['dilation 2, rectangular kernel', [2, 2, 10, 12], [4, 2, 3, 2], true, { dilation: 2, padding: [1, 2] }],
    ['groups 2', [2, 4, 8, 8], [6, 2, 3, 3], true, { groups: 2, padding: 1 }],
    ["padding 'same' with an even kernel", [2, 3, 7, 7], [4, 3, 4, 4], true, { padding: 'same' }],
    ['1×1 kernel', [3, 5, 6, 7], [5, 5, 1, 1], true, {}],
    ['stride 3 with padding wider than a row of taps', [2, 2, 9, 13], [3, 2, 2, 7], false, { padding: [0, 3], stride: [1, 3] }],
  ];
  for (const [name, sx, sw, bias, opts] of cases) {
    it(name, () => {
      const inputs = [rnd(sx, 7), rnd(sw, 8)];
      if (bias) inputs.push(rnd([sw[0]], 9));
      agree(inputs, (x, w, b) => conv2d(x, w, b ?? null, opts));
    });
  }
  it('conv1d', () => agree([rnd([3, 4, 30], 10), rnd([8, 4, 5], 11), rnd([8], 12)], (x, w, b) => conv1d(x, w, b, { padding: 'same' })));
  it('the gradient for the weight only and for the input only', () => {
    const x = rnd([2, 3, 9, 9], 13), w = rnd([4, 3, 3, 3], 14);
    for (const backend of BACKENDS) {
      setBackend(backend);
      const wl = w.clone().requiresGrad_();
      conv2d(x, wl).sum().backward();
      expect(wl.grad!.shape).toEqual([4, 3, 3, 3]);
      const xl = x.clone().requiresGrad_();
      conv2d(xl, w).sum().backward();
      expect(xl.grad!.shape).toEqual([2, 3, 9, 9]);
    }
    setBackend(startBackend);
  });
});

describe('optimiser updates on every backend: bit for bit', () => {
  /** Five steps of `make` on a 300×20 weight and a 20 bias with fixed gradients; the parameters after. */
  function steps(backend: Backend, make: (ps: Tensor[]) => optim.Optimizer<never, never>): number[][] {
    setBackend(backend);
    try {
      const ps = [rnd([300, 20], 50).requiresGrad_(), rnd([20], 51).requiresGrad_()];
      const opt = make(ps);
      for (let s = 0; s < 5; s++) {
        ps.forEach((p, i) => (p.grad = rnd([...p.shape], 60 + 10 * s + i)));
        opt.step();
      }
      return ps.map((p) => Array.from(p.values()));
    } finally {
      setBackend(startBackend);
    }
  }
  const makers: [string, (ps: Tensor[]) => unknown][] = [
    ['SGD', (ps) => new optim.SGD(ps, { lr: 0.1 })],
    ['SGD, weight decay, maximize', (ps) => new optim.SGD(ps, { lr: 0.1, weightDecay: 0.01, maximize: true })],
    ['SGD momentum 0.9, dampening 0.1', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.1 })],
    ['SGD Nesterov', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['Adam', (ps) => new optim.Adam(ps, { lr: 1e-2 })],
    ['Adam, weight decay, AMSGrad', (ps) => new optim.Adam(ps, { lr: 1e-2, weightDecay: 0.1, amsgrad: true })],
    ['AdamW, maximize', (ps) => new optim.AdamW(ps, { lr: 1e-2, maximize: true })],
  ];
  for (const [name, make] of makers) {
    it(name, () => {
      const js = steps('js', make as never);
      for (const backend of BACKENDS.slice(1)) expect(steps(backend, make as never), backend).toEqual(js);
      // The parameters did move.
      expect(js[0][0]).not.toBe(rnd([300, 20], 50).values()[0]);
    });
  }
});

describe.skipIf(off)('native runs are bit-reproducible at a fixed thread count', () => {
  it('two threads: three LeNet-5 training steps twice give the same bits (parameters split across OpenBLAS threads)', async () => {
    const { models, F } = await import('../../src');
    const before = getNumThreads();
    setNumThreads(2);
    setBackend('native');
    try {
      const train = (): number[] => {
        const model = models.lenet5();
        let i = 0;
        for (const p of model.parameters()) (p.values() as Float32Array).set(rnd([...p.shape], 70 + i++).mul(0.1).values());
        const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
        const x = rnd([64, 1, 28, 28], 80), labels = new Tensor(Int32Array.from({ length: 64 }, (_, k) => k % 10), [64]);
        for (let s = 0; s < 3; s++) {
          opt.zeroGrad();
          F.crossEntropy(model.forward(x), labels).backward();
          opt.step();
        }
        return model.parameters().flatMap((p) => Array.from(p.values()));
      };
      const a = train(), b = train();
      expect(b).toEqual(a);
    } finally {
      setNumThreads(before);
      setBackend(startBackend);
    }
  });
});

describe('without the addon', () => {
  const dist = join(ROOT, 'dist', 'src', 'index.js');
  it.skipIf(!existsSync(dist))('NNLAB_NATIVE=off: nnlab runs on wasm and says why native is unavailable', () => {
    const code = `const nn = require(${JSON.stringify(dist)}); const i = nn.backendInfo(); console.log(JSON.stringify({ b: i.backend, n: i.available.native, o: i.openblas }))`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, NNLAB_NATIVE: 'off', NNLAB_BACKEND: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ b: 'wasm', n: 'native backend unavailable here (NNLAB_NATIVE=off)', o: null });
    const forced = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(dist)}).getBackend()`], {
      encoding: 'utf8', env: { ...process.env, NNLAB_NATIVE: 'off', NNLAB_BACKEND: 'native' },
    });
    expect(forced.status).not.toBe(0);
    expect(forced.stderr).toMatch(/NNLAB_BACKEND=native: native backend unavailable here \(NNLAB_NATIVE=off\)/);
  });
  it('the install step succeeds without OpenBLAS or a compiler, and records why', () => {
    // A copy of native/ with a PATH holding node alone: no pkg-config, no g++.
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-native-'));
    try {
      cpSync(join(ROOT, 'native'), join(dir, 'native'), { recursive: true, filter: (src) => !/native\/build($|\/)/.test(src) });
      const r = spawnSync(process.execPath, [join(dir, 'native', 'build.mjs')], { encoding: 'utf8', env: { PATH: '/nonexistent', HOME: dir } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/nnlab: native backend not built: OpenBLAS not found by pkg-config .*; nnlab will run on the wasm backend/);
      expect(readFileSync(join(dir, 'native', 'build', 'UNAVAILABLE'), 'utf8')).toMatch(/OpenBLAS not found/);
      expect(existsSync(join(dir, 'native', 'build', 'Release', 'nnlab_native.node'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
