import { beforeAll, describe, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { expectClose, gradsOfProbe, numericGrad, onCpu, rand, runKernel } from './__fixtures__/grad-check.js';
import { DEPTHWISE_CASES, caseLabel } from './__fixtures__/conv-cases.js';

describe('wasm DepthwiseConv2dNativeBackpropInput', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(DEPTHWISE_CASES)('gradient w.r.t. the input matches cpu for %#', async (c) => {
    const x = rand(c.x, 1);
    const filter = rand(c.filter, 2);
    const grads = gradsOfProbe((xx, ff) => tf.depthwiseConv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad));
    const [dx] = grads(x, filter) as tf.Tensor[];
    const [expected] = await onCpu(grads, [x, filter]);
    expectClose(dx!, expected!, 1e-4, caseLabel(c));
    tf.dispose([x, filter, dx!]);
  });

  it('matches finite differences (stride 2, valid, channel multiplier 3, batch 3)', () => {
    const x = rand([3, 7, 5, 4], 3);
    const filter = rand([3, 2, 4, 3], 4);
    const r = rand([3, 3, 2, 12], 5);
    const loss = (xx: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.depthwiseConv2d(xx as tf.Tensor4D, filter as tf.Tensor4D, 2, 'valid'), r));
    const dx = tf.grad(loss)(x);
    expectClose(dx, numericGrad(loss, x), 2e-3);
    tf.dispose([x, filter, r, dx]);
  });

  it('honours dilations (checked by finite differences; the cpu kernel ignores them)', () => {
    const x = rand([2, 9, 7, 2], 6);
    const filter = rand([3, 3, 2, 2], 7);
    const dy = rand([2, 9, 7, 4], 8);
    const attrs = { strides: 1, dilations: 2, pad: 'same', inputShape: [2, 9, 7, 2] };
    const dx = runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs);
    const loss = (xx: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.depthwiseConv2d(xx as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same', 'NHWC', 2), dy));
    expectClose(dx, numericGrad(loss, x), 2e-3);
    tf.dispose([x, filter, dy, dx]);
  });
});
