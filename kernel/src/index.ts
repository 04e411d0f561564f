/**
 * nnlab's notebook layer (`import { display, summary, liveFit } from 'nnlab/kernel'`).
 *
 * Loading it makes tensors, modules and training runs displayable: they get
 * `[Symbol.for('Jupyter.display')]()` returning a MIME bundle, and the nnlab
 * kernel shows a cell's last expression with it. It also makes `nn.fit` stop
 * gracefully on a kernel interrupt, and registers the comm target 'nnlab.run'
 * through which the frontend steers runs (kernel/src/steer.ts). See kernel/README.md.
 *
 * @example
 *   import * as nn from 'nnlab';
 *   import { display, summary, featureMaps, liveFit } from 'nnlab/kernel';
 *   display(summary(model, [1, 784]));
 *   const run = await liveFit(model, { trainLoader, optimizer, epochs: 3 });
 */
import { installDisplayMethods } from './install';
import { makeFitInterruptible } from './registry';
import { registerSteeringTarget } from './steer';

installDisplayMethods();
makeFitInterruptible();
registerSteeringTarget();

export * from '../protocol';
export {
  display, displayBundle, clearOutput, DisplayHandle, bundleOf, isDisplayable, inKernel, setDisplaySink, DISPLAY,
  type Displayable, type DisplayMessage, type DisplaySink,
} from './display';
export { tensorBundle, tensorPayload, tensorHeatmap, type TensorViewOptions } from './tensorView';
export { summary, summaryPayload, summaryBundle, summaryText, layerTree, ModelSummary, type SummaryOptions, type SampleInput } from './summary';
export { featureMaps, recordActivations, ActivationMaps, filterImages, ImageGrid, type FeatureMapOptions, type FilterOptions } from './activations';
export { confusionMatrix, confusionMatrixOf, ConfusionMatrix, type ConfusionOptions } from './confusion';
export { Figure, figureBundle, figureSvg, figurePng, linePlot, type FigureSpec, type Trace, type Layout, type Axis } from './figure';
export { architectureDiagram, unrolledRNNDiagram, Diagram, type ArchitectureOptions, type UnrolledRNNOptions } from './diagrams';
export { decisionRegions, imageGrid, barChart, contourLines, type DecisionRegionOptions, type ImageGridOptions, type BarChartOptions, type ScoreModel } from './plots';
export { runBundle, runPayload, runFigure, type RunViewOptions } from './runView';
export { liveFit, LiveRunDisplay, displayStats, type LiveFitOptions, type DisplayStats } from './live';
export { query, answerQuery, queryBundle } from './query';
export { track } from './registry';
export { moduleBundle, installDisplayMethods } from './install';
export { makeFitInterruptible } from './registry';
export { steerRun, registerSteeringTarget } from './steer';
export { Playground, PlaygroundFrame, DEFAULT_SETTINGS as PLAYGROUND_DEFAULTS, ACTIVATIONS as PLAYGROUND_ACTIVATIONS, type PlaygroundSettings, type PlaygroundRunOptions, type PlaygroundStats, type PlaygroundActivation } from './playground';
export { showInternalFrames } from './traceback';
