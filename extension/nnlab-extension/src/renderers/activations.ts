/**
 * application/vnd.nnlab.activations+json: every layer's activation maps as a
 * grid of cards (layer name, type, output shape, value range, the tiles the
 * kernel drew), with a layer selector and a zoom slider. Clicking a card
 * shows that layer alone. `ActivationGrid` is also used by the Layer Inspector.
 */
import { MIME, type ActivationLayer, type ActivationsPayload } from '../protocol';
import { arr, clear, fmtNumber, fmtShape, h, isRecord, num, pngImage, select, str } from '../dom';
import { PayloadRenderer } from './base';

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

  constructor() {
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
      this.grid);
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
        img ? pngImage(img.png, `activations of ${str(layer.name)}`, Math.round(w * this.zoom), Math.round(hgt * this.zoom)) : h('span', { className: 'nnlab-muted' }, '(no image)'));
      card.addEventListener('click', () => this.showLayer(this.shown === str(layer.name) ? '*' : str(layer.name)));
      this.grid.appendChild(card);
    }
  }
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
    this.grid = new ActivationGrid();
    this.grid.setLayers(a.layers);
    this.node.appendChild(this.grid.node);
  }
}
