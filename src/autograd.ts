/**
 * Reverse-mode automatic differentiation.
 *
 * Every primitive op that sees an input with `requiresGrad` records a `Node`
 * on its output: the op's name, its inputs and what its backward rule needs.
 * `backward()` walks the graph in reverse topological order, found with an
 * explicit stack (never recursion: a 10,000-step chain is fine), and calls
 * each op's rule from the table in `ops/rules.ts`, typed so that a primitive
 * without a rule does not compile.
 */
import type { Tensor } from './tensor';
import { ArgumentError, ShapeError, fmtShape } from './errors';

/** The primitive ops: each has a forward in `ops/<family>.ts` and a backward rule beside it. */
export type PrimOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'where'
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'sigmoid' | 'tanh' | 'gelu'
  | 'sum' | 'max'
  | 'matmul'
  | 'reshape' | 'permute' | 'expand' | 'slice' | 'concat' | 'pad' | 'cast'
  | 'gather' | 'indexSelect'
  | 'conv2d' | 'maxPool2d' | 'avgPool2d' | 'adaptiveAvgPool2d';

export interface Node {
  readonly op: PrimOp;
  readonly inputs: readonly Tensor[];
  // Whatever the op's backward rule needs (a saved output, axes, a mask...).
  readonly saved: Record<string, unknown>;
  /** Set once a backward pass went through this node without `retainGraph` (PyTorch frees the graph then). */
  freed?: boolean;
}

export interface BackwardOptions {
  /** Keep the graph for another backward pass through it (PyTorch's `retain_graph=True`). */
  retainGraph?: boolean;
}

/** Given dL/d(output), returns dL/d(input) for each input (null where none is needed). */
export type BackwardRule = (grad: Tensor, node: Node, output: Tensor) => (Tensor | null)[];
export type BackwardRules = { [K in PrimOp]: BackwardRule };

let rules: BackwardRules | null = null;
/** Called once by `ops/rules.ts`. */
export function registerBackwardRules(table: BackwardRules): void {
  rules = table;
}

let gradEnabled = true;

/** True unless inside `noGrad`. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording a graph (inference, optimiser updates).
 * @example const y = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Records a node on `out` when grad mode is on and some input requires grad. */
export function record(out: Tensor, op: PrimOp, inputs: readonly Tensor[], saved: Record<string, unknown> = {}): Tensor {
  if (!gradEnabled) return out;
  let needs = false;
  for (const t of inputs) if (t.requiresGrad) needs = true;
  if (!needs) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, saved };
  return out;
}

/** Reverse topological order of the graph under `root`, by an iterative depth-first search. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node ? t.node.inputs : [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * Backpropagates from `root`. Leaves with `requiresGrad` accumulate into `.grad`
 * (call `zeroGrad` between steps); non-leaves keep theirs only after `retainGrad()`.
 * As in PyTorch, a graph is backpropagated once: a second pass through any of
 * its nodes throws unless the earlier pass had `{ retainGraph: true }`.
 */
export function backward(root: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new ArgumentError(`backward: the tensor of shape ${fmtShape(root.shape)} does not require grad (no parameter with requiresGrad reached it)`);
  }
  if (!gradient && root.size !== 1) {
    throw new ShapeError(`backward: a gradient is needed for a non-scalar output of shape ${fmtShape(root.shape)}`);
  }
  if (gradient && (gradient.ndim !== root.ndim || gradient.shape.some((d, i) => d !== root.shape[i]))) {
    throw new ShapeError(`backward: gradient of shape ${fmtShape(gradient.shape)} does not match the output of shape ${fmtShape(root.shape)}`);
  }
  if (!rules) throw new Error('nnlab: backward rules are not registered (import from the package index)');
  const table = rules;
  const order = topoOrder(root);
  for (const t of order) {
    if (t.node?.freed) {
      throw new ArgumentError(
        `backward: trying to backward through the graph a second time (through ${t.node.op} with output of shape ${fmtShape(t.shape)}); ` +
          'pass { retainGraph: true } to the first backward() if you need to backward through the graph again, ' +
          'or recompute the forward pass (PyTorch: retain_graph=True)',
      );
    }
  }
  const grads = new Map<Tensor, Tensor>();
  noGrad(() => {
    grads.set(root, gradient ? gradient.toDType(root.dtype) : root.onesLike());
    for (const t of order) {
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node || t.retainsGrad) {
        // NOTE: a fresh copy, never `g` itself: `g` may be shared with another input's
        // gradient (add passes it through) or be the caller's `gradient` tensor.
        t.grad = t.grad ? t.grad.add(g) : g.clone();
      }
      if (!t.node) continue;
      const inputGrads = table[t.node.op](g, t.node, t);
      t.node.inputs.forEach((input, k) => {
        let gi = inputGrads[k];
        if (!gi || !input.requiresGrad) return;
        // A gradient has its input's dtype (float32 weights times float64 data get a float32 grad).
        if (gi.dtype !== input.dtype && input.dtype !== 'int32') gi = gi.toDType(input.dtype);
        if (gi.shape.length !== input.shape.length || gi.shape.some((d, j) => d !== input.shape[j])) {
          throw new ShapeError(`backward of ${t.node!.op}: gradient of shape ${fmtShape(gi.shape)} for input ${k} of shape ${fmtShape(input.shape)}`);
        }
        const prev = grads.get(input);
        grads.set(input, prev ? prev.add(gi) : gi);
      });
    }
  });
  if (!opts.retainGraph) for (const t of order) if (t.node) t.node.freed = true;
}
