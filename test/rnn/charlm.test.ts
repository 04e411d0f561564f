/**
 * Character-level language model on /usr/share/common-licenses/GPL-3 (every
 * Debian machine has it): the vocabulary and the next-character pairs, a
 * short training run whose loss falls below what single-character
 * frequencies allow, and sampling with a temperature.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { Generator, Tensor, F, optim, data, noGrad, ArgumentError, ShapeError } from '../../src';
import { CharVocab, loadText, charSequences } from '../../src/data/text';
import { CharLM, sampleLogits } from '../../src/models/rnn';

const GPL = '/usr/share/common-licenses/GPL-3';

describe('CharVocab and charSequences', () => {
  it('gives sorted characters stable ids, and decodes what it encodes', () => {
    const vocab = CharVocab.fromText('hello world');
    expect(vocab.chars).toEqual([' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(vocab.size).toBe(8);
    expect(vocab.encode('hole').toArray()).toEqual([3, 5, 4, 2]);
    expect(vocab.encode('hole').dtype).toBe('int32');
    expect(vocab.decode(vocab.encode('world hello'))).toBe('world hello');
    expect(vocab.decode([3, 2, 4, 4, 5])).toBe('hello');
  });
  it('names an unknown character and where it is', () => {
    const vocab = CharVocab.fromText('abc');
    expect(() => vocab.encode('abé')).toThrow(ArgumentError);
    expect(() => vocab.encode('abé')).toThrow("CharVocab.encode: 'é' (U+00E9) at position 2 is not in the vocabulary (3 characters)");
    expect(() => vocab.encode('a\tb')).toThrow('"\\t" (U+0009) at position 1');
    expect(() => vocab.decode([0, 7])).toThrow('CharVocab.decode: id 7 at position 1 is outside [0, 3)');
  });
  it('cuts next-character pairs: y is x shifted by one', () => {
    const vocab = CharVocab.fromText('abcdefgh');
    const ds = charSequences(vocab.encode('abcdefgh'), 3);
    expect(ds.length).toBe(2);
    const [x, y] = ds.tensors;
    expect(x.shape).toEqual([2, 3]);
    expect(vocab.decode(x.select(0, 0))).toBe('abc');
    expect(vocab.decode(y.select(0, 0))).toBe('bcd');
    expect(vocab.decode(x.select(0, 1))).toBe('def');
    expect(vocab.decode(y.select(0, 1))).toBe('efg');
    expect(() => charSequences(vocab.encode('abc'), 3)).toThrow('charSequences: 3 ids are too few for one sequence of 3 (need 4)');
  });
});

describe('sampleLogits', () => {
  it('is the argmax at temperature 0 and follows softmax(logits / τ) otherwise', () => {
    expect(sampleLogits([1, 3, 2, 3], 0)).toBe(1);
    const logits = [0, 1, 2];
    for (const tau of [0.5, 1, 2]) {
      const g = new Generator(4);
      const counts = [0, 0, 0];
      const n = 20000;
      for (let i = 0; i < n; i++) counts[sampleLogits(logits, tau, g)]++;
      const expected = F.softmax(new Tensor(Float64Array.from(logits.map((l) => l / tau)), [3])).toFlatArray();
      // within 4 standard errors of each expected frequency
      counts.forEach((c, k) => expect(Math.abs(c / n - expected[k])).toBeLessThan(4 * Math.sqrt(expected[k] * (1 - expected[k]) / n)));
    }
    expect(() => sampleLogits([1, 2], -1)).toThrow('sampleLogits: temperature must be ≥ 0, got -1');
  });
});

describe('CharLM on GPL-3', () => {
  const text = loadText(GPL);
  const vocab = CharVocab.fromText(text);
  const train = text.slice(0, 8000), heldOut = text.slice(8000, 10000);
  let lm: CharLM;
  const losses: number[] = [];

  /** Cross-entropy (nats per character) of predicting each character from its frequency alone. */
  function unigramEntropy(s: string): number {
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    let h = 0;
    for (const c of counts.values()) h -= (c / s.length) * Math.log(c / s.length);
    return h;
  }

  beforeAll(() => {
    const g = new Generator(0);
    lm = new CharLM({ vocab, hidden: 64, embedding: 16, generator: g });
    const loader = new data.DataLoader(charSequences(vocab.encode(train), 32), { batchSize: 32, shuffle: true, generator: g });
    const opt = new optim.Adam(lm.parameters(), { lr: 0.02 });
    while (losses.length < 40) {
      for (const [x, y] of loader) {
        if (losses.length >= 40) break;
        opt.zeroGrad();
        const loss = CharLM.loss(lm.forward(x), y);
        loss.backward();
        optim.clipGradNorm(lm.parameters(), 5);
        opt.step();
        losses.push(loss.item());
      }
    }
  });

  it('has a falling loss that ends below the single-character entropy, on held-out text too', () => {
    expect(vocab.size).toBe(76);
    // An untrained model knows nothing: about ln 76 = 4.33 nats per character.
    expect(Math.abs(losses[0] - Math.log(vocab.size))).toBeLessThan(0.3);
    const last = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
    const [hx, hy] = charSequences(vocab.encode(heldOut), 50).tensors;
    const held = noGrad(() => CharLM.loss(lm.forward(hx), hy).item());
    console.log(`char LM: loss ${losses[0].toFixed(2)} → ${last.toFixed(2)} after 40 steps, held-out ${held.toFixed(2)}; single-character entropy ${unigramEntropy(train).toFixed(2)}`);
    expect(last).toBeLessThan(unigramEntropy(train) - 0.3);
    expect(held).toBeLessThan(unigramEntropy(heldOut));
  });

  it('samples greedily at temperature 0 (and as τ → 0)', () => {
    // Greedy decoding by hand: feed the prompt, take the argmax, feed it back.
    const prompt = 'This License';
    let [logits, state] = noGrad(() => lm.step(vocab.encode(prompt).reshape([1, -1])));
    let greedy = '';
    for (let i = 0; i < 60; i++) {
      const id = logits.select(1, logits.shape[1] - 1).argmax(-1).item();
      greedy += vocab.chars[id];
      [logits, state] = noGrad(() => lm.step(new Tensor(Int32Array.of(id), [1, 1]), state));
    }
    expect(lm.sample(prompt, 60, { temperature: 0 })).toBe(greedy);
    expect(lm.sample(prompt, 60, { temperature: 1e-6, generator: new Generator(5) })).toBe(greedy);
    expect(lm.training).toBe(true); // sample restores the mode
  });

  it('gives the same text for the same seed, and more diverse text at higher temperature', () => {
    const a = lm.sample('GNU ', 200, { temperature: 1, generator: new Generator(7) });
    const b = lm.sample('GNU ', 200, { temperature: 1, generator: new Generator(7) });
    const c = lm.sample('GNU ', 200, { temperature: 1, generator: new Generator(8) });
    expect(a).toHaveLength(200);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    const distinct = (tau: number) => {
      let total = 0;
      for (const seed of [1, 2, 3]) total += new Set(lm.sample('the ', 300, { temperature: tau, generator: new Generator(seed) })).size;
      return total / 3;
    };
    const cold = distinct(0.3), warm = distinct(1), hot = distinct(2);
    console.log(`distinct characters in 300 sampled: τ=0.3 ${cold.toFixed(1)}, τ=1 ${warm.toFixed(1)}, τ=2 ${hot.toFixed(1)}`);
    expect(cold).toBeLessThan(warm);
    expect(warm).toBeLessThan(hot);
  });

  it('rejects a bad prompt or temperature', () => {
    expect(() => lm.sample('', 10)).toThrow('CharLM.sample: the prompt must have at least one character');
    expect(() => lm.sample('abc', 10, { temperature: -0.5 })).toThrow('CharLM.sample: temperature must be ≥ 0, got -0.5');
    expect(() => lm.sample('naïve', 10)).toThrow("'ï' (U+00EF) at position 2 is not in the vocabulary");
    expect(() => lm.forward(vocab.encode('abc'))).toThrow(ShapeError);
    expect(() => lm.forward(vocab.encode('abc'))).toThrow('CharLM: expected character ids of shape [B, T], got shape [3]');
  });
});
