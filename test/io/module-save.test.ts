import { describe, it, expect } from 'vitest';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../../src';

describe('Module.save from a cell', () => {
  it('writes safetensors that load back into a fresh model with the same outputs', async () => {
    nn.manualSeed(3);
    const make = () => new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh(), new nn.Linear(3, 2));
    const model = make();
    const path = join(mkdtempSync(join(tmpdir(), 'nnlab-save-')), 'mlp.safetensors');
    const report = await model.save(path);
    expect(existsSync(path)).toBe(true);
    expect(report.tensors.map((t) => t.name).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    const fresh = make();
    fresh.loadStateDict(await nn.load(path));
    const x = nn.randn([5, 4]);
    expect(fresh.forward(x)).toBeAllClose(model.forward(x), { rtol: 0, atol: 0 });
  });
});
