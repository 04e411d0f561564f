/**
 * Errors in notebook cells on the real nnlab kernel: tracebacks name cell
 * lines (also for a function of an earlier cell), nnlab's own frames are
 * hidden until showInternalFrames(true), and the first PyTorch habits
 * (model(x), x.size(), numpy()) get hints (issue 15, items 13, 17, 18).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKernel, newProjectFolder, removeProjectFolders, runCells, type CellResult } from './helpers';

let results: CellResult[];

afterAll(removeProjectFolders);

const CELLS = [
  "import * as nn from 'nnlab';\nconst model = new nn.Linear(3, 2);\nconst x = nn.zeros(2, 3);\nfunction g(t: nn.Tensor): nn.Tensor {\n  return model.forward(t);\n}",
  '// a comment\nconst a: number = 1;\n\nfunction f(t: nn.Tensor): nn.Tensor {\n  return model.forward(t);\n}\nconst y = f(nn.zeros(2, 4));',
  'const bad = nn.zeros(5);\n\ng(bad);',
  'const m: any = model;\nm(x);',
  'model(x)',
  'const xs: any = x;\nxs.size();',
  'x.size()',
  'const xx: any = x;\nconst n = 1;\nawait Promise.resolve(n);\nxx.numpy()',
  "import { showInternalFrames } from 'nnlab/kernel';\nshowInternalFrames(true);",
  'g(nn.zeros(5));',
];

beforeAll(() => {
  ensureKernel();
  results = runCells(CELLS.map((code) => ({ code, timeout: 120 })), newProjectFolder('kernel-errors'));
}, 300_000);

function errorOf(i: number): { ename: string; evalue: string; traceback: string[] } {
  const msg = results[i].messages.find((m) => m.type === 'error');
  if (!msg) throw new Error(`cell ${i + 1} sent no error: ${JSON.stringify(results[i].reply)}`);
  return msg.content as any;
}

describe('tracebacks of notebook cells', () => {
  it('name the cell and its line, with the line, for the error thrown inside a layer', () => {
    const { ename, evalue, traceback } = errorOf(1);
    expect(ename).toBe('ShapeError');
    expect(evalue).toBe('Linear: expected input with 3 features (last axis), got shape [2, 4]');
    expect(traceback).toEqual([
      'ShapeError: Linear: expected input with 3 features (last axis), got shape [2, 4]',
      '    at f (cell [2], line 5)',
      '        return model.forward(t);',
      '    at cell [2], line 7',
      '        const y = f(nn.zeros(2, 4));',
      expect.stringMatching(/^\(\d+ frames inside nnlab, Node or tslab hidden; showInternalFrames\(true\) from 'nnlab\/kernel' shows them\)$/),
    ]);
    expect(traceback.join('\n')).not.toMatch(/evalmachine|dist\/src|node:internal/);
  });

  it('map a function defined in an earlier cell to that cell', () => {
    expect(errorOf(2).traceback.slice(0, 5)).toEqual([
      'ShapeError: Linear: expected input with 3 features (last axis), got shape [5]',
      '    at g (cell [1], line 5)',
      '        return model.forward(t);',
      '    at cell [3], line 3',
      '        g(bad);',
    ]);
  });

  it('map lines of cells with top-level await', () => {
    const { ename, traceback } = errorOf(7);
    expect(ename).toBe('ArgumentError');
    expect(traceback.slice(1, 3)).toEqual(['    at cell [8], line 4', '        xx.numpy()']);
  });

  it("show nnlab's frames after showInternalFrames(true)", () => {
    expect(results[8].reply.status).toBe('ok');
    const { traceback } = errorOf(9);
    const text = traceback.join('\n');
    expect(text).toMatch(/at Linear\.forward \(.*dist\/src\/nn\/layers\.js:\d+:\d+\)/);
    expect(text).toContain('    at g (cell [1], line 5)');
    expect(text).toContain('    at cell [10], line 1');
    expect(text).not.toMatch(/hidden/);
  });
});

describe('hints for PyTorch habits', () => {
  it('model(x) at run time says to call model.forward(x)', () => {
    const { ename, evalue, traceback } = errorOf(3);
    expect(ename).toBe('TypeError');
    expect(evalue).toBe('m is not a function\nnnlab: m is a Linear module, not a function (JavaScript has no __call__): call m.forward(x)');
    expect(traceback.slice(0, 3)).toEqual(['TypeError: m is not a function', '    at cell [4], line 2', '        m(x);']);
  });

  it('model(x) rejected by TypeScript gets the same hint', () => {
    const { ename, evalue } = errorOf(4);
    expect(ename).toBe('TSError');
    expect(evalue).toContain("Type 'Linear' has no call signatures.");
    expect(evalue).toContain('nnlab: model is a Linear module, not a function (JavaScript has no __call__): call model.forward(x)');
  });

  it("x.size() says size is the element count and PyTorch's size() is x.shape, at run time and from TypeScript", () => {
    expect(errorOf(5).evalue).toBe("xs.size is not a function\nnnlab: xs.size is the number of elements (a number), not a method; PyTorch's xs.size() is xs.shape");
    expect(errorOf(6).evalue).toContain("nnlab: size is the number of elements (a number), not a method; PyTorch's x.size() is x.shape");
  });
});
