/**
 * Indexing with index tensors. Primitives: gather, indexSelect (their
 * backward scatters and adds into zeros). oneHot builds labels, no gradient.
 */
import { Tensor, allocate } from '../tensor';
import { record, type BackwardRule } from '../autograd';
import { normAxis, sizeOf } from '../shape';
import { ArgumentError, ShapeError, fmtShape } from '../errors';

function checkIndex(op: string, i: number, size: number, shape: readonly number[], axis: number): number {
  if (!Number.isInteger(i) || i < -size || i >= size) {
    throw new ShapeError(`${op}: index ${i} is out of range for axis ${axis} of size ${size} (shape ${fmtShape(shape)})`);
  }
  return i < 0 ? i + size : i;
}

/**
 * Gathers values along `axis` at the positions in `index` (same rank as x),
 * as `torch.gather`: for axis 1, out[i][j] = x[i][index[i][j]].
 * @example gather(logProbs, 1, labels.unsqueeze(1))  // pick each row's label
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normAxis('gather', axis, x.ndim);
  if (index.ndim !== x.ndim || index.shape.some((d, i) => i !== a && d > x.shape[i])) {
    throw new ShapeError(`gather: index of shape ${fmtShape(index.shape)} does not fit input of shape ${fmtShape(x.shape)} along axis ${a}`);
  }
  const src = x.contiguous();
  const srcData = src.data, base = src.offset;
  const strides = src.strides;
  const idx = index.values();
  const out = allocate(x.dtype, idx.length);
  const positions = new Int32Array(idx.length);
  const shape = index.shape;
  const counter = new Array<number>(shape.length).fill(0);
  for (let p = 0; p < idx.length; p++) {
    let off = 0;
    for (let d = 0; d < shape.length; d++) {
      off += (d === a ? checkIndex('gather', idx[p], x.shape[a], x.shape, a) : counter[d]) * strides[d];
    }
    positions[p] = off;
    out[p] = srcData[base + off];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++counter[d] < shape[d]) break;
      counter[d] = 0;
    }
  }
  return record(new Tensor(out, [...shape]), 'gather', [x], { positions });
}

/**
 * Picks whole slices along `axis` (like `torch.index_select`): the batch of
 * rows `indexSelect(images, 0, [3, 1, 4])`.
 */
export function indexSelect(x: Tensor, axis: number, index: Tensor | ArrayLike<number>): Tensor {
  const a = normAxis('indexSelect', axis, x.ndim);
  const idx = index instanceof Tensor ? index.values() : index;
  if (index instanceof Tensor && index.ndim !== 1) {
    throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  }
  const src = x.contiguous();
  const outer = sizeOf(x.shape.slice(0, a)), inner = sizeOf(x.shape.slice(a + 1)), n = x.shape[a];
  const rows = Int32Array.from({ length: idx.length }, (_, k) => checkIndex('indexSelect', idx[k], n, x.shape, a));
  const out = allocate(x.dtype, outer * rows.length * inner);
  const data = src.data;
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (let k = 0; k < rows.length; k++) {
      const start = src.offset + (i * n + rows[k]) * inner;
      out.set(data.subarray(start, start + inner) as never, o);
      o += inner;
    }
  }
  const shape = [...x.shape];
  shape[a] = rows.length;
  return record(new Tensor(out, shape), 'indexSelect', [x], { axis: a, rows });
}

/** One-hot float32 encoding: integer labels [...] → [..., numClasses]. */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new ArgumentError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const v = labels.values();
  const out = allocate('float32', v.length * numClasses);
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new ShapeError(`oneHot: label ${c} at position ${i} is outside [0, ${numClasses}) (labels of shape ${fmtShape(labels.shape)})`);
    }
    out[i * numClasses + c] = 1;
  }
  return new Tensor(out, [...labels.shape, numClasses]);
}

// ---- Backward rules -------------------------------------------------------

export const indexingRules: { [K in 'gather' | 'indexSelect']: BackwardRule } = {
  gather: (g, { inputs: [x], saved }) => {
    const positions = saved.positions as Int32Array;
    const gv = g.values();
    const out = allocate(g.dtype, x.size);
    for (let p = 0; p < positions.length; p++) out[positions[p]] += gv[p];
    return [new Tensor(out, [...x.shape])];
  },
  indexSelect: (g, { inputs: [x], saved }) => {
    const a = saved.axis as number, rows = saved.rows as Int32Array;
    const outer = sizeOf(x.shape.slice(0, a)), inner = sizeOf(x.shape.slice(a + 1)), n = x.shape[a];
    const gv = g.values();
    const out = allocate(g.dtype, x.size);
    let p = 0;
    for (let i = 0; i < outer; i++) {
      for (let k = 0; k < rows.length; k++) {
        const o = (i * n + rows[k]) * inner;
        for (let j = 0; j < inner; j++) out[o + j] += gv[p++];
      }
    }
    return [new Tensor(out, [...x.shape])];
  },
};
