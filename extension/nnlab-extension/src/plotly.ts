/**
 * plotly.js, loaded on first use from the extension's own static folder
 * (`<labextensions url>/@nnlab/jupyterlab-nnlab/static/plotly.min.js`, copied
 * there at build time), so it works offline and is not part of every page load.
 *
 * Plotly draws text as SVG nodes and understands a few HTML-like tags in it
 * (`<b>`, `<br>`, `<a href>`); `plotlyText` escapes untrusted strings so a
 * layer called `<b>x</b>` shows those characters literally.
 *
 * @example const Plotly = await loadPlotly(); await Plotly.react(div, data, layout, PLOT_CONFIG);
 */
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { sanitizeFigure } from './renderers/sanitizeFigure';
// NOTE: plotlyText lives with sanitizeFigure, free of JupyterLab imports, so the panel's pure parts load in vitest.
export { plotlyText } from './renderers/sanitizeFigure';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface PlotlyApi {
  newPlot(el: HTMLElement, data: unknown[], layout?: object, config?: object): Promise<unknown>;
  react(el: HTMLElement, data: unknown[], layout?: object, config?: object): Promise<unknown>;
  purge(el: HTMLElement): void;
  Plots: { resize(el: HTMLElement): void };
}

const EXTENSION_NAME = '@nnlab/jupyterlab-nnlab';
let loading: Promise<PlotlyApi> | null = null;

/** The URL plotly.min.js is served from. */
export function plotlyUrl(): string {
  return URLExt.join(PageConfig.getOption('fullLabextensionsUrl'), EXTENSION_NAME, 'static', 'plotly.min.js');
}

/** Loads plotly.js once (a `<script>` tag) and resolves to `window.Plotly`. */
export function loadPlotly(): Promise<PlotlyApi> {
  const w = window as any;
  if (w.Plotly?.react) return Promise.resolve(w.Plotly as PlotlyApi);
  if (loading) return loading;
  loading = new Promise<PlotlyApi>((resolve, reject) => {
    // NOTE: plotly's UMD wrapper registers with an AMD loader when one is present
    // instead of setting window.Plotly; hide `define` while it loads.
    const define = w.define;
    w.define = undefined;
    const script = document.createElement('script');
    script.async = true;
    script.src = plotlyUrl();
    script.onload = () => {
      w.define = define;
      if (w.Plotly?.react) resolve(w.Plotly as PlotlyApi);
      else reject(new Error('nnlab: plotly.min.js loaded but window.Plotly is missing'));
    };
    script.onerror = () => {
      w.define = define;
      loading = null;
      reject(new Error(`nnlab: could not load plotly.js from ${script.src}`));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/**
 * Plot options for every nnlab chart: no logo, no network, resizes with its
 * box, and a short modebar (download, zoom, pan, reset: about 110 px).
 */
export const PLOT_CONFIG = Object.freeze({
  displaylogo: false,
  responsive: true,
  showLink: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  modeBarButtonsToRemove: ['sendDataToCloud', 'select2d', 'lasso2d', 'zoomIn2d', 'zoomOut2d', 'autoScale2d', 'toggleSpikelines', 'hoverClosestCartesian', 'hoverCompareCartesian'],
});

/** The strip plotly's modebar takes at the top right of a plot (px); the top margin is at least this. */
export const MODEBAR_HEIGHT = 30;

/** Theme-aware colours read from JupyterLab's CSS variables. */
export function themeColors(el: HTMLElement): { font: string; grid: string; paper: string } {
  const style = getComputedStyle(el);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return { font: v('--jp-ui-font-color1', '#333'), grid: v('--jp-border-color2', '#ddd'), paper: 'rgba(0,0,0,0)' };
}

/**
 * A base layout: transparent background, theme font colour, small margins.
 * The modebar (top right, on hover) never covers the plot or its title: the
 * top margin is at least `MODEBAR_HEIGHT`, and a title without its own
 * position sits at the left of that strip.
 */
export function baseLayout(el: HTMLElement, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = themeColors(el);
  const layout: Record<string, unknown> = {
    paper_bgcolor: c.paper,
    plot_bgcolor: c.paper,
    font: { color: c.font, size: 11 },
    ...extra,
  };
  const margin = { l: 50, r: 20, t: 30, b: 40, ...(typeof extra.margin === 'object' && extra.margin ? extra.margin : {}) } as Record<string, unknown>;
  margin.t = Math.max(typeof margin.t === 'number' ? margin.t : 0, MODEBAR_HEIGHT);
  layout.margin = margin;
  const title = typeof layout.title === 'string' ? { text: layout.title } : layout.title;
  if (title && typeof title === 'object' && !('x' in title) && !('xanchor' in title)) {
    layout.title = { ...title, x: 0, xref: 'container', xanchor: 'left', y: 1, yref: 'container', yanchor: 'top', pad: { l: 10, t: 8 } };
  }
  return layout;
}

/**
 * A plot area that draws when it is in the document and redraws with
 * `Plotly.react` (no flicker) on every `update`; `dispose` frees plotly's state.
 * Every figure goes through `sanitizeFigure` first (nothing it draws reaches
 * the network), and a click on a link inside the plot navigates nowhere.
 */
export class PlotArea {
  readonly node: HTMLDivElement;
  private plotted = false;
  private pending: { data: unknown[]; layout: object } | null = null;
  private drawing: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(className = 'nnlab-plot', height = 260) {
    this.node = document.createElement('div');
    this.node.className = className;
    this.node.style.height = `${height}px`;
    this.node.addEventListener('click', blockLinks, true);
  }

  /** Draws (or redraws) the figure; resolves when plotly has drawn it. */
  update(data: unknown[], layout: object): Promise<void> {
    this.pending = { data, layout };
    this.drawing = this.drawing.then(() => this.flush()).catch(err => this.showError(err));
    return this.drawing;
  }

  /** Call when the node may have become visible or changed size. */
  resize(): void {
    const w = window as any;
    if (this.plotted && this.node.isConnected && this.node.offsetWidth > 0 && w.Plotly) w.Plotly.Plots.resize(this.node);
    else if (this.pending) void this.update(this.pending.data, this.pending.layout);
  }

  dispose(): void {
    this.disposed = true;
    this.node.removeEventListener('click', blockLinks, true);
    const w = window as any;
    if (this.plotted && w.Plotly) w.Plotly.purge(this.node);
  }

  private async flush(): Promise<void> {
    if (this.disposed || !this.pending) return;
    const Plotly = await loadPlotly();
    // NOTE: plotly measures its container; wait until it is in the document.
    if (!this.node.isConnected) return;
    const figure = sanitizeFigure(this.pending);
    this.pending = null;
    await Plotly.react(this.node, figure.data, figure.layout, { ...PLOT_CONFIG, ...figure.config });
    this.plotted = true;
    this.node.dataset.plotted = 'true';
  }

  private showError(err: unknown): void {
    this.node.textContent = `Plot failed: ${err instanceof Error ? err.message : String(err)}`;
    this.node.classList.add('nnlab-error');
  }
}

const XLINK = 'http://www.w3.org/1999/xlink';

/**
 * Capture-phase click handler of every plot: a link plotly drew (from text
 * that `sanitizeFigure` could not see, such as a hover template filled in
 * with data) does not navigate. The modebar's buttons are `<a>` without href.
 */
function blockLinks(event: MouseEvent): void {
  const link = event.target instanceof Element ? event.target.closest('a') : null;
  if (link && (link.hasAttribute('href') || link.hasAttributeNS(XLINK, 'href'))) event.preventDefault();
}
