// No request leaves the machine when nnlab's JupyterLab renders hostile plotly
// figures (issue 13, item 4: an untrusted notebook's `layout.images` made the
// browser fetch from an outside address, `scattergeo` fetched its map from a
// CDN). A notebook saved with plotly outputs (so it opens untrusted) holds
// outside images (http, https, protocol-relative, data:text/html), geo and
// map traces, a choropleth with a GeoJSON URL, `javascript:` and http links
// in titles, annotations, names and hover templates, font families and
// styles with url(), and buttons that would add images. Every request and
// WebSocket of the browser context is recorded (and one to another host
// aborted); the test fails on any that is not to the lab's own server, and
// checks that each figure still renders, with a note naming what was left
// out. A last check proves the recorder sees an outside image request.
// Screenshot: test-output/browser/plotly-offline.png.
//
// Run: node --test --test-reporter=spec test/browser/plotly-offline.test.mjs

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUT, build, launchBrowser, startServer, watchPage } from './harness.mjs';

const WORK = join(OUT, 'plotly-offline');
const MIME = 'application/vnd.plotly.v1+json';
// A 16×16 red PNG: the one image that must still be drawn.
const RED_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGO4Y6NBEmIY1TCqYfhqAADTxkAQc4IxEwAAAABJRU5ErkJggg==';
const EVIL = 'http://example.invalid';

/** The hostile figures, one output each, with what must still be drawn. */
const FIGURES = [
  {
    name: 'images, links and fonts',
    figure: {
      data: [
        {
          type: 'scatter', x: [1, 2, 3], y: [2, 1, 3], mode: 'lines+markers',
          name: '<a href="javascript:alert(1)">evil name</a>',
          hovertemplate: `<a href="${EVIL}/hover">%{y}</a><extra></extra>`,
          textfont: { family: `url(${EVIL}/trace-font.woff)` },
        },
      ],
      layout: {
        title: { text: `hostile <a href="${EVIL}/title">title</a>`, font: { family: `url(${EVIL}/title-font.woff)` } },
        font: { family: `"Evil Font", url(//example.invalid/font.woff)` },
        showlegend: true,
        images: [
          { source: `${EVIL}/x.png`, xref: 'paper', yref: 'paper', x: 0, y: 1, sizex: 0.3, sizey: 0.3 },
          { source: '//example.invalid/y.png', xref: 'paper', yref: 'paper', x: 0.3, y: 1, sizex: 0.3, sizey: 0.3 },
          { source: 'https://example.invalid/z.png', xref: 'paper', yref: 'paper', x: 0, y: 0.5, sizex: 0.3, sizey: 0.3 },
          { source: ' HTTP://EXAMPLE.INVALID/upper.png', xref: 'paper', yref: 'paper', x: 0, y: 0.5, sizex: 0.3, sizey: 0.3 },
          { source: `data:text/html,<img src="${EVIL}/html.png">`, xref: 'paper', yref: 'paper', x: 0, y: 0.2, sizex: 0.3, sizey: 0.3 },
          { source: RED_PNG, xref: 'paper', yref: 'paper', x: 0.75, y: 1, sizex: 0.2, sizey: 0.2 },
        ],
        annotations: [
          { text: `<a href="javascript:alert(3)">js link</a> and <a href="${EVIL}/ann">http link</a>`, x: 2, y: 2.5, showarrow: true },
          { text: `<span style="cursor:url(${EVIL}/cursor.png),auto;font-family:url(${EVIL}/span-font.woff)">styled</span>`, x: 1, y: 3 },
        ],
        xaxis: { title: { text: '<A HREF="//example.invalid/axis">x axis</A>' } },
        updatemenus: [
          {
            type: 'buttons', x: 1.15, y: 0.3,
            buttons: [
              { label: 'bigger', method: 'restyle', args: ['marker.size', 12] },
              { label: 'add image', method: 'relayout', args: [{ images: [{ source: `${EVIL}/button.png`, xref: 'paper', yref: 'paper', x: 0, y: 1, sizex: 1, sizey: 1 }] }] },
            ],
          },
        ],
        template: { layout: { images: [{ source: `${EVIL}/template.png`, xref: 'paper', yref: 'paper', x: 0, y: 1, sizex: 1, sizey: 1 }] } },
      },
    },
    traces: 1,
    notes: [/x\.png/, /y\.png/, /z\.png/, /upper\.png/, /text\/html/, /template\.png/, /font families with URLs: .*title-font/, /links and styles in text/, /buttons that would load images or maps: layout\.updatemenus\[0\]\.buttons\[1\]/],
  },
  {
    name: 'scattergeo beside a scatter',
    figure: {
      data: [{ type: 'scattergeo', lat: [48.86], lon: [2.35], text: ['Paris'] }, { type: 'scatter', x: [0, 1], y: [1, 0] }],
      layout: { geo: { scope: 'europe', showland: true } },
    },
    traces: 1,
    notes: [/1 scattergeo/],
  },
  {
    name: 'choropleth (world map data from the CDN)',
    figure: { data: [{ type: 'choropleth', locations: ['FRA', 'DEU', 'ITA'], z: [1, 2, 3], locationmode: 'ISO-3' }], layout: { title: { text: 'choropleth' } } },
    traces: 0,
    notes: [/1 choropleth/],
  },
  {
    name: 'choropleth with a GeoJSON URL',
    figure: { data: [{ type: 'choropleth', geojson: `${EVIL}/shapes.geojson`, featureidkey: 'properties.id', locations: ['a'], z: [1] }] },
    traces: 0,
    notes: [/1 choropleth/],
  },
  {
    name: 'map and mapbox traces (tiles, styles, glyphs)',
    figure: {
      data: [
        { type: 'scattermap', lat: [45], lon: [7] },
        { type: 'densitymap', lat: [45], lon: [7], z: [1] },
        { type: 'choroplethmap', geojson: `${EVIL}/map.geojson`, locations: ['a'], z: [1] },
        { type: 'scattermapbox', lat: [45], lon: [7] },
        { type: 'bar', x: ['kept'], y: [1] },
      ],
      layout: { map: { style: `${EVIL}/style.json` }, mapbox: { style: 'open-street-map' } },
    },
    traces: 1,
    notes: [/scattermap/, /densitymap/, /choroplethmap/, /scattermapbox/],
  },
  {
    name: 'image traces',
    figure: {
      data: [
        { type: 'image', source: `${EVIL}/trace.png` },
        { type: 'image', source: '//example.invalid/trace2.png', x0: 20 },
        { type: 'image', source: RED_PNG, x0: 40 },
      ],
    },
    traces: 0,
    notes: [/trace\.png/, /trace2\.png/],
  },
];

