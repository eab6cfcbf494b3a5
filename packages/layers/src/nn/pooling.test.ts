import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { AdaptiveAvgPool2d, MaxPool2d, adaptiveAvgPool2d } from './pooling.js';
import type { Pair } from './common.js';
import { close, loadFixture, nhwc } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: packages/segmentation-heads/reference/layers_blocks.py (F.max_pool2d, F.adaptive_avg_pool2d).
interface PoolCase {
  name: string;
  x: Encoded;
  y: Encoded;
  dy: Encoded;
  grads: { x: Encoded };
}
const fixture = loadFixture<{
  max_pool: (PoolCase & { kernel: number; stride: number })[];
  adaptive_avg_pool: (PoolCase & { size: Pair })[];
}>('pooling.json');

/** y = f(x) and d(sum(y·dy))/dx, both NHWC. */
function withGrad(f: (x: tf.Tensor) => tf.Tensor, c: PoolCase): { y: tf.Tensor; dx: tf.Tensor } {
  const [x, dy] = [nhwc(c.x), nhwc(c.dy)];
  const y = f(x);
  const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), dy)))(x);
  tf.dispose([x, dy]);
  return { y, dx };
}

describe('MaxPool2d', () => {
  it.each(fixture.max_pool.map((c) => [c.name, c] as const))('forward and input gradient match torch: %s', async (_, c) => {
    const pool = new MaxPool2d(c.kernel, c.stride);
    const { y, dx } = withGrad((x) => pool.forward(x), c);
    close(y, nhwc(c.y), 1e-6, `maxpool ${c.name} y`);
    close(dx, nhwc(c.grads.x), 1e-6, `maxpool ${c.name} dx`);
    const x = nhwc(c.x);
    await expectNoLeaks(() => pool.forward(x).dispose());
    tf.dispose([x, y, dx]);
  });

  it('has no state and rejects inputs smaller than the window', () => {
    const pool = new MaxPool2d(4);
    expect(pool.stride).toEqual([4, 4]);
    expect(pool.namedParameters()).toEqual([]);
    const x = tf.zeros([1, 3, 8, 2]);
    expect(() => pool.forward(x)).toThrow(ShapeError);
    x.dispose();
  });
});

describe('adaptiveAvgPool2d', () => {
  it.each(fixture.adaptive_avg_pool.map((c) => [c.name, c] as const))('matches torch bins (forward and gradient): %s', async (_, c) => {
    const { y, dx } = withGrad((x) => adaptiveAvgPool2d(x, c.size), c);
    close(y, nhwc(c.y), 1e-6, `adaptive ${c.name} y`);
    close(dx, nhwc(c.grads.x), 1e-6, `adaptive ${c.name} dx`);
    const x = nhwc(c.x);
    const module = new AdaptiveAvgPool2d(c.size);
    await expectNoLeaks(() => module.forward(x).dispose());
    tf.dispose([x, y, dx]);
  });

  it('rejects non-NHWC input and bad sizes', () => {
    const x = tf.zeros([2, 3, 4]);
    expect(() => adaptiveAvgPool2d(x, 2)).toThrow(/expected input \[B, H, W, C\]/);
    expect(() => new AdaptiveAvgPool2d(0)).toThrow(/integer ≥ 1/);
    x.dispose();
  });
});
