import { PatchworkError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue } from './clip.js';

// Numeric parity with torch.nn.utils is in torch-parity.test.ts.
describe('clipGradNorm / clipGradValue', () => {
  it('keeps the map kind and keys, drops null entries, leaves inputs alone', async () => {
    const v = tf.variable(tf.zeros([2]));
    const g = tf.tensor([3, 4]);
    await expectNoLeaks(() => {
      const { grads, totalNorm } = clipGradNorm(new Map<tf.Variable, tf.Tensor | null>([[v, g]]), 1);
      expect(totalNorm).toBeCloseTo(5, 6);
      expect(grads).toBeInstanceOf(Map);
      expect(Array.from(grads.get(v)!.dataSync())).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
      tf.dispose([...grads.values()]);

      const named = clipGradNorm({ a: g, b: null as unknown as tf.Tensor }, 10);
      expect(Object.keys(named.grads)).toEqual(['a']);
      tf.dispose(Object.values(named.grads));

      const byValue = clipGradValue({ a: g }, 3.5);
      expect(Array.from(byValue.a!.dataSync())).toEqual([3, 3.5]);
      tf.dispose(Object.values(byValue));
    });
    expect(g.isDisposed).toBe(false);
    tf.dispose([v, g]);
  });

  it('returns norm 0 for no gradients; errors on a non-finite norm only when asked', () => {
    expect(clipGradNorm({}, 1).totalNorm).toBe(0);
    const g = tf.tensor([Number.NaN, 1]);
    expect(() => clipGradNorm({ g }, 1, { errorIfNonfinite: true })).toThrow(/total 2-norm of the gradients is NaN/);
    const { grads, totalNorm } = clipGradNorm({ g }, 1);
    expect(totalNorm).toBeNaN();
    tf.dispose([g, ...Object.values(grads)]);
    expect(() => clipGradNorm({}, 0)).toThrow(PatchworkError);
    expect(() => clipGradNorm({}, 1, { normType: -2 })).toThrow(/normType/);
  });

  it('leaks nothing on the error path', async () => {
    const g = tf.tensor([Infinity]);
    await expectNoLeaks(() => expect(() => clipGradNorm({ g }, 1, { errorIfNonfinite: true })).toThrow(/Infinity/));
    g.dispose();
  });
});
