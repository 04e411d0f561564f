/**
 * The Layer Inspector side panel: the models alive in the active notebook's
 * kernel as layer trees (type, output shape, parameter count). Selecting a
 * layer shows its parameters' statistics (min, max, mean, std, zeros, NaN,
 * Inf) beside their gradients' after a backward pass, histograms of both, the
 * weights as images (the kernel's `filterImages`, so the colours are those of
 * notebooks), and every leaf layer's activation maps for a chosen sample of
 * the last input the model saw (the selected layer's first); a channel tile
 * opens large and a pixel explains itself (renderers/explain.ts).
 *
 * It asks the kernel through `%nnlab_query` (query.ts) after each executed
 * cell, and while a cell runs it waits, showing "kernel busy".
 */
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { LayerNode, ListResult, ModelInfo, ParameterInfo, WeightsResult, ActivationsResult } from './protocol';
import { arr, clear, fmtCount, fmtNumber, fmtShape, h, isRecord, num, pngImage, select, shapeOf, str } from './dom';
import { PlotArea, baseLayout } from './plotly';
import { queryKernel } from './query';
import { ActivationGrid } from './renderers/activations';
import { histogramFigure } from './renderers/tensor';
import { widenSidebar } from './sidebar';
import type { NotebookWatcher } from './watcher';

export interface InspectorOptions {
  /** Called by the panel's Export button with the selected model's variable name. */
  exportWeights(model: string): Promise<void>;
}

/** The width the panel opens at, in px. */
const OPEN_WIDTH = 420;

type State = 'no-notebook' | 'no-kernel' | 'busy' | 'loading' | 'ready' | 'error';

/** `outputShape` is not in the kernel's LayerNode (yet); read it when present. */
function ownOutputShape(node: LayerNode): number[] | null {
  return shapeOf((node as unknown as Record<string, unknown>).outputShape);
}

function hasOwnOutputShapes(node: LayerNode): boolean {
  return ownOutputShape(node) !== null || childrenOf(node).some(hasOwnOutputShapes);
}

function childrenOf(node: LayerNode): LayerNode[] {
  return arr(node.children).filter(isRecord) as unknown as LayerNode[];
}

function findNode(root: LayerNode, path: string): LayerNode | null {
  if (str(root.name) === path) return root;
  for (const child of childrenOf(root)) {
    const found = findNode(child, path);
    if (found) return found;
  }
  return null;
}

export class LayerInspector extends Widget {
  private list: ListResult | null = null;
  private selectedModel: string | null = null;
  /** True once the user clicked a model or layer (the default selection is the first model). */
  private userChose = false;
  private selectedLayer = '';
  private sampleIndex = 0;
  private stale = true;
  private refreshing: Promise<void> | null = null;
  private generation = 0;
  private readonly collapsed = new Set<string>();
  /** Output shapes of leaf layers ('model/path'), from a one-sample activations query. */
  private outputShapes = new Map<string, number[]>();
  /** Per model, what its shapes were learnt for (class, parameters, input shape): asked again only when it changes. */
  private readonly shapesLearnt = new Map<string, string>();
  private readonly plots: PlotArea[] = [];
  private widened = false;

  private readonly status = h('div', { className: 'nnlab-panel-status' });
  private readonly refreshButton = h('button', { className: 'jp-mod-styled nnlab-button', title: 'Ask the kernel again' }, 'Refresh');
  private readonly exportButton = h('button', { className: 'jp-mod-styled nnlab-button nnlab-export', title: "Save the selected model's weights next to the notebook", disabled: true }, 'Export weights');
  private readonly tree = h('div', { className: 'nnlab-tree', role: 'tree' });
  private readonly details = h('div', { className: 'nnlab-details' });

  constructor(
    private readonly watcher: NotebookWatcher,
    private readonly options: InspectorOptions
  ) {
    super();
    this.id = 'nnlab-layer-inspector';
    this.addClass('nnlab-panel');
    this.addClass('nnlab-inspector');
    this.title.caption = 'Layer Inspector (nnlab)';
    this.node.append(
      h('div', { className: 'nnlab-panel-header' }, h('h2', {}, 'Layer Inspector'), this.refreshButton, this.exportButton),
      this.status, this.tree, this.details);
    this.refreshButton.addEventListener('click', () => void this.refresh());
    this.exportButton.addEventListener('click', () => {
      if (this.selectedModel) void this.options.exportWeights(this.selectedModel).then(() => this.refresh());
    });
    watcher.changed.connect(this.onNotebookChanged, this);
    watcher.busyChanged.connect(this.onBusyChanged, this);
    watcher.executed.connect(this.onExecuted, this);
    this.setState(watcher.panel ? 'ready' : 'no-notebook', watcher.panel ? '' : 'Open a notebook to inspect its models.');
  }

