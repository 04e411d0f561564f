/**
 * Feature maps and filters as images.
 *
 * `featureMaps(model, input)` runs one forward pass (eval mode, no graph)
 * with a forward hook on every layer and draws, for one sample of the batch,
 * each layer's output as a labelled block of tiles: one tile per channel for
 * [N, C, H, W] outputs, one H x W tile for [N, H, W] (RNN sequences, conv1d),
 * a near-square tile for [N, F] vectors. Coloured with viridis, each tile
 * normalised to its own min/max (`scale: 'per-tile'`, the default) or every
 * tile of a layer to that layer's min/max for the sample (`scale: 'shared'`,
 * so a weak channel looks weak).
 *
 * `filterImages(weightOrLayer)` draws weights: [Cout, Cin, kh, kw] conv
 * kernels (a row per output filter, a column per input channel), [Cout, Cin, k]
 * conv1d kernels, and [out, in] linear weights whose rows reshape to an image
 * (`imageShape`, or a square `in`). Each filter is scaled symmetrically around 0
 * (coolwarm: blue negative, red positive), to its own largest |w| (`scale:
 * 'per-tile'`, the default) or to the whole weight's (`scale: 'shared'`).
 *
 * Constant tiles (an all-zero, dead channel; a pruned filter) are crossed out
 * and listed (`constantChannels`, `constantTiles`), not drawn mid-colour.
 *
 * @example
 *   featureMaps(model, xTest.narrow(0, 0, 1))   // one PNG, every layer
 *   filterImages(model.conv1)                    // the first layer's kernels
 *   featureMaps(model, x, { scale: 'shared' })   // compare channels' strength within a layer
 */
import { Tensor } from '../../src/tensor';
import { noGrad } from '../../src/autograd';
import { Module } from '../../src/nn/module';
import { captureActivations } from '../../src/nn/inspect';
import { MIME, type ActivationLayer, type ActivationsPayload, type ImagesPayload, type MediaBundle, type PngImage } from '../protocol';
import type { ColormapName } from './colormap';
import { ArgumentError, ShapeError } from '../../src/errors';
import { fmtNum, fmtShape, rethrowWithContext } from './format';
import { rememberInput } from './registry';
import { valueStats } from './stats';
import { blockTileRects, drawBlock, drawGrid, finiteRange, makeTile, vectorTile, wrapWidth, type Block, type Tile, type TileScale } from './tiles';

const DISPLAY = Symbol.for('Jupyter.display');

export interface FeatureMapOptions {
  /** Name of the model for the title (its notebook variable). */
  name?: string;
  /** Which sample of the batch to draw (default 0). */
  index?: number;
  /** 'leaves' (default): modules without children; 'children': the model's direct children; or dotted names. */
  layers?: 'leaves' | 'children' | string[];
  /** Draw at most this many channels per layer (default 16). */
  maxChannels?: number;
  /** Draw the input as the first block (default true). */
  includeInput?: boolean;
  colormap?: ColormapName;
  maxWidth?: number;
  /** 'per-tile' (default): each tile to its own min..max; 'shared': a layer's tiles to the layer's min..max for the sample. */
  scale?: TileScale;
  /** Target size of a tile's longer side in pixels in the labelled image, by integer upscaling (default 64; e.g. 112 to read a Sobel output). */
  tileSize?: number;
}

/** One recorded layer output. */
export interface RecordedActivation {
  name: string;
  className: string;
  /** The output (first tensor of it), detached. */
  tensor: Tensor;
}

/** The tiles of sample `index` of a batch-first activation `t` (see the file comment), at most `maxChannels`, on the given scale. */
export function activationTiles(t: Tensor, index: number, maxChannels: number, scale: TileScale = 'per-tile'): { tiles: Tile[]; channels: number } {
  if (t.ndim < 2) return { tiles: [], channels: 0 };
  if (index < 0 || index >= t.shape[0]) {
    throw new ArgumentError(`featureMaps: sample index ${index} is out of range for an output of shape ${fmtShape(t.shape)}`);
  }
  const values = t.values();
  const rest = t.shape.slice(1);
  const per = rest.reduce((a, b) => a * b, 1);
  const start = index * per;
  const range = scale === 'shared' ? finiteRange(values, start, per) : undefined;
  if (rest.length === 1) return { tiles: [vectorTile(values, start, per, range)], channels: 1 };
  if (rest.length === 2) return { tiles: [makeTile(values, start, rest[0], rest[1], 96, range)], channels: 1 };
  const h = rest[rest.length - 2], w = rest[rest.length - 1];
  const channels = per / (h * w);
  const tiles: Tile[] = [];
  for (let c = 0; c < Math.min(channels, maxChannels); c++) tiles.push(makeTile(values, start + c * h * w, h, w, 96, range));
  return { tiles, channels };
}

