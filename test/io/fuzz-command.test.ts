/** `npm run fuzz` (scripts/fuzz.ts), on a small corpus: every family runs, refuses what it must, and nothing ends unexpectedly. */
import { describe, expect, it } from 'vitest';
import { formatReports, runFuzz } from '../../scripts/fuzz';

describe('the fuzz soak command', () => {
  it('reruns every hostile corpus and counts the outcomes', async () => {
    const reports = await runFuzz({ cases: 600, seed: 5, bombBytes: 64 * 2 ** 20 });
    const table = formatReports(reports);
    console.log(table);
    expect(reports.map((r) => r.family)).toEqual([
      'safetensors, corrupted in memory', 'safetensors, corrupted files on disk', 'safetensors, named hostile files',
      'IDX, corrupted (raw and gzip)', 'IDX, gzip bomb', 'kernel queries, malformed',
    ]);
    for (const r of reports) {
      expect(r.examples, r.family).toEqual([]);
      expect(r.unexpected, r.family).toBe(0);
      expect(r.cases, r.family).toBeGreaterThan(0);
      expect(r.refused + r.loaded, r.family).toBe(r.cases);
      expect(r.refused, r.family).toBeGreaterThan(0);
    }
    expect(reports[2].loaded).toBe(0); // every named hostile file is refused
    expect(reports[4].refused).toBe(1);
    expect(table).toMatch(/^family\s+cases\s+refused/);
  }, 300_000);
});
