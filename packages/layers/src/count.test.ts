import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { countMacs } from './count.js';
import { Attention } from './nn/attention.js';
import { BatchNorm2d } from './nn/batchnorm.js';
import { Conv2d } from './nn/conv.js';
import { GELU } from './nn/activations.js';
import { Linear } from './nn/linear.js';

describe('countMacs', () => {
  it('counts Linear as batch·in·out', async () => {
    const fc = new Linear(5, 3);
    const x = tf.zeros([2, 4, 5]);
    expect(await countMacs(() => fc.forward(x))).toEqual({ total: 2 * 4 * 5 * 3, byKernel: { BatchMatMul: 120 } });
    tf.dispose(x);
    fc.dispose();
  });

  it('counts convolutions as output elements × kh·kw·(in/groups)', async () => {
    const cases: [Conv2d, number[], number][] = [
      // 3→4, k3, pad 1 on 7×6: out [2,7,6,4], 27 MACs each.
      [new Conv2d(3, 4, 3, { padding: 1 }), [2, 7, 6, 3], 2 * 7 * 6 * 4 * 27],
      // depthwise 3→6 (m = 2), k3, stride 2, pad 1 on 7×8: out [2,4,4,6], 9 MACs each.
      [new Conv2d(3, 6, 3, { stride: 2, padding: 1, groups: 3 }), [2, 7, 8, 3], 2 * 4 * 4 * 6 * 9],
      // 2 groups, 4→6, k3, pad 1 on 5×5: out [1,5,5,6], 3·3·2 MACs each.
      [new Conv2d(4, 6, 3, { padding: 1, groups: 2 }), [1, 5, 5, 4], 5 * 5 * 6 * 18],
      // pointwise 8→16 on 4×4.
      [new Conv2d(8, 16, 1), [1, 4, 4, 8], 4 * 4 * 16 * 8],
    ];
    for (const [conv, shape, want] of cases) {
      const x = tf.zeros(shape);
      expect((await countMacs(() => conv.forward(x))).total).toBe(want);
      tf.dispose(x);
      conv.dispose();
    }
  });

  it('counts transposed convolutions per input element', async () => {
    const x = tf.zeros([1, 3, 3, 2]);
    const filter = tf.zeros([3, 3, 4, 2]);
    const count = await countMacs(() => tf.conv2dTranspose(x as tf.Tensor4D, filter as tf.Tensor4D, [1, 6, 6, 4], 2, 'same'));
    expect(count.total).toBe(3 * 3 * 2 * (3 * 3 * 4));
    tf.dispose([x, filter]);
  });

  it('counts attention: projections plus q·kᵀ and attn·v; norms and activations count 0', async () => {
    const attn = new Attention(8, { numHeads: 2, qkvBias: true });
    const x = tf.zeros([1, 5, 8]);
    const count = await countMacs(() => attn.forward(x));
    // qkv 5·8·24, q·kᵀ [2 heads, 5, 5]·4, attn·v [2, 5, 4]·5, proj 5·8·8.
    expect(count.total).toBe(960 + 200 + 200 + 320);
    const bn = new BatchNorm2d(3);
    const img = tf.zeros([2, 4, 4, 3]);
    expect(await countMacs(() => new GELU().forward(bn.forward(img)))).toEqual({ total: 0, byKernel: {} });
    tf.dispose([x, img]);
    attn.dispose();
    bn.dispose();
  });

  it('disposes what fn returns', async () => {
    const fc = new Linear(4, 4);
    const x = tf.zeros([3, 4]);
    await expectNoLeaks(() => countMacs(() => [fc.forward(x), fc.forward(x)]));
    tf.dispose(x);
    fc.dispose();
  });
});
