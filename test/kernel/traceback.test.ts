import { describe, it, expect } from 'vitest';
import * as ts from 'typescript';
import * as nn from '../../src';
import { cellTraceback, diagnosticHint, runtimeHint, sourceLine, type RecordedCell } from '../../kernel/src/traceback';

// What tslab emits for a cell: imports as require, earlier cells' names as exports.x, types gone.
const SOURCE = [
  "import * as nn from 'nnlab';",
  '// the model',
  'const h: nn.Tensor = nn.zeros(2, 3);',
  '',
  'function f(t: nn.Tensor): nn.Tensor {',
  '  return model.forward(t);',
  '}',
  'const y = f(h);',
].join('\n');
const PREFIX = '(function(exports, require) { ';
const GENERATED = [
  'Object.defineProperty(exports, "__esModule", { value: true });',
  'exports.y = exports.h = void 0;',
  'const nn = __importStar(require("nnlab"));',
  '// the model',
  'const h = nn.zeros(2, 3);',
  'exports.h = h;',
  'function f(t) {',
  '    return exports.model.forward(t);',
  '}',
  'const y = f(exports.h);',
].join('\n');
const cell: RecordedCell = { label: 'cell [4]', source: SOURCE, generated: GENERATED, prefixLength: PREFIX.length };

describe('sourceLine', () => {
  it('maps a generated line and column to the line of the cell (0-based)', () => {
    expect(sourceLine(ts, cell, 8, 12)).toBe(5); // return exports.model.forward(t) → line 6 of the cell
    expect(sourceLine(ts, cell, 10, 11)).toBe(7); // f(exports.h)
    expect(sourceLine(ts, cell, 5, 11)).toBe(2); // nn.zeros(2, 3)
  });
  it('returns null outside the generated code (tslab wrapper)', () => {
    expect(sourceLine(ts, cell, 12, 3)).toBeNull();
  });
});

describe('cellTraceback', () => {
  const error = (stack: string[]): Error => {
    const e = new nn.ShapeError('Linear: bad');
    e.stack = ['ShapeError: Linear: bad', ...stack].join('\n');
    return e;
  };
  const cells = new Map([['<cell-9>', cell]]);
  const stack = [
    '    at Linear.forward (/somewhere/dist/src/nn/layers.js:148:19)',
    '    at f (<cell-9>:8:32)',
    '    at <cell-9>:10:11',
    '    at <cell-9>:12:3',
    '    at Script.runInThisContext (node:vm:137:12)',
  ];
  it('shows cell frames as cell lines with their source and hides Node, tslab and the wrapper', () => {
    expect(cellTraceback(ts, error(stack), cells, { internal: false })).toEqual([
      'ShapeError: Linear: bad',
      '    at Linear.forward (/somewhere/dist/src/nn/layers.js:148:19)', // not this nnlab build: kept
      '    at f (cell [4], line 6)',
      '        return model.forward(t);',
      '    at cell [4], line 8',
      '        const y = f(h);',
      "(2 frames inside nnlab, Node or tslab hidden; showInternalFrames(true) from 'nnlab/kernel' shows them)",
    ]);
  });
  it('a cell too large to align says the line of the compiled JavaScript instead of hiding the frame', () => {
    const big = `const a = [${'1, '.repeat(1500)}];\nthrow new Error('x');`;
    const large = new Map([['<cell-1>', { label: 'cell [1]', source: big, generated: big, prefixLength: PREFIX.length }]]);
    expect(cellTraceback(ts, error(['    at <cell-1>:2:7', '    at <cell-1>:3:3']), large, { internal: false }).slice(1)).toEqual([
      '    at cell [1], line 2 of the compiled JavaScript',
      "(1 frame inside nnlab, Node or tslab hidden; showInternalFrames(true) from 'nnlab/kernel' shows them)",
    ]);
  });
  it('keeps every frame with internal: true, and appends a hint', () => {
    const lines = cellTraceback(ts, error(stack), cells, { internal: true, hint: 'nnlab: a hint' });
    expect(lines).toContain('    at <cell-9>:12:3');
    expect(lines).toContain('    at Script.runInThisContext (node:vm:137:12)');
    expect(lines[lines.length - 1]).toBe('nnlab: a hint');
  });
});

describe('hints', () => {
  const model = new nn.Linear(2, 2);
  const x = nn.zeros(2);
  it('runtimeHint: a module called as a function, x.size()', () => {
    expect(runtimeHint(new TypeError('exports.model is not a function'), { model })).toBe(
      'nnlab: model is a Linear module, not a function (JavaScript has no __call__): call model.forward(x)');
    expect(runtimeHint(new TypeError('exports.x.size is not a function'), { x })).toMatch(/x\.size is the number of elements .* PyTorch's x\.size\(\) is x\.shape/);
    expect(runtimeHint(new TypeError('f is not a function'), { f: 3 })).toBeNull();
    expect(runtimeHint(new RangeError('model is not a function'), { model })).toBeNull();
  });
  it('diagnosticHint: TypeScript on model(x) and x.size()', () => {
    const isModule = (name: string) => name === 'Linear';
    expect(diagnosticHint(['1:1 - This expression is not callable.', "1:1 - Type 'Foo' has no call signatures."], 'foo(x);', isModule)).toBeNull();
    expect(diagnosticHint(['2:9 - This expression is not callable.', "2:9 - Type 'Linear' has no call signatures."], 'const a = 1;\nconst y=net(x);', isModule)).toBe(
      'nnlab: net is a Linear module, not a function (JavaScript has no __call__): call net.forward(x)');
    expect(diagnosticHint(["1:15 - This expression is not callable because it is a 'get' accessor. Did you mean to use it without '()'?"], 'const n = img.size();', isModule)).toBe(
      "nnlab: size is the number of elements (a number), not a method; PyTorch's img.size() is img.shape");
    expect(diagnosticHint(["1:1 - Type 'Number' has no call signatures."], 'n()', isModule)).toBeNull();
  });
});
