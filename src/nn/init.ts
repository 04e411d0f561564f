/**
 * Weight initialisers, like `torch.nn.init`. Each fills a tensor in place
 * (outside the graph) and returns it. Random ones draw from a `Generator`,
 * the global one by default, so `manualSeed(n)` makes models reproducible.
 *
 * @example
 *   import { init } from 'nnlab';
 *   init.kaimingNormal_(layer.weight, { nonlinearity: 'relu' });
 *   init.zeros_(layer.bias!);
 */
import { Tensor, allocate } from '../tensor';
import { noGrad } from '../autograd';
import { Generator, globalGenerator } from '../random';
import { stridedAssign } from '../kernels/elementwise';
import { contiguousStrides } from '../shape';
import { ArgumentError, fmtShape } from '../errors';

/** Writes `value(i)` for i = 0..size−1 into `t` in row-major order. */
function fill(t: Tensor, value: (i: number) => number): Tensor {
  noGrad(() => {
    if (t.isContiguous()) {
      const d = t.data, o = t.offset, n = t.size;
      for (let i = 0; i < n; i++) d[o + i] = value(i);
    } else {
      const buf = allocate(t.dtype, t.size);
      for (let i = 0; i < buf.length; i++) buf[i] = value(i);
      stridedAssign(t.shape, buf, 0, contiguousStrides(t.shape), t.data, t.offset, t.strides);
    }
  });
  return t;
}

/** Fills with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = globalGenerator): Tensor {
  if (!(b >= a)) throw new ArgumentError(`uniform_: need a ≤ b, got a = ${a}, b = ${b}`);
  return fill(t, () => a + (b - a) * generator.uniform());
}

/** Fills with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = globalGenerator): Tensor {
  if (!(std >= 0)) throw new ArgumentError(`normal_: std must be ≥ 0, got ${std}`);
  return fill(t, () => mean + std * generator.normal());
}

/** Fills with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  return fill(t, () => value);
}
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * fanIn and fanOut of a weight, as PyTorch's `_calculate_fan_in_and_fan_out`:
 * Linear [out, in] → (in, out); conv [out, in, kh, kw] → (in·kh·kw, out·kh·kw).
 */
export function computeFans(t: Tensor | readonly number[]): { fanIn: number; fanOut: number } {
  const shape = t instanceof Tensor ? t.shape : t;
  if (shape.length < 2) {
    throw new ArgumentError(`computeFans: fan in and fan out need a tensor with at least 2 axes, got shape ${fmtShape(shape)}`);
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export type Nonlinearity =
  | 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`:
 * linear, conv and sigmoid 1; tanh 5/3; relu √2; leaky_relu √(2/(1 + slope²))
 * (slope `param`, default 0.01); selu 3/4.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'sigmoid':
    case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default:
      throw new ArgumentError(`calculateGain: unknown nonlinearity '${nonlinearity}' (linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu)`);
  }
}

/** Xavier/Glorot uniform: U(−b, b) with b = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1, generator: Generator = globalGenerator): Tensor {
  const { fanIn, fanOut } = computeFans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, generator);
}

/** Xavier/Glorot normal: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, generator: Generator = globalGenerator): Tensor {
  const { fanIn, fanOut } = computeFans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

export interface KaimingOptions {
  /** The negative slope of the leaky ReLU that follows (used by 'leaky_relu'). Default 0. */
  a?: number;
  /** 'fanIn' (default) keeps forward activations' variance; 'fanOut' keeps gradients'. */
  mode?: 'fanIn' | 'fanOut';
  /** Default 'leaky_relu' (with a = 0 that is ReLU's gain √2). */
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  const mode = opts.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new ArgumentError(`${op}: mode must be 'fanIn' or 'fanOut', got '${mode}'`);
  const fans = computeFans(t);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  if (fan === 0) throw new ArgumentError(`${op}: cannot initialise a tensor with a zero ${mode} (shape ${fmtShape(t.shape)})`);
  return calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0) / Math.sqrt(fan);
}

/**
 * Kaiming/He uniform, as `torch.nn.init.kaiming_uniform_`: U(−b, b) with
 * b = gain·√(3 / fan). Linear's default init is `{ a: √5 }`, which gives b = 1/√fanIn.
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, -bound, bound, opts.generator);
}

/** Kaiming/He normal: N(0, std²) with std = gain / √fan. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, opts), opts.generator);
}
