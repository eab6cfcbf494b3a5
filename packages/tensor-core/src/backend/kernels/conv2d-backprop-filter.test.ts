import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { expectClose, gradsOfProbe, numericGrad, onCpu, rand, runKernel } from './__fixtures__/grad-check.js';
import { CONV_CASES, caseLabel } from './__fixtures__/conv-cases.js';

describe('wasm Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(CONV_CASES)('matches cpu for %#', async (c) => {
    const x = rand(c.x, 1);
    const filter = rand(c.filter, 2);
    const grads = gradsOfProbe((xx, ff) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad));
    const [, dW] = grads(x, filter) as tf.Tensor[];
    const [, expected] = await onCpu(grads, [x, filter]);
    expect(tf.getBackend()).toBe('wasm');
    expectClose(dW!, expected!, 1e-4, caseLabel(c));
    tf.dispose([x, filter, dW!]);
  });

  it('matches finite differences (stride 2, same, batch 2, 7x5)', () => {
    const c = CONV_CASES[1]!;
    const x = rand(c.x, 3);
    const filter = rand(c.filter, 4);
    const r = rand([2, 4, 3, 4], 5);
    const loss = (f: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), r));
    const dW = tf.grad(loss)(filter);
    expectClose(dW, numericGrad(loss, filter), 2e-3);
    tf.dispose([x, filter, r, dW]);
  });

  it('matches cpu on a larger input (4×64×64×32, 3×3)', async () => {
    const x = rand([4, 64, 64, 32], 6);
    const dy = rand([4, 64, 64, 1], 7); // one output channel keeps the cpu reference fast
    const run = (xx: tf.Tensor, g: tf.Tensor): tf.Tensor =>
      runKernel('Conv2DBackpropFilter', { x: xx, dy: g }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 1] });
    const dW = run(x, dy);
    const [expected] = await onCpu(run, [x, dy]);
    expectClose(dW, expected!, 1e-3);
    tf.dispose([x, dy, dW]);
  });
});
