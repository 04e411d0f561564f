/**
 * The README's "Using the kernel elsewhere": a notebook in a folder outside
 * the project (no node_modules anywhere above it) imports `nnlab` and
 * `nnlab/kernel` and `nnlab/widgets`, type-checked, and runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKernel, runCells, type CellResult } from './helpers';

let dir: string;
let cells: CellResult[];

beforeAll(() => {
  ensureKernel();
  dir = mkdtempSync(join(tmpdir(), 'nnlab-elsewhere-'));
  cells = runCells([
    { code: "import * as nn from 'nnlab';\nimport { summary } from 'nnlab/kernel';\nconst t: nn.Tensor = nn.zeros([2, 3]);\nt.shape.join('x')" },
    { code: "const s = summary(new nn.Sequential(new nn.Linear(4, 2)), [1, 4]);\ntypeof s" },
    { code: "const wrong: string = nn.zeros([1]);" },
    { code: "import * as widgets from 'nnlab/widgets';\nconst w: widgets.IntSlider = new widgets.IntSlider({ value: 4, max: 9 });\nw.value * 10" },
  ], dir);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (c: CellResult) => c.messages.find((m) => m.type === 'execute_result')?.content.data['text/plain'];

describe(`a notebook outside the project (${tmpdir()})`, () => {
  it('imports nnlab and nnlab/kernel and runs', () => {
    expect(cells[0].reply.status, JSON.stringify(cells[0].reply)).toBe('ok');
    expect(text(cells[0])).toContain('2x3');
    expect(cells[1].reply.status).toBe('ok');
    expect(text(cells[1])).toContain('object');
  });

  it('imports nnlab/widgets, typed', () => {
    expect(cells[3].reply.status, JSON.stringify(cells[3].reply)).toBe('ok');
    expect(text(cells[3])).toBe('40');
  });

  it("type-checks against nnlab's declarations", () => {
    expect(cells[2].reply).toMatchObject({ status: 'error', ename: 'TSError' });
    expect(cells[2].reply.evalue).toMatch(/Tensor.*string|not assignable/);
  });
});
