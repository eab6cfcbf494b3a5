import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { expectClose, gradsOfProbe, numericGrad, onCpu, rand } from './__fixtures__/grad-check.js';

describe('wasm UnsortedSegmentSum', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('sums rows into segments and leaves empty segments at zero', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const ids = tf.tensor1d([2, 0, 2, 0], 'int32');
    const out = tf.unsortedSegmentSum(x, ids, 4);
    expect(out.shape).toEqual([4, 2]);
    expect(Array.from(out.dataSync())).toEqual([10, 12, 0, 0, 6, 8, 0, 0]);
    tf.dispose([x, ids, out]);
  });

  it('keeps int32 data int32', () => {
    const out = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([5, 7, 11], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2));
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([11, 12]);
    out.dispose();
  });

  it('gives tf.gather a gradient that matches cpu (repeated indices, rank-3 params, axis 1)', async () => {
    const params = rand([3, 7, 5], 1);
    const indices = tf.tensor1d([6, 0, 6, 2, 2, 2, 5], 'int32');
    const grads = gradsOfProbe((p) => tf.gather(p!, indices, 1));
    const [dParams] = grads(params) as tf.Tensor[];
    const [expected] = await onCpu(grads, [params]);
    expectClose(dParams!, expected!, 1e-5);
    tf.dispose([params, indices, dParams!]);
  });

  it('matches finite differences through tf.gather', () => {
    const params = rand([7, 5], 2);
    const indices = tf.tensor1d([1, 4, 1, 6, 0, 1], 'int32');
    const r = rand([6, 5], 3);
    const loss = (p: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.gather(p, indices), r));
    const dParams = tf.grad(loss)(params);
    expectClose(dParams, numericGrad(loss, params), 2e-3);
    tf.dispose([params, indices, r, dParams]);
  });
});
