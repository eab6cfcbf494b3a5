import { ConfigError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { loadPair, syntheticPair } from './__fixtures__/quality-pairs.js';
import { meanAbsoluteError, meanSquaredError, psnr } from './image-quality.js';
import { ImageQualityMeter } from './image-quality-meter.js';
import { ssim } from './ssim.js';

// Per-image references: reference/image_quality_reference.py (scikit-image); the meter must reproduce them as means.
const REF = { synthetic: { psnr: 26.85673230359541, ssim: 0.9302506089975392 }, astronaut: { psnr: 27.59029500754866, ssim: 0.7938691357241247 } };

describe('ImageQualityMeter', () => {
  it('averages per-image PSNR / SSIM / L1 / L2 over batches like the one-shot functions, without leaking', async () => {
    const [sa, sb] = syntheticPair();
    const [aa, ab] = loadPair('astronaut');
    // Two batches of different sizes: [synthetic], then [astronaut crop resized to the synthetic size ×2].
    const [ca, cb] = [tf.image.resizeBilinear(aa as tf.Tensor3D, [24, 32]), tf.image.resizeBilinear(ab as tf.Tensor3D, [24, 32])];
    const [batchA, batchB] = [tf.stack([ca, ca]), tf.stack([cb, cb])];
    const meter = new ImageQualityMeter({ dataRange: 255 });
    await expectNoLeaks(() => {
      meter.update(sa, sb);
      meter.update(batchA, batchB);
    });
    const all = [tf.stack([sa, ca, ca]), tf.stack([sb, cb, cb])];
    const r = meter.compute();
    expect(r.count).toBe(3);
    expect(r.psnr).toBeCloseTo(psnr(all[0]!, all[1]!, { dataRange: 255 }), 9);
    expect(r.ssim).toBeCloseTo(ssim(all[0]!, all[1]!, { dataRange: 255 }), 9);
    expect(r.l1).toBeCloseTo(meanAbsoluteError(all[0]!, all[1]!), 6);
    expect(r.l2).toBeCloseTo(meanSquaredError(all[0]!, all[1]!), 4);
    tf.dispose([sa, sb, aa, ab, ca, cb, batchA, batchB, ...all]);
  });

  it('matches scikit-image on single pairs, handles identical pairs and round-trips through JSON', async () => {
    const [a, b] = syntheticPair();
    const meter = new ImageQualityMeter({ dataRange: 255, metrics: ['psnr', 'ssim'] });
    await expectNoLeaks(() => meter.update(a, b));
    expect(meter.compute().psnr).toBeCloseTo(REF.synthetic.psnr, 4);
    expect(Math.abs(meter.compute().ssim! - REF.synthetic.ssim)).toBeLessThan(2e-5);
    expect(meter.compute().l1).toBeUndefined();
    const restored = ImageQualityMeter.fromJSON(JSON.parse(JSON.stringify(meter)));
    expect(restored.compute()).toEqual(meter.compute());
    restored.update(a, a);
    expect(restored.compute().psnr).toBe(Infinity);
    expect(restored.compute().ssim).toBeCloseTo((REF.synthetic.ssim + 1) / 2, 4);
    expect(ImageQualityMeter.fromJSON(restored.toJSON()).compute().psnr).toBe(Infinity);
    restored.reset();
    expect(restored.count).toBe(0);
    expect(Number.isNaN(restored.compute().psnr)).toBe(true);
    tf.dispose([a, b]);
  });

  it('rejects bad options, state and input without changing its sums', () => {
    expect(() => new ImageQualityMeter({} as never)).toThrow(ConfigError);
    expect(() => new ImageQualityMeter({ dataRange: 1, metrics: ['lpips' as never] })).toThrow(/metrics/);
    const meter = new ImageQualityMeter({ dataRange: 1 });
    const small = tf.zeros([8, 8, 3]);
    expect(() => meter.update(small, small)).toThrow(/at least 11×11/);
    expect(meter.count).toBe(0);
    expect(() => ImageQualityMeter.fromJSON({ ...meter.toJSON(), sums: { psnr: 0 } })).toThrow(ConfigError);
    expect(() => ImageQualityMeter.fromJSON({ ...meter.toJSON(), identicalPairs: 2 })).toThrow(/2 identical pairs out of 0/);
    small.dispose();
  });
});
