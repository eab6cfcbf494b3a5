import { describe, expect, it } from 'vitest';
import { tf } from '../tf.js';
import { expectNoLeaks } from '../testing/index.js';
import { fromTorchLayout, nchwToNhwc, nhwcToNchw, toTorchLayout, torchShapeOf } from './torch-layout.js';
import type { TorchLayout } from './torch-layout.js';

describe('torch layouts', () => {
  it('a torch-layout conv weight gives the same conv as PyTorch semantics', () => {
    // out[o] = sum_{i,kh,kw} x[i, h+kh, w+kw] * W[o, i, kh, kw]; check one output element by hand.
    const W = tf.tensor(Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => (i % 7) - 3), [2, 3, 2, 2]);
    const xNchw = tf.tensor(Array.from({ length: 3 * 2 * 2 }, (_, i) => i / 5), [1, 3, 2, 2]);
    const y = tf.conv2d(nchwToNhwc(xNchw), fromTorchLayout(W, 'conv2d') as tf.Tensor4D, 1, 'valid');
    const w = W.arraySync() as number[][][][];
    const x = xNchw.arraySync() as number[][][][];
    for (let o = 0; o < 2; o++) {
      let ref = 0;
      for (let i = 0; i < 3; i++) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) ref += x[0]![i]![a]![b]! * w[o]![i]![a]![b]!;
      expect(y.dataSync()[o]).toBeCloseTo(ref, 5);
    }
  });

  it('depthwise weight maps torch channel c·m+j to tfjs [.., c, j]', () => {
    const C = 2;
    const m = 3;
    const W = tf.tensor(Array.from({ length: C * m * 4 }, (_, i) => i), [C * m, 1, 2, 2]);
    const tfW = fromTorchLayout(W, 'depthwise');
    expect(tfW.shape).toEqual([2, 2, C * m, 1]);
    // Channel multiplier m > 1: tfjs [kh, kw, C, m] is a reshape of that.
    const w4 = tf.reshape(tfW, [2, 2, C, m]).arraySync() as number[][][][];
    const wt = W.arraySync() as number[][][][];
    expect(w4[1]![0]![1]![2]).toBe(wt[1 * m + 2]![0]![1]![0]);
  });

  it.each<TorchLayout>(['none', 'linear', 'conv2d', 'conv_transpose2d', 'depthwise'])('%s round-trips and predicts the torch shape', async (layout) => {
    const shape = layout === 'linear' ? [5, 3] : layout === 'depthwise' ? [6, 1, 3, 2] : layout === 'none' ? [4] : [4, 3, 2, 5];
    const t = tf.randomNormal(shape);
    await expectNoLeaks(() => {
      const a = fromTorchLayout(t, layout);
      const back = toTorchLayout(a, layout);
      expect(back.shape).toEqual(shape);
      expect(torchShapeOf(a.shape, layout)).toEqual(shape);
      expect(Array.from(back.dataSync())).toEqual(Array.from(t.dataSync()));
      a.dispose();
      back.dispose();
    });
    t.dispose();
  });

  it('activations round-trip and bad ranks are named', () => {
    const x = tf.randomNormal([2, 3, 4, 5]);
    const y = nhwcToNchw(nchwToNhwc(x));
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(() => fromTorchLayout(tf.zeros([3]), 'linear', 'fc.weight')).toThrow(/fc.weight: linear layout needs a rank-2/);
  });
});
