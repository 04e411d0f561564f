/**
 * Tracebacks that point at the notebook, not at tslab's generated JavaScript.
 *
 * tslab compiles a cell to JavaScript (imports become `require`, names of
 * earlier cells become `exports.name`) and runs it with `vm`, so a stack
 * said `evalmachine.<anonymous>:10:53` for what was line 5 of the cell, and
 * showed nnlab's own frames (`dist/src/nn/conv.js:79`). Here:
 *  - each cell runs under its own file name (`<cell-7>`, see `cellFileName`),
 *    so frames of functions defined in earlier cells map to their own cell;
 *  - a generated position maps to the cell's line by aligning the tokens of
 *    the generated code with the tokens of the cell (a longest common
 *    subsequence: type annotations and `exports.` are the only differences);
 *  - frames inside nnlab (its dist/ folder), Node and tslab are hidden unless
 *    `showInternalFrames(true)`; the traceback says how many were hidden;
 *  - a call of a module (`model(x)`, JavaScript has no `__call__`) or of a
 *    tensor's `size` gets a hint saying what to write instead.
 *
 * Pure functions of the error, the recorded cells and a TypeScript module
 * (tslab's own, for its scanner); the launcher does the recording.
 */
import * as path from 'node:path';
import { Module } from '../../src/nn/module';
import { Tensor } from '../../src/tensor';

/** One executed cell: its source as typed and the JavaScript tslab ran. */
export interface RecordedCell {
  label: string;
  source: string;
  generated: string;
  /** Characters before the generated code on its first line (tslab's `(function(exports, require) { `). */
  prefixLength: number;
}

let internalFrames = false;

/**
 * Show (true) or hide (false, the default) the frames inside nnlab, Node and
 * tslab in the tracebacks of notebook cells.
 * @example import { showInternalFrames } from 'nnlab/kernel'; showInternalFrames(true);
 */
export function showInternalFrames(show = true): void {
  internalFrames = show;
}
export function internalFramesShown(): boolean {
  return internalFrames;
}

/** The file name cell number `serial` runs under (what its stack frames say). */
export function cellFileName(serial: number): string {
  return `<cell-${serial}>`;
}

// NOTE: dist/kernel/src → dist/; both src/ and kernel/ of nnlab live under it.
const NNLAB_DIST = path.resolve(__dirname, '..', '..') + path.sep;

/** True for a stack frame inside nnlab's build, Node's internals or tslab. */
export function isInternalFrame(line: string): boolean {
  return line.includes(NNLAB_DIST) || /\(node:|at node:|node_modules\/tslab\/|node_modules\/@tslab\/|evalmachine\.<anonymous>/.test(line);
}

interface Token {
  text: string;
  line: number; // 0-based
  start: number; // offset in the text
}

function tokenize(ts: any, text: string): Token[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /* skipTrivia */ true, ts.LanguageVariant.Standard, text);
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (pos: number): number => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const out: Token[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    const start = scanner.getTokenPos ? scanner.getTokenPos() : scanner.getTokenStart();
    out.push({ text: scanner.getTokenText(), line: lineOf(start), start });
    if (out.length > 20_000) break;
  }
  return out;
}

const MAX_ALIGN = 4_000_000;

/**
 * For each generated token, the index of the source token it aligns with
 * (−1 where none), by a longest common subsequence of the token texts.
 * Null when the cell is too large to align.
 */
function align(gen: Token[], src: Token[]): Int32Array | null {
  const n = gen.length, m = src.length;
  if ((n + 1) * (m + 1) > MAX_ALIGN) return null;
  const w = m + 1;
  const lcs = new Uint16Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = gen[i].text === src[j].text ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const match = new Int32Array(n).fill(-1);
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (gen[i].text === src[j].text && lcs[i * w + j] === lcs[(i + 1) * w + j + 1] + 1) {
      match[i++] = j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) i++;
    else j++;
  }
  return match;
}

const alignments = new WeakMap<RecordedCell, { gen: Token[]; src: Token[]; match: Int32Array | null }>();

/**
 * The 0-based line of the cell's source for a 1-based (line, column) of the
 * JavaScript tslab ran, or null when it does not map (tslab's wrapper).
 */
export function sourceLine(ts: any, cell: RecordedCell, line: number, column: number): number | null {
  let a = alignments.get(cell);
  if (!a) {
    const gen = tokenize(ts, cell.generated), src = tokenize(ts, cell.source);
    a = { gen, src, match: align(gen, src) };
    alignments.set(cell, a);
  }
  if (!a.match) return null;
  const lines = cell.generated.split('\n');
  if (line < 1 || line > lines.length) return null;
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  offset += Math.max(0, column - 1 - (line === 1 ? cell.prefixLength : 0));
  const { gen, src, match } = a;
  // The token at the position, else the first after it on the same generated line, else the last before it.
  let k = gen.findIndex((t) => t.start + t.text.length > offset);
  if (k < 0) k = gen.length - 1;
  for (let f = k; f < gen.length && gen[f].line === line - 1; f++) if (match[f] >= 0) return src[match[f]].line;
  for (let b = k - 1; b >= 0 && gen[b].line === line - 1; b--) if (match[b] >= 0) return src[match[b]].line;
  return null;
}

const FRAME = /^(\s*at (?:(.*?) \()?)(<cell-\d+>):(\d+):(\d+)\)?$/;

/**
 * The traceback lines of an error thrown by a cell: the error's first line,
 * then its frames with cell frames as `at f (cell [3], line 5)` followed by
 * that line of the cell, and internal frames hidden (counted) unless shown.
 */