const NOTEBOOK = {
  cells: [
    { cell_type: 'markdown', metadata: {}, source: '# Hostile plotly outputs\nSaved outputs only (test/browser/plotly-offline.test.mjs): the notebook opens untrusted.' },
    ...FIGURES.map(({ name, figure }) => ({
      cell_type: 'code',
      execution_count: 1,
      metadata: {},
      source: `// ${name}`,
      outputs: [{ output_type: 'display_data', metadata: {}, data: { [MIME]: figure, 'text/plain': [`<plotly figure: ${name}>`] } }],
    })),
  ],
  metadata: {
    kernelspec: { display_name: 'nnlab (TypeScript)', language: 'typescript', name: 'nnlab' },
    language_info: { name: 'typescript' },
  },
  nbformat: 4,
  nbformat_minor: 4,
};

let server;
let browser;
let context;
let page;
let problems = [];
const requests = []; // { url, kind } of every request and WebSocket the context opened

/** True for a request to the lab's server, or one that reaches no network (data:, blob:, about:). */
function isLocal(url) {
  const u = new URL(url);
  if (['data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  return u.host === new URL(server.base).host;
}

before(async () => {
  build();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, 'hostile-plotly.ipynb'), JSON.stringify(NOTEBOOK, null, 1));
  server = await startServer(WORK);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  context.on('request', req => requests.push({ url: req.url(), kind: req.resourceType() }));
  // NOTE: nothing may leave the machine even if a check below fails: outside requests are aborted (and stay recorded).
  await context.route('**/*', route => (isLocal(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
  page = await context.newPage();
  page.on('websocket', ws => requests.push({ url: ws.url(), kind: 'websocket' }));
  page.on('popup', popup => requests.push({ url: popup.url() || 'popup', kind: 'popup' }));
  problems = watchPage(page, [/net::ERR_BLOCKED_BY_CLIENT/]); // the control request below
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (server) writeFileSync(join(OUT, 'plotly-offline-server.log'), server.log());
});

const outside = () => requests.filter(r => !isLocal(r.url)).map(r => `${r.kind} ${r.url}`);

/** The plotly output of the i-th code cell. */
const figureOutput = i => page.locator('.jp-Notebook .jp-CodeCell').nth(i).locator('.nnlab-plotly');

describe('plotly renderer offline', () => {
  test('hostile figures in an untrusted notebook render without a request to another host', async () => {
    await page.goto(server.url('lab/tree/hostile-plotly.ipynb?reset'));
    await page.waitForSelector('body[data-nnlab-lab-ready="true"]', { state: 'attached', timeout: 60000 });
    // NOTE: a figure waiting for map data it may not fetch is never drawn: the requests are checked first.
    const drawn = await Promise.all(
      FIGURES.map((_, i) => figureOutput(i).locator('.nnlab-plot[data-plotted="true"]').waitFor({ timeout: 60000 }).then(() => true, () => false))
    );
    const trusted = await page.evaluate(() =>
      window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code').map(c => c.model.trusted)
    );
    assert.ok(trusted.every(t => t === false), `the notebook is untrusted: ${trusted}`);
    // Hover the first figure's points: hover labels are drawn from the (hostile) hover template.
    if (drawn[0]) {
      const drag = figureOutput(0).locator('.nsewdrag').first();
      await drag.scrollIntoViewIfNeeded();
      const box = await drag.boundingBox();
      for (const fx of [0.02, 0.5, 0.98]) await page.mouse.move(box.x + box.width * fx, box.y + box.height / 2, { steps: 4 });
    }
    await page.waitForTimeout(1500); // let anything the figures would fetch start
    assert.deepEqual(outside(), [], 'requests to hosts other than the lab server');
    assert.deepEqual(drawn, FIGURES.map(() => true), 'every figure is drawn');
    assert.ok(requests.some(r => r.url.includes('/static/plotly.min.js')), 'plotly.js came from the lab server');
  });

  for (const [i, { name, traces, notes }] of FIGURES.entries()) {
    test(`figure ${i + 1} (${name}) is drawn, with a note naming what was left out`, async () => {
      const out = figureOutput(i);
      const note = await out.locator('.nnlab-offline-note').textContent({ timeout: 5000 });
      for (const re of notes) assert.match(note, re, `figure ${i + 1}: note "${note}"`);
      const drawn = await out.locator('.main-svg .trace, .main-svg .imagelayer image').count();
      assert.ok(drawn >= traces, `figure ${i + 1}: ${drawn} traces drawn, expected at least ${traces}`);
      assert.equal(await out.locator('.main-svg a').count(), 0, `figure ${i + 1}: no link in the plot`);
      assert.equal(await out.locator('.geolayer > *, .maplibregl-map, .mapboxgl-map').count(), 0, `figure ${i + 1}: no map`);
    });
  }

  test('what the user meant is still there: title, annotation and axis text, the data: image, the harmless button', async () => {
    const out = figureOutput(0);
    assert.equal(await out.locator('.gtitle').textContent(), 'hostile title');
    const annotations = await out.locator('.annotation-text').allTextContents();
    assert.deepEqual(annotations, ['js link and http link', 'styled']);
    assert.equal(await out.locator('.xtitle').textContent(), 'x axis');
    assert.equal(await out.locator('.legendtext').first().textContent(), 'evil name');
    const images = await out.locator('.main-svg image').evaluateAll(els => els.map(e => e.getAttribute('href') ?? e.getAttribute('xlink:href')));
    assert.deepEqual(images.map(h => h.slice(0, 22)), ['data:image/png;base64,'], `the data: image only: ${images.map(h => h.slice(0, 40))}`);
    const buttons = await out.locator('.updatemenu-button').allTextContents();
    assert.deepEqual(buttons, ['bigger']);
    const families = await out.locator('.main-svg text').evaluateAll(els => [...new Set(els.map(e => getComputedStyle(e).fontFamily))]);
    for (const f of families) assert.doesNotMatch(f, /url|example/i, `font family ${f}`);
    const styled = await out.locator('.annotation-text tspan').evaluateAll(els => els.map(e => e.getAttribute('style') ?? ''));
    for (const s of styled) assert.doesNotMatch(s, /url/i, `tspan style ${s}`);
    const image6 = await figureOutput(5).locator('.main-svg .imagelayer image').count();
    assert.equal(image6, 1, 'the image trace with a data: source is drawn');
    await figureOutput(0).scrollIntoViewIfNeeded();
    await page.locator('.jp-Notebook').screenshot({ path: join(OUT, 'plotly-offline.png') });
    await figureOutput(0).screenshot({ path: join(OUT, 'plotly-offline-figure1.png') });
  });

  test('a link that reaches a plot anyway does not navigate', async () => {
    const before = requests.length;
    const plot = figureOutput(0).locator('.nnlab-plot');
    await plot.evaluate((el, href) => {
      const svg = el.querySelector('.main-svg');
      const a = document.createElementNS('http://www.w3.org/2000/svg', 'a');
      a.setAttributeNS('http://www.w3.org/1999/xlink', 'xlink:href', href);
      a.setAttribute('target', '_blank');
      a.setAttribute('class', 'nnlab-test-link');
      a.style.pointerEvents = 'all'; // plotly's SVGs pass pointer events through
      const text = document.createElementNS('http://www.w3.org/2000/svg', 'text');
      text.setAttribute('x', '200');
      text.setAttribute('y', '20');
      text.setAttribute('font-size', '30');
      text.textContent = 'click me';
      a.appendChild(text);
      svg.appendChild(a);
    }, `${EVIL}/clicked`);
    await plot.locator('.nnlab-test-link').click();
    await page.waitForTimeout(500);
    await plot.locator('.nnlab-test-link').evaluate(a => a.remove());
    assert.deepEqual(requests.slice(before).filter(r => !isLocal(r.url)), [], 'the click opened nothing');
    assert.equal(context.pages().length, 1, 'no new page');
  });

  test('the recorder sees an outside image request (the checks above can fail)', async () => {
    await figureOutput(0).locator('.nnlab-plot').evaluate((el, href) => {
      const image = document.createElementNS('http://www.w3.org/2000/svg', 'image');
      image.setAttribute('href', href);
      el.querySelector('.main-svg').appendChild(image);
    }, `${EVIL}/control.png`);
    const deadline = Date.now() + 5000;
    while (!outside().some(r => r.includes('control.png')) && Date.now() < deadline) await page.waitForTimeout(100);
    assert.deepEqual(outside(), [`image ${EVIL}/control.png`]);
  });

  test('no page errors, console errors or dialogs', () => {
    assert.deepEqual(problems, []);
  });
});
