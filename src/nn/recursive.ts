/**
 * Recursive (tree-structured) networks, the other "RNN" (Pollack 1990;
 * Socher et al. 2011): instead of a chain over time, ONE shared layer
 * composes two child vectors into their parent's vector, bottom-up along a
 * binary tree, as a parser builds a phrase from its two halves:
 *
 *   leaf:   h = E[token]
 *   inner:  h = tanh(W [h_left; h_right] + b)     (the same W, b at every node)
 *   tree:   logits = W_out h_root + b_out
 *
 * Also a small synthetic task to train it on: nested boolean expressions
 * with their operators as leaves (`booleanExpressions`).
 *
 * @example
 *   const net = new RecursiveNet({ vocabSize: 4, dim: 16, classes: 2 });
 *   net.forward([[1, [2, 0]], 1])    // (T and F), T → logits [2, 2]
 */
import { Tensor, type DType } from '../tensor';
import { Generator, globalGenerator } from '../random';
import { concat } from '../ops/movement';
import { ArgumentError } from '../errors';
import { Module } from './module';
import { Linear } from './layers';
import { Embedding } from './recurrent';

/** A binary tree: a leaf is a token id, an inner node the pair of its subtrees. */
export type Tree = number | readonly [Tree, Tree];

export interface RecursiveNetOptions {
  /** Number of distinct leaf tokens. */
  vocabSize: number;
  /** Size of every node's vector. */
  dim: number;
  /** Output classes for a whole tree. */
  classes: number;
  generator?: Generator;
  dtype?: DType;
}

/** Where a node's vector is: a leaf's token, or (height, position) among the inner nodes of that height. */
type NodeRef = { token: number } | { height: number; index: number };

/**
 * The rows that one step of the bottom-up pass gathers: the vectors of
 * `tokens` (embedded) followed by the inner levels `levels`, concatenated;
 * `rows[k]` picks the k-th vector from that stack.
 */
interface Gather {
  tokens: number[];
  levels: number[];
  rows: number[];
}

/** The trees of a batch as levels: all inner nodes of height 1, then of height 2, ... */
interface Schedule {
  /** For each height h ≥ 1, where the left and right children of its nodes are. */
  levels: { left: Gather; right: Gather }[];
  /** Where the root of each tree is. */
  roots: Gather;
}

/** The gather that finds `refs`, touching only the levels they use. */
function planGather(refs: readonly NodeRef[], levelSizes: readonly number[]): Gather {
  const tokens: number[] = [];
  const levels = [...new Set(refs.flatMap((r) => ('height' in r ? [r.height] : [])))].sort((a, b) => a - b);
  let leafCount = 0;
  for (const r of refs) if ('token' in r) leafCount++;
  const start = new Map<number, number>();
  let offset = leafCount;
  for (const h of levels) {
    start.set(h, offset);
    offset += levelSizes[h];
  }
  const rows = refs.map((r) => {
    if ('token' in r) return tokens.push(r.token) - 1;
    return start.get(r.height)! + r.index;
  });
  return { tokens, levels, rows };
}

/**
 * Numbers every inner node by height, without recursion: a leaf has height
 * 0 and a node one more than its higher child, so composing level by level
 * always finds the children already computed.
 */
function schedule(trees: readonly Tree[], vocabSize: number, owner: string): Schedule {
  interface Inner { left: NodeRef; right: NodeRef }
  const byHeight: Inner[][] = [];
  const rootRefs: NodeRef[] = [];
  for (const [n, tree] of trees.entries()) {
    // Post-order with an explicit stack: [subtree, children done?].
    const stack: [Tree, boolean][] = [[tree, false]];
    const done: NodeRef[] = [];
    while (stack.length > 0) {
      const [t, expanded] = stack.pop()!;
      if (typeof t === 'number') {
        if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
          throw new ArgumentError(`${owner}: tree ${n} has leaf token ${t}, outside [0, ${vocabSize})`);
        }
        done.push({ token: t });
      } else if (!Array.isArray(t) || t.length !== 2) {
        throw new ArgumentError(`${owner}: tree ${n} has a node that is neither a token nor a pair: ${JSON.stringify(t)}`);
      } else if (!expanded) {
        stack.push([t, true], [t[1], false], [t[0], false]);
      } else {
        const right = done.pop()!, left = done.pop()!;
        const height = 1 + Math.max('height' in left ? left.height : 0, 'height' in right ? right.height : 0);
        const level = (byHeight[height] ??= []);
        level.push({ left, right });
        done.push({ height, index: level.length - 1 });
      }
    }
    rootRefs.push(done[0]);
  }
  const sizes = byHeight.map((level) => level?.length ?? 0);
  const gather = (refs: NodeRef[]) => planGather(refs, sizes);
  const levels = [];
  for (let h = 1; h < byHeight.length; h++) {
    const nodes = byHeight[h] ?? [];
    levels.push({ left: gather(nodes.map((x) => x.left)), right: gather(nodes.map((x) => x.right)) });
  }
  return { levels, roots: gather(rootRefs) };
}

