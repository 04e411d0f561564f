/**
 * PyTorch's spellings, for the names a PyTorch user types first. nnlab uses
 * camelCase (`stateDict`, `zeroGrad`) and has no NumPy; calling a PyTorch name
 * throws an `ArgumentError` that names the nnlab spelling:
 *
 *   model.state_dict()  →  ArgumentError: Linear.state_dict() is PyTorch's name; in nnlab, call stateDict()
 *
 * `Tensor.tolist()` is a real alias of `toArray()` (declared in tensor.ts).
 * NOTE: `x.size()` cannot be caught here: `size` is the element count (a
 * getter), so PyTorch's `x.size()` is `x.shape`; the notebook kernel hints it.
 * These methods are non-enumerable and not declared for TypeScript, whose own
 * "Did you mean 'stateDict'?" then answers at compile time; this answers at
 * run time (plain JavaScript, `any` values). The few names TypeScript has no
 * suggestion for are declared below as deprecated methods that throw.
 */
import { ArgumentError } from './errors';
import { Tensor } from './tensor';
import { Module } from './nn/module';
import { Optimizer } from './optim/optimizer';

declare module './tensor' {
  interface Tensor {
    /** @deprecated nnlab has no NumPy: use `toArray()` (nested arrays) or `values()` (a typed array). Throws. */
    numpy(): never;
    /** @deprecated PyTorch's name: use the `ndim` property. Throws. */
    dim(): never;
    /** @deprecated PyTorch's name: use the `size` property (the number of elements). Throws. */
    numel(): never;
    /** @deprecated nnlab has no int64: use `int()` (int32) for labels and indices. Throws. */
    long(): never;
  }
}

/** PyTorch name → what to say instead, per class. */
const TENSOR: Record<string, string> = {
  numpy: 'call toArray() for nested arrays or values() for a typed array (nnlab has no NumPy)',
  dim: 'read the ndim property',
  numel: 'read the size property (the number of elements)',
  long: "call int() (nnlab's integer dtype is int32)",
  zero_: 'use zerosLike() for a zeroed copy',
  to: "call toDType('float64') (nnlab runs on the CPU only)",
  cpu: 'leave it out (nnlab runs on the CPU only)',
  cuda: 'leave it out (nnlab runs on the CPU only)',
  requires_grad_: 'call requiresGrad_()',
  retain_grad: 'call retainGrad()',
  zeros_like: 'call zerosLike()',
  ones_like: 'call onesLike()',
  index_select: 'call indexSelect()',
};
const MODULE: Record<string, string> = {
  state_dict: 'call stateDict()',
  load_state_dict: 'call loadStateDict()',
  zero_grad: 'call zeroGrad()',
  named_parameters: 'call namedParameters()',
  named_modules: 'call namedModules()',
  named_children: 'call namedChildren()',
  named_buffers: 'call namedBuffers()',
  register_buffer: 'call registerBuffer()',
  register_forward_hook: 'call registerForwardHook()',
  register_forward_pre_hook: 'call registerForwardPreHook()',
  get_submodule: 'call getSubmodule()',
  extra_repr: 'override extraRepr()',
  to: "call toDType('float64') (nnlab runs on the CPU only)",
  cpu: 'leave it out (nnlab runs on the CPU only)',
  cuda: 'leave it out (nnlab runs on the CPU only)',
};
const OPTIMIZER: Record<string, string> = {
  zero_grad: 'call zeroGrad()',
  state_dict: 'call stateDict()',
  load_state_dict: 'call loadStateDict()',
  add_param_group: 'call addParamGroup()',
};

function install(proto: object, table: Record<string, string>): void {
  for (const [name, advice] of Object.entries(table)) {
    if (name in proto) continue; // NOTE: never shadow a real method.
    Object.defineProperty(proto, name, {
      value: function (this: object) {
        throw new ArgumentError(`${this.constructor.name}.${name}() is PyTorch's name; in nnlab, ${advice}`);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

install(Tensor.prototype, TENSOR);
install(Module.prototype, MODULE);
install(Optimizer.prototype, OPTIMIZER);
