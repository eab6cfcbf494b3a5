import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { RandomVggDistance } from './perceptual.js';

describe('RandomVggDistance', () => {
  it('is 0 for identical images, seeded, grows with the distortion, and frees what it allocates', async () => {
    const rng = new Rng(3);
    const x = tf.tidy(() => tf.tanh(rng.normal([3, 32, 32, 3]))) as tf.Tensor4D;
    const slightly = tf.tidy(() => tf.clipByValue(tf.add(x, rng.normal([3, 32, 32, 3], 0, 0.05)), -1, 1)) as tf.Tensor4D;
    const badly = tf.tidy(() => tf.clipByValue(tf.add(x, rng.normal([3, 32, 32, 3], 0, 0.5)), -1, 1)) as tf.Tensor4D;
    const a = new RandomVggDistance(0);
    const same = await expectNoLeaks(() => a.perImage(x, x, 2));
    expect(same).toEqual([0, 0, 0]);
    const small = a.perImage(x, slightly);
    const large = a.perImage(x, badly);
    small.forEach((d, i) => {
      expect(d).toBeGreaterThan(0);
      expect(large[i]).toBeGreaterThan(d);
    });
    // Same seed, same network.
    const b = new RandomVggDistance(0);
    expect(b.perImage(x, badly)).toEqual(large);
    for (const d of [a, b]) d.dispose();
    tf.dispose([x, slightly, badly]);
  });
});
