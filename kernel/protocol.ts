/**
 * nnlab's display protocol: the MIME type names and payload shapes shared by
 * the kernel layer (kernel/src, which builds them) and the JupyterLab
 * extension (extension/, which renders them). Types and constants only, no
 * imports, so the extension can import this file alone.
 *
 * Every payload carries `version: 1` and a `kind` equal to the suffix of its
 * MIME type. JSON numbers only: NaN and ±Infinity are sent as `null` (JSON
 * has no spelling for them); statistics count them separately.
 *
 * A display bundle (`MediaBundle`) always has `text/plain`, usually `text/html`
 * or `image/png` for frontends without the extension, and one nnlab type.
 */

export const NNLAB_PROTOCOL_VERSION = 1;

/** MIME types of nnlab's payloads, and plotly's figure type. */
export const MIME = {
  tensor: 'application/vnd.nnlab.tensor+json',
  model: 'application/vnd.nnlab.model+json',
  activations: 'application/vnd.nnlab.activations+json',
  images: 'application/vnd.nnlab.images+json',
  run: 'application/vnd.nnlab.run+json',
  confusion: 'application/vnd.nnlab.confusion+json',
  query: 'application/vnd.nnlab.query+json',
  plotly: 'application/vnd.plotly.v1+json',
} as const;

export type NnlabMime = (typeof MIME)[keyof typeof MIME];

/**
 * The code of a silent execute request that the nnlab kernel answers directly
 * (without compiling TypeScript, and even while a cell is training):
 * `%nnlab_query {"op": "list"}`. See kernel/README.md.
 */
export const QUERY_MAGIC = '%nnlab_query';

/** A Jupyter MIME bundle: MIME type to data (strings, base64 for images, objects for JSON types). */
export interface MediaBundle {
  'text/plain'?: string;
  'text/html'?: string;
  'image/png'?: string;
  'image/svg+xml'?: string;
  [mime: string]: unknown;
}

// ---- Shared pieces ---------------------------------------------------------------

/** Statistics of the finite values; NaN and ±Inf are counted, not averaged. `std` is unbiased (n - 1), as torch.std. */
export interface Stats {
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nanCount: number;
  infCount: number;
  zeroCount: number;
}

/** Equal-width bins over [min, max] of the finite values: `counts.length + 1 === edges.length`. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** A PNG image, base64-encoded, with its size in pixels. */
export interface PngImage {
  png: string;
  width: number;
  height: number;
}

// ---- application/vnd.nnlab.tensor+json -----------------------------------------------

export interface TensorPayload {
  version: 1;
  kind: 'tensor';
  shape: number[];
  dtype: 'float32' | 'float64' | 'int32';
  size: number;
  requiresGrad: boolean;
  /** The op that made it (autograd node), null for leaves. */
  gradFn: string | null;
  stats: Stats;
  histogram: Histogram | null;
  /** All values, row-major, when `size <= valueLimit`; otherwise null. */
  values: (number | null)[] | null;
  valueLimit: number;
  /** The heatmap the HTML view shows (2-D, or image-like 3-D/4-D), if any. */
  heatmap: PngImage | null;
  /**
   * The printed tensor (PyTorch-style `tensor([...])`) of a small tensor
   * (at most 100 values), shown before the statistics; absent or null otherwise.
   */
  repr?: string | null;
}

// ---- application/vnd.nnlab.model+json ------------------------------------------------

export interface ParameterInfo {
  /** Dotted path from the model ('features.0.weight'). */
  name: string;
  shape: number[];
  dtype: string;
  size: number;
  requiresGrad: boolean;
  stats: Stats;
  histogram: Histogram | null;
  /** Gradient statistics when a gradient is present. */
  gradStats: Stats | null;
  /** The gradient's 20-bin histogram when a gradient is present (after a backward pass). */
  gradHistogram?: Histogram | null;
}

/** One node of a model's layer tree. */
export interface LayerNode {
  /** Dotted path from the model ('' for the model itself). */
  name: string;
  /** The field name in the parent ('' for the model). */
  key: string;
  className: string;
  /** The module's one-line settings (`in_features=784, out_features=256, bias=True`). */
  extraRepr: string;
  /** Scalars in this module's own parameters. */
  ownParams: number;
  /** Scalars in this module and all descendants (shared parameters once). */
  params: number;
  /** true / false when all / none of the subtree's parameters train, 'partial' otherwise, null without parameters. */
  trainable: boolean | 'partial' | null;
  /** The module's own parameters (not its children's). */
  parameters: ParameterInfo[];
  children: LayerNode[];
}

