import { ConfigError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { loadPair, syntheticPair } from './__fixtures__/quality-pairs.js';
import { meanAbsoluteError, meanSquaredError, psnr, psnrPerImage } from './image-quality.js';

// Expected values printed by reference/image_quality_reference.py (scikit-image 0.19 / numpy, float64).
const REF = {
  synthetic: { psnr: 26.85673230359541, l1: 9.95529513888889, l2: 134.09331597222223 },
  astronaut: { psnr: 27.59029500754866, l1: 7.597395833333334, l2: 113.2532986111111, l1Unit: 0.0297937091503268, l2Unit: 0.0017416885599555725 },
  camera: { psnr: 21.898050689164794, l1: 16.819580078125, l2: 420.025146484375 },
};

describe('PSNR and L1/L2', () => {
  it('match scikit-image on synthetic, colour-photo and grey-photo pairs', () => {
    const cases = [
      ['synthetic', syntheticPair()],
      ['astronaut', loadPair('astronaut')],
      ['camera', loadPair('camera')],
    ] as const;
    for (const [name, [a, b]] of cases) {
      expect(psnr(a, b, { dataRange: 255 })).toBeCloseTo(REF[name].psnr, 4);
      expect(meanAbsoluteError(a, b)).toBeCloseTo(REF[name].l1, 4);
      expect(meanSquaredError(a, b)).toBeCloseTo(REF[name].l2, 3);
      tf.dispose([a, b]);
    }
  });

  it('is scale-consistent on [0, 1] floats with dataRange 1', () => {
    const [a, b] = loadPair('astronaut');
    const [ua, ub] = [a.div(255), b.div(255)];
    expect(psnr(ua, ub, { dataRange: 1 })).toBeCloseTo(REF.astronaut.psnr, 4);
    expect(meanAbsoluteError(ua, ub)).toBeCloseTo(REF.astronaut.l1Unit, 7);
    expect(meanSquaredError(ua, ub)).toBeCloseTo(REF.astronaut.l2Unit, 8);
    tf.dispose([a, b, ua, ub]);
  });

  it('averages per-image PSNR over a batch and gives Infinity for identical images', async () => {
    const [a, b] = syntheticPair();
    const batchA = tf.stack([a, a]);
    const batchB = tf.stack([b, a]);
    const per = await expectNoLeaks(() => psnrPerImage(batchA, batchB, { dataRange: 255 }));
    expect(per[0]).toBeCloseTo(REF.synthetic.psnr, 4);
    expect(per[1]).toBe(Number.POSITIVE_INFINITY);
    await expectNoLeaks(() => {
      psnr(a, b, { dataRange: 255 });
      meanAbsoluteError(batchA, batchB);
      meanSquaredError(batchA, batchB);
    });
    tf.dispose([a, b, batchA, batchB]);
  });

  it('rejects mismatched shapes, NaNs, bad ranks and a missing data range', () => {
    const a = tf.zeros([4, 4, 3]);
    expect(() => psnr(a, tf.zeros([4, 5, 3]), { dataRange: 1 })).toThrow(/shapes differ: \[4, 4, 3\] vs \[4, 5, 3\]/);
    expect(() => meanAbsoluteError(a, tf.fill([4, 4, 3], Number.NaN))).toThrow(/second image\): contains NaN/);
    expect(() => meanSquaredError(tf.zeros([4, 4]), tf.zeros([4, 4]))).toThrow(/expected HWC or NHWC/);
    expect(() => psnr(a, a, {} as never)).toThrow(ConfigError);
    expect(() => psnr(a, a, { dataRange: -1 })).toThrow(/dataRange/);
    a.dispose();
  });
});