  /** The variable name of the selected model, if any. */
  get model(): string | null {
    return this.selectedModel;
  }

  /** The model the user selected in the tree (not the first one shown by default), if any. */
  get chosenModel(): string | null {
    return this.userChose && this.models.some(m => m.name === this.selectedModel) ? this.selectedModel : null;
  }

  /** The models the kernel reported last. */
  get models(): ModelInfo[] {
    return this.list ? (arr(this.list.models).filter(isRecord) as unknown as ModelInfo[]) : [];
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.watcher.changed.disconnect(this.onNotebookChanged, this);
    this.watcher.busyChanged.disconnect(this.onBusyChanged, this);
    this.watcher.executed.disconnect(this.onExecuted, this);
    this.disposePlots();
    super.dispose();
  }

  /** Asks the kernel for its models again (unless a cell is running). */
  refresh(): Promise<void> {
    if (!this.isVisible) {
      this.stale = true;
      return Promise.resolve();
    }
    if (this.refreshing) return this.refreshing.then(() => this.refresh());
    this.refreshing = this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    // NOTE: the first time it shows, it widens its sidebar to OPEN_WIDTH (the lab's 250 px clips its tables); later the user's width stands.
    if (!this.widened) requestAnimationFrame(() => (this.widened = widenSidebar(this, OPEN_WIDTH)));
    if (this.stale) void this.refresh();
    for (const p of this.plots) p.resize();
  }

  private onNotebookChanged(): void {
    this.list = null;
    this.shapesLearnt.clear();
    this.outputShapes.clear();
    this.selectedModel = null;
    this.userChose = false;
    this.selectedLayer = '';
    clear(this.tree);
    this.clearDetails();
    this.stale = true;
    void this.refresh();
  }

  private onBusyChanged(_: unknown, busy: boolean): void {
    if (busy) this.setState('busy', 'kernel busy: waiting for the running cell to finish');
  }

  private onExecuted(): void {
    this.stale = true;
    if (!this.watcher.busy) void this.refresh();
  }

  private setState(state: State, message: string): void {
    this.node.dataset.state = state;
    this.status.dataset.state = state;
    this.status.textContent = message;
    this.exportButton.disabled = state === 'busy' || !this.selectedModel || !this.watcher.kernel;
  }

