/**
 * `npm run bench`: training samples/s of nnlab and, in the same run, of
 * TensorFlow.js (cpu backend) on the same model, data and batch size, with the
 * ratio. Speed is only ever measured here, never in tests.
 *
 *   npm run bench            every case
 *   npm run bench -- mlp     the cases whose name contains "mlp"
 */
import * as tf from '@tensorflow/tfjs';
import type { BenchCase } from './common';
import { mlpCase } from './cases/mlp';
import { lenetCase } from './cases/lenet';
import { rnnCase, lstmCase } from './cases/rnn';
import { matmulRows } from './cases/matmul';
import { getBackend } from '../src/kernels/backend';
import { getNumThreads } from '../src/kernels/threads';

const cases: BenchCase[] = [mlpCase, lenetCase, rnnCase, lstmCase];

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const filter = process.argv[2]?.toLowerCase();
  const selected = cases.filter((c) => !filter || c.name.toLowerCase().includes(filter));
  const withMatmul = !filter || 'matmul'.includes(filter);
  console.log(`nnlab backend: ${getBackend()}, ${getNumThreads()} thread(s) (NNLAB_BACKEND=js|wasm, NNLAB_THREADS=n)`);
  if (selected.length === 0 && withMatmul) {
    printTable(matmulRows());
    return;
  }
  if (selected.length === 0) throw new Error(`bench: no case matches '${filter}' (cases: ${cases.map((c) => c.name).join(', ')})`);
  const rows: string[][] = [['training, batch 64', 'nnlab samples/s', 'tfjs cpu samples/s', 'nnlab / tfjs cpu']];
  for (const c of selected) {
    const ours = c.nnlab();
    const theirs = await c.tfjs();
    rows.push([c.name, ours.toFixed(0), theirs.toFixed(0), `${(ours / theirs).toFixed(2)}x`]);
    console.log(`${c.name}: nnlab ${ours.toFixed(0)} samples/s, tfjs cpu ${theirs.toFixed(0)} samples/s, ratio ${(ours / theirs).toFixed(2)}x`);
  }
  const matmul = withMatmul ? matmulRows() : null;
  printTable(rows);
  if (matmul) printTable(matmul);
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log('| ' + r.map((cell, k) => cell.padEnd(widths[k])).join(' | ') + ' |');
    if (i === 0) console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
