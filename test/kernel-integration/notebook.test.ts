/**
 * The nnlab kernel on real notebooks, executed headless with nbclient: the
 * kernelspec, imports of 'nnlab' and 'nnlab/kernel' from notebooks/ and from
 * a new folder, rich last expressions and display() bundles, errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIME } from '../../kernel/protocol';
import { ensureKernel, joined, newProjectFolder, removeProjectFolders, runNotebook, ROOT, HERE, type Notebook, type NotebookOutput } from './helpers';

let fromNewFolder: Notebook;
let fromNotebooks: Notebook;

afterAll(removeProjectFolders);

beforeAll(() => {
  ensureKernel();
  fromNewFolder = runNotebook(join(HERE, 'fixtures', 'display.ipynb'), newProjectFolder('kernel-nb'));
  fromNotebooks = runNotebook(join(HERE, 'fixtures', 'display.ipynb'), join(ROOT, 'notebooks'));
});

function outputsOf(nb: Notebook, startsWith: string): NotebookOutput[] {
  const cell = nb.cells.find((c) => c.cell_type === 'code' && joined(c.source).startsWith(startsWith));
  if (!cell) throw new Error(`no cell starting with ${startsWith}`);
  return cell.outputs ?? [];
}

describe('the nnlab kernelspec', () => {
  it('is installed in the project-local Jupyter folder and runs the nnlab launcher', () => {
    const spec = JSON.parse(readFileSync(join(ROOT, '.jupyter-data', 'kernels', 'nnlab', 'kernel.json'), 'utf8'));
    expect(spec.display_name).toBe('nnlab (TypeScript)');
    expect(spec.language).toBe('typescript');
    expect(spec.argv[1]).toBe(join(ROOT, 'kernel', 'bin', 'nnlab-kernel.js'));
    expect(spec.argv.slice(2)).toEqual(['--config-path', '{connection_file}']);
    expect(existsSync(join(ROOT, 'node_modules', 'nnlab', 'package.json'))).toBe(true);
  });
});

describe.each([['a new folder inside the project', () => fromNewFolder], ['notebooks/', () => fromNotebooks]])('a notebook in %s', (_where, nb) => {
  it('imports nnlab and nnlab/kernel and shows a tensor as its last expression, rich', () => {
    const [out] = outputsOf(nb(), 'import * as nn');
    expect(out.output_type).toBe('execute_result');
    expect(Object.keys(out.data!).sort()).toEqual([MIME.tensor, 'text/html', 'text/plain'].sort());
    expect(out.data![MIME.tensor]).toMatchObject({ shape: [4, 4], dtype: 'float32', stats: { min: 0, max: 15, mean: 7.5, nanCount: 0 } });
    expect(joined(out.data!['text/html'])).toContain('<pre class="nnlab-values"'); // a small tensor: its values first
    expect(joined(out.data!['text/plain'])).toContain('min 0 · max 15 · mean 7.5');
  });

  it('sends display() as one display_data message with every MIME type, before later output', () => {
    const outs = outputsOf(nb(), 'display(');
    expect(outs.map((o) => o.output_type)).toEqual(['display_data', 'stream']);
    expect(Object.keys(outs[0].data!).sort()).toEqual([MIME.tensor, 'text/html', 'text/plain'].sort());
    expect(typeof outs[0].data![MIME.tensor]).toBe('object');
    expect(joined(outs[1].text)).toBe('after the display\n');
  });

  it('shows a model summary, feature maps, filters, a confusion matrix and a figure', () => {
    const summary = outputsOf(nb(), 'const model')[0].data!;
    expect(summary[MIME.model].rows.map((r: { outputShape: number[] }) => r.outputShape)).toEqual([[1, 3], [1, 4, 6, 6], [1, 4, 6, 6], [1, 144], [1, 3]]);
    expect(joined(summary['text/plain'])).toContain('Total params: 475');
    const maps = outputsOf(nb(), 'featureMaps')[0].data!;
    expect(Buffer.from(joined(maps['image/png']), 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(maps[MIME.activations].layers.map((l: { name: string }) => l.name)).toEqual(['input', '0', '1', '2', '3']);
    const filters = outputsOf(nb(), 'filterImages')[0].data!;
    expect(filters[MIME.images]).toMatchObject({ sourceShape: [4, 1, 3, 3] });
    const cm = outputsOf(nb(), 'confusionMatrix')[0].data!;
    expect(cm[MIME.confusion].matrix).toEqual([[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
    expect(joined(cm['text/html'])).toContain('cat');
    const fig = outputsOf(nb(), 'linePlot')[0].data!;
    expect(fig[MIME.plotly].data[0].y).toEqual([1, 0.5, 0.25]);
    expect(joined(fig['image/svg+xml'])).toMatch(/^<svg/);
  });

  it('shows a module as its summary, with shapes from the input it saw', () => {
    const out = outputsOf(nb(), 'model')[0];
    expect(out.output_type).toBe('execute_result');
    expect(out.data![MIME.model].inputShape).toEqual([1, 1, 8, 8]);
  });

  it('reports type errors and exceptions as error outputs, and goes on', () => {
    const [typeError] = outputsOf(nb(), 'const s: number');
    expect(typeError).toMatchObject({ output_type: 'error', ename: 'TSError' });
    expect(typeError.evalue).toContain("Type 'string' is not assignable to type 'number'");
    const [thrown] = outputsOf(nb(), 'throw new RangeError');
    expect(thrown).toMatchObject({ output_type: 'error', ename: 'RangeError', evalue: 'out of range' });
    const [last] = outputsOf(nb(), "'still running'");
    expect(joined(last.data!['text/plain'])).toBe('still running');
  });
});