/** One line of a model summary (torchinfo-like), in pre-order. */
export interface SummaryRow {
  name: string;
  className: string;
  depth: number;
  /** Shape of the (first tensor of the) output of the last call; null when no forward pass ran. */
  outputShape: number[] | null;
  /** Shapes of every tensor of the output when it is a tuple/array (LSTM: output, [h, c]). */
  outputShapes: number[][];
  /** How many times forward ran during the sample pass (RNN cells run once per step). */
  calls: number;
  ownParams: number;
  params: number;
  trainable: boolean | 'partial' | null;
  /** Estimated multiply-adds summed over calls; null without a forward pass. */
  multAdds: number | null;
  isLeaf: boolean;
}

export interface SummaryTotals {
  params: number;
  trainableParams: number;
  nonTrainableParams: number;
  multAdds: number | null;
  inputBytes: number | null;
  /** Outputs of leaf layers, times 2 for their gradients (as torchinfo). */
  forwardBackwardBytes: number | null;
  paramBytes: number;
  totalBytes: number | null;
}

export interface ModelPayload {
  version: 1;
  kind: 'model';
  name: string | null;
  className: string;
  inputShape: number[] | null;
  rows: SummaryRow[];
  totals: SummaryTotals;
  tree: LayerNode;
}

// ---- application/vnd.nnlab.activations+json -----------------------------------------

export interface ActivationLayer {
  /** Dotted module path, or 'input'. */
  name: string;
  className: string;
  /** Full output shape (with the batch axis). */
  shape: number[];
  stats: Stats;
  /** Channels in the sample (tiles available) and how many were drawn. */
  channels: number;
  shownChannels: number;
  /** This layer's tiles alone (no label), on the payload's `scale`; constant tiles crossed out. */
  image: PngImage | null;
  /** Indices (among the drawn tiles) of constant channels, e.g. dead ReLU units: all values equal. */
  constantChannels?: number[];
  /** Where each drawn tile (channel 0, 1, ...) sits in `image`, in its pixels: [x, y, width, height]. */
  tileRects?: [number, number, number, number][];
  /** For [N, F] outputs, the sample's F values (at most 4096), to draw as bars. */
  vector?: (number | null)[] | null;
}

export interface ActivationsPayload {
  version: 1;
  kind: 'activations';
  model: string | null;
  inputShape: number[];
  /** Which sample of the batch the maps show. */
  sampleIndex: number;
  colormap: string;
  layers: ActivationLayer[];
  /** 'per-tile': each tile to its own min..max; 'shared': a layer's tiles to the layer's. Absent in older payloads (per-tile). */
  scale?: 'per-tile' | 'shared';
}

// ---- application/vnd.nnlab.images+json (filters, image grids) --------------------------

export interface ImagesPayload {
  version: 1;
  kind: 'images';
  title: string;
  /** Shape of the source tensor (e.g. conv weight [Cout, Cin, kh, kw]). */
  sourceShape: number[];
  rows: number;
  cols: number;
  colormap: string;
  image: PngImage;
  /** 'per-tile': each filter to its own max |w|; 'shared': one scale for the whole weight. Absent in older payloads. */
  scale?: 'per-tile' | 'shared';
  /** Row-major indices of the constant tiles (all values equal, e.g. a zeroed filter), crossed out in the image. */
  constantTiles?: number[];
}

// ---- application/vnd.nnlab.run+json ------------------------------------------------

/** 'running'/'paused' while training; 'stopped' by the run's stop(), 'interrupted' by a kernel interrupt. */
export type RunStatus = 'running' | 'paused' | 'stopped' | 'completed' | 'interrupted' | 'failed';

export type RunEventKind = 'pause' | 'resume' | 'step' | 'stop' | 'lr' | 'momentum' | 'weightDecay';

/**
 * One steering command in a run's history (src/train.ts `RunEvent`): `step`
 * is the number of steps completed when it was given (a change at step s
 * first acts on step s + 1); `value`/`from` are set for hyperparameter changes.
 */
export interface RunEventPayload {
  step: number;
  epoch: number;
  kind: RunEventKind;
  value?: number;
  from?: number;
  timeMs: number;
}

export interface EpochPayload {
  epoch: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  lr: number | null;
  samplesPerSec: number | null;
  seconds: number | null;
}

