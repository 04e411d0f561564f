import { describe, it, expect } from 'vitest';
import * as nn from '../../src';

// The names a PyTorch user types first: aliases that work, or run-time errors naming nnlab's spelling.
describe('PyTorch spellings', () => {
  const x = nn.tensor([[1, 2, 3], [4, 5, 6]]);
  const model = new nn.Linear(3, 2);
  const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.1 });
  // NOTE: `any`, as in plain JavaScript or an untyped notebook value; TypeScript rejects most of these at compile time.
  const call = (obj: unknown, name: string) => () => (obj as any)[name]();

  it('tolist() is toArray()', () => {
    expect(x.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(nn.scalar(2).tolist()).toBe(2);
  });

  it.each([
    ['numpy', /Tensor\.numpy\(\) is PyTorch's name; in nnlab, call toArray\(\) for nested arrays or values\(\) for a typed array/],
    ['dim', /Tensor\.dim\(\) is PyTorch's name; in nnlab, read the ndim property/],
    ['numel', /in nnlab, read the size property/],
    ['long', /Tensor\.long\(\) .* call int\(\)/],
  ])('Tensor.%s() says what to call instead', (name, message) => {
    expect(call(x, name)).toThrow(nn.ArgumentError);
    expect(call(x, name)).toThrow(message);
  });

  it.each([
    ['state_dict', 'stateDict()'],
    ['load_state_dict', 'loadStateDict()'],
    ['zero_grad', 'zeroGrad()'],
    ['named_parameters', 'namedParameters()'],
  ])('Module.%s() names %s', (name, advice) => {
    expect(call(model, name)).toThrow(`Linear.${name}() is PyTorch's name; in nnlab, call ${advice}`);
  });

  it('the class in the message is the subclass (Sequential, a user model, SGD)', () => {
    class Net extends nn.Module {
      fc = new nn.Linear(2, 2);
      forward(t: nn.Tensor) { return this.fc.forward(t); }
    }
    expect(call(new Net(), 'zero_grad')).toThrow("Net.zero_grad() is PyTorch's name; in nnlab, call zeroGrad()");
    expect(call(new nn.Sequential(new nn.ReLU()), 'state_dict')).toThrow(/^Sequential\.state_dict\(\)/);
    expect(call(optimizer, 'zero_grad')).toThrow("SGD.zero_grad() is PyTorch's name; in nnlab, call zeroGrad()");
  });

  it('the hints are invisible to enumeration and do not shadow real members', () => {
    expect(Object.keys(model)).not.toContain('state_dict');
    expect(Object.keys(model.stateDict())).toEqual(['weight', 'bias']);
    expect(x.size).toBe(6);
    expect(() => optimizer.zeroGrad()).not.toThrow();
  });
});