  private async doRefresh(): Promise<void> {
    const kernel = this.watcher.kernel;
    if (!this.watcher.panel) return this.setState('no-notebook', 'Open a notebook to inspect its models.');
    if (!kernel) return this.setState('no-kernel', 'This notebook has no kernel.');
    if (this.watcher.busy) return this.setState('busy', 'kernel busy: waiting for the running cell to finish');
    const generation = ++this.generation;
    this.setState('loading', 'asking the kernel…');
    try {
      const list = (await queryKernel(kernel, { op: 'list' })) as ListResult;
      if (generation !== this.generation) return;
      this.list = list;
      this.stale = false;
      this.outputShapes = await this.leafOutputShapes(kernel);
      if (generation !== this.generation) return;
      const models = this.models;
      if (!models.some(m => m.name === this.selectedModel)) {
        this.selectedModel = models.length ? models[0].name : null;
        this.selectedLayer = '';
      }
      this.renderTree();
      this.setState('ready', models.length ? `${models.length} model${models.length === 1 ? '' : 's'} in ${this.watcher.path}` : 'No models in the kernel yet (a Module in a notebook variable shows here).');
      await this.renderDetails();
    } catch (err) {
      if (generation !== this.generation) return;
      this.setState('error', err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * When the kernel's layer tree has no output shapes, learn the leaves' from
   * one forward pass of one sample of the last input (batch axis restored).
   */
  private async leafOutputShapes(kernel: NonNullable<NotebookWatcher['kernel']>): Promise<Map<string, number[]>> {
    const shapes = new Map<string, number[]>();
    for (const model of this.models) {
      const input = shapeOf(model.lastInputShape);
      if (!input || !input[0] || !isRecord(model.tree) || hasOwnOutputShapes(model.tree)) continue;
      const key = JSON.stringify([model.className, model.numParams, input]);
      const prefix = `${model.name}/`;
      if (this.shapesLearnt.get(model.name) === key) {
        for (const [k, v] of this.outputShapes) if (k.startsWith(prefix)) shapes.set(k, v);
        continue;
      }
      try {
        const result = (await queryKernel(kernel, { op: 'activations', model: model.name, index: 0, maxChannels: 1 })) as ActivationsResult;
        for (const layer of arr(result.activations?.layers).filter(isRecord) as unknown as { name: string; shape: unknown }[]) {
          const shape = shapeOf(layer.shape);
          if (shape && shape.length) shapes.set(`${prefix}${str(layer.name)}`, [input[0], ...shape.slice(1)]);
        }
        this.shapesLearnt.set(model.name, key);
      } catch {
        // NOTE: no shapes is fine; the tree shows none.
      }
    }
    return shapes;
  }

  private outputShapeOf(model: ModelInfo, node: LayerNode): number[] | null {
    return ownOutputShape(node) ?? this.outputShapes.get(`${model.name}/${str(node.name)}`) ?? null;
  }

  private renderTree(): void {
    clear(this.tree);
    for (const model of this.models) {
      const root = isRecord(model.tree) ? model.tree : null;
      if (!root) continue;
      const group = h('ul', { role: 'group', className: 'nnlab-tree-root', data: { model: str(model.name) } });
      group.appendChild(this.treeItem(model, root, 0));
      this.tree.appendChild(group);
    }
  }

  private treeItem(model: ModelInfo, node: LayerNode, depth: number): HTMLElement {
    const path = str(node.name);
    const key = `${model.name}/${path}`;
    const children = childrenOf(node);
    const open = !this.collapsed.has(key);
    const selected = model.name === this.selectedModel && path === this.selectedLayer;
    const label = depth === 0 ? str(model.name) : str(node.key, path);
    const shape = this.outputShapeOf(model, node);
    const twisty = h('span', { className: 'nnlab-twisty' }, children.length ? (open ? '▾' : '▸') : '');
    const row = h('div', { className: `nnlab-tree-row${selected ? ' nnlab-selected' : ''}`, style: { paddingLeft: `${0.3 + depth * 1.0}em` }, title: str(node.extraRepr) },
      twisty,
      h('span', { className: 'nnlab-tree-name' }, label), ' ',
      h('span', { className: 'nnlab-tree-class' }, str(node.className)), ' ',
      shape ? h('code', { className: 'nnlab-tree-shape' }, fmtShape(shape)) : null,
      h('span', { className: 'nnlab-tree-params' }, num(node.params) ? fmtCount(node.params) : ''));
    const item = h('li', { role: 'treeitem', tabIndex: 0, data: { model: str(model.name), path, name: label }, aria: { selected: String(selected), ...(children.length ? { expanded: String(open) } : {}) } }, row);
    twisty.addEventListener('click', e => {
      e.stopPropagation();
      if (open) this.collapsed.add(key);
      else this.collapsed.delete(key);
      this.renderTree();
    });
    row.addEventListener('click', () => this.select(model.name, path));
    item.addEventListener('keydown', e => {
      if (e.target === item && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        this.select(model.name, path);
      }
    });
    if (children.length && open) {
      const group = h('ul', { role: 'group' });
      for (const child of children) group.appendChild(this.treeItem(model, child, depth + 1));
      item.appendChild(group);
    }
    return item;
  }

  private select(model: string, path: string): void {
    this.selectedModel = model;
    this.userChose = true;
    this.selectedLayer = path;
    this.exportButton.disabled = this.watcher.busy || !this.watcher.kernel;
    this.renderTree();
    void this.renderDetails();
  }

  private disposePlots(): void {
    for (const p of this.plots) p.dispose();
    this.plots.length = 0;
  }

  private clearDetails(): void {
    this.disposePlots();
    clear(this.details);
  }

  private async renderDetails(): Promise<void> {
    this.clearDetails();
    const model = this.models.find(m => m.name === this.selectedModel);
    if (!model || !isRecord(model.tree)) return;
    const node = findNode(model.tree, this.selectedLayer);
    if (!node) return;
    const generation = this.generation;
    const title = this.selectedLayer ? `${model.name}.${this.selectedLayer}` : model.name;
    this.details.appendChild(
      h('div', { className: 'nnlab-details-header' },
        h('b', { className: 'nnlab-details-name' }, title), ' ', h('span', { className: 'nnlab-muted' }, str(node.className)),
        str(node.extraRepr) ? h('div', {}, h('code', {}, str(node.extraRepr))) : null,
        h('div', { className: 'nnlab-muted' },
          `${fmtCount(node.params)} parameters`, model.lastInputShape ? ` · last input ${fmtShape(model.lastInputShape)}` : '')));

    const params = arr(node.parameters).filter(isRecord) as unknown as ParameterInfo[];
    if (params.length) this.details.appendChild(this.parameterSection(model, params, generation));
    else this.details.appendChild(h('div', { className: 'nnlab-muted' }, childrenOf(node).length ? 'Weights: select one of its layers.' : 'This layer has no parameters.'));
    this.details.appendChild(this.activationSection(model, generation));
  }

  /** Statistics of every own parameter beside its gradient's; histograms and image of the chosen one. */
  private parameterSection(model: ModelInfo, params: ParameterInfo[], generation: number): HTMLElement {
    const section = h('section', { className: 'nnlab-param-section' }, h('h3', {}, 'Weights'));
    const anyGrad = params.some(p => isRecord(p.gradStats));
    // NOTE: a table per parameter, transposed (a row per statistic; value, gradient), side by side when there is room: fits a narrow panel.
    const statRows: [string, (s: Record<string, unknown>) => string][] = [
      ['min', s => fmtNumber(s.min)], ['max', s => fmtNumber(s.max)], ['mean', s => fmtNumber(s.mean)], ['std', s => fmtNumber(s.std)],
      ['zeros', s => fmtCount(s.zeroCount)], ['NaN', s => fmtCount(s.nanCount)], ['Inf', s => fmtCount(s.infCount)],
    ];
    const tables = h('div', { className: 'nnlab-param-tables' });
    for (const p of params) {
      const columns = anyGrad ? [false, true] : [false];
      const label = str(p.name).split('.').pop() ?? '';
      const head = h('tr', {}, h('th', {}, label), ...columns.map(grad => h('th', { data: { param: str(p.name), grad: String(grad) }, className: grad ? 'nnlab-grad' : '' }, grad ? 'gradient' : 'value')));
      const shapeRow = h('tr', {}, h('th', {}, 'shape'), ...columns.map(grad => h('td', { className: 'nnlab-shape', data: { param: str(p.name), grad: String(grad), stat: 'shape' } }, grad ? '' : fmtShape(p.shape))));
      const body = h('tbody', {}, shapeRow, ...statRows.map(([k, f]) => h('tr', { data: { stat: k } }, h('th', {}, k), ...columns.map(grad => {
        const stats = grad ? p.gradStats : p.stats;
        const v = isRecord(stats) ? f(stats as unknown as Record<string, unknown>) : '—';
        return h('td', { data: { param: str(p.name), grad: String(grad), stat: k }, className: `${grad ? 'nnlab-grad ' : ''}${(k === 'NaN' || k === 'Inf') && v !== '0' && v !== '—' ? 'nnlab-bad' : ''}` }, v);
      }))));
      tables.appendChild(h('table', { className: 'nnlab-table nnlab-param-table', data: { param: str(p.name) } }, h('thead', {}, head), body));
    }
    section.appendChild(tables);
    if (!anyGrad) section.appendChild(h('div', { className: 'nnlab-muted nnlab-no-grad' }, 'No gradients yet: they show here after a backward pass.'));

    const chosen = params.find(p => str(p.name).endsWith('weight')) ?? params[0];
    const picker = select(params.map(p => [str(p.name), str(p.name).split('.').pop() ?? '']), str(chosen.name), { className: 'nnlab-select', aria: { label: 'parameter' } });
    const plot = new PlotArea('nnlab-plot nnlab-histogram', 150);
    const gradPlot = new PlotArea('nnlab-plot nnlab-histogram nnlab-grad-histogram', 150);
    this.plots.push(plot, gradPlot);
    const histograms = h('div', { className: 'nnlab-histograms' }, plot.node, gradPlot.node);
    const image = h('div', { className: 'nnlab-weight-holder' });
    const show = () => {
      const p = params.find(q => str(q.name) === picker.value) ?? chosen;
      if (p.histogram) void plot.update(...histogramFigure(plot.node, p.histogram, str(p.name)));
      const gh = (p as { gradHistogram?: unknown }).gradHistogram;
      gradPlot.node.hidden = !isRecord(gh);
      if (isRecord(gh)) void gradPlot.update(...histogramFigure(gradPlot.node, gh as unknown as NonNullable<ParameterInfo['histogram']>, `${str(p.name)}.grad`));
      clear(image);
      void this.loadWeightImage(model.name, p, image, generation);
    };
    picker.addEventListener('change', show);
    section.append(h('div', { className: 'nnlab-controls' }, h('label', {}, 'parameter ', picker)), histograms, image);
    show();
    return section;
  }

  private async loadWeightImage(model: string, p: ParameterInfo, holder: HTMLElement, generation: number): Promise<void> {
    const shape = shapeOf(p.shape);
    if (!shape || shape.length < 2 || shape.length > 4) return;
    const kernel = this.watcher.kernel;
    if (!kernel || this.watcher.busy) return;
    holder.appendChild(h('div', { className: 'nnlab-muted' }, 'loading weights…'));
    try {
      const result = (await queryKernel(kernel, { op: 'weights', model, param: str(p.name), maxValues: 1 })) as WeightsResult;
      if (generation !== this.generation || !holder.isConnected) return;
      clear(holder);
      const filters = isRecord(result.filters) ? result.filters : null;
      if (!filters || !isRecord(filters.image)) {
        holder.appendChild(h('div', { className: 'nnlab-muted' }, 'No image of these weights.'));
        return;
      }
      const img = pngImage(filters.image.png, `weights ${str(p.name)}`);
      img.classList.add('nnlab-weight-image', 'nnlab-filters');
      holder.append(h('div', { className: 'nnlab-caption' }, `${str(filters.title)}: as filterImages draws it (blue < 0 < red)`), img);
    } catch (err) {
      clear(holder);
      holder.appendChild(h('div', { className: 'nnlab-error' }, err instanceof Error ? err.message : String(err)));
    }
  }

  /** The activation maps of the selected layer (or all leaves for the model) for one sample. */
  private activationSection(model: ModelInfo, generation: number): HTMLElement {
    const section = h('section', { className: 'nnlab-act-section' }, h('h3', {}, 'Activations'));
    const input = shapeOf(model.lastInputShape);
    if (!input || input.length === 0 || input[0] === 0) {
      section.appendChild(h('div', { className: 'nnlab-muted' }, 'Run the model on an input (or train it) to see its activation maps here.'));
      return section;
    }
    const samples = input[0];
    this.sampleIndex = Math.min(this.sampleIndex, samples - 1);
    const sample = h('input', { type: 'number', min: '0', max: String(samples - 1), step: '1', className: 'nnlab-sample', aria: { label: 'sample' } });
    sample.value = String(this.sampleIndex);
    const holder = h('div', { className: 'nnlab-act-holder' });
    const load = async () => {
      const kernel = this.watcher.kernel;
      if (!kernel || this.watcher.busy) return;
      this.sampleIndex = Math.max(0, Math.min(samples - 1, Math.floor(Number(sample.value) || 0)));
      clear(holder);
      holder.appendChild(h('div', { className: 'nnlab-muted' }, 'computing activations…'));
      try {
        // NOTE: every leaf layer, the selected one shown first: "all layers" in the grid's selector shows them all.
        const request = { op: 'activations' as const, model: model.name, index: this.sampleIndex, maxChannels: 16 };
        const result = (await queryKernel(kernel, request)) as ActivationsResult;
        if (generation !== this.generation || !holder.isConnected) return;
        clear(holder);
        const grid = new ActivationGrid({ model: model.name, index: this.sampleIndex });
        grid.setLayers(result.activations?.layers);
        if (this.selectedLayer) grid.showLayer(this.selectedLayer);
        holder.appendChild(grid.node);
      } catch (err) {
        clear(holder);
        holder.appendChild(h('div', { className: 'nnlab-error' }, err instanceof Error ? err.message : String(err)));
      }
    };
    sample.addEventListener('change', () => void load());
    section.append(h('div', { className: 'nnlab-controls' }, h('label', {}, `sample (0–${samples - 1}) `, sample)), holder);
    void load();
    return section;
  }
}