export interface RunProgress {
  epoch: number;
  totalEpochs: number;
  batch: number;
  /** null when the loader has no length. */
  batchesPerEpoch: number | null;
  samplesSeen: number;
  samplesPerSec: number;
  elapsedSec: number;
  /** Estimated seconds left; null when unknown. */
  etaSec: number | null;
  /** The last batch's loss. */
  loss: number;
  /** The running mean of this epoch's batch losses so far, weighted by batch size (the headline loss; at the epoch's end its train loss). */
  epochLoss?: number | null;
}

export interface RunPayload {
  version: 1;
  kind: 'run';
  id: string;
  name: string;
  status: RunStatus;
  hyperparameters: Record<string, unknown>;
  totalEpochs: number;
  epochs: EpochPayload[];
  /**
   * Step losses, bucket-averaged to at most `maxPoints`; x in epochs (step / steps per epoch).
   * `xScale` 'log' (runs of 20 epochs or more): the chart's x axis is log-scaled and the
   * buckets log-spaced, so the early epochs keep their detail; absent in older payloads (linear).
   */
  steps: { x: number[]; loss: number[]; count: number; stepsPerEpoch: number | null; xScale?: 'linear' | 'log' };
  progress: RunProgress | null;
  error: string | null;
  startedAt: string;
  endedAt: string | null;
  /** Cost of the live display itself, when shown live. */
  display: { updates: number; displaySeconds: number; trainSeconds: number } | null;
  /** Steering events (pause, lr change, ...), in order; absent in payloads saved before steering existed. */
  events?: RunEventPayload[];
  /** While `fit` trains the run: its optimiser's current values (null where it has none), for steering controls. */
  steer?: RunHyperparameters | null;
  /**
   * The notebook whose kernel trained the run, as a path from the server root ('lab/cnn.ipynb').
   * The kernel does not know it: the Training Runs panel sets it and keeps it in run records.
   */
  notebook?: string | null;
}

/** The steerable hyperparameters of a training run's optimiser now (param group 0's). */
export interface RunHyperparameters {
  lr: number | null;
  momentum: number | null;
  weightDecay: number | null;
}

// ---- steering comm (target 'nnlab.run') --------------------------------------------

/** The comm target through which a frontend steers training runs (kernel/src/steer.ts). */
export const RUN_COMM_TARGET = 'nnlab.run';

export type RunAction = 'pause' | 'resume' | 'step' | 'stop' | 'set' | 'status';

/**
 * A command from the frontend, the data of a comm_msg (or of the comm_open)
 * on target 'nnlab.run'. `set` takes `name` ('lr', 'momentum', 'weightDecay')
 * and `value`; `status` changes nothing. `requestId` is echoed in the reply.
 */
export interface RunCommand {
  action: RunAction;
  runId: string;
  name?: 'lr' | 'momentum' | 'weightDecay';
  value?: number;
  requestId?: string;
}

/**
 * The kernel's reply (comm_msg data), sent once the command has taken effect
 * (the loop paused, stopped, or about to train with the new value), or at
 * once with `ok: false` and the reason.
 */
export interface RunCommandReply {
  kind: 'reply';
  requestId: string | null;
  action: string;
  ok: boolean;
  error: string | null;
  /** The run after the command (null when no run has this id). */
  run: { id: string; name: string; status: RunStatus; steps: number; events: RunEventPayload[]; steer: RunHyperparameters | null } | null;
  /** Steps the run had completed when the command arrived (null when no run has this id). */
  receivedAtStep: number | null;
  /** Kernel clock (ms since the epoch): the command arrived, and took effect. */
  receivedAt: number;
  appliedAt: number;
}

// ---- application/vnd.nnlab.confusion+json -----------------------------------------

/**
 * The confusion matrix's sequential colour scale (ColorBrewer's 9-class Blues,
 * matplotlib's 'Blues'): 0 (no sample of the true class) is near-white, the
 * whole row (fraction 1) darkest blue; equally spaced stops, linear in RGB
 * between them. The kernel's HTML table and the extension's chart both use it.
 */
export const CONFUSION_COLORS = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'] as const;

export interface ConfusionPayload {
  version: 1;
  kind: 'confusion';
  classNames: string[];
  /** matrix[true][predicted] counts. */
  matrix: number[][];
  total: number;
  accuracy: number | null;
  perClass: { name: string; support: number; correct: number; accuracy: number | null; precision: number | null }[];
}

// ---- application/vnd.nnlab.query+json --------------------------------------------

/**
 * What the extension can ask. Names are variable names in the kernel
 * (`model`, `run`), or a run id ('run-k3x9-3').
 */
