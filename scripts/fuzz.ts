/**
 * `npm run fuzz [-- --cases N --seed S]`: reruns the hostile corpora against
 * nnlab's loaders and the kernel's query entry point, and prints the counts:
 * for each family, the cases, how many were refused with a FormatError naming
 * the file (or answered with a query error), how many loaded, how many ended
 * any other way (a defect), the slowest case and the memory it peaked at.
 * Exits 1 if any case ended unexpectedly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError, Generator } from '../src';
import { decodeSafetensors, loadSafetensors } from '../src/io';
import { parseIdx, readIdx } from '../src/data';
import { answerQuery } from '../kernel/src/query';
import { corrupt, corruptIdx, hostileSafetensors, idxGzipBomb, malformedQueries, seedFiles, seedIdx } from './fuzz/corpus';

export interface FamilyReport {
  family: string;
  cases: number;
  refused: number;
  loaded: number;
  unexpected: number;
  /** The first few unexpected outcomes, described. */
  examples: string[];
  maxMs: number;
  peakRssMB: number;
}

export interface FuzzOptions {
  cases?: number;
  seed?: number;
  /** Size of the gzip bomb's zeros (default 1 GiB). */
  bombBytes?: number;
}

class Family {
  readonly report: FamilyReport;
  constructor(family: string) {
    this.report = { family, cases: 0, refused: 0, loaded: 0, unexpected: 0, examples: [], maxMs: 0, peakRssMB: 0 };
  }

  /** Runs one case: `fn` returns 'refused' (an answered error) or anything else (loaded), or throws (a FormatError naming `file` counts as refused). */
  async run(file: string, fn: () => unknown, expect?: RegExp): Promise<void> {
    const r = this.report;
    r.cases++;
    const t0 = performance.now();
    let outcome: 'loaded' | 'refused' | 'unexpected';
    let note = '';
    try {
      outcome = (await fn()) === 'refused' ? 'refused' : 'loaded';
      if (expect && outcome === 'loaded') [outcome, note] = ['unexpected', `${file}: loaded, expected a refusal matching ${expect}`];
    } catch (e) {
      const err = e as Error;
      if (err instanceof FormatError && err.message.includes(file) && (!expect || expect.test(err.message))) outcome = 'refused';
      else [outcome, note] = ['unexpected', `${file}: ${err?.constructor?.name ?? typeof e}: ${String(err?.message ?? e).slice(0, 200)}`];
    }
    const ms = performance.now() - t0;
    r.maxMs = Math.max(r.maxMs, ms);
    r.peakRssMB = Math.max(r.peakRssMB, process.memoryUsage().rss / 2 ** 20);
    r[outcome]++;
    if (note && r.examples.length < 5) r.examples.push(note);
  }
}

/** Runs every family; returns their reports. */
export async function runFuzz(opts: FuzzOptions = {}): Promise<FamilyReport[]> {
  const cases = opts.cases ?? 20_000;
  const g = new Generator(opts.seed ?? 20240611);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-fuzz-'));
  const reports: FamilyReport[] = [];
  try {
    const mem = new Family('safetensors, corrupted in memory');
    const bases = seedFiles();
    for (let i = 0; i < cases; i++) {
      const { bytes } = corrupt(bases[g.int(bases.length)], g);
      const file = `case-${i}.safetensors`;
      await mem.run(file, () => {
        decodeSafetensors(bytes, file);
        return 'loaded';
      });
    }
    reports.push(mem.report);

    const disk = new Family('safetensors, corrupted files on disk');
    for (let i = 0; i < Math.ceil(cases / 50); i++) {
      const { bytes } = corrupt(bases[g.int(bases.length)], g);
      const file = path.join(dir, `case-${i}.safetensors`);
      writeFileSync(file, bytes);
      await disk.run(file, async () => {
        await loadSafetensors(file);
        return 'loaded';
      });
    }
    reports.push(disk.report);

    const named = new Family('safetensors, named hostile files');
    for (const h of hostileSafetensors(path.join(dir, 'hostile'))) {
      await named.run(h.file, async () => {
        await loadSafetensors(h.file);
        return 'loaded';
      }, h.expect);
    }
    reports.push(named.report);

    const idx = new Family('IDX, corrupted (raw and gzip)');
    const idxBases = seedIdx();
    for (let i = 0; i < Math.ceil(cases / 4); i++) {
      const { bytes } = corruptIdx(idxBases[g.int(idxBases.length)], g);
      const file = `case-${i}-idx`;
      await idx.run(file, () => {
        const a = parseIdx(bytes, file);
        if (a.data.length !== a.shape.reduce((x, y) => x * y, 1)) throw new Error(`${file}: ${a.data.length} values for shape [${a.shape.join(', ')}]`);
        return 'loaded';
      });
    }
    reports.push(idx.report);

    const bomb = new Family('IDX, gzip bomb');
    const bombFile = path.join(dir, 'bomb-idx1-ubyte.gz');
    writeFileSync(bombFile, await idxGzipBomb(opts.bombBytes ?? 2 ** 30));
    await bomb.run(bombFile, () => {
      readIdx(bombFile);
      return 'loaded';
    }, /gunzip|inflate|more than|declares/);
    reports.push(bomb.report);

    const queries = new Family('kernel queries, malformed');
    for (const [i, q] of malformedQueries(g, Math.ceil(cases / 20)).entries()) {
      await queries.run(`query ${i}`, () => {
        const answer = answerQuery(q as string);
        if (typeof answer !== 'object' || answer === null || typeof answer.ok !== 'boolean') throw new Error(`query ${i}: not an answer: ${JSON.stringify(answer).slice(0, 100)}`);
        JSON.stringify(answer); // what the kernel sends must serialise
        return answer.ok ? 'loaded' : 'refused';
      });
    }
    reports.push(queries.report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return reports;
}

/** The table `npm run fuzz` prints. */
export function formatReports(reports: FamilyReport[]): string {
  const head = ['family', 'cases', 'refused', 'loaded/answered', 'unexpected', 'max ms', 'peak rss MB'];
  const rows = reports.map((r) => [r.family, r.cases, r.refused, r.loaded, r.unexpected, r.maxMs.toFixed(1), r.peakRssMB.toFixed(0)].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(head), ...rows.map(line)];
  for (const r of reports) for (const e of r.examples) out.push(`  unexpected (${r.family}): ${e}`);
  return out.join('\n');
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (require.main === module) {
  const started = performance.now();
  runFuzz({ cases: arg('cases'), seed: arg('seed') }).then((reports) => {
    console.log(formatReports(reports));
    const bad = reports.reduce((n, r) => n + r.unexpected, 0);
    console.log(`\nnnlab fuzz: ${reports.reduce((n, r) => n + r.cases, 0)} cases, ${bad} unexpected, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    process.exitCode = bad > 0 ? 1 : 0;
  }, (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
