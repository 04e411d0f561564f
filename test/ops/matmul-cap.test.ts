/** A matmul whose output no typed array can hold fails up front, naming the op, the shapes and the bytes. */
import { describe, it, expect } from 'vitest';
import { zeros, matmul, ArgumentError } from '../../src';

describe('matmul output cap', () => {
  it('[50000, 1] @ [1, 50000] throws before allocating 10 GB', () => {
    const before = process.memoryUsage().rss;
    expect(() => matmul(zeros([50000, 1]), zeros([1, 50000]))).toThrow(ArgumentError);
    expect(() => matmul(zeros([50000, 1]), zeros([1, 50000]))).toThrow(
      /^matmul: a \[50000, 1\] @ b \[1, 50000\] gives an output of shape \[50000, 50000\]: 2500000000 elements \(9\.3 GiB of float32\), more than the 2147483647/,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(100e6);
  });
});