/**
 * Runs `model` on `input` in eval mode without a graph (the core's
 * `captureActivations`) and returns the outputs of the selected layers, in
 * the order they ran (first call of each).
 */
export function recordActivations(model: Module, input: Tensor, layers: FeatureMapOptions['layers'] = 'leaves'): RecordedActivation[] {
  const names = Array.isArray(layers) ? layers : null;
  if (names) for (const name of names) model.getSubmodule(name); // NOTE: unknown names throw, listing the children
  let captured: ReturnType<typeof captureActivations> = [];
  try {
    captured = captureActivations(model, input, { includeContainers: layers !== 'leaves' });
  } catch (err) {
    rethrowWithContext(err, `featureMaps: the forward pass of ${model.constructor.name} on input ${fmtShape(input.shape)} failed: `);
  }
  const keep = (name: string) => (names ? names.includes(name) : layers === 'children' ? name !== '' && !name.includes('.') : true);
  const seen = new Set<string>();
  const recorded: RecordedActivation[] = [];
  for (const a of captured) {
    if (seen.has(a.layerName) || !keep(a.layerName)) continue;
    seen.add(a.layerName);
    recorded.push({ name: a.layerName || a.type, className: a.type, tensor: a.tensor });
  }
  return recorded;
}

/** Feature maps of a model on an input: the recorded tensors, the data, and one labelled PNG. Displayable. */
export class ActivationMaps {
  constructor(readonly payload: ActivationsPayload, readonly image: PngImage, readonly maps: RecordedActivation[]) {}

  /** The recorded output of layer `name` ('input' for the input). Unknown names throw. */
  get(name: string): Tensor {
    const found = this.maps.find((m) => m.name === name);
    if (!found) throw new ArgumentError(`ActivationMaps.get: no layer '${name}'; recorded: ${this.maps.map((m) => m.name).join(', ')}`);
    return found.tensor;
  }

  toJSON(): ActivationsPayload {
    return this.payload;
  }

  [DISPLAY](): MediaBundle {
    const lines = this.payload.layers.map((l) => {
      const dead = l.constantChannels?.length ? `, constant: ${constantList(l.constantChannels)}` : '';
      return `  ${l.name} (${l.className}) ${fmtShape(l.shape)}: ${l.shownChannels}/${l.channels} channel(s), min ${fmtNum(l.stats.min)} max ${fmtNum(l.stats.max)}${dead}`;
    });
    return {
      'text/plain': `Feature maps of ${this.payload.model ?? 'model'} for sample ${this.payload.sampleIndex} of input ${fmtShape(this.payload.inputShape)}:\n${lines.join('\n')}`,
      'image/png': this.image.png,
      [MIME.activations]: this.payload,
    };
  }
}

/** 'channel 2' or 'channels 1, 3, 5, … (7)'. */
function constantList(channels: number[]): string {
  const shown = channels.slice(0, 8).join(', ');
  return `channel${channels.length === 1 ? '' : 's'} ${shown}${channels.length > 8 ? `, … (${channels.length})` : ''}`;
}

/** Indices of the constant tiles. */
function constantIndices(tiles: Tile[]): number[] {
  return tiles.flatMap((t, i) => (t.constant !== null && t.constant !== undefined ? [i] : []));
}

