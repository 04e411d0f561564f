/**
 * The MIME renderers: nnlab's payload types and plotly figures. All are
 * `safe`: they build the DOM from text nodes and checked base64 PNGs only, so
 * they also render untrusted (saved, unsigned) notebooks. Rank 0 puts them
 * ahead of the text/html and image/png fallbacks in the same bundle, and the
 * run renderer ahead of the run's plotly chart.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME } from './protocol';
import { ActivationsRenderer } from './renderers/activations';
import { ConfusionRenderer } from './renderers/confusion';
import { ImagesRenderer } from './renderers/images';
import { ModelRenderer } from './renderers/model';
import { PlotlyRenderer } from './renderers/plotlyFigure';
import { RunRenderer } from './renderers/run';
import { TensorRenderer } from './renderers/tensor';

function renderer(id: string, mimeType: string, rank: number, create: () => IRenderMime.IRenderer): IRenderMime.IExtension {
  return {
    id: `@nnlab/jupyterlab-nnlab:${id}`,
    rendererFactory: { safe: true, mimeTypes: [mimeType], createRenderer: create },
    rank,
    dataType: 'json',
  };
}

const extensions: IRenderMime.IExtension[] = [
  renderer('tensor', MIME.tensor, 0, () => new TensorRenderer()),
  renderer('model', MIME.model, 0, () => new ModelRenderer()),
  renderer('activations', MIME.activations, 0, () => new ActivationsRenderer()),
  renderer('images', MIME.images, 0, () => new ImagesRenderer()),
  renderer('run', MIME.run, 0, () => new RunRenderer()),
  renderer('confusion', MIME.confusion, 0, () => new ConfusionRenderer()),
  renderer('plotly', MIME.plotly, 1, () => new PlotlyRenderer()),
];

export default extensions;
