/**
 * application/vnd.nnlab.activations+json: every layer's activation maps as a
 * grid of cards (layer name, type, output shape, value range, the tiles the
 * kernel drew), with a layer selector and a zoom slider. Clicking a card
 * title shows that layer alone; clicking a tile opens that channel large, and a
 * pixel of it explains itself (explain.ts). [N, F] outputs are drawn as bars.
 * `ActivationGrid` is also used by the Layer Inspector.
 */
import { MIME, type ActivationLayer, type ActivationsPayload } from '../protocol';
import { arr, clear, fmtNumber, fmtShape, h, isRecord, num, pngImage, select, str } from '../dom';
import { PayloadRenderer } from './base';
import { ChannelView, type ChannelContext } from './explain';

const ZOOMS = ['0.5', '1', '1.5', '2', '3', '4'];

/** The grid of activation cards with its controls. */
export class ActivationGrid {
  readonly node: HTMLElement;
  private layers: ActivationLayer[] = [];
  private shown = '*';
  private zoom = 1;
  private readonly layerSelect: HTMLSelectElement;
  private readonly zoomInput: HTMLInputElement;
  private readonly zoomLabel: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly channelView: ChannelView | null;

  /** `context`: the model and sample the maps are of, when the kernel can be asked about them (click to explain). */
  constructor(context: ChannelContext | null = null) {
    this.channelView = context ? new ChannelView(context) : null;
    this.layerSelect = select([['*', 'all layers']], '*', { className: 'nnlab-select nnlab-layer-select', aria: { label: 'layer' } });
    this.layerSelect.addEventListener('change', () => {
      this.shown = this.layerSelect.value;
      this.draw();
    });
    this.zoomInput = h('input', { type: 'range', min: '0', max: String(ZOOMS.length - 1), step: '1', className: 'nnlab-zoom', aria: { label: 'zoom' } });
    this.zoomInput.value = '1';
    this.zoomLabel = h('span', { className: 'nnlab-zoom-label' }, '1×');
    this.zoomInput.addEventListener('input', () => this.setZoom(Number(ZOOMS[Number(this.zoomInput.value)] ?? 1)));
    this.grid = h('div', { className: 'nnlab-act-grid' });
    this.node = h('div', { className: 'nnlab-activations-view' },
      h('div', { className: 'nnlab-controls' }, h('label', {}, 'layer ', this.layerSelect), h('label', {}, 'zoom ', this.zoomInput, ' ', this.zoomLabel)),
      this.grid, this.channelView?.node ?? null);
  }

  setZoom(zoom: number): void {
    this.zoom = zoom;
    const i = ZOOMS.indexOf(String(zoom));
    if (i >= 0) this.zoomInput.value = String(i);
    this.zoomLabel.textContent = `${zoom}×`;
    this.draw();
  }

  showLayer(name: string): void {
    this.shown = this.layers.some(l => l.name === name) ? name : '*';
    this.layerSelect.value = this.shown;
    this.draw();
  }

  setLayers(layers: unknown): void {
    this.layers = arr(layers).filter(isRecord) as unknown as ActivationLayer[];
    clear(this.layerSelect);
    this.layerSelect.appendChild(h('option', { value: '*' }, 'all layers'));
    for (const l of this.layers) this.layerSelect.appendChild(h('option', { value: str(l.name) }, `${str(l.name)} (${str(l.className)})`));
    if (!this.layers.some(l => l.name === this.shown)) this.shown = '*';
    this.layerSelect.value = this.shown;
    this.draw();
  }

