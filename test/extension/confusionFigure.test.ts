import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const EXTENSION = path.resolve(__dirname, '../../extension/nnlab-extension');
interface FigureModule {
  confusionFigure(c: { classNames: string[]; matrix: number[][] }): { data: Record<string, unknown>[]; layout: Record<string, unknown> };
  confusionColor(t: number): string;
  luminance(hex: string): number;
  CONFUSION_COLORSCALE: [number, string][];
}
let m: FigureModule;
beforeAll(async () => {
  // NOTE: the extension compiles against a generated copy of kernel/protocol.ts; make it first.
  execFileSync(process.execPath, [path.join(EXTENSION, 'scripts/sync-protocol.js')]);
  m = (await import(path.join(EXTENSION, 'src/renderers/confusionFigure.ts'))) as FigureModule;
});

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

type Trace = { z: number[][]; zmin: number; zmax: number; colorscale: [number, string][]; colorbar?: unknown; customdata: number[][] };
type Annotation = { x: string; y: string; text: string; font: { color: string } };

describe('confusionFigure (extension)', () => {
  let trace: Trace, annotations: Annotation[];
  let luminance: FigureModule['luminance'], confusionColor: FigureModule['confusionColor'];
  beforeAll(() => {
    const fig = m.confusionFigure({ classNames: ['a', 'b', 'c', 'd'], matrix: [[5, 3, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] });
    trace = fig.data[0] as Trace;
    annotations = fig.layout.annotations as Annotation[];
    ({ luminance, confusionColor } = m);
  });

  it('colours by the fraction of the true class on a light-to-dark scale from 0 to 1, with a colour bar', () => {
    expect(trace.z[0]).toEqual([5 / 9, 3 / 9, 1 / 9, 0]);
    expect(trace.customdata).toEqual([[5, 3, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
    expect([trace.zmin, trace.zmax]).toEqual([0, 1]);
    expect(trace.colorbar).toBeDefined();
    expect(trace.colorscale).toBe(m.CONFUSION_COLORSCALE);
    // the scale itself: luminance falls monotonically from near-white (0) to dark (1)
    const lum = trace.colorscale.map(([, c]) => luminance(c));
    expect(lum[0]).toBeGreaterThan(0.9);
    for (let i = 1; i < lum.length; i++) expect(lum[i]).toBeLessThan(lum[i - 1]);
    // so more of a row is darker: counts 0 < 1 < 3 < 5 in row 'a'
    const row = [3, 2, 1, 0].map(j => luminance(confusionColor(trace.z[0][j])));
    for (let i = 1; i < row.length; i++) expect(row[i]).toBeLessThan(row[i - 1]);
  });

  it('writes every count in the text colour that reads on its cell', () => {
    expect(annotations).toHaveLength(16);
    for (const a of annotations) {
      const i = ['a', 'b', 'c', 'd'].indexOf(a.y), j = ['a', 'b', 'c', 'd'].indexOf(a.x);
      expect(a.text).toBe(String(trace.customdata[i][j]));
      expect(contrast(luminance(confusionColor(trace.z[i][j])), luminance(a.font.color)), `${a.y}/${a.x}`).toBeGreaterThanOrEqual(4.5);
    }
    expect(annotations.find(a => a.x === 'd' && a.y === 'd')!.font.color).toBe('#ffffff');
    expect(annotations.find(a => a.x === 'd' && a.y === 'a')!.font.color).toBe('#000000');
  });
});