export function cellTraceback(ts: any, e: Error, cells: ReadonlyMap<string, RecordedCell>, opts: { internal?: boolean; hint?: string | null } = {}): string[] {
  const internal = opts.internal ?? internalFrames;
  const stack = e.stack ?? `${e.name}: ${e.message}`;
  const lines = stack.split('\n');
  // NOTE: vm decorates the stack of an uncaught error with "file:line", the source line and a caret first.
  const head = `${e.name}: ${e.message}`;
  let first = lines.findIndex((l) => l.startsWith(`${e.name}:`) || l === e.name);
  if (first < 0) first = 0;
  const frames = lines.slice(first).filter((l) => /^\s+at /.test(l));
  const out: string[] = [head];
  let hidden = 0;
  for (const frame of frames) {
    const m = FRAME.exec(frame);
    if (m) {
      const cell = cells.get(m[3]);
      const line = cell ? sourceLine(ts, cell, Number(m[4]), Number(m[5])) : null;
      if (cell && line !== null) {
        const where = `${cell.label}, line ${line + 1}`;
        // NOTE: a function of an earlier cell is called through tslab's exports Proxy: 'Proxy.g'.
        const fn = m[2]?.replace(/^Proxy\./, '');
        out.push(fn ? `    at ${fn} (${where})` : `    at ${where}`);
        out.push(`        ${cell.source.split('\n')[line].trim()}`);
        continue;
      }
      if (cell && Number(m[4]) > cell.generated.split('\n').length) {
        if (!internal) {
          hidden++; // tslab's wrapper around the cell
          continue;
        }
      } else if (cell) {
        // NOTE: a cell too large to align: say where in the JavaScript tslab ran.
        const where = `${cell.label}, line ${m[4]} of the compiled JavaScript`;
        out.push(m[2] ? `    at ${m[2].replace(/^Proxy\./, '')} (${where})` : `    at ${where}`);
        continue;
      }
    }
    if (!internal && isInternalFrame(frame)) {
      hidden++;
      continue;
    }
    out.push(frame);
  }
  if (hidden > 0) out.push(`(${hidden} frame${hidden === 1 ? '' : 's'} inside nnlab, Node or tslab hidden; showInternalFrames(true) from 'nnlab/kernel' shows them)`);
  if (opts.hint) out.push(opts.hint);
  return out;
}

/** Reads `a.b.c` from the kernel's variables (tslab's `exports`), or undefined. */
function lookup(locals: Record<string, unknown>, dotted: string): { value: unknown; parent: unknown } | undefined {
  const parts = dotted.replace(/^exports\./, '').split('.');
  let parent: unknown = undefined;
  let value: unknown = locals;
  for (const p of parts) {
    if (value === null || value === undefined) return undefined;
    parent = value;
    try {
      value = (value as Record<string, unknown>)[p];
    } catch {
      return undefined;
    }
  }
  return parent === locals && !(parts[0] in locals) ? undefined : { value, parent };
}

/**
 * What a PyTorch user meant, for "X is not a function": a module called like
 * `model(x)` (call `model.forward(x)`) or `x.size()` (PyTorch's size() is
 * `x.shape`). Null when the error is something else.
 */
export function runtimeHint(e: Error, locals: Record<string, unknown>): string | null {
  const m = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*) is not a function$/.exec(e.message);
  if (!(e instanceof TypeError) || !m) return null;
  const name = m[1].replace(/^exports\./, '');
  const found = lookup(locals, m[1]);
  if (found?.value instanceof Module) {
    return `nnlab: ${name} is a ${found.value.constructor.name} module, not a function (JavaScript has no __call__): call ${name}.forward(x)`;
  }
  if (name.endsWith('.size') && (found === undefined || found.parent instanceof Tensor)) {
    const obj = name.slice(0, -'.size'.length);
    if (found || /\bsize$/.test(name)) return `nnlab: ${name} is the number of elements (a number), not a method; PyTorch's ${obj}.size() is ${obj}.shape`;
  }
  return null;
}

/**
 * A hint for TypeScript's diagnostics on the same two habits:
 * "Type 'Linear' has no call signatures" where Linear is a Module class, and
 * calling the `size` accessor. `source` is the cell; `isModuleClass` tells
 * whether a class name is a Module (nnlab's or one defined in the notebook).
 */
export function diagnosticHint(messages: string[], source: string, isModuleClass: (name: string) => boolean): string | null {
  const textAt = (line: string, col: string): [string, number] => [source.split('\n')[Number(line) - 1] ?? '', Number(col) - 1];
  for (const msg of messages) {
    const call = /Type '([A-Za-z_$][\w$]*)' has no call signatures/.exec(msg);
    if (call && isModuleClass(call[1])) {
      const at = messages.map((m) => /^(\d+):(\d+) - This expression is not callable\./.exec(m)).find((m) => m);
      const [line, col] = at ? textAt(at[1], at[2]) : ['', 0];
      const name = /^[A-Za-z_$][\w$.]*/.exec(line.slice(col))?.[0] ?? 'model';
      return `nnlab: ${name} is a ${call[1]} module, not a function (JavaScript has no __call__): call ${name}.forward(x)`;
    }
    const getter = /^(\d+):(\d+) - This expression is not callable because it is a 'get' accessor/.exec(msg);
    if (getter) {
      const [line, col] = textAt(getter[1], getter[2]);
      if (/^size\s*\(/.test(line.slice(col))) {
        const obj = /([\w$\])]+)\s*\.\s*$/.exec(line.slice(0, col))?.[1] ?? 'x';
        return `nnlab: size is the number of elements (a number), not a method; PyTorch's ${obj}.size() is ${obj}.shape`;
      }
    }
  }
  return null;
}