/** Every layer's activations for one sample as a labelled PNG grid (see the file comment). */
export function featureMaps(model: Module, input: Tensor, opts: FeatureMapOptions = {}): ActivationMaps {
  if (!(model instanceof Module)) throw new ArgumentError('featureMaps: expected a Module as the first argument');
  if (!(input instanceof Tensor)) throw new ArgumentError('featureMaps: expected a Tensor input (a batch, batch axis first)');
  const index = opts.index ?? 0;
  const maxChannels = opts.maxChannels ?? 16;
  const colormap = opts.colormap ?? 'viridis';
  const scale = opts.scale ?? 'per-tile';
  if (scale !== 'per-tile' && scale !== 'shared') throw new ArgumentError(`featureMaps: scale must be 'per-tile' or 'shared', got '${String(scale)}'`);
  const maps = recordActivations(model, input, opts.layers);
  rememberInput(model, input);
  if (opts.includeInput ?? true) maps.unshift({ name: 'input', className: 'Tensor', tensor: input.detach() });
  const blocks: Block[] = [];
  const layers: ActivationLayer[] = [];
  for (const m of maps) {
    const { tiles, channels } = m.tensor.ndim >= 2 ? activationTiles(m.tensor, index, maxChannels, scale) : { tiles: [], channels: 0 };
    const stats = valueStats(m.tensor.values());
    const more = channels > tiles.length ? ` (first ${tiles.length} of ${channels} channels)` : channels > 1 ? ` (${channels} channels)` : '';
    const constantChannels = channels > 1 ? constantIndices(tiles) : tiles[0]?.constant != null ? [0] : [];
    const note = constantChannels.length ? `constant (crossed out): ${constantList(constantChannels)}` : undefined;
    const block: Block = { label: `${m.name} ${m.className === 'Tensor' ? '' : m.className + ' '}${fmtShape(m.tensor.shape)}${more}`, note, tiles };
    if (tiles.length > 0) blocks.push(block);
    layers.push({
      name: m.name, className: m.className, shape: [...m.tensor.shape], stats, channels, shownChannels: tiles.length,
      image: tiles.length > 0 ? drawBlock(block, { colormap }) : null, constantChannels,
      tileRects: tiles.length > 0 ? blockTileRects(block) : [],
      vector: m.tensor.ndim === 2 && m.tensor.shape[1] <= 4096 ? Array.from(m.tensor.values().subarray(index * m.tensor.shape[1], (index + 1) * m.tensor.shape[1]), (v) => (Number.isFinite(v) ? v : null)) : null,
    });
  }
  const how = scale === 'shared' ? "a layer's tiles share its min..max" : 'each tile scaled to its own min..max';
  const title = `${opts.name ?? model.constructor.name}: sample ${index}, ${how}`;
  const image = drawGrid(blocks, { colormap, title, maxWidth: opts.maxWidth, targetSide: opts.tileSize });
  const payload: ActivationsPayload = {
    version: 1, kind: 'activations', model: opts.name ?? null, inputShape: [...input.shape], sampleIndex: index, colormap, layers, scale,
  };
  return new ActivationMaps(payload, image, maps);
}

export interface FilterOptions {
  name?: string;
  /** At most this many output filters (default 32 rows, or 64 tiles for single-channel kernels). */
  maxFilters?: number;
  /** At most this many input channels per filter (default 16). */
  maxInputs?: number;
  /** For 2-D [out, in] weights: the image shape each row reshapes to (default: square when `in` is a square). */
  imageShape?: [number, number];
  colormap?: ColormapName;
  /** 'per-tile' (default): each output filter to its own largest |w|; 'shared': every tile to the whole weight's. */
  scale?: TileScale;
  /** A caption per output filter, drawn under its tile (e.g. the class names of a linear classifier's rows). */
  labels?: readonly string[];
  /** Tiles per row for single-channel kernels and linear rows (default 8 and 16). */
  perRow?: number;
}

/** Weights drawn as images (see the file comment). Displayable. */
export class ImageGrid {
  constructor(readonly payload: ImagesPayload) {}
  toJSON(): ImagesPayload {
    return this.payload;
  }
  [DISPLAY](): MediaBundle {
    return {
      'text/plain': `${this.payload.title}: ${this.payload.rows} x ${this.payload.cols} tile(s) of a tensor ${fmtShape(this.payload.sourceShape)}`,
      'image/png': this.payload.image.png,
      [MIME.images]: this.payload,
    };
  }
}

function symmetric(values: ArrayLike<number>, start: number, n: number): [number, number] {
  const [lo, hi] = finiteRange(values, start, n);
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  return [-m, m];
}

