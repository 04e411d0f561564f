/**
 * application/vnd.nnlab.images+json: an image grid the kernel drew (conv
 * filters, samples) with its title, source shape and a zoom slider.
 */
import { MIME, type ImagesPayload } from '../protocol';
import { arr, fmtShape, h, num, pngImage, str } from '../dom';
import { PayloadRenderer } from './base';

export class ImagesRenderer extends PayloadRenderer<ImagesPayload> {
  constructor() {
    super(MIME.images, 'images', 'nnlab-images');
  }

  protected render(p: ImagesPayload): void {
    this.node.textContent = '';
    const width = num(p.image?.width) ?? 0;
    const height = num(p.image?.height) ?? 0;
    const holder = h('div', { className: 'nnlab-image-holder' });
    const zoom = h('input', { type: 'range', min: '1', max: '8', step: '1', className: 'nnlab-zoom', aria: { label: 'zoom' } });
    // NOTE: the kernel draws its images at reading size (tiles of 64-84 px, captions in real fonts): shown 1:1 by default.
    zoom.value = '1';
    const draw = () => {
      holder.textContent = '';
      holder.appendChild(pngImage(p.image?.png, str(p.title, 'images'), width * Number(zoom.value), height * Number(zoom.value)));
    };
    zoom.addEventListener('input', draw);
    this.node.append(
      h('div', { className: 'nnlab-header' },
        h('span', { className: 'nnlab-title' }, str(p.title, 'Images')), ' ',
        h('span', { className: 'nnlab-muted' }, `source ${fmtShape(p.sourceShape)} · ${num(p.rows) ?? '?'}×${num(p.cols) ?? '?'} grid · ${str(p.colormap)}${p.scale === 'shared' ? ' · one shared scale' : ''}${arr(p.constantTiles).length ? ` · ${arr(p.constantTiles).length} constant tile(s) crossed out` : ''}`)),
      h('div', { className: 'nnlab-controls' }, h('label', {}, 'zoom ', zoom)),
      holder);
    draw();
  }
}
