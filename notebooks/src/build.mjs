#!/usr/bin/env node
// Builds notebooks/NN-name.ipynb from notebooks/src/NN-name.ts (no outputs).
//
// A source file is a list of cells in the "percent" format (as jupytext):
//   // %% [markdown]        a Markdown cell: the following lines, each starting with "// "
//   // %%                   a code cell: the following lines as they are
//   // %% [solution]        a code cell too, the solution of an exercise: its input and outputs are
//                           collapsed when the notebook opens (cell metadata jupyter.source_hidden and
//                           outputs_hidden, as JupyterLab writes them), and it runs like any other cell
// Blank lines at the start and end of a cell are dropped.
//
// usage: node notebooks/src/build.mjs [--out DIR] [names...]   (default: every notebooks/src/[0-9]*.ts into notebooks/)
// Then `bash scripts/run-notebooks.sh` executes them and writes the outputs in place.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const OUT = outAt >= 0 ? args.splice(outAt, 2)[1] : join(SRC, '..');

function trimBlank(lines) {
  let a = 0, b = lines.length;
  while (a < b && lines[a].trim() === '') a++;
  while (b > a && lines[b - 1].trim() === '') b--;
  return lines.slice(a, b);
}

function parse(text, file) {
  const cells = [];
  let cur = null;
  for (const line of text.split('\n')) {
    const m = /^\/\/ %%(?: \[(markdown|solution)\])?\s*$/.exec(line);
    if (m) {
      cur = { type: m[1] === 'markdown' ? 'markdown' : 'code', solution: m[1] === 'solution', lines: [] };
      cells.push(cur);
      continue;
    }
    if (!cur) {
      if (line.trim() !== '') throw new Error(`${file}: text before the first "// %%" line: ${line}`);
      continue;
    }
    if (cur.type === 'markdown') {
      if (line.trim() !== '' && !/^\/\/( |$)/.test(line)) throw new Error(`${file}: a Markdown line must start with "// ": ${line}`);
      cur.lines.push(line.replace(/^\/\/ ?/, ''));
    } else {
      cur.lines.push(line);
    }
  }
  return cells.map((c) => ({ ...c, lines: trimBlank(c.lines) })).filter((c) => c.lines.length > 0);
}

function toNotebook(cells, name) {
  return {
    cells: cells.map((c, i) => {
      const source = c.lines.map((l, j) => (j < c.lines.length - 1 ? `${l}\n` : l));
      const id = createHash('sha1').update(`${name}:${i}`).digest('hex').slice(0, 8);
      return c.type === 'markdown'
        ? { cell_type: 'markdown', id, metadata: {}, source }
        : { cell_type: 'code', execution_count: null, id, metadata: c.solution ? { jupyter: { outputs_hidden: true, source_hidden: true }, tags: ['solution'] } : {}, outputs: [], source };
    }),
    metadata: {
      kernelspec: { display_name: 'nnlab (TypeScript)', language: 'typescript', name: 'nnlab' },
      language_info: { name: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const wanted = args;
const files = readdirSync(SRC).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
for (const f of files) {
  const name = basename(f, '.ts');
  const cells = parse(readFileSync(join(SRC, f), 'utf8'), f);
  writeFileSync(join(OUT, `${name}.ipynb`), JSON.stringify(toNotebook(cells, name), null, 1) + '\n');
  console.log(`built ${join(OUT, `${name}.ipynb`)} (${cells.length} cells)`);
}
