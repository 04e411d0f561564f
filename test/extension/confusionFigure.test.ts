import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// NOTE: the extension compiles against a generated copy of kernel/protocol.ts; make it first.
execFileSync(process.execPath, ['extension/nnlab-extension/scripts/sync-protocol.js']);
const { confusionFigure, confusionColor, luminance, CONFUSION_COLORSCALE } = await import('../../extension/nnlab-extension/src/renderers/confusionFigure');

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

describe('confusionFigure (extension)', () => {
  const fig = confusionFigure({ classNames: ['a', 'b', 'c', 'd'], matrix: [[5, 3, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] });
  const trace = fig.data[0] as { z: number[][]; zmin: number; zmax: number; colorscale: [number, string][]; colorbar?: unknown; customdata: number[][] };
  const annotations = fig.layout.annotations as { x: string; y: string; text: string; font: { color: string } }[];

  it('colours by the fraction of the true class on a light-to-dark scale from 0 to 1, with a colour bar', () => {
    expect(trace.z[0]).toEqual([5 / 9, 3 / 9, 1 / 9, 0]);
    expect(trace.customdata).toEqual([[5, 3, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
    expect([trace.zmin, trace.zmax]).toEqual([0, 1]);
    expect(trace.colorbar).toBeDefined();
    expect(trace.colorscale).toBe(CONFUSION_COLORSCALE);
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
