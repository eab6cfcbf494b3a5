import { tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { Conv2d } from '@patchwork/layers';
import { afterAll, describe, expect, it } from 'vitest';
import { nhwc, referenceJson, referenceTensors } from './__fixtures__/reference.js';
import { PerceptualDistance, lpipsScaling } from './perceptual.js';
import type { FeatureNetwork } from './perceptual.js';

// tooling/reference/metrics/perceptual_reference.py: LPIPS' forward written out in torch on a small random network.
const ref = referenceJson<{ channels: number[]; distance_lin: number[]; distance_sum: number[] }>('perceptual.json');
const io = referenceTensors('perceptual.safetensors');

function referenceNetwork(): { network: FeatureNetwork; convs: Conv2d[] } {
  const convs = [0, 1, 2].map((k) => {
    const w = io[`net.${k}.weight`]!;
    const conv = new Conv2d(w.shape[1]!, w.shape[0]!, 3, { stride: k === 1 ? 2 : 1, padding: 1 });
    conv.loadStateDict({ weight: w, bias: io[`net.${k}.bias`]! });
    return conv;
  });
  const network: FeatureNetwork = (images) =>
    tf.tidy(() => {
      const feats: tf.Tensor[] = [];
      let h: tf.Tensor = lpipsScaling(images);
      for (const conv of convs) feats.push((h = tf.relu(conv.forward(h))));
      return feats;
    });
  return { network, convs };
}

describe('PerceptualDistance', () => {
  const { network, convs } = referenceNetwork();
  const x = nhwc(io['x']!);
  const y = nhwc(io['y']!);
  afterAll(() => {
    convs.forEach((c) => c.dispose());
    tf.dispose([x, y, ...Object.values(io)]);
  });

  it('matches the LPIPS formula with learned linear heads loaded under their LPIPS names, and its gradient', async () => {
    const lpips = new PerceptualDistance(network, { channels: ref.channels });
    const sd = lpips.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.shape]))).toEqual({
      'lin0.model.1.weight': [1, 8, 1, 1],
      'lin1.model.1.weight': [1, 16, 1, 1],
      'lin2.model.1.weight': [1, 16, 1, 1],
    });
    tf.dispose(Object.values(sd));
    lpips.loadStateDict(Object.fromEntries([0, 1, 2].map((k) => [`lin${k}.model.1.weight`, io[`lin${k}.model.1.weight`]!])));
    const d = await expectNoLeaks(() => lpips.forward(x, y), 1);
    assertAllClose(d, ref.distance_lin, { atol: 1e-8, rtol: 1e-5, label: 'LPIPS distance' });
    expect(d.dataSync()[2]).toBe(0);
    d.dispose();
    const grad = await expectNoLeaks(() => tf.grad((a: tf.Tensor) => tf.sum(lpips.forward(a as tf.Tensor4D, y)))(x), 1);
    const want = nhwc(io['grad_x_lin']!);
    assertAllClose(grad, want, { atol: 1e-8, rtol: 2e-4, label: 'd distance / dx' });
    tf.dispose([grad, want]);
    lpips.dispose();
  });

  it('sums channels when no heads are given (lpips=False), which is also what untrained heads give', () => {
    const plain = new PerceptualDistance(network);
    const ones = new PerceptualDistance(network, { channels: ref.channels });
    const [a, b] = [plain.forward(x, y), ones.forward(x, y)];
    assertAllClose(a, ref.distance_sum, { atol: 1e-7, rtol: 1e-5, label: 'uncalibrated distance' });
    assertAllClose(b, a, { atol: 1e-7, rtol: 1e-6, label: 'heads of ones' });
    tf.dispose([a, b]);
    ones.dispose();
  });

  it('accepts pooled [N, C] features, rejects mismatched inputs and heads, and leaks nothing', async () => {
    await expectNoLeaks(() => {
      const pooled = new PerceptualDistance((images) => [tf.mean(images, [1, 2])]);
      const d = pooled.forward(x, y);
      expect(d.shape).toEqual([3]);
      d.dispose();
      // All-zero feature vectors (a ReLU that is off everywhere) give distance 0 and a zero, not NaN, gradient.
      const dead = new PerceptualDistance((images) => [tf.relu(tf.sub(images, 10))]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(dead.forward(a as tf.Tensor4D, y)))(x);
      expect(tf.tidy(() => g.abs().max().dataSync()[0])).toBe(0);
      g.dispose();
      const plain = new PerceptualDistance(network);
      const twoChannel = tf.zeros([3, 24, 20, 2]) as tf.Tensor4D;
      expect(() => plain.forward(x, twoChannel)).toThrow(/same shape, got \[3, 24, 20, 3\] and \[3, 24, 20, 2\]/);
      twoChannel.dispose();
      const wrong = new PerceptualDistance(network, { channels: [8, 16, 32] });
      expect(() => wrong.forward(x, y)).toThrow(/feature map 2 has 16 channels, its linear head expects 32/);
      const short = new PerceptualDistance(network, { channels: [8, 16] });
      expect(() => short.forward(x, y)).toThrow(/2 linear heads for 3 feature maps/);
      expect(() => new PerceptualDistance(network, { channels: [0] })).toThrow(/channels\[0\] must be a positive integer/);
      [wrong, short].forEach((m) => m.dispose());
      const scaled = lpipsScaling(x);
      expect(scaled.dataSync()[0]).toBeCloseTo((x.dataSync()[0]! + 0.03) / 0.458, 5);
      scaled.dispose();
    });
  });
});