/**
 * A recursive neural network over binary trees. Leaves are embedded; every
 * inner node is h = tanh(W [h_left; h_right] + b) with the one shared
 * `compose` layer (W [dim, 2·dim]); the root's vector is classified.
 *
 * A batch of trees is composed level by level (all nodes of height 1, then
 * height 2, ...), one matmul per level; each level gathers its children
 * from the embeddings and the levels it uses only, so even a deep, narrow
 * tree costs little per level.
 *
 * @example
 *   const { trees, labels } = booleanExpressions(1000, { maxDepth: 3, generator: new Generator(0) });
 *   const net = new RecursiveNet({ vocabSize: BOOLEAN_TOKENS.length, dim: 16, classes: 2 });
 *   F.crossEntropy(net.forward(trees.slice(0, 32)), labels.narrow(0, 0, 32)).backward();
 */
export class RecursiveNet extends Module {
  readonly vocabSize: number;
  readonly dim: number;
  readonly classes: number;
  embedding: Embedding;
  compose: Linear;
  classifier: Linear;

  constructor(opts: RecursiveNetOptions) {
    super();
    for (const key of ['vocabSize', 'dim', 'classes'] as const) {
      const v = opts?.[key];
      if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`RecursiveNet: ${key} must be a positive integer, got ${v}`);
    }
    this.vocabSize = opts.vocabSize;
    this.dim = opts.dim;
    this.classes = opts.classes;
    const o = { generator: opts.generator, dtype: opts.dtype };
    this.embedding = new Embedding(opts.vocabSize, opts.dim, o);
    this.compose = new Linear(2 * opts.dim, opts.dim, o);
    this.classifier = new Linear(opts.dim, opts.classes, o);
  }

  /** The root vector of every tree, [N, dim]. */
  encode(trees: readonly Tree[]): Tensor {
    if (!Array.isArray(trees) || trees.length === 0) throw new ArgumentError(`${this.displayName}: expected a non-empty array of trees`);
    const plan = schedule(trees, this.vocabSize, this.displayName);
    const computed: Tensor[] = []; // computed[h]: the vectors of the inner nodes of height h
    const collect = ({ tokens, levels, rows }: Gather): Tensor => {
      const parts = levels.map((h) => computed[h]);
      if (tokens.length > 0) parts.unshift(this.embedding.forward(new Tensor(Int32Array.from(tokens), [tokens.length])));
      return (parts.length === 1 ? parts[0] : concat(parts, 0)).indexSelect(0, rows);
    };
    plan.levels.forEach(({ left, right }, k) => {
      computed[k + 1] = this.compose.forward(concat([collect(left), collect(right)], 1)).tanh();
    });
    return collect(plan.roots);
  }

  /** Class logits for every tree, [N, classes]. */
  forward(trees: readonly Tree[]): Tensor {
    return this.classifier.forward(this.encode(trees));
  }

  override extraRepr(): string {
    return `vocab=${this.vocabSize}, dim=${this.dim}, classes=${this.classes}`;
  }
}

// ---- A synthetic task: nested boolean expressions ------------------------------------------

/** The tokens of `booleanExpressions`, by id. */
export const BOOLEAN_TOKENS: readonly string[] = Object.freeze(['F', 'T', 'and', 'or']);

export interface BooleanExpressions {
  /** Each expression (a op b) as the tree [a, [op, b]], with leaves from `BOOLEAN_TOKENS`. */
  trees: Tree[];
  /** The value of each expression, int32 [N] (0 false, 1 true). */
  labels: Tensor;
  /** The expressions written out, e.g. '(T and (F or T))'. */
  texts: string[];
}

/**
 * Random nested boolean expressions and their values: E := T | F | (E and E) | (E or E),
 * at most `maxDepth` operators deep (every expression has at least one operator).
 * The tree of (a op b) is [a, [op, b]], so the network must learn what the
 * operator tokens mean from data. Labels are balanced in expectation.
 * @example booleanExpressions(2, { maxDepth: 2, generator: new Generator(0) }).texts  // e.g. ['(T or F)', '((F and T) or T)']
 */
export function booleanExpressions(count: number, opts: { maxDepth?: number; generator?: Generator } = {}): BooleanExpressions {
  const maxDepth = opts.maxDepth ?? 3;
  if (!Number.isInteger(count) || count < 0) throw new ArgumentError(`booleanExpressions: count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new ArgumentError(`booleanExpressions: maxDepth must be an integer ≥ 1, got ${maxDepth}`);
  const g = opts.generator ?? globalGenerator;
  const trees: Tree[] = [], texts: string[] = [];
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    type Expr = { value: boolean; tree: Tree; text: string };
    const make = (depth: number): Expr => {
      const leaf = depth === maxDepth || (depth > 0 && g.uniform() < 0.4);
      if (leaf) {
        const v = g.uniform() < 0.5;
        return { value: v, tree: v ? 1 : 0, text: v ? 'T' : 'F' };
      }
      const op = g.uniform() < 0.5 ? 2 : 3;
      const a = make(depth + 1), b = make(depth + 1);
      const value = op === 2 ? a.value && b.value : a.value || b.value;
      return { value, tree: [a.tree, [op, b.tree]], text: `(${a.text} ${BOOLEAN_TOKENS[op]} ${b.text})` };
    };
    // NOTE: recursion here is bounded by maxDepth (a handful), not by data size.
    const e = make(0);
    trees.push(e.tree);
    texts.push(e.text);
    labels[n] = e.value ? 1 : 0;
  }
  return { trees, labels: new Tensor(labels, [count]), texts };
}
