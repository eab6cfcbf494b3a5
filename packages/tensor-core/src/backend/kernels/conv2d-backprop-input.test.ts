import { beforeAll, describe, it } from 'vitest';
import { tf } from '../../tf.js';
import { initBackend } from '../select.js';
import { expectClose, gradsOfProbe, numericGrad, onCpu, rand } from './__fixtures__/grad-check.js';
import { CONV_CASES, caseLabel } from './__fixtures__/conv-cases.js';

describe('wasm Conv2DBackpropInput', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(CONV_CASES)('gradient w.r.t. the input matches cpu for %#', async (c) => {
    const x = rand(c.x, 1);
    const filter = rand(c.filter, 2);
    const grads = gradsOfProbe((xx, ff) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad));
    const [dx] = grads(x, filter) as tf.Tensor[];
    const [expected] = await onCpu(grads, [x, filter]);
    expectClose(dx!, expected!, 1e-4, caseLabel(c));
    tf.dispose([x, filter, dx!]);
  });

  it('matches finite differences (stride 2, valid, batch 3, 7x5)', () => {
    const c = CONV_CASES[2]!;
    const x = rand(c.x, 3);
    const filter = rand(c.filter, 4);
    const r = rand([3, 3, 2, 5], 5);
    const loss = (xx: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, filter as tf.Tensor4D, 2, 'valid'), r));
    const dx = tf.grad(loss)(x);
    expectClose(dx, numericGrad(loss, x), 2e-3);
    tf.dispose([x, filter, r, dx]);
  });

  it('conv2dTranspose matches cpu, also across several column chunks', async () => {
    const dy = rand([4, 32, 32, 8], 6); // 4096 rows × 1152 columns > one 4M-float chunk
    const filter = rand([3, 3, 128, 8], 7);
    const run = (g: tf.Tensor, f: tf.Tensor): tf.Tensor => tf.conv2dTranspose(g as tf.Tensor4D, f as tf.Tensor4D, [4, 63, 63, 128], 2, 'same');
    const out = run(dy, filter);
    const [expected] = await onCpu(run, [dy, filter]);
    expectClose(out, expected!, 1e-3);
    tf.dispose([dy, filter, out]);
  });
});
