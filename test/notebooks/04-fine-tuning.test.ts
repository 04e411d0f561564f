/**
 * notebooks/04-fine-tuning.ipynb, executed headless: pretraining, the saved
 * and reloaded weights, the replaced head and frozen features, and the
 * comparison with training from scratch.
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, bundleWith, type Executed, MIME, notebookSuite, num } from './helpers';

const NAME = '04-fine-tuning';
let run: Executed;
let text: string;

describe(NAME, () => {
  notebookSuite(NAME, (r, t) => {
    run = r;
    text = t;
  });

  it('pretrains on task A with a live chart', () => {
    const live = bundleWith(run.nb, 'await liveFit(pretrained', MIME.run);
    expect(live[MIME.run]).toMatchObject({ status: 'completed' });
    expect(num(text, /pretrained LeNet-5 on task A: test accuracy ([\d.]+)%/)).toBeGreaterThanOrEqual(85);
  });

  it('saves and reloads the weights, replaces the head and freezes the features', () => {
    expect(text).toMatch(/Saved 10 tensors \([\d,]+ values, [\d,]+ bytes\)/);
    expect(text).toContain('loaded 10 tensors, 0 left as they were');
    expect(text).toContain('features.0.weight equals the pretrained one: max difference 0');
    expect(num(text, /new head equals the old one\? max difference ([\d.]+)/)).toBeGreaterThan(0);
    expect(text).toContain('frozen: features.0.weight, features.0.bias, features.3.weight, features.3.bias');
    expect(text).toContain('trainable parameters: 58,709 of 61,281');
    const [summary] = bundlesOf(run.nb, 'summary(model');
    expect(String(summary['text/plain'])).toContain('Partial');
  });

  it('beats training from scratch on 100 labelled images, frozen or fine-tuned', () => {
    expect(text).toContain('task B: 100 training images');
    expect(num(text, /gain of starting from pretrained weights: frozen (-?[\d.]+) points/)).toBeGreaterThan(0);
    expect(num(text, /fine-tuned (-?[\d.]+) points/)).toBeGreaterThan(0);
    expect(text).toContain('frozen convolutions unchanged by training: max |features.3.weight − pretrained| = 0');
    expect(num(text, /fine-tuned convolutions moved: +max \|features\.3\.weight − pretrained\| = ([\d.]+)/)).toBeGreaterThan(0);
    const [fig] = bundlesOf(run.nb, 'linePlot(results');
    expect((fig[MIME.plotly] as { data: { name: string }[] }).data.map((t) => t.name)).toEqual(['from scratch', 'frozen features', 'fine-tuned']);
  });
});
