import { describe, it, expect } from 'vitest';
import { inspect } from 'node:util';
import {
  Module, Parameter, Sequential, ModuleList, Linear, ReLU, Tanh, Dropout, Flatten, StateDictError,
  Tensor, Generator, tensor, zeros, ones, randn, manualSeed, ArgumentError, ShapeError,
} from '../../src';

class Block extends Module {
  fc = new Linear(3, 4, { generator: new Generator(1) });
  act = new ReLU();
  forward(x: Tensor): Tensor {
    return this.act.forward(this.fc.forward(x));
  }
}

class Net extends Module {
  features = new Sequential(new Linear(2, 3, { generator: new Generator(2) }), new Tanh(), new Block());
  scale = new Parameter(ones([4]));
  head = new Linear(4, 1, { bias: false, generator: new Generator(3) });
  constructor() {
    super();
    this.registerBuffer('steps', zeros([1]));
    this.registerBuffer('cache', zeros([2]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.features.forward(x).mul(this.scale));
  }
}

describe('Parameter', () => {
  it('is a contiguous leaf tensor that requires grad', () => {
    const p = new Parameter(randn([2, 3]).T);
    expect(p).toBeInstanceOf(Tensor);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p.isContiguous()).toBe(true);
    expect(p.offset).toBe(0);
    expect(p.shape).toEqual([3, 2]);
    expect(new Parameter(ones([2]), false).requiresGrad).toBe(false);
    expect(String(new Parameter(ones([2])))).toMatch(/^Parameter containing:\ntensor\(/);
  });
  it('shares the buffer of a contiguous tensor, as torch does', () => {
    const t = zeros([3]);
    const p = new Parameter(t);
    t.data[1] = 5;
    expect(p.toFlatArray()).toEqual([0, 5, 0]);
  });
});

describe('Module discovery and names', () => {
  it('finds fields in declaration order with dotted names', () => {
    const net = new Net();
    // As PyTorch: a module's own parameters, then each child's, children in field order.
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'scale', 'features.0.weight', 'features.0.bias', 'features.2.fc.weight', 'features.2.fc.bias', 'head.weight',
    ]);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['features', 'head']);
    expect(net.children()).toEqual([net.features, net.head]);
    expect(net.namedModules().map(([n]) => n)).toEqual([
      '', 'features', 'features.0', 'features.1', 'features.2', 'features.2.fc', 'features.2.act', 'head',
    ]);
    expect(net.modules().length).toBe(8);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['steps', 'cache']);
    expect(net.parameters()[1]).toBe((net.features[0] as Linear).weight);
    expect(net.namedParameters(false).map(([n]) => n)).toEqual(['scale']);
  });
  it('counts parameters, each shared one once', () => {
    const net = new Net();
    // 2·3 + 3 + 3·4 + 4 + 4 + 4·1 = 33
    expect(net.numParameters()).toBe(33);
    net.scale.requiresGrad = false;
    expect(net.numParameters({ trainableOnly: true })).toBe(29);
    const shared = new Linear(2, 2);
    const tied = new Sequential(shared, new ReLU(), shared);
    expect(tied.numParameters()).toBe(6);
    expect(tied.parameters().length).toBe(2);
    expect(Object.keys(tied.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });
  it('names modules by their path for errors', () => {
    const net = new Net();
    expect(() => net.forward(randn([5, 7]))).toThrow('Linear(features.0): expected input with 2 features (last axis), got shape [5, 7]');
    expect(net.getSubmodule('features.2.fc').qualifiedName).toBe('features.2.fc');
    expect(net.getSubmodule('features.2.fc').displayName).toBe('Linear(features.2.fc)');
    expect(net.displayName).toBe('Net');
    class MLP extends Module {
      fc1 = new Linear(784, 256);
      forward(x: Tensor): Tensor {
        return this.fc1.forward(x);
      }
    }
    expect(() => new MLP().forward(zeros([64, 100]))).toThrow(ShapeError);
    expect(() => new MLP().forward(zeros([64, 100]))).toThrow('Linear(fc1): expected input with 784 features (last axis), got shape [64, 100]');
    // A lone layer has no path.
    expect(() => new Linear(3, 2).forward(zeros([1, 2]))).toThrow(/^Linear: expected input with 3 features/);
  });
  it('refuses a plain array of modules', () => {
    class Bad extends Module {
      layers = [new Linear(2, 2)];
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Bad().parameters()).toThrow("Bad: field 'layers' is an array of modules, which a Module cannot see; use new ModuleList([...]) instead");
    class AlsoBad extends Module {
      ps = [new Parameter(ones([1]))];
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new AlsoBad().forward(ones([1]))).toThrow("AlsoBad: field 'ps' is an array of parameters");
    class Good extends Module {
      layers = new ModuleList([new Linear(2, 2), new Linear(2, 2)]);
      forward(x: Tensor): Tensor {
        for (const l of this.layers) x = l.forward(x);
        return x;
      }
    }
    expect(new Good().namedParameters().map(([n]) => n)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
  });
  it('registers parameters, buffers and modules explicitly', () => {
    class Custom extends Module {
      constructor() {
        super();
        this.registerParameter('alpha', new Parameter(ones([1])));
        this.registerParameter('beta', null);
        this.registerModule('inner', new Linear(1, 1));
        this.registerBuffer('count', zeros([1]));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const c = new Custom();
    expect(Object.keys(c.stateDict())).toEqual(['alpha', 'count', 'inner.weight', 'inner.bias']);
    expect((c as unknown as { alpha: Parameter }).alpha).toBe(c.getParameter('alpha'));
    expect(c.getSubmodule('inner').qualifiedName).toBe('inner');
    // a reassigned buffer field is the new buffer
    (c as unknown as { count: Tensor }).count = tensor([7]);
    expect(c.getBuffer('count')).toBeAllClose([7]);
    expect(() => c.registerParameter('w', ones([1]) as Parameter)).toThrow("registerParameter: Custom: 'w' must be a Parameter");
    expect(() => c.registerParameter('a.b', new Parameter(ones([1])))).toThrow(ArgumentError);
    expect(() => c.registerModule('forward', new ReLU())).toThrow("'forward' would hide the method");
    expect(() => c.registerBuffer('p', new Parameter(ones([1])))).toThrow(ArgumentError);
  });
  it('throws naming unknown submodules, parameters and buffers', () => {
    const net = new Net();
    expect(() => net.getSubmodule('features.9')).toThrow("getSubmodule: Net has no submodule 'features.9' ('features' has no child '9'; its children: 0, 1, 2)");
    expect(() => net.getSubmodule('body')).toThrow("(the root has no child 'body'; its children: features, head)");
    expect(net.getParameter('features.0.weight')).toBe((net.features[0] as Linear).weight);
    expect(net.getParameter('scale')).toBe(net.scale);
    expect(() => net.getParameter('head.bias')).toThrow("getParameter: Net has no parameter 'head.bias' (parameters of Linear 'head': weight)");
    expect(() => net.getParameter('nope.weight')).toThrow("has no submodule 'nope'");
    expect(() => net.getBuffer('stepz')).toThrow("getBuffer: Net has no buffer 'stepz' (buffers of Net: steps, cache)");
    expect(net.getBuffer('steps').shape).toEqual([1]);
  });
});

describe('train / eval, apply, zeroGrad, requiresGrad_, toDType', () => {
  it('propagates the training flag', () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.features.train();
    expect(net.training).toBe(false);
    expect(net.features.modules().every((m) => m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(() => net.train('yes' as never)).toThrow(ArgumentError);
  });
  it('turns dropout off in eval mode', () => {
    const model = new Sequential(new Dropout(0.5, { generator: new Generator(0) }));
    const x = ones([100]);
    expect(model.forward(x).toFlatArray()).toContain(0);
    model.eval();
    expect(model.forward(x)).toBe(x);
  });
  it('applies a function children first, then self', () => {
    const net = new Net();
    const order: string[] = [];
    expect(net.apply((m) => order.push(m.displayName))).toBe(net);
    expect(order).toEqual([
      'Linear(features.0)', 'Tanh(features.1)', 'Linear(features.2.fc)', 'ReLU(features.2.act)', 'Block(features.2)', 'Sequential(features)', 'Linear(head)', 'Net',
    ]);
  });
  it('clears gradients and freezes parameters', () => {
    const net = new Net();
    net.forward(randn([5, 2])).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad(false);
    expect(net.parameters().every((p) => p.grad!.toFlatArray().every((v) => v === 0))).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    net.features.requiresGrad_(false);
    net.forward(randn([5, 2])).sum().backward();
    expect(net.features.parameters().every((p) => p.grad === null)).toBe(true);
    expect(net.head.weight.grad).not.toBeNull();
  });
  it('converts to float64', () => {
    const net = new Net().double();
    expect(net.parameters().every((p) => p.dtype === 'float64' && p instanceof Parameter && p.requiresGrad)).toBe(true);
    expect(net.getBuffer('steps').dtype).toBe('float64');
    expect(net.forward(randn([2, 2], { dtype: 'float64' })).dtype).toBe('float64');
  });
});

describe('stateDict and loadStateDict', () => {
  it('round-trips copies with dotted keys, params and persistent buffers', () => {
    manualSeed(1);
    const a = new Net();
    const state = a.stateDict();
    // As PyTorch: each module's own parameters, then its persistent buffers, then its children.
    expect(Object.keys(state)).toEqual([
      'scale', 'steps', 'features.0.weight', 'features.0.bias', 'features.2.fc.weight', 'features.2.fc.bias', 'head.weight',
    ]);
    // copies, not views
    expect(state['scale']).not.toBe(a.scale);
    state['scale'].data[0] = 42;
    expect(a.scale.toFlatArray()[0]).toBe(1);
    expect(state['scale'].requiresGrad).toBe(false);

    const b = new Net();
    b.head.weight.data.fill(0);
    const weightBefore = b.head.weight;
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.head.weight).toBe(weightBefore); // copied in place
    const x = randn([3, 2]);
    expect(b.forward(x)).toBeAllClose(a.forward(x));
    // a Map works too
    expect(b.loadStateDict(new Map(Object.entries(a.stateDict())))).toEqual({ missingKeys: [], unexpectedKeys: [] });
  });
  it('lists every missing key, unexpected key and shape mismatch at once, changing nothing', () => {
    const net = new Net();
    const state = net.stateDict();
    delete state['features.0.bias'];
    delete state['steps'];
    state['features.9.weight'] = zeros([1]);
    state['head.weight'] = zeros([2, 4]);
    state['scale'] = zeros([4]);
    const before = net.scale.toFlatArray();
    let error: unknown;
    try {
      net.loadStateDict(state);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const err = error as StateDictError;
    expect(err.missingKeys).toEqual(['steps', 'features.0.bias']);
    expect(err.unexpectedKeys).toEqual(['features.9.weight']);
    expect(err.message).toBe([
      'loadStateDict: error(s) in loading the state dict for Net:',
      '  Missing key(s): "steps", "features.0.bias".',
      '  Unexpected key(s): "features.9.weight".',
      '  Size mismatch for head.weight: copying a tensor of shape [2, 4], the shape in the current model is [1, 4].',
    ].join('\n'));
    expect(net.scale.toFlatArray()).toEqual(before); // nothing loaded
  });
  it('loads the matching subset when not strict', () => {
    const net = new Net();
    const other = new Net();
    other.scale.data.fill(3);
    const state = other.stateDict();
    delete state['head.weight'];
    state['extra'] = zeros([1]);
    const result = net.loadStateDict(state, { strict: false });
    expect(result).toEqual({ missingKeys: ['head.weight'], unexpectedKeys: ['extra'] });
    expect(net.scale).toBeAllClose([3, 3, 3, 3]);
    // shape mismatches throw even when not strict, as in PyTorch
    expect(() => net.loadStateDict({ scale: zeros([5]) }, { strict: false })).toThrow('Size mismatch for scale');
  });
});

describe('forward hooks', () => {
  it('fire on a direct forward call, in a subclass that overrides forward, and are removable', () => {
    const net = new Net();
    const seen: string[] = [];
    const h1 = net.head.registerForwardHook((m, inputs, out) => {
      seen.push(`${m.displayName} ${(inputs[0] as Tensor).shape} -> ${(out as Tensor).shape}`);
    });
    const h2 = net.features.registerForwardPreHook((m) => {
      seen.push(`pre ${m.displayName}`);
    });
    const block = net.features[2] as Block;
    const h3 = block.registerForwardHook(() => {
      seen.push('block');
    });
    net.forward(randn([5, 2]));
    expect(seen).toEqual(['pre Sequential(features)', 'block', 'Linear(head) 5,4 -> 5,1']);
    block.forward(randn([1, 3]));
    expect(seen.length).toBe(4);
    h1.remove();
    h2.remove();
    h3.remove();
    h1.remove(); // twice is harmless
    net.forward(randn([5, 2]));
    expect(seen.length).toBe(4);
  });
  it('can replace the output and the inputs', () => {
    const relu = new ReLU();
    const h = relu.registerForwardHook((_m, _in, out) => (out as Tensor).mul(10));
    expect(relu.forward(tensor([-1, 2]))).toBeAllClose([0, 20]);
    h.remove();
    relu.registerForwardPreHook((_m, inputs) => [(inputs[0] as Tensor).neg()]);
    expect(relu.forward(tensor([-1, 2]))).toBeAllClose([1, 0]);
    const lin = new Linear(2, 2);
    lin.registerForwardPreHook(() => zeros([1, 2]));
    expect(lin.forward(ones([1, 2]))).toBeAllClose(lin.bias!.reshape([1, 2]));
  });
  it('collects activations of every layer (hooks on a Sequential)', () => {
    const model = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
    const shapes: number[][] = [];
    const handles = model.children().map((m) => m.registerForwardHook((_m, _i, out) => {
      shapes.push([...(out as Tensor).shape]);
    }));
    model.forward(randn([4, 2]));
    expect(shapes).toEqual([[4, 3], [4, 3], [4, 1]]);
    handles.forEach((h) => h.remove());
  });
});

describe('printing', () => {
  it('prints like PyTorch', () => {
    const model = new Sequential(new Linear(784, 256), new ReLU());
    const text = ['Sequential(', '  (0): Linear(in_features=784, out_features=256, bias=True)', '  (1): ReLU()', ')'].join('\n');
    expect(model.toString()).toBe(text);
    expect(inspect(model)).toBe(text);
    expect(String(new Linear(3, 1, { bias: false }))).toBe('Linear(in_features=3, out_features=1, bias=False)');
    expect(String(new Net())).toBe([
      'Net(',
      '  (features): Sequential(',
      '    (0): Linear(in_features=2, out_features=3, bias=True)',
      '    (1): Tanh()',
      '    (2): Block(',
      '      (fc): Linear(in_features=3, out_features=4, bias=True)',
      '      (act): ReLU()',
      '    )',
      '  )',
      '  (head): Linear(in_features=4, out_features=1, bias=False)',
      ')',
    ].join('\n'));
    expect(String(new Flatten())).toBe('Flatten(start_dim=1, end_dim=-1)');
  });
});