/** Conv kernels or linear-weight rows as images, each filter scaled symmetrically around 0. */
export function filterImages(weightOrLayer: Tensor | Module, opts: FilterOptions = {}): ImageGrid {
  let w: Tensor;
  let name = opts.name;
  if (weightOrLayer instanceof Module) {
    const found = weightOrLayer.namedParameters(false).find(([k]) => k === 'weight');
    if (!found) throw new ArgumentError(`filterImages: ${weightOrLayer.displayName} has no 'weight' parameter`);
    w = found[1];
    name ??= `${weightOrLayer.qualifiedName ? `${weightOrLayer.qualifiedName} ` : ''}${weightOrLayer.constructor.name}.weight`;
  } else if (weightOrLayer instanceof Tensor) {
    w = weightOrLayer;
  } else {
    throw new ArgumentError('filterImages: expected a weight Tensor or a layer with a weight');
  }
  name ??= 'weight';
  const colormap = opts.colormap ?? 'coolwarm';
  const scale = opts.scale ?? 'per-tile';
  if (scale !== 'per-tile' && scale !== 'shared') throw new ArgumentError(`filterImages: scale must be 'per-tile' or 'shared', got '${String(scale)}'`);
  const values = noGrad(() => w.detach()).values();
  const shape = w.shape;
  const whole = scale === 'shared' ? symmetric(values, 0, values.length) : null;
  const symmetric_ = (start: number, n: number) => whole ?? symmetric(values, start, n);
  const tiles: Tile[] = [];
  let rows = 0, cols = 0, maxWidth: number | undefined;
  if (shape.length === 4 || shape.length === 3) {
    const [cout, cin] = shape;
    const kh = shape.length === 4 ? shape[2] : 1, kw = shape[shape.length - 1];
    const per = cin * kh * kw;
    if (cin === 1 || shape.length === 3) {
      // One tile per output filter (conv1d: a Cin x k tile), 8 per row.
      const [th, tw] = shape.length === 3 ? [cin, kw] : [kh, kw];
      const n = Math.min(cout, opts.maxFilters ?? 64);
      for (let o = 0; o < n; o++) tiles.push(makeTile(values, o * per, th, tw, 96, symmetric_(o * per, per)));
      const perRow = opts.perRow ?? 8;
      rows = Math.ceil(n / perRow);
      cols = Math.min(n, perRow);
      maxWidth = wrapWidth(perRow, th, tw, !!opts.labels);
    } else {
      const nOut = Math.min(cout, opts.maxFilters ?? 32), nIn = Math.min(cin, opts.maxInputs ?? 16);
      for (let o = 0; o < nOut; o++) {
        const range = symmetric_(o * per, per);
        for (let i = 0; i < nIn; i++) tiles.push(makeTile(values, o * per + i * kh * kw, kh, kw, 96, range));
      }
      rows = nOut;
      cols = nIn;
      maxWidth = wrapWidth(nIn, kh, kw);
    }
  } else if (shape.length === 2) {
    const [out, inp] = shape;
    const side = Math.round(Math.sqrt(inp));
    const img = opts.imageShape ?? (side * side === inp ? [side, side] : null);
    if (img && img[0] * img[1] === inp) {
      const n = Math.min(out, opts.maxFilters ?? 64);
      for (let o = 0; o < n; o++) tiles.push(makeTile(values, o * inp, img[0], img[1], 96, symmetric_(o * inp, inp)));
      const perRow = opts.perRow ?? (opts.labels ? 10 : 16);
      rows = Math.ceil(n / perRow);
      cols = Math.min(n, perRow);
      maxWidth = wrapWidth(perRow, img[0], img[1], !!opts.labels);
    } else {
      tiles.push(makeTile(values, 0, out, inp, 256, symmetric_(0, out * inp)));
      rows = cols = 1;
    }
  } else {
    throw new ShapeError(`filterImages: expected a weight with 2, 3 or 4 axes, got shape ${fmtShape(shape)}`);
  }
  const title = `${name} ${fmtShape(shape)}`;
  const layoutNote = shape.length === 4 && shape[1] > 1 ? 'rows: output filters, columns: input channels' : 'one tile per output unit';
  const scaleNote = scale === 'shared' ? `blue < 0 < red, one scale ±${fmtNum(whole![1], 3)}` : 'blue < 0 < red, each filter to its own max |w|';
  if (opts.labels) {
    // one caption per output filter: on its tile, or on the first input channel's tile of its row
    const per = shape.length === 4 && shape[1] > 1 ? Math.min(shape[1], opts.maxInputs ?? 16) : 1;
    tiles.forEach((t, i) => {
      if (i % per === 0 && opts.labels![i / per] !== undefined) t.caption = opts.labels![i / per];
    });
  }
  const constantTiles = constantIndices(tiles);
  const deadNote = constantTiles.length ? `${constantTiles.length} constant tile${constantTiles.length === 1 ? '' : 's'} crossed out` : undefined;
  const image = drawGrid([{ label: null, note: deadNote, tiles }], { colormap, title: `${title}: ${layoutNote}; ${scaleNote}`, maxWidth });
  return new ImageGrid({ version: 1, kind: 'images', title, sourceShape: [...shape], rows, cols, colormap, image, scale, constantTiles });
}
