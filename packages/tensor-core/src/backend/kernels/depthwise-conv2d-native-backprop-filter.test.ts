import { beforeAll, describe, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { expectClose, gradsOfProbe, numericGrad, onCpu, rand, runKernel } from './__fixtures__/grad-check.js';
import { DEPTHWISE_CASES, caseLabel } from './__fixtures__/conv-cases.js';

describe('wasm DepthwiseConv2dNativeBackpropFilter', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(DEPTHWISE_CASES)('gradient w.r.t. the filter matches cpu for %#', async (c) => {
    const x = rand(c.x, 1);
    const filter = rand(c.filter, 2);
    const grads = gradsOfProbe((xx, ff) => tf.depthwiseConv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad));
    const [, dW] = grads(x, filter) as tf.Tensor[];
    const [, expected] = await onCpu(grads, [x, filter]);
    expectClose(dW!, expected!, 1e-4, caseLabel(c));
    tf.dispose([x, filter, dW!]);
  });

  it('matches finite differences (stride 2, same, channel multiplier 2)', () => {
    const x = rand([2, 7, 5, 3], 3);
    const filter = rand([3, 3, 3, 2], 4);
    const r = rand([2, 4, 3, 6], 5);
    const loss = (f: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), r));
    const dW = tf.grad(loss)(filter);
    expectClose(dW, numericGrad(loss, filter), 2e-3);
    tf.dispose([x, filter, r, dW]);
  });

  it('honours dilations (checked by finite differences; the cpu kernel ignores them)', () => {
    const x = rand([2, 9, 7, 2], 6);
    const filter = rand([3, 3, 2, 2], 7);
    const dy = rand([2, 9, 7, 4], 8);
    const attrs = { strides: 1, dilations: 2, pad: 'same', filterShape: [3, 3, 2, 2] };
    const dW = runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs);
    const loss = (f: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', 2), dy));
    expectClose(dW, numericGrad(loss, filter), 2e-3);
    tf.dispose([x, filter, dy, dW]);
  });
});
