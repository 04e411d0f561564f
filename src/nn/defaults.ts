/**
 * The default parameters of the layers that share PyTorch's initialisation
 * (Linear, Conv1d, Conv2d). Internal: not part of the `init` namespace.
 */
import { zeros, type DType } from '../tensor';
import type { Generator } from '../random';
import * as init from './init';
import { Parameter } from './module';

/**
 * A weight of `shape` from kaiming-uniform with a = √5, i.e.
 * U(−1/√fanIn, 1/√fanIn) (fanIn = shape[1]·kernel size), then, when `bias`,
 * a bias of shape[0] values from the same range, drawn in that order from
 * `generator` (the global one by default).
 */
export function defaultParameters(
  shape: number[], bias: boolean, dtype: DType, generator?: Generator,
): { weight: Parameter; bias: Parameter | null } {
  const weight = new Parameter(init.kaimingUniform_(zeros(shape, { dtype }), { a: Math.sqrt(5), generator }));
  const bound = 1 / Math.sqrt(init.computeFans(shape).fanIn);
  return { weight, bias: bias ? new Parameter(init.uniform_(zeros([shape[0]], { dtype }), -bound, bound, generator)) : null };
}
