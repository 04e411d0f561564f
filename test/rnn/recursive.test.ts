/**
 * The recursive (tree) network: one shared layer composes two children into
 * their parent along a binary tree. Trained on nested boolean expressions
 * whose operators are leaves like any other token, it must learn what "and"
 * and "or" mean from data; it is scored on held-out expressions, including
 * deeper ones than any it was trained on.
 */
import { describe, it, expect } from 'vitest';
import { Generator, Tensor, F, optim, noGrad, accuracy, RecursiveNet, booleanExpressions, BOOLEAN_TOKENS, ArgumentError, type Tree } from '../../src';
import { gradcheck } from '../helpers/gradcheck';

describe('RecursiveNet', () => {
  it('composes with one shared layer: h = tanh(W [h_left; h_right] + b)', () => {
    const net = new RecursiveNet({ vocabSize: 3, dim: 2, classes: 2, generator: new Generator(1) });
    expect(net.namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'embedding.weight 3x2', 'compose.weight 2x4', 'compose.bias 2', 'classifier.weight 2x2', 'classifier.bias 2',
    ]);
    // By hand for the tree ((0, 1), 2).
    const E = net.embedding.weight, W = net.compose.weight, b = net.compose.bias!;
    const compose = (l: Tensor, r: Tensor) => F.linear(l, W.narrow(1, 0, 2)).add(F.linear(r, W.narrow(1, 2, 2))).add(b).tanh();
    const left = compose(E.select(0, 0), E.select(0, 1));
    const root = compose(left, E.select(0, 2));
    expect(net.encode([[[0, 1], 2]])).toBeAllClose(root.reshape([1, 2]), { atol: 1e-6 });
    // A leaf alone is its embedding; a batch of trees of different shapes is encoded row by row.
    expect(net.encode([2])).toBeAllClose(E.narrow(0, 2, 1));
    const batch = net.encode([[[0, 1], 2], 2, [0, [1, [2, 0]]]]);
    expect(batch.narrow(0, 0, 1)).toBeAllClose(root.reshape([1, 2]), { atol: 1e-6 });
    expect(batch.narrow(0, 1, 1)).toBeAllClose(E.narrow(0, 2, 1));
    expect(batch.narrow(0, 2, 1)).toBeAllClose(net.encode([[0, [1, [2, 0]]]]), { atol: 1e-6 });
    expect(net.forward([[0, 1], 2]).shape).toEqual([2, 2]);
  });

  it('passes a gradient check through trees of mixed depth (float64)', () => {
    const net = new RecursiveNet({ vocabSize: 3, dim: 3, classes: 2, generator: new Generator(2), dtype: 'float64' });
    const trees: Tree[] = [[[0, 1], [2, [1, 1]]], 1, [2, 0]];
    gradcheck('RecursiveNet', () => net.forward(trees), net.parameters());
  });

  it('walks deep trees without recursion', () => {
    let tree: Tree = 0;
    for (let i = 0; i < 10000; i++) tree = [tree, i % 2];
    const net = new RecursiveNet({ vocabSize: 2, dim: 2, classes: 2 });
    const logits = net.forward([tree]);
    logits.sum().backward();
    expect(net.compose.weight.grad!.toFlatArray().every(Number.isFinite)).toBe(true);
  });

  it('names bad trees', () => {
    const net = new RecursiveNet({ vocabSize: 4, dim: 2, classes: 2 });
    expect(() => net.forward([[0, 1], [2, 7]])).toThrow(ArgumentError);
    expect(() => net.forward([[0, 1], [2, 7]])).toThrow('RecursiveNet: tree 1 has leaf token 7, outside [0, 4)');
    expect(() => net.forward([[0, 1, 2] as unknown as Tree])).toThrow('RecursiveNet: tree 0 has a node that is neither a token nor a pair: [0,1,2]');
    expect(() => net.forward([])).toThrow('RecursiveNet: expected a non-empty array of trees');
  });

  it('learns to evaluate boolean expressions it has never seen, deeper ones included', () => {
    const g = new Generator(0);
    const train = booleanExpressions(2000, { maxDepth: 3, generator: g });
    expect(train.texts[0]).toBe('(T or F)');
    expect(BOOLEAN_TOKENS).toEqual(['F', 'T', 'and', 'or']);
    const seen = new Set(train.texts);
    const heldOut = (maxDepth: number) => {
      const all = booleanExpressions(600, { maxDepth, generator: new Generator(100 + maxDepth) });
      const keep = all.texts.map((t, i) => (seen.has(t) ? -1 : i)).filter((i) => i >= 0);
      return { trees: keep.map((i) => all.trees[i]), labels: all.labels.indexSelect(0, keep), count: keep.length };
    };
    const same = heldOut(3), deeper = heldOut(5);
    expect(same.count).toBeGreaterThan(250);
    const net = new RecursiveNet({ vocabSize: BOOLEAN_TOKENS.length, dim: 16, classes: 2, generator: g });
    const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
    for (let step = 0; step < 150; step++) {
      const idx = Array.from({ length: 32 }, () => g.int(2000));
      opt.zeroGrad();
      F.crossEntropy(net.forward(idx.map((i) => train.trees[i])), train.labels.indexSelect(0, idx)).backward();
      opt.step();
    }
    const accSame = noGrad(() => accuracy(net.forward(same.trees), same.labels));
    const accDeeper = noGrad(() => accuracy(net.forward(deeper.trees), deeper.labels));
    const majority = Math.max(same.labels.float().mean().item(), 1 - same.labels.float().mean().item());
    console.log(`RecursiveNet: held-out accuracy ${(100 * accSame).toFixed(1)}% (depth ≤ 3, ${same.count} expressions), ${(100 * accDeeper).toFixed(1)}% (depth ≤ 5, ${deeper.count}); majority class ${(100 * majority).toFixed(1)}%`);
    expect(majority).toBeLessThan(0.6);
    expect(accSame).toBeGreaterThanOrEqual(0.95);
    expect(accDeeper).toBeGreaterThanOrEqual(0.9);
  });
});
