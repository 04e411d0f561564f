import { describe, it, expect } from 'vitest';
import * as nn from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

const int = (v: nn.NestedArray) => nn.tensor(v, { dtype: 'int32' });

describe('gather', () => {
  it('picks along an axis like torch.gather', () => {
    const x = nn.tensor([[1, 2, 3], [4, 5, 6]]);
    // axis 1: out[i][j] = x[i][index[i][j]]
    expect(x.gather(1, int([[2, 0], [1, 1]])).toArray()).toEqual([[3, 1], [5, 5]]);
    // axis 0: out[i][j] = x[index[i][j]][j]
    expect(x.gather(0, int([[1, 0, 1]])).toArray()).toEqual([[4, 2, 6]]);
    // the cross-entropy use: one label per row
    expect(x.gather(1, int([2, 0]).unsqueeze(1)).toArray()).toEqual([[3], [4]]);
    expect(x.T.gather(0, int([[1, 0]])).toArray()).toEqual([[2, 4]]);
    expect(nn.gather(x.double(), 1, int([[0], [2]])).dtype).toBe('float64');
  });

  it('gradient scatters and accumulates repeated indices', () => {
    const x = nn.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    x.gather(1, int([[0, 0, 2], [1, 1, 1]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[2, 0, 1], [0, 3, 0]]);
    gradcheck('gather', (t) => t.gather(1, int([[3, 0, 3], [1, 2, 2], [0, 0, 0]])), [leaf([3, 4], 1)]);
    gradcheck('gather axis 0', (t) => t.gather(0, int([[2, 0, 1, 1]])), [leaf([3, 4], 2)]);
  });

  it('errors name the op and shapes', () => {
    const x = nn.zeros([2, 3]);
    expect(() => x.gather(1, int([[3], [0]]))).toThrow(nn.ShapeError);
    expect(() => x.gather(1, int([[3], [0]]))).toThrow(/gather: index 3 is out of range for axis 1 of size 3 \(shape \[2, 3\]\)/);
    expect(() => x.gather(1, int([0, 1]))).toThrow(/gather: index of shape \[2\] does not fit input of shape \[2, 3\] along axis 1/);
    expect(() => x.gather(1, int([[0], [0], [0]]))).toThrow(/gather: index of shape \[3, 1\] does not fit/);
    expect(() => x.gather(2, int([[0]]))).toThrow(/gather: axis 2 is out of range/);
  });
});

describe('indexSelect', () => {
  it('picks whole slices along an axis', () => {
    const x = nn.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(x.indexSelect(0, [2, 0]).toArray()).toEqual([[7, 8, 9], [1, 2, 3]]);
    expect(x.indexSelect(1, int([1, 1, 0])).toArray()).toEqual([[2, 2, 1], [5, 5, 4], [8, 8, 7]]);
    expect(x.indexSelect(0, []).shape).toEqual([0, 3]);
    expect(x.T.indexSelect(0, [0]).toArray()).toEqual([[1, 4, 7]]);
    expect(x.indexSelect(0, [-1]).toArray()).toEqual([[7, 8, 9]]);
    expect(nn.indexSelect(nn.arange(24).reshape(2, 3, 4), 1, [2]).toArray()).toEqual([[[8, 9, 10, 11]], [[20, 21, 22, 23]]]);
  });

  it('repeated indices accumulate the gradient', () => {
    const x = nn.tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
    x.indexSelect(0, [1, 1, 0, 1]).sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, 1], [3, 3], [0, 0]]);
    gradcheck('indexSelect', (t) => t.indexSelect(0, [2, 0, 2, 2]), [leaf([3, 4], 1)]);
    gradcheck('indexSelect axis 1', (t) => t.indexSelect(1, int([3, 3, 1])), [leaf([2, 4, 2], 2)]);
  });

  it('errors name the op and shapes', () => {
    const x = nn.zeros([3, 2]);
    expect(() => x.indexSelect(0, [3])).toThrow(nn.ShapeError);
    expect(() => x.indexSelect(0, [3])).toThrow(/indexSelect: index 3 is out of range for axis 0 of size 3 \(shape \[3, 2\]\)/);
    expect(() => x.indexSelect(0, int([[0]]))).toThrow(/indexSelect: index must be 1-D, got shape \[1, 1\]/);
    expect(() => x.indexSelect(1, [0.5])).toThrow(/indexSelect: index 0.5/);
  });
});

describe('oneHot', () => {
  it('encodes integer labels as float32 rows', () => {
    const y = nn.oneHot(int([0, 2, 1]), 3);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(nn.oneHot(int([[1], [0]]), 2).toArray()).toEqual([[[0, 1]], [[1, 0]]]);
    expect(nn.oneHot(nn.tensor([1, 0]), 2).toArray()).toEqual([[0, 1], [1, 0]]);
  });

  it('errors name the label and shape', () => {
    expect(() => nn.oneHot(int([0, 3]), 3)).toThrow(nn.ShapeError);
    expect(() => nn.oneHot(int([0, 3]), 3)).toThrow(/oneHot: label 3 at position 1 is outside \[0, 3\) \(labels of shape \[2\]\)/);
    expect(() => nn.oneHot(int([-1]), 3)).toThrow(/oneHot: label -1/);
    expect(() => nn.oneHot(int([0]), 0)).toThrow(nn.ArgumentError);
    expect(() => nn.oneHot(int([0]), 0)).toThrow(/oneHot: numClasses must be a positive integer, got 0/);
  });
});
