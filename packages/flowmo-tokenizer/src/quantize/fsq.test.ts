import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { FSQ } from './fsq.js';
import { LFQ, signSte } from './lfq.js';

describe('FSQ', () => {
  it('maps channels onto their level grids in [−1, 1], 0 to 0, with a straight-through gradient', async () => {
    const fsq = new FSQ([5, 4]);
    const z = tf.tensor2d([
      [0, 0],
      [10, 10],
      [-10, -10],
      [0.3, 0.9],
    ]);
    const q = await expectNoLeaks(() => fsq.quantize(z), 1);
    expect(Array.from(q.dataSync())).toEqual([0, 0, 1, 0.5, -1, -1, 0.5, 0.5]);
    const idx = fsq.levelIndices(z);
    expect(Array.from(idx.dataSync())).toEqual([2, 2, 4, 3, 0, 0, 3, 3]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(fsq.quantize(x)))(z);
    // d/dz of tanh(z + shift)·h / ⌊L/2⌋ (rounding passes the gradient straight through).
    expect(g.dataSync()[0]).toBeCloseTo((((5 - 1) * (1 - 1e-3)) / 2) / 2, 4);
    expect(Math.abs(g.dataSync()[2]!)).toBeLessThan(1e-6);
    expect(() => new FSQ([1, 4])).toThrow(/levels must be integers in \[2, 256\]/);
    expect(() => fsq.quantize(tf.zeros([2, 3]))).toThrow(/expected tokens \[\.\.\., 2\]/);
    tf.dispose([z, q, idx, g]);
  });
});

describe('LFQ', () => {
  it('binarises with a straight-through gradient and little-endian indices', () => {
    const x = tf.tensor2d([
      [0.5, -0.2, 0],
      [-1, 2, 3],
    ]);
    const lfq = new LFQ(3);
    expect(Array.from(signSte(x).dataSync())).toEqual([1, -1, -1, -1, 1, 1]);
    expect(Array.from(lfq.indices(x).dataSync())).toEqual([1, 6]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(lfq.quantize(t), tf.tensor2d([[1, 2, 3], [4, 5, 6]]))))(x);
    expect(Array.from(g.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    const { commitment } = lfq.losses(x);
    const gc = tf.grad((t: tf.Tensor) => lfq.losses(t).commitment)(x);
    // mean((x − sg(q))²): d/dx = 2(x − q)/n, q held constant.
    expect(gc.dataSync()[0]).toBeCloseTo((2 * (0.5 - 1)) / 6, 6);
    expect(() => new LFQ(25)).toThrow(/\[1, 24\]/);
    tf.dispose([x, g, commitment, gc]);
    lfq.dispose();
  });
});
