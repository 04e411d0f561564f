/**
 * notebooks/07-playground.ipynb, executed headless: the datasets are balanced,
 * a network with no hidden layer stays at chance on XOR while 2 × 8 solves
 * it, the sweeps say what the prose says, every Playground frame is a PNG,
 * and the live Playground cell shows a widget whose state (with the image)
 * nbclient saved in the notebook.
 */
import { describe, expect, it } from 'vitest';
import { bundleWith, bundlesOf, checkExercises, committed, type Executed, isPng, MIME, notebookSuite, num, nums, textOf } from './helpers';

const NAME = '07-playground';
const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';
const WIDGET_STATE = 'application/vnd.jupyter.widget-state+json';
let run: Executed;
let text: string;

describe(NAME, () => {
  notebookSuite(NAME, (r, t) => {
    run = r;
    text = t;
  });

  it('draws the four datasets, balanced, and noise of the requested spread', () => {
    for (const name of ['circle', 'xor', 'spirals', 'gaussians']) expect(text).toMatch(new RegExp(`${name} +x \\[400,2\\]  y \\[400\\]  class 1: 200 of 400`));
    const figs = bundlesOf(run.nb, "const NAMES = ['circle'");
    expect(figs).toHaveLength(4);
    for (const f of figs) {
      expect(String(f['image/svg+xml'])).toMatch(/^<svg/);
      expect((f[MIME.plotly] as { data: { name: string }[] }).data.map((t) => t.name)).toEqual(['class 0', 'class 1']);
    }
    const jitter = num(text, /standard deviation of the jitter: ([\d.]+)/);
    expect(jitter).toBeGreaterThan(0.13);
    expect(jitter).toBeLessThan(0.17);
  });

  it('shows the straight boundary failing on XOR and 2 × 8 hidden neurons solving it', () => {
    const lineAcc = num(text, /no hidden layer on XOR: train loss [\d.]+ \(log 2 = 0.693\), test accuracy ([\d.]+)%/);
    expect(lineAcc).toBeGreaterThan(35);
    expect(lineAcc).toBeLessThan(65);
    expect(num(text, /no hidden layer on XOR: train loss ([\d.]+)/)).toBeGreaterThan(0.65);
    expect(num(text, /no hidden layer on the Gaussians: test accuracy ([\d.]+)%/)).toBeGreaterThan(95);
    expect(num(text, /2 × 8 tanh on XOR: train loss [\d.]+, test accuracy ([\d.]+)%/)).toBeGreaterThan(90);
    for (const marker of ["dataset: 'xor', hiddenLayers: 0", "dataset: 'gaussians', hiddenLayers: 0", "dataset: 'xor', hiddenLayers: 2, width: 8, seed: 1"]) {
      const frame = bundleWith(run.nb, marker, 'image/png');
      expect(isPng(frame['image/png'])).toBe(true);
      expect(String(frame['text/plain'])).toMatch(/^Playground (xor|gaussians) /);
    }
  });

  it('measures width, activation, learning rate and L2 as the prose says', () => {
    const widths = nums(text, /1 hidden layer of \d: test accuracy ([\d.]+)%/);
    expect(widths).toHaveLength(4);
    expect(widths[3]).toBeGreaterThan(90);
    expect(widths[0]).toBeLessThan(widths[3]);
    expect(num(text, /relu +: train loss [\d.]+, test accuracy ([\d.]+)%/)).toBeGreaterThan(90);
    expect(num(text, /tanh +: train loss [\d.]+, test accuracy ([\d.]+)%/)).toBeGreaterThan(90);
    expect(num(text, /sigmoid: train loss ([\d.]+)/)).toBeGreaterThan(0.68);
    const lr = (v: string) => num(text, new RegExp(`lr ${v.replace('.', '\\.')} *: train loss ([\\d.]+)`));
    expect(lr('0.001')).toBeGreaterThan(0.68);
    expect(lr('0.1')).toBeLessThan(0.3);
    expect(lr('10')).toBeGreaterThan(0.693);
    const l2Test = nums(text, /L2 [\d.]+ *: train loss [\d.]+, test loss ([\d.]+)/);
    expect(l2Test).toHaveLength(4);
    expect(l2Test[1]).toBeLessThan(l2Test[0]);
    expect(l2Test[3]).toBeCloseTo(0.693, 2);
  });

  it('learns the spirals with 3 × 8 and 20,000 steps', () => {
    expect(num(text, /3 × 8 tanh on the spirals: test accuracy ([\d.]+)%/)).toBeGreaterThan(75);
    expect(isPng(bundleWith(run.nb, "dataset: 'spirals'", 'image/png')['image/png'])).toBe(true);
  });

  it('shows the live Playground as a widget, saves its state with the image, and the headless final frame', () => {
    for (const nb of [run.nb, committed(NAME)]) {
      const view = bundleWith(nb, 'pg.widget()', WIDGET_VIEW)[WIDGET_VIEW] as { model_id: string };
      expect(view.model_id).toMatch(/^[0-9a-f]{32}$/);
      const saved = nb.metadata.widgets?.[WIDGET_STATE]?.state as Record<string, { model_name: string; state: Record<string, unknown>; buffers?: { path: string[]; data: string }[] }>;
      expect(saved[view.model_id].model_name).toBe('VBoxModel');
      const images = Object.values(saved).filter((m) => m.model_name === 'ImageModel');
      expect(images).toHaveLength(1);
      const png = images[0].buffers?.find((b) => b.path[0] === 'value');
      expect(isPng(png?.data)).toBe(true);
      const names = Object.values(saved).map((m) => `${m.model_name}:${String(m.state.description ?? '')}`);
      for (const w of ['ButtonModel:Play', 'ButtonModel:Reset', 'DropdownModel:dataset', 'FloatSliderModel:noise', 'IntSliderModel:hidden layers', 'IntSliderModel:neurons',
        'DropdownModel:activation', 'FloatLogSliderModel:learning rate', 'FloatLogSliderModel:L2 (left: 0)', 'DropdownModel:batch size']) expect(names).toContain(w);
    }
    expect(text).toMatch(/Playground xor \(noise 0\), 8-8 tanh, lr 0.1, L2 0, batch 10: step 1500, .* test accuracy (9\d|100)\.\d%/);
    expect(isPng(bundleWith(run.nb, 'const final = await pg.run', 'image/png')['image/png'])).toBe(true);
  });

  it('ends with exercises whose collapsed solutions ran: the circle needs 3 hidden neurons, noise caps accuracy, width vs steps', () => {
    const solutions = textOf(checkExercises(run.nb));
    const [none, two, three] = nums(solutions, /circle, (?:no hidden layer|1 hidden layer of \d neurons): test accuracy ([\d.]+)%/);
    expect(none).toBeLessThan(70);
    expect(three).toBeGreaterThan(90);
    expect(three).toBeGreaterThan(two);
    const noisy = nums(solutions, /gaussians, noise [\d.]+: train loss [\d.]+, test accuracy ([\d.]+)%/);
    expect(noisy).toHaveLength(3);
    expect(noisy[0]).toBeGreaterThan(noisy[2]);
    expect(nums(solutions, /spirals, 3 × \d+, 5000 steps: test accuracy ([\d.]+)%/)).toHaveLength(2);
  });
});
