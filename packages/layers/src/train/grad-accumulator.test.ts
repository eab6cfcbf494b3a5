import { tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { GradAccumulator } from './grad-accumulator.js';

describe('GradAccumulator', () => {
  it('hands out the mean over micro-batches, keyed by variable name', async () => {
    const a = tf.variable(tf.zeros([2]));
    const b = tf.variable(tf.zeros([1]));
    const g1 = tf.tensor([1, 2]);
    const g2 = tf.tensor([3, 4]);
    const gb = tf.tensor([6]);
    await expectNoLeaks(() => {
      const acc = new GradAccumulator(2);
      acc.add(new Map([[a, g1], [b, gb]]));
      expect([acc.count, acc.ready]).toEqual([1, false]);
      acc.add({ [a.name]: g2 });
      expect(acc.ready).toBe(true);
      expect(() => acc.add({ [a.name]: g2 })).toThrow(/take\(\) them first/);
      const mean = acc.take();
      assertAllClose(mean[a.name]!, [2, 3]);
      // b had a gradient in one micro-batch of two: it counts zero in the other.
      assertAllClose(mean[b.name]!, [3]);
      expect(acc.count).toBe(0);
      tf.dispose(Object.values(mean));
      expect(() => acc.take()).toThrow(/nothing accumulated/);
      acc.add({ [a.name]: g1 });
      acc.dispose();
    });
    expect(g1.isDisposed).toBe(false);
    tf.dispose([a, b, g1, g2, gb]);
  });

  it('validates steps', () => {
    expect(() => new GradAccumulator(0)).toThrow(/integer >= 1/);
    expect(() => new GradAccumulator(1.5)).toThrow(/integer >= 1/);
  });
});
