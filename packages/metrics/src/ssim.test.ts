import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { loadPair, syntheticPair } from './__fixtures__/quality-pairs.js';
import { ssim, ssimPerImage } from './ssim.js';

// reference/image_quality_reference.py: skimage structural_similarity(gaussian_weights=True,
// sigma=1.5, use_sample_covariance=False, data_range=R, channel_axis=-1); the torchmetrics-style
// torch formula in the same script agrees with it to 3e-15 on every case.
const REF = { synthetic: 0.9302506089975392, astronaut: 0.7938691357241247, camera: 0.43960770380180975 };

describe('SSIM', () => {
  it('matches scikit-image on synthetic, colour-photo and grey-photo pairs', () => {
    for (const [name, [a, b]] of [['synthetic', syntheticPair()], ['astronaut', loadPair('astronaut')], ['camera', loadPair('camera')]] as const) {
      expect(Math.abs(ssim(a, b, { dataRange: 255 }) - REF[name])).toBeLessThan(2e-5);
      tf.dispose([a, b]);
    }
  });

  it('gives the same value on [0, 1] floats with dataRange 1, 1 for identical images, and per-image values for batches', async () => {
    const [a, b] = loadPair('astronaut');
    const [ua, ub] = [a.div(255), b.div(255)];
    expect(Math.abs(ssim(ua, ub, { dataRange: 1 }) - REF.astronaut)).toBeLessThan(2e-5);
    const batchA = tf.stack([ua, ua]);
    const batchB = tf.stack([ub, ua]);
    const per = await expectNoLeaks(() => ssimPerImage(batchA, batchB, { dataRange: 1 }));
    expect(Math.abs(per[0]! - REF.astronaut)).toBeLessThan(2e-5);
    expect(per[1]).toBeCloseTo(1, 6);
    expect(ssim(batchA, batchB, { dataRange: 1 })).toBeCloseTo((per[0]! + per[1]!) / 2, 10);
    tf.dispose([a, b, ua, ub, batchA, batchB]);
  });

  it('rejects images smaller than the window and NaNs, without leaking', async () => {
    const small = tf.zeros([10, 12, 1]);
    await expectNoLeaks(() => expect(() => ssim(small, small, { dataRange: 1 })).toThrow(/at least 11×11, got 10×12/));
    const nan = tf.fill([12, 12, 1], Number.NaN);
    expect(() => ssim(nan, nan, { dataRange: 1 })).toThrow(/contains NaN/);
    tf.dispose([small, nan]);
  });
});
