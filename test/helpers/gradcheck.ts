/**
 * Numerical gradient check in float64: compares autograd's gradient of
 * L = Σ w ⊙ f(inputs) (w a fixed random projection) with central differences
 * (L(x + ε) − L(x − ε)) / 2ε for every element of every input that requires grad.
 */
import { Tensor, Generator, noGrad, randn } from '../../src';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

export function gradcheck(op: string, fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-6, rtol = opts.rtol ?? 1e-4;
  for (const [k, x] of inputs.entries()) {
    if (x.dtype !== 'float64' && x.requiresGrad) throw new Error(`gradcheck(${op}): input ${k} must be float64, got ${x.dtype}`);
    x.grad = null;
  }
  const out = fn(...inputs);
  const weights = randn([...out.shape], { dtype: 'float64', generator: new Generator(1234) });
  const loss = (o: Tensor) => o.mul(weights).sum();
  loss(out).backward();
  const analytic = inputs.map((x) => (x.requiresGrad ? x.grad?.toFlatArray() ?? new Array(x.size).fill(0) : null));
  noGrad(() => {
    for (const [k, x] of inputs.entries()) {
      const a = analytic[k];
      if (!a) continue;
      if (!x.isContiguous()) throw new Error(`gradcheck(${op}): input ${k} must be contiguous`);
      const data = x.data;
      for (let i = 0; i < x.size; i++) {
        const p = x.offset + i;
        const orig = data[p];
        data[p] = orig + eps;
        const plus = loss(fn(...inputs)).item();
        data[p] = orig - eps;
        const minus = loss(fn(...inputs)).item();
        data[p] = orig;
        const numeric = (plus - minus) / (2 * eps);
        if (!(Math.abs(a[i] - numeric) <= atol + rtol * Math.abs(numeric))) {
          throw new Error(`gradcheck(${op}): argument ${k}, index ${i}: autograd gave ${a[i]}, central differences gave ${numeric}`);
        }
      }
    }
  });
}

/** A float64 leaf with values from a seeded normal, away from non-differentiable points if `avoid` is given. */
export function leaf(shape: number[], seed = 0, scale = 1, avoid?: (v: number) => boolean): Tensor {
  const t = randn(shape, { dtype: 'float64', generator: new Generator(seed) }).mul(scale);
  if (avoid) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) while (avoid(d[i])) d[i] += 0.137;
  }
  return t.requiresGrad_();
}
