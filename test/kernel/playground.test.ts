/**
 * The Playground: headless runs (the perceptron's straight boundary fails on
 * XOR, two hidden layers of 8 solve it), the final PNG, settings that rebuild
 * or re-tune the model, and the widgets driven by a simulated frontend over
 * the comm transport while it trains.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArgumentError } from '../../src';
import { dispatchCommMessage, setCommTransport, type JSONObject } from '../../kernel/src/comm';
import { Playground } from '../../kernel/src/playground';
import { bundleOf, setDisplaySink } from '../../kernel/src/display';
import { colorCounts, decodePNG } from './png-decode';
import { FRAME } from '../../kernel/src/canvas';

afterEach(() => {
  setCommTransport(null);
  setDisplaySink(null);
});

describe('Playground, headless', () => {
  it('with no hidden layer stays near chance on XOR (a straight boundary); with 2 x 8 tanh it passes 90%', async () => {
    const line = await new Playground({ dataset: 'xor', hiddenLayers: 0, seed: 1 }).run({ steps: 2000 });
    expect(line.testAccuracy).toBeGreaterThan(0.3);
    expect(line.testAccuracy).toBeLessThan(0.7);
    expect(line.trainLoss).toBeGreaterThan(0.6); // log 2 = 0.693 is a coin flip
    const mlp = await new Playground({ dataset: 'xor', hiddenLayers: 2, width: 8, seed: 1 }).run({ steps: 2000 });
    expect(mlp.testAccuracy).toBeGreaterThan(0.9);
    expect(mlp.trainLoss).toBeLessThan(0.3);
    expect(mlp.step).toBe(2000);
  });

  it('separates the Gaussians without a hidden layer (they are linearly separable)', async () => {
    const f = await new Playground({ dataset: 'gaussians', hiddenLayers: 0 }).run({ steps: 500 });
    expect(f.testAccuracy).toBeGreaterThan(0.95);
  });

  it('returns the final frame as a PNG, saves it, and the same settings and seed draw the same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-pg-'));
    try {
      const path = join(dir, 'final.png');
      const a = await new Playground({ dataset: 'circle', seed: 4 }).run({ steps: 300, save: path });
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path).equals(a.png)).toBe(true);
      const png = decodePNG(a.png);
      expect([png.width, png.height]).toEqual([a.width, a.height]);
      expect(png.width).toBeGreaterThan(300);
      const b = await new Playground({ dataset: 'circle', seed: 4 }).run({ steps: 300 });
      expect(b.png.equals(a.png)).toBe(true);
      const c = await new Playground({ dataset: 'circle', seed: 5 }).run({ steps: 300 });
      expect(c.png.equals(a.png)).toBe(false);
      const bundle = bundleOf(a);
      expect(Buffer.from(bundle['image/png'] as string, 'base64').equals(a.png)).toBe(true);
      expect(bundle['text/plain']).toMatch(/^Playground circle \(noise 0\), 4-4 tanh, lr 0.1, L2 0, batch 10: step 300, train loss [\d.]+, test loss [\d.]+, train accuracy [\d.]+%, test accuracy [\d.]+%$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws one thumbnail per hidden neuron: more neurons, a taller image', async () => {
    const small = new Playground({ hiddenLayers: 1, width: 2 }).draw();
    const big = new Playground({ hiddenLayers: 4, width: 8 }).draw();
    expect(big.height).toBeGreaterThan(small.height);
    // each thumbnail has a 1-px frame around its 32 x 32 map: 4 · 33 pixels of the frame colour
    const framePixels = (png: Buffer) => colorCounts(png).get(FRAME) ?? 0;
    expect(framePixels(big.png) - framePixels(small.png)).toBeGreaterThanOrEqual(30 * 4 * 33);
  });

  it('rebuilds the model when the data or the architecture change, re-tunes it for the learning rate, L2 and batch size', async () => {
    const pg = new Playground({ dataset: 'xor' });
    await pg.run({ steps: 100 });
    pg.configure({ learningRate: 0.5, l2: 0.001, batchSize: 20 });
    expect(pg.step).toBe(100);
    expect(pg.settings).toMatchObject({ learningRate: 0.5, l2: 0.001, batchSize: 20 });
    await pg.run({ steps: 10 });
    expect(pg.step).toBe(110);
    pg.configure({ width: 3 });
    expect(pg.step).toBe(0);
    expect(pg.history).toHaveLength(1);
    await pg.run({ steps: 50, noise: 0.2 });
    expect(pg.step).toBe(50);
    pg.reset();
    expect(pg.step).toBe(0);
  });

  it('refuses bad settings, naming the setting and the value', async () => {
    expect(() => new Playground({ hiddenLayers: 5 })).toThrow(ArgumentError);
    expect(() => new Playground({ hiddenLayers: 5 })).toThrow('Playground: hiddenLayers must be an integer from 0 to 4, got 5');
    expect(() => new Playground({ dataset: 'moons' as never })).toThrow('Playground: dataset must be one of circle, xor, spirals, gaussians, got "moons"');
    expect(() => new Playground({ activation: 'gelu' as never })).toThrow('Playground: activation must be one of relu, tanh, sigmoid, got "gelu"');
    expect(() => new Playground({ batchSize: 500 })).toThrow('Playground: batchSize must be an integer from 1 to the 200 training points, got 500');
    expect(() => new Playground({ lr: 0.1 } as never)).toThrow(/Playground: unknown setting 'lr' \(settings: dataset, noise, /);
    expect(() => new Playground().configure({ learningRate: -1 })).toThrow('Playground.configure: learningRate must be a positive number, got -1');
    await expect(new Playground().run({ steps: -1 })).rejects.toThrow('Playground.run: steps must be a non-negative integer, got -1');
  });
});

interface Sent {
  msgType: string;
  content: JSONObject;
  buffers: Uint8Array[];
}

/** A frontend stand-in: records what the kernel sends, and sends widget messages back. */
function fakeFrontend() {
  const sent: Sent[] = [];
  setCommTransport({ send: (msgType, content, _metadata, buffers) => sent.push({ msgType, content, buffers }), parentMsgId: () => null, log: () => undefined });
  setDisplaySink(() => undefined);
  const header = { msg_id: 'x', msg_type: 'comm_msg', session: 's' };
  return {
    sent,
    update: (modelId: string, state: JSONObject) => dispatchCommMessage('comm_msg', { comm_id: modelId, data: { method: 'update', state } }, {}, [], header),
    click: (modelId: string) => dispatchCommMessage('comm_msg', { comm_id: modelId, data: { method: 'custom', content: { event: 'click' } } }, {}, [], header),
    /** The PNGs sent to the image widget, in order. */
    images: (modelId: string) => sent.filter((m) => m.content.comm_id === modelId && m.buffers.length > 0).map((m) => Buffer.from(m.buffers[0])),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Playground widgets', () => {
  it('has the controls of TensorFlow Playground and an image', () => {
    fakeFrontend();
    const pg = new Playground();
    const box = pg.widget();
    const all = box.children.flatMap((c) => ('children' in c ? (c as typeof box).children : [c]));
    const names = all.map((w) => `${w.widgetName}:${(w as unknown as { description?: string }).description ?? ''}`);
    expect(names).toEqual([
      'Button:Play', 'Button:Reset', 'Dropdown:dataset', 'FloatSlider:noise', 'IntSlider:hidden layers', 'IntSlider:neurons',
      'Dropdown:activation', 'FloatLogSlider:learning rate', 'FloatLogSlider:L2 (left: 0)', 'Dropdown:batch size', 'Image:', 'Label:',
    ]);
    const slider = all[4] as unknown as { min: number; max: number; value: number };
    expect([slider.min, slider.max, slider.value]).toEqual([0, 4, 2]);
  });

  it('trains live after Play: frames keep coming while messages from the frontend steer it, until Pause', async () => {
    const fe = fakeFrontend();
    const pg = new Playground({ dataset: 'xor', hiddenLayers: 1, width: 4 });
    const box = pg.widget();
    const [row1, row2, row3, image] = box.children as any[];
    const [play] = row1.children, [hidden, , activation] = row2.children, [lr, l2, batch] = row3.children;
    await fe.click(play.modelId);
    expect(pg.playing).toBe(true);
    expect(play.description).toBe('Pause');
    await sleep(400);
    const frames = fe.images(image.modelId).length;
    expect(frames).toBeGreaterThan(2);
    expect(pg.step).toBeGreaterThan(0);
    // a learning-rate change while playing re-tunes: the step count goes on
    const before = pg.step;
    await fe.update(lr.modelId, { value: 0.5 });
    expect(pg.settings.learningRate).toBe(0.5);
    await sleep(150);
    expect(pg.step).toBeGreaterThan(before);
    await fe.update(l2.modelId, { value: 1e-6 });
    expect(pg.settings.l2).toBe(0); // the slider's leftmost position
    await fe.update(l2.modelId, { value: 1e-3 });
    expect(pg.settings.l2).toBeCloseTo(1e-3, 10);
    await fe.update(batch.modelId, { index: 4 });
    expect(pg.settings.batchSize).toBe(50);
    await fe.update(activation.modelId, { index: 0 });
    expect(pg.settings.activation).toBe('relu');
    // more layers rebuild the model: back to step 0, then training goes on
    await fe.update(hidden.modelId, { value: 3 });
    expect(pg.settings.hiddenLayers).toBe(3);
    expect(pg.step).toBeLessThan(200);
    await sleep(200);
    await fe.click(play.modelId);
    expect(pg.playing).toBe(false);
    expect(play.description).toBe('Play');
    await sleep(100);
    const shown = fe.images(image.modelId);
    expect(shown.length).toBeGreaterThan(frames);
    expect(shown[shown.length - 1].equals(shown[1])).toBe(false);
    await sleep(150);
    expect(fe.images(image.modelId)).toHaveLength(shown.length); // paused: no more frames
    expect(pg.framesPerSecond).toBeGreaterThan(0);
  });

  it('stops the live loop on an error and says why in the status line', async () => {
    fakeFrontend();
    const pg = new Playground();
    const box = pg.widget();
    const status = box.children[4] as unknown as { value: string };
    pg.draw = () => {
      throw new Error('no canvas today');
    };
    pg.play();
    await sleep(100);
    expect(pg.playing).toBe(false);
    expect(status.value).toMatch(/^Playground stopped at step \d+: no canvas today$/);
  });

  it('follows settings changed from code, and Reset draws fresh weights', async () => {
    const fe = fakeFrontend();
    const pg = new Playground();
    const box = pg.widget();
    const [row1, row2] = box.children as any[];
    const [, reset, dataset] = row1.children, [, width] = row2.children;
    pg.configure({ dataset: 'spirals', width: 6 });
    expect(dataset.value).toBe('spirals');
    expect(width.value).toBe(6);
    await pg.run({ steps: 40 });
    await fe.click(reset.modelId);
    expect(pg.step).toBe(0);
  });
});