  private draw(): void {
    clear(this.grid);
    const layers = this.shown === '*' ? this.layers : this.layers.filter(l => l.name === this.shown);
    if (layers.length === 0) this.grid.appendChild(h('div', { className: 'nnlab-muted' }, 'No activation maps.'));
    for (const layer of layers) {
      const img = layer.image;
      const w = num(img?.width) ?? 0;
      const hgt = num(img?.height) ?? 0;
      const channels = num(layer.channels) ?? 0;
      const shownChannels = num(layer.shownChannels) ?? channels;
      const constant = arr(layer.constantChannels).map(c => num(c)).filter((c): c is number => c !== null);
      const card = h('div', { className: 'nnlab-act-card', data: { layer: str(layer.name) }, title: 'Click to show this layer alone' },
        h('div', { className: 'nnlab-act-title' }, h('b', {}, str(layer.name)), ' ', h('span', { className: 'nnlab-muted' }, str(layer.className))),
        h('div', { className: 'nnlab-act-meta' },
          h('code', { className: 'nnlab-shape' }, fmtShape(layer.shape)),
          ` · range ${fmtNumber(layer.stats?.min)} … ${fmtNumber(layer.stats?.max)}`,
          channels ? ` · ${shownChannels < channels ? `${shownChannels} of ` : ''}${channels} channel${channels === 1 ? '' : 's'}` : '',
          constant.length ? h('span', { className: 'nnlab-constant', title: 'all values equal (e.g. a dead ReLU channel); crossed out in the image' },
            ` · constant: ${constant.length === 1 && channels <= 1 ? 'all' : `channel${constant.length === 1 ? '' : 's'} ${constant.join(', ')}`}`) : ''),
        Array.isArray(layer.vector) ? vectorBars(layer.vector, this.zoom)
          : img ? this.tiles(layer, pngImage(img.png, `activations of ${str(layer.name)}`, Math.round(w * this.zoom), Math.round(hgt * this.zoom)), w)
            : h('span', { className: 'nnlab-muted' }, '(no image)'));
      card.addEventListener('click', () => this.showLayer(this.shown === str(layer.name) ? '*' : str(layer.name)));
      this.grid.appendChild(card);
    }
  }

  /** Makes the tiles of `image` clickable: a click opens the channel under it large. */
  private tiles(layer: ActivationLayer, image: HTMLElement, naturalWidth: number): HTMLElement {
    const rects = arr(layer.tileRects).filter(Array.isArray) as number[][];
    if (!this.channelView || rects.length === 0 || !(image instanceof HTMLImageElement)) return image;
    image.classList.add('nnlab-clickable');
    image.title = 'Click a channel to see it large';
    image.addEventListener('click', e => {
      e.stopPropagation();
      const box = image.getBoundingClientRect();
      const fy = (image.naturalHeight || naturalWidth) / (box.height || 1);
      const [px, py] = [(e.clientX - box.left) * (naturalWidth / (box.width || 1)), (e.clientY - box.top) * fy];
      const channel = rects.findIndex(([x, y, w, hh]) => px >= x - 1 && px < x + w + 1 && py >= y - 1 && py < y + hh + 1);
      if (channel >= 0) void this.channelView?.open(str(layer.name), channel);
    });
    return image;
  }
}

/** An [F] vector as bars around a zero line (positive up, negative down), one bar per feature. */
export function vectorBars(values: unknown[], zoom: number): HTMLElement {
  const v = values.map(num);
  const finite = v.filter((x): x is number => x !== null);
  const top = Math.max(0, ...finite), bottom = Math.min(0, ...finite);
  const barW = Math.max(1, Math.min(12, Math.floor(480 / Math.max(1, v.length))));
  const height = Math.round(60 * zoom);
  const canvas = document.createElement('canvas');
  canvas.width = v.length * barW;
  canvas.height = height;
  canvas.className = 'nnlab-vector-bars';
  canvas.dataset.bars = String(v.length);
  canvas.title = `${v.length} values, ${fmtNumber(bottom)} … ${fmtNumber(top)}`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const span = top - bottom || 1;
  const zero = Math.round((top / span) * (height - 1));
  ctx.fillStyle = '#bbb';
  ctx.fillRect(0, zero, canvas.width, 1);
  v.forEach((x, i) => {
    if (x === null) return;
    const y = Math.round(((top - x) / span) * (height - 1));
    ctx.fillStyle = x >= 0 ? '#4c78a8' : '#e45756';
    ctx.fillRect(i * barW, Math.min(y, zero), Math.max(1, barW - (barW > 2 ? 1 : 0)), Math.max(1, Math.abs(zero - y)));
  });
  return canvas;
}

export class ActivationsRenderer extends PayloadRenderer<ActivationsPayload> {
  private grid: ActivationGrid | null = null;

  constructor() {
    super(MIME.activations, 'activations', 'nnlab-activations');
  }

  protected render(a: ActivationsPayload): void {
    this.node.textContent = '';
    this.node.appendChild(
      h('div', { className: 'nnlab-header' },
        h('span', { className: 'nnlab-title' }, `Activation maps${a.model ? ` of ${str(a.model)}` : ''}`), ' ',
        h('span', { className: 'nnlab-muted' }, `input ${fmtShape(a.inputShape)} · sample ${fmtNumber(a.sampleIndex)} · ${str(a.colormap)} · ${a.scale === 'shared' ? "a layer's tiles share one scale" : 'each tile its own scale'}`))
    );
    this.grid = new ActivationGrid(a.model ? { model: str(a.model), index: num(a.sampleIndex) ?? 0 } : null);
    this.grid.setLayers(a.layers);
    this.node.appendChild(this.grid.node);
  }
}
