import { describe, expect, it } from 'vitest';
import { MIME } from '../../kernel/protocol';
import { figureBundle, figureSvg, linePlot, niceTicks, histogramSvg, Figure } from '../../kernel/src/figure';

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
