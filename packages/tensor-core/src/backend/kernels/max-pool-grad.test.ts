import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { expectClose, gradsOfProbe, numericGrad, onCpu, rand } from './__fixtures__/grad-check.js';

interface PoolCase {
  x: [number, number, number, number];
  size: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
}

const CASES: PoolCase[] = [
  { x: [2, 7, 5, 3], size: 3, strides: 2, pad: 'same' },
  { x: [2, 7, 5, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [3, 7, 5, 2], size: [3, 2], strides: 1, pad: 'same' },
  { x: [1, 9, 9, 4], size: 3, strides: [2, 1], pad: 'valid' },
];

describe('wasm MaxPoolGrad', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('routes the gradient to each window max when the max is negative (hand-checked 4x4)', () => {
    const x = tf.tensor4d([-5, -2, -1, -3, -4, -6, -7, -8, -9, -1.5, -2, -3, -4, -3, -0.5, -6], [1, 4, 4, 1]);
    const dy = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), dy)))(x);
    expect(Array.from(dx.dataSync())).toEqual([0, 1, 2, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0]);
    tf.dispose([x, dy, dx]);
  });

  it.each(CASES)('matches cpu on negative and tied inputs for %#', async (c) => {
    const pool = (t: tf.Tensor): tf.Tensor => tf.maxPool(t as tf.Tensor4D, c.size, c.strides, c.pad);
    // relu(x) − 0.5: half the values tie at −0.5, the rest are negative or small positive.
    const x = tf.sub(tf.relu(rand(c.x, 1)), 0.5);
    const grads = gradsOfProbe(pool);
    const [dx] = grads(x) as tf.Tensor[];
    const [expected] = await onCpu(grads, [x]);
    expectClose(dx!, expected!, 1e-6, JSON.stringify(c));
    tf.dispose([x, dx!]);
  });

  it('matches finite differences (3x3 stride 2 same, distinct negative values)', () => {
    // A fixed permutation (37 is coprime with 210): values 0.05 apart, so ±eps never swaps a max.
    const x = tf.tensor4d(Float32Array.from({ length: 210 }, (_, v) => -0.1 - 0.05 * ((v * 37) % 210)), [2, 7, 5, 3]);
    const r = rand([2, 4, 3, 3], 2);
    const loss = (t: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'), r));
    const dx = tf.grad(loss)(x);
    expectClose(dx, numericGrad(loss, x, 1e-2), 1e-3);
    tf.dispose([x, r, dx]);
  });
});
