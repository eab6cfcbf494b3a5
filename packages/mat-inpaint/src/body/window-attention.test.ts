import { Rng, tf } from '@patchwork/tensor-core';
import { loadFixtureCase, maxAbsDiff } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { keyMaskBias, windowMaskUpdate } from './mask-update.js';
import { roll2d, shiftWindowMask, windowPartition, windowReverse } from './window-attention.js';

describe('window helpers', () => {
  it('shiftWindowMask equals the official SwinTransformerBlock.calculate_mask buffer', () => {
    const c = loadFixtureCase('mat/window_attention_masked');
    const ours = tf.tensor3d(shiftWindowMask(8, 8, 4, 2), [4, 16, 16]);
    expect(maxAbsDiff(ours, c.io.attn_mask!)).toBe(0);
    ours.dispose();
    c.dispose();
  });

  it('partition/reverse are inverse; windows are (batch, row, col)-ordered with row-major tokens', () => {
    tf.tidy(() => {
    const x = new Rng(0).normal([2, 8, 12, 3]) as tf.Tensor4D;
    const w = windowPartition(x, 4);
    expect(w.shape).toEqual([12, 16, 3]);
    // Window 1 of image 0 starts at column 4; its token 5 is (row 1, col 1) inside the window.
    expect(tf.slice(w, [1, 5, 0], [1, 1, 3]).dataSync()).toEqual(tf.slice(x, [0, 1, 5, 0], [1, 1, 1, 3]).dataSync());
    expect(maxAbsDiff(windowReverse(w, 4, 8, 12), x)).toBe(0);
    // roll2d(−s) then roll2d(+s) is the identity; roll2d(1) moves pixel (0, 0) to (1, 1).
    expect(maxAbsDiff(roll2d(roll2d(x, -2), 2), x)).toBe(0);
    expect(tf.slice(roll2d(x, 1), [0, 1, 1, 0], [1, 1, 1, 3]).dataSync()).toEqual(tf.slice(x, [0, 0, 0, 0], [1, 1, 1, 3]).dataSync());
    });
  });

  it('mask update: any valid token makes the whole window valid; hole keys get −100', () => {
    tf.tidy(() => {
      const m = tf.tensor3d([0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1], [3, 4, 1]);
      expect(Array.from(windowMaskUpdate(m).dataSync())).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
      expect(Array.from(keyMaskBias(m).dataSync())).toEqual([-100, -100, -100, -100, -100, 0, -100, -100, 0, 0, 0, 0]);
    });
  });
});
