import { describe, expect, it } from 'vitest';
import { MIME } from '../../kernel/protocol';
import { colorscaleFn, figureBundle, figurePng, figureScene, figureSvg, linePlot, niceTicks, histogramSvg, Figure } from '../../kernel/src/figure';
import { decodePNG, pixelHex } from './png-decode';

describe('niceTicks', () => {
  it('picks steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 17)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(2, 2)).toEqual([2]);
  });
});

describe('figureSvg', () => {
  it('draws line traces as polylines, with a legend and axis titles', () => {
    const svg = figureSvg({ data: [{ name: 'loss', y: [3, 2, 1.5], mode: 'lines' }], layout: { title: 'Loss', xaxis: { title: 'step' } } });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg).toContain('>Loss</text>');
    expect(svg).toContain('>step</text>');
    expect(svg).toContain('>loss</text>');
  });
  it('breaks lines at null and NaN, draws markers, bars and a second axis', () => {
    const svg = figureSvg({
      data: [
        { y: [1, null, 2, 3], mode: 'lines+markers' },
        { type: 'bar', x: [0, 1], y: [0.5, 0.7], yaxis: 'y2' },
      ],
      layout: { yaxis2: { title: 'acc', overlaying: 'y', side: 'right' } },
    });
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#/g)!.length).toBeGreaterThanOrEqual(2);
    expect(svg).toContain('>acc</text>');
  });
  it('leaves a null x out of the x-axis range (a gap, not its index)', () => {
    const svg = figureSvg({ data: [{ x: [100, null, 200], y: [1, 2, 3], mode: 'lines+markers' }] });
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain('>100</text>');
    expect(svg).not.toMatch(/>0<\/text>/);
  });
  it('skips non-positive values on a log axis and says when there is no data', () => {
    const svg = figureSvg({ data: [{ y: [10, 0, 1], mode: 'lines' }], layout: { yaxis: { type: 'log' } } });
    expect(svg).toContain('>10</text>');
    expect(figureSvg({ data: [{ y: [] }] })).toContain('no data yet');
  });
  it('escapes text', () => {
    expect(figureSvg({ data: [{ name: '<b>', y: [1, 2] }] })).toContain('&lt;b&gt;');
  });
});

describe('figureBundle', () => {
  it('has plotly JSON, a static SVG, the same drawing as PNG, and text', () => {
    const fig = linePlot([{ name: 'train', y: [1, 0.5] }, { name: 'acc', y: [0.2, 0.8], yaxis: 'y2' }], { title: 't', logY: true });
    expect(fig).toBeInstanceOf(Figure);
    const b = figureBundle(fig.spec);
    expect(Object.keys(b).sort()).toEqual([MIME.plotly, 'image/png', 'image/svg+xml', 'text/plain'].sort());
    const plotly = b[MIME.plotly] as { data: unknown[]; layout: { yaxis: { type: string }; yaxis2: unknown } };
    expect(plotly.data).toHaveLength(2);
    expect(plotly.layout.yaxis.type).toBe('log');
    expect(plotly.layout.yaxis2).toBeDefined();
    expect(b['text/plain']).toBe("Figure 't': 2 trace(s) (train, acc)");
    expect(fig[Symbol.for('Jupyter.display') as keyof Figure]).toBeTypeOf('function');
  });
  it('draws histograms with one bar per bin', () => {
    expect(histogramSvg([0, 1, 2], [3, 1]).match(/<rect/g)).toHaveLength(2);
  });
});

describe('figurePng', () => {
  it('draws the scene the SVG is made of: a heatmap trace cell by cell, row 0 at the bottom, and its colour bar', () => {
    const spec = { data: [{ type: 'heatmap' as const, y: [0, 1], z: [[0, 1], [2, 3]], colorscale: [[0, '#000000'], [1, '#ffffff']] as [number, string][] }], layout: { width: 300, height: 200 } };
    const png = decodePNG(figurePng(spec));
    expect([png.width, png.height]).toEqual([300, 200]);
    const cells = figureScene(spec).shapes.find((s) => s.kind === 'cells')!;
    if (cells.kind !== 'cells') throw new Error('no heatmap');
    const at = (fx: number, fy: number) => pixelHex(png, Math.round(cells.x + fx * cells.w), Math.round(cells.y + fy * cells.h));
    const grey = (t: number) => '#' + colorscaleFn([[0, '#000000'], [1, '#ffffff']])(t).map((v) => v.toString(16).padStart(2, '0')).join('');
    expect(at(0.25, 0.75)).toBe(grey(0)); // z[0][0] = 0 bottom left
    expect(at(0.75, 0.75)).toBe(grey(1 / 3));
    expect(at(0.25, 0.25)).toBe(grey(2 / 3));
    expect(at(0.75, 0.25)).toBe(grey(1)); // z[1][1] = 3 top right
    expect(figureScene(spec).shapes.filter((s) => s.kind === 'cells')).toHaveLength(2); // the heatmap and its colour bar
    expect(figureSvg(spec)).toContain('<image');
  });
  it('names categorical ticks and draws Chinese titles as text', () => {
    const spec = { data: [{ type: 'bar' as const, x: [0, 1], y: [1, 2] }], layout: { title: '分数', xaxis: { tickvals: [0, 1], ticktext: ['猫 cat', '狗 dog'] } } };
    const texts = figureScene(spec).shapes.flatMap((s) => (s.kind === 'text' ? [s.text] : []));
    expect(texts).toEqual(expect.arrayContaining(['分数', '猫 cat', '狗 dog']));
    const withTitle = decodePNG(figurePng(spec)), without = decodePNG(figurePng({ ...spec, layout: { ...spec.layout, title: '??' } }));
    expect(Buffer.from(withTitle.pixels).equals(Buffer.from(without.pixels))).toBe(false);
  });
});
