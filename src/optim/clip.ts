/** Gradient clipping, as `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`. */
import { Tensor, allocate, isTensor } from '../tensor';
import { ArgumentError } from '../errors';

function gradsOf(name: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = isTensor(parameters) ? [parameters] : parameters != null && typeof (parameters as Iterable<Tensor>)[Symbol.iterator] === 'function' ? Array.from(parameters) : null;
  if (list === null) throw new ArgumentError(`${name}: expected a Tensor or an array of Tensors, got ${String(parameters)}`);
  list.forEach((p, i) => {
    if (!isTensor(p)) throw new ArgumentError(`${name}: parameter ${i} is not a Tensor (got ${String(p)})`);
  });
  return list.filter((p) => p.grad !== null);
}

/** Replaces `p.grad` by a fresh contiguous gradient with values f(g). Fresh, because one gradient buffer may be shared by several parameters. */
function mapGrad(p: Tensor, scale: number, lo: number, hi: number): void {
  const grad = p.grad as Tensor;
  const src = grad.values();
  const out = allocate(grad.dtype, src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] * scale;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  p.grad = new Tensor(out, grad.shape);
}

/**
 * Rescales the gradients of `parameters` so that their total norm is at most
 * `maxNorm`, like `torch.nn.utils.clip_grad_norm_`, and returns the total
 * norm before clipping. The norm is taken over all gradients together as one
 * vector: ‖g‖_p = (Σ|gᵢ|ᵖ)^(1/p), or max|gᵢ| for p = Infinity. Every gradient
 * is then multiplied by min(1, maxNorm / (‖g‖ + 1e-6)). Parameters without
 * a gradient are ignored; each clipped `.grad` is a new tensor.
 *
 * @example
 *   loss.backward();
 *   const norm = optim.clipGradNorm(model.parameters(), 1.0);
 *   opt.step();
 */
export function clipGradNorm(parameters: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): number {
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new ArgumentError(`clipGradNorm: maxNorm must be ≥ 0, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new ArgumentError(`clipGradNorm: normType must be > 0 or Infinity, got ${String(normType)}`);
  const params = gradsOf('clipGradNorm', parameters);
  if (params.length === 0) return 0;
  let acc = 0;
  for (const p of params) {
    const g = (p.grad as Tensor).values();
    if (normType === Infinity) {
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        if (a > acc || Number.isNaN(a)) acc = a;
      }
    } else if (normType === 2) {
      for (let i = 0; i < g.length; i++) acc += g[i] * g[i];
    } else if (normType === 1) {
      for (let i = 0; i < g.length; i++) acc += Math.abs(g[i]);
    } else {
      for (let i = 0; i < g.length; i++) acc += Math.abs(g[i]) ** normType;
    }
  }
  const total = normType === Infinity || normType === 1 ? acc : normType === 2 ? Math.sqrt(acc) : acc ** (1 / normType);
  // NOTE: PyTorch multiplies by clamp(coef, max=1), so a NaN norm makes NaN gradients.
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (coef !== 1) for (const p of params) mapGrad(p, coef, -Infinity, Infinity);
  return total;
}

/**
 * Clamps every gradient value to [−clipValue, clipValue], like
 * `torch.nn.utils.clip_grad_value_`. Each clipped `.grad` is a new tensor.
 * @example optim.clipGradValue(model.parameters(), 0.5)
 */
export function clipGradValue(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new ArgumentError(`clipGradValue: clipValue must be ≥ 0, got ${String(clipValue)}`);
  for (const p of gradsOf('clipGradValue', parameters)) mapGrad(p, 1, -clipValue, clipValue);
}
