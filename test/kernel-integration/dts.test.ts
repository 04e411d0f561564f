/**
 * The library's declaration files (dist/**.d.ts), as notebooks see them:
 * type-checked by tslab's own TypeScript (5.0) with its module resolution
 * (node10) from a folder inside the project, and without skipLibCheck, so
 * any .d.ts syntax or type TypeScript 5.0 does not accept is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ensureKernel, newProjectFolder, removeProjectFolders } from './helpers';

const CELL = `import * as nn from 'nnlab';
import { display, summary, featureMaps, filterImages, confusionMatrix, linePlot, liveFit, displayStats, query, MIME, type RunPayload, type MediaBundle } from 'nnlab/kernel';
const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
const x: nn.Tensor = nn.randn([16, 4]);
const y = nn.randint(0, 2, [16]);
display(summary(model, [1, 4]));
display(featureMaps(model, x));
display(filterImages(model.getSubmodule('0')));
display(confusionMatrix(model.forward(x), y, { classNames: ['a', 'b'] }));
display(linePlot([{ name: 'loss', y: [1, 0.5] }]));
const loader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 4 });
const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.1 });
async function train(): Promise<number> {
  const run = await liveFit(model, { trainLoader: loader, optimizer, epochs: 1 });
  const stats = displayStats(run);
  return stats ? stats.overhead : run.stepLosses.length;
}
query({ op: 'list' });
const mime: string = MIME.run;
const payload: RunPayload | null = null;
const bundle: MediaBundle = { 'text/plain': 'x' };
export { train, mime, payload, bundle };
`;

let diagnostics: string[] = [];
let files: string[] = [];
let tsVersion = '';

afterAll(removeProjectFolders);

beforeAll(() => {
  ensureKernel();
  const ts = require(join(ROOT, 'node_modules', '@tslab', 'typescript-for-tslab'));
  tsVersion = ts.version;
  const dir = newProjectFolder('dts');
  const cell = join(dir, 'cell.ts');
  writeFileSync(cell, CELL);
  const program = ts.createProgram([cell], {
    module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'], strict: true, esModuleInterop: true, skipLibCheck: false, noEmit: true,
  });
  const root = realpathSync(ROOT);
  files = program.getSourceFiles().map((f: { fileName: string }) => f.fileName);
  diagnostics = ts.getPreEmitDiagnostics(program)
    // Declarations of other packages (@types/node...) are not ours to judge here.
    .filter((d: { file?: { fileName: string } }) => !d.file || !d.file.fileName.includes('/node_modules/') || d.file.fileName.startsWith(`${root}/dist/`))
    .map((d: { file?: { fileName: string }; messageText: unknown; start?: number }) => `${d.file?.fileName ?? ''}:${d.start ?? ''} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}, 120_000);

describe('the .d.ts files under tslab\'s TypeScript', () => {
  it('is TypeScript 5.0', () => {
    expect(tsVersion).toMatch(/^5\.0\./);
  });

  it('resolves nnlab and nnlab/kernel to the built declarations', () => {
    const root = realpathSync(ROOT);
    expect(files).toContain(join(root, 'dist', 'src', 'index.d.ts'));
    expect(files).toContain(join(root, 'dist', 'kernel', 'src', 'index.d.ts'));
    expect(files).toContain(join(root, 'dist', 'kernel', 'protocol.d.ts'));
  });

  it('type-checks a notebook cell using the public API without any error, in the .d.ts files or the cell', () => {
    expect(diagnostics).toEqual([]);
  });
});