export type QueryRequest =
  | { op: 'list' }
  | { op: 'model'; name: string }
  | { op: 'weights'; model: string; param: string; maxValues?: number }
  | { op: 'activations'; model: string; layer?: string; input?: string; index?: number; maxChannels?: number }
  | { op: 'run'; id: string }
  | { op: 'channel'; model: string; layer: string; channel: number; input?: string; index?: number }
  | { op: 'explain'; model: string; layer: string; channel: number; y: number; x: number; input?: string; index?: number };

export interface ModelInfo {
  /** The variable name it is bound to in the notebook. */
  name: string;
  className: string;
  numParams: number;
  trainableParams: number;
  training: boolean;
  /** Shape of the last input seen (by a training run or a feature-map call), if any. */
  lastInputShape: number[] | null;
  /** When a `fit` in this kernel last trained it (ISO time), or null. */
  lastTrainedAt: string | null;
  tree: LayerNode;
}

export interface ListResult {
  models: ModelInfo[];
  runs: RunPayload[];
  kernel: { nnlab: string; tslab: string | null; node: string };
}

export interface WeightsResult {
  model: string;
  param: string;
  tensor: TensorPayload;
  /** The weights drawn by `filterImages` (the same colours as in notebooks), for 2-, 3- and 4-D weights. */
  filters?: ImagesPayload | null;
}

export interface ActivationsResult {
  model: string;
  activations: ActivationsPayload;
}

/** One channel of one layer's output for one sample, in full (the large view). */
export interface ChannelResult {
  model: string;
  layer: string;
  className: string;
  /** The layer's full output shape (batch axis first). */
  shape: number[];
  sampleIndex: number;
  channel: number;
  channels: number;
  /** The channel as a height x width grid (a vector output is 1 x F). */
  height: number;
  width: number;
  values: (number | null)[];
  stats: Stats;
  /** A Conv2d layer: each pixel can be explained ('explain'). */
  explainable: boolean;
}

/** The inputs of one input channel under the kernel window, and their products with the weights. */
export interface ExplainTerm {
  inChannel: number;
  /** kh x kw values under the window, row-major (0 where the window covers padding). */
  window: number[];
  /** Which taps fall on padding (true) rather than the input. */
  padded: boolean[];
  weights: number[];
  products: number[];
  /** Σ products of this input channel. */
  sum: number;
}

/**
 * How a Conv2d output pixel was made (the CNN Explainer view):
 * output[channel, y, x] = Σ_c Σ_(i,j) weight[channel, c, i, j] · input[c, y·sh − pt + i·dh, x·sw − pl + j·dw] + bias[channel].
 */
export interface ExplainResult {
  model: string;
  layer: string;
  className: 'Conv2d';
  sampleIndex: number;
  channel: number;
  y: number;
  x: number;
  kernelSize: [number, number];
  stride: [number, number];
  /** Zeros added [top, bottom, left, right]. */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
  /** Shape of the layer's input (batch axis first). */
  layerInputShape: number[];
  /** Rows and columns of the layer's input the kernel taps read (out-of-range ones are padding). */
  rows: number[];
  cols: number[];
  terms: ExplainTerm[];
  bias: number;
  /** Σ of every product plus the bias, in float64. */
  sum: number;
  /** The value the layer produced at [channel, y, x]; equals `sum` up to float32 rounding. */
  output: number;
  /** The pixels of the model's input this output depends on, [y0, y1) x [x0, x1), or null when the path to it is unknown. */
  receptiveField: { y0: number; y1: number; x0: number; x1: number } | null;
  /** The model's input sample (channels x height x width) for drawing the receptive field, when it is an image. */
  inputImage: { channels: number; height: number; width: number; values: (number | null)[] } | null;
}

export type QueryResult = ListResult | ModelInfo | WeightsResult | ActivationsResult | RunPayload | ChannelResult | ExplainResult;

export type QueryPayload =
  | { version: 1; kind: 'query'; op: QueryRequest['op']; ok: true; result: QueryResult }
  | { version: 1; kind: 'query'; op: string; ok: false; error: string };

/**
 * viridis as a degree-6 polynomial per channel (matplotlib's map, fitted), in
 * RGB bytes at t in [0, 1]: the kernel's tiles and heatmaps
 * (kernel/src/colormap.ts) and the extension's large channel view draw with it.
 */
const VIRIDIS_COEFFS: readonly (readonly [number, number, number])[] = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

export function viridisRGB(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, t));
  const out: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let k = VIRIDIS_COEFFS.length - 1; k >= 0; k--) v = v * x + VIRIDIS_COEFFS[k][c];
    out[c] = Math.max(0, Math.min(255, Math.round(v * 255)));
  }
  return out;
}
