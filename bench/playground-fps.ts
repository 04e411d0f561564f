/**
 * `npm run bench:playground`: frames per second of the Playground's live
 * loop (kernel/src/playground.ts) for a 2-8-8-1 network (two hidden layers of
 * 8, tanh) on XOR: each frame trains one epoch (200 training points, so 20
 * SGD steps at batch size 10), evaluates the loss on all 400 points, draws
 * the PNG (64 × 64 decision grid, 16 neuron thumbnails, loss curves) and
 * sends it to the Image widget. The widgets talk to a stand-in transport
 * that JSON-encodes each message as the kernel would before sending it; the
 * loop runs unthrottled (`maxFps = Infinity`), still yielding with
 * setImmediate after each frame. Target: ≥ 10 frames/s on this machine.
 *
 *   npm run bench:playground              batch sizes 10 (the default) and 1, 50; 5 s each
 *   npm run bench:playground -- 2         2 s each
 *
 * Also prints the split of one frame into training, drawing and the rest.
 */
import { cpus, loadavg } from 'node:os';
import { setCommTransport } from '../kernel/src/comm';
import { setDisplaySink } from '../kernel/src/display';
import { Playground } from '../kernel/src/playground';

const seconds = Number(process.argv[2] ?? 5);
let messages = 0, bytes = 0;
setCommTransport({
  send: (_type, content, _metadata, buffers) => {
    messages++;
    bytes += JSON.stringify(content).length + buffers.reduce((n, b) => n + b.length, 0);
  },
  parentMsgId: () => null,
  log: () => undefined,
});
setDisplaySink(() => undefined);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(batchSize: number): Promise<void> {
  const pg = new Playground({ dataset: 'xor', hiddenLayers: 2, width: 8, activation: 'tanh', batchSize });
  pg.maxFps = Infinity;
  pg.widget();
  // warm-up: a second of frames, not counted
  pg.play();
  await sleep(1000);
  pg.pause();
  await sleep(50);
  const frames0 = pg.history.length, bytes0 = bytes;
  const t0 = performance.now();
  pg.play();
  await sleep(seconds * 1000);
  pg.pause();
  const elapsed = (performance.now() - t0) / 1000;
  await sleep(50);
  const frames = pg.history.length - frames0;
  // one frame's parts, timed apart on the same model
  const priv = pg as unknown as { trainFrame(): void };
  let train = 0, draw = 0;
  for (let i = 0; i < 20; i++) {
    const a = performance.now();
    priv.trainFrame();
    const b = performance.now();
    pg.draw();
    train += b - a;
    draw += performance.now() - b;
  }
  const steps = Math.ceil(200 / batchSize);
  console.log(
    `batch ${String(batchSize).padStart(3)} (${String(steps).padStart(3)} steps/frame): ${(frames / elapsed).toFixed(1).padStart(5)} frames/s`
    + `  (${frames} frames in ${elapsed.toFixed(1)} s; per frame: train + evaluate ${(train / 20).toFixed(1)} ms, draw + PNG ${(draw / 20).toFixed(1)} ms;`
    + ` ${((bytes - bytes0) / frames / 1024).toFixed(0)} KiB sent per frame; test accuracy ${(100 * pg.history[pg.history.length - 1].testAccuracy).toFixed(1)}%)`,
  );
}

async function main(): Promise<void> {
  console.log(`Playground live loop, 2-8-8-1 tanh on XOR (${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  for (const b of [10, 1, 50]) await measure(b);
  console.log(`${messages} widget messages sent in all`);
}

void main();
