/**
 * notebooks/04-fine-tuning.ipynb, executed headless: pretraining, the saved
 * and reloaded weights, the replaced head and frozen features, and the
 * comparison with training from scratch.
 */
import { describe, expect, it } from 'vitest';
import { bundlesOf, bundleWith, checkExercises, type Executed, isPng, MIME, notebookSuite, num, textOf } from './helpers';

const NAME = '04-fine-tuning';
let run: Executed;
let text: string;

describe(NAME, () => {
  notebookSuite(NAME, (r, t) => {
    run = r;
    text = t;
  });

  it('shows eight images of each task as one image grid (PNG and images JSON)', () => {
    for (const marker of ['aTrain.get(i)[0]', 'bTrain.get(i)[0]']) {
      const grid = bundleWith(run.nb, marker, MIME.images);
      expect(isPng(grid['image/png'])).toBe(true);
      expect(grid[MIME.images]).toMatchObject({ kind: 'images', sourceShape: [8, 1, 28, 28], cols: 8 });
    }
  });

  it('pretrains on task A with a live chart', () => {
    const live = bundleWith(run.nb, 'await liveFit(pretrained', MIME.run) as Record<string, any>;
    expect(live[MIME.run]).toMatchObject({ status: 'completed' });
    expect(live[MIME.run].steps.stepsPerEpoch).toBe(187);   // dropLast: no batch of 16 at the end
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

  it('explains frozen vs fine-tuned with numbers: level with 20 labels per class, fine-tuning gains with 100', () => {
    const rows = [...text.matchAll(/^(from scratch|frozen features|fine-tuned) +trains ([\d,]+) parameters; training accuracy in the last epoch (\d+)%; test accuracy over epochs 5-8: mean ([\d.]+)%, from (\d+)% to (\d+)%/gm)];
    expect(rows.map((r) => r[1])).toEqual(['from scratch', 'frozen features', 'fine-tuned']);
    const [, frozen, tuned] = rows.map((r) => ({ trainable: Number(r[2].replace(/,/g, '')), trainAcc: Number(r[3]), mean: Number(r[4]), lo: Number(r[5]), hi: Number(r[6]) }));
    expect(tuned.trainable - frozen.trainable).toBe(2572);
    expect(text).toContain("the frozen convolutions hold only 2,572 of LeNet-5's 61,281 parameters");
    // "the last epoch alone misleads": one epoch's accuracy swings by more than the gap of the means
    expect(Math.max(frozen.hi - frozen.lo, tuned.hi - tuned.lo)).toBeGreaterThan(Math.abs(frozen.mean - tuned.mean));
    expect(tuned.trainAcc).toBeGreaterThanOrEqual(frozen.trainAcc);   // "fits its training images more closely"
    const [probeA, probeB] = [...text.matchAll(/linear probe on the (?:pretrained features|features after fine-tuning).*mean ([\d.]+)%/g)].map((m) => Number(m[1]));
    expect(probeB).toBeGreaterThan(probeA + 2);                      // "gains several points"
    const sweep = [...text.matchAll(/^ +(20|100) \| +(\d+) \| +([\d.]+)% \| +([\d.]+)% \| +(-?[\d.]+) points/gm)].map((m) => m.slice(1).map(Number));
    expect(sweep.map((r) => [r[0], r[1]])).toEqual([[20, 100], [100, 500]]);
    expect(Math.abs(sweep[0][4])).toBeLessThan(2);                   // level with 20 per class
    expect(sweep[1][4]).toBeGreaterThan(sweep[0][4]);                 // fine-tuning gains with more labels
    expect(sweep[1][4]).toBeGreaterThan(0);
  });

  it('ends with exercises whose collapsed solutions ran', () => {
    const solutions = textOf(checkExercises(run.nb));
    expect(solutions).toContain('frozen: features.0.weight, features.0.bias; trainable 61,125 of 61,281');
    expect(num(solutions, /no training on B, best mapping of outputs: ([\d.]+)%/)).toBeGreaterThan(20);
    expect(solutions).toMatch(/fine-tuned with one lr 2e-3: test accuracy over epochs 5-8 mean [\d.]+% \(features at 5e-4: [\d.]+%\)/);
  });
});
