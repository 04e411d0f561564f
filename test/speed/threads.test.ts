// The wasm kernels split across worker threads (shared memory) give the same
// numbers as the js loops: column splits (N ≥ M), row splits (M > N), convs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Tensor, randn, matmul, conv2d, Generator, ArgumentError } from '../../src';
import {
  getBackend, setBackend, getNumThreads, setNumThreads, setParallelThreshold, setWasmThreshold, WASM_MIN_MACS,
} from '../../src/kernels/backend';
import * as threads from '../../src/kernels/threads';
import { setConvPath } from '../../src/kernels/wasm/conv';

function rnd(shape: number[], seed: number): Tensor {
  return randn(shape, { generator: new Generator(seed) });
}

function both(fn: () => Tensor[]): [Tensor[], Tensor[]] {
  setBackend('js');
  const js = fn();
  setBackend('wasm');
  return [js, fn()];
}

let saved: [number, number, number];
beforeAll(() => {
  saved = [getNumThreads(), threads.PARALLEL_MIN_MACS, WASM_MIN_MACS];
  setNumThreads(2);
  setParallelThreshold(0);
  setWasmThreshold(0);
});
afterAll(() => {
  setNumThreads(saved[0]);
  setParallelThreshold(saved[1]);
  setWasmThreshold(saved[2]);
  setBackend('wasm');
});

describe('wasm kernels on two threads', () => {
  it('thread count is settable and validated', () => {
    expect(getNumThreads()).toBe(2);
    expect(() => setNumThreads(0)).toThrow(ArgumentError);
    expect(() => setNumThreads(1.5)).toThrow(/setNumThreads: expected an integer ≥ 1, got 1.5/);
    expect(getNumThreads()).toBe(2);
  });
  const shapes: [number, number, number][] = [[40, 300, 70], [300, 40, 70], [7, 1000, 9], [129, 129, 600], [2, 17, 3]];
  for (const [M, N, K] of shapes) {
    it(`matmul ${M}×${K} · ${K}×${N}`, () => {
      const a = rnd([M, K], M), b = rnd([K, N], N);
      const runs = threads.parallelRuns;
      const [js, wasm] = both(() => [matmul(a, b), matmul(b.T, a.T)]);
      expect(threads.parallelRuns).toBe(runs + 2); // both products were split across the two threads
      for (let i = 0; i < 2; i++) expect(wasm[i]).toBeAllClose(js[i], { rtol: 1e-4, atol: 1e-4 * Math.sqrt(K) });
    });
  }
  it('many calls in a row (workers are reused)', () => {
    const a = rnd([64, 100], 1), b = rnd([100, 96], 2);
    setBackend('js');
    const want = matmul(a, b);
    setBackend('wasm');
    for (let i = 0; i < 50; i++) expect(matmul(a, b)).toBeAllClose(want, { rtol: 1e-4, atol: 1e-3 });
  });
  it('conv2d forward and backward', () => {
    const x = rnd([8, 3, 12, 12], 3), w = rnd([10, 3, 3, 3], 4), bias = rnd([10], 5);
    const [js, wasm] = both(() => {
      const xl = x.clone().requiresGrad_(), wl = w.clone().requiresGrad_(), bl = bias.clone().requiresGrad_();
      const y = conv2d(xl, wl, bl, { padding: 1 });
      y.mul(y).sum().backward();
      return [y.detach(), xl.grad!, wl.grad!, bl.grad!];
    });
    for (let i = 0; i < js.length; i++) expect(wasm[i]).toBeAllClose(js[i], { rtol: 1e-4, atol: 1e-2 });
  });
  it('conv2d on both wasm paths: the batch split in chunks the two threads take from a shared counter', () => {
    for (const path of ['direct', 'im2col'] as const) {
      setConvPath(path);
      try {
        for (const [sx, sw, pad] of [[[16, 1, 28, 28], [6, 1, 5, 5], 2], [[9, 6, 14, 14], [16, 6, 5, 5], 0]] as const) {
          const x = rnd([...sx], 6), w = rnd([...sw], 7), bias = rnd([sw[0]], 8);
          const runsBefore = threads.parallelRuns;
          const [js, wasm] = both(() => {
            const xl = x.clone().requiresGrad_(), wl = w.clone().requiresGrad_(), bl = bias.clone().requiresGrad_();
            const y = conv2d(xl, wl, bl, { padding: pad });
            y.mul(y).sum().backward();
            return [y.detach(), xl.grad!, wl.grad!, bl.grad!];
          });
          // Forward and backward each went to the pool.
          expect(threads.parallelRuns - runsBefore).toBeGreaterThanOrEqual(2);
          for (let i = 0; i < js.length; i++) expect(wasm[i]).toBeAllClose(js[i], { rtol: 1e-4, atol: 1e-2 });
        }
      } finally {
        setConvPath('auto');
      }
    }
  });
  it('conv2d gradients are the same bits on every run (chunk sums added in chunk order, whichever thread ran them)', () => {
    setBackend('wasm');
    const x = rnd([32, 6, 14, 14], 9), w = rnd([16, 6, 5, 5], 10), bias = rnd([16], 11);
    const grads = (): number[][] => {
      const wl = w.clone().requiresGrad_(), bl = bias.clone().requiresGrad_();
      const y = conv2d(x, wl, bl);
      y.mul(y).sum().backward();
      return [Array.from(wl.grad!.values()), Array.from(bl.grad!.values())];
    };
    const first = grads();
    for (let i = 0; i < 20; i++) expect(grads()).toEqual(first);
  });
  it('back to one thread still agrees', () => {
    setNumThreads(1);
    const a = rnd([50, 60], 6), b = rnd([60, 70], 7);
    const [js, wasm] = both(() => [matmul(a, b)]);
    expect(wasm[0]).toBeAllClose(js[0], { rtol: 1e-4, atol: 1e-3 });
    setNumThreads(2);
    expect(getBackend()).toBe('wasm');
  });
});
