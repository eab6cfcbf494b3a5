import { beforeAll, describe, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { expectClose, gradsOfProbe, onCpu, rand } from './__fixtures__/grad-check.js';
import { CONV_CASES, DEPTHWISE_CASES, caseLabel } from './__fixtures__/conv-cases.js';

// Runs only where @tensorflow/tfjs-node is importable (an optional accelerator, never on CI).
const hasTfjsNode = await import('@tensorflow/tfjs-node' as string).then(
  () => true,
  () => false,
);

describe.skipIf(!hasTfjsNode)('tensorflow conv kernels', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'tensorflow' });
  });

  it.each(CONV_CASES)('conv2d gradients match cpu for %#', async (c) => {
    const x = rand(c.x, 1);
    const filter = rand(c.filter, 2);
    const grads = gradsOfProbe((xx, ff) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad));
    const [dx, df] = grads(x, filter) as tf.Tensor[];
    const [ex, ef] = await onCpu(grads, [x, filter]);
    expectClose(dx!, ex!, 1e-4, caseLabel(c));
    expectClose(df!, ef!, 1e-4, caseLabel(c));
    tf.dispose([x, filter, dx!, df!]);
  });

  it('conv2dTranspose with a numeric pad (Conv2DBackpropInput forward) matches cpu', async () => {
    const x = rand([2, 4, 3, 5], 5);
    const filter = rand([4, 4, 6, 5], 6);
    const f = (xx: tf.Tensor, ff: tf.Tensor): tf.Tensor[] => [tf.conv2dTranspose(xx as tf.Tensor4D, ff as tf.Tensor4D, [2, 8, 6, 6], 2, 1)];
    const [y] = f(x, filter);
    const [expected] = await onCpu(f, [x, filter]);
    expectClose(y!, expected!, 1e-4);
    tf.dispose([x, filter, y!]);
  });

  it.each(DEPTHWISE_CASES)('depthwise gradients match cpu for %#', async (c) => {
    const x = rand(c.x, 3);
    const filter = rand(c.filter, 4);
    const grads = gradsOfProbe((xx, ff) => tf.depthwiseConv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad));
    const [dx, df] = grads(x, filter) as tf.Tensor[];
    const [ex, ef] = await onCpu(grads, [x, filter]);
    expectClose(dx!, ex!, 1e-4, caseLabel(c));
    expectClose(df!, ef!, 1e-4, caseLabel(c));
    tf.dispose([x, filter, dx!, df!]);
  });
});
