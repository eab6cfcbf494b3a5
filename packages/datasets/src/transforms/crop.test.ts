import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { centerCrop, centerCropBox, crop, randomResizedCrop, randomResizedCropBox, roundHalfEven } from './crop.js';
import { horizontalFlip, randomHorizontalFlip } from './flip.js';

/** A generator that replays scripted draws, to check the arithmetic of torchvision's get_params. */
function scripted(uniforms: number[], ints: number[]): Rng {
  return {
    uniformScalar: (lo: number, hi: number) => {
      const u = uniforms.shift()!;
      expect(u).toBeGreaterThanOrEqual(lo);
      expect(u).toBeLessThanOrEqual(hi);
      return u;
    },
    int: (n: number) => {
      const v = ints.shift()!;
      expect(v).toBeLessThan(n);
      return v;
    },
  } as unknown as Rng;
}

describe('crops', () => {
  it('rounds half to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, -2.5, 1.2, 2.7].map(roundHalfEven)).toEqual([0, 2, 2, 4, -2, 1, 3]);
  });

  it('follows torchvision RandomResizedCrop.get_params arithmetic', () => {
    // area 0.5·100·200 = 10000, ratio 4/3: w = round(115.47) = 115, h = round(86.60) = 87; then randint(14), randint(86).
    const box = randomResizedCropBox(100, 200, scripted([0.5, Math.log(4 / 3)], [3, 40]));
    expect(box).toEqual({ top: 3, left: 40, height: 87, width: 115 });
    // First try too wide (area 1.0·20000, ratio 4/3 → w 163 fits, h 122 > 100), second fits.
    const retry = randomResizedCropBox(100, 200, scripted([1, Math.log(4 / 3), 0.08, 0], [0, 0]));
    expect(retry).toEqual({ top: 0, left: 0, height: 40, width: 40 });
  });

  it('falls back to a ratio-clamped centre crop after 10 failed tries', () => {
    const rng = new Rng(1);
    expect(randomResizedCropBox(100, 100, rng, [1, 1], [2, 3])).toEqual({ top: 25, left: 0, height: 50, width: 100 });
    expect(randomResizedCropBox(60, 100, rng, [1, 1], [0.25, 0.5])).toEqual({ top: 0, left: 35, height: 60, width: 30 });
  });

  it('stays inside the image for random draws and is seed-deterministic', () => {
    const rng = new Rng(3);
    for (let k = 0; k < 200; k++) {
      const b = randomResizedCropBox(37, 53, rng, [0.2, 1]);
      expect(b.top + b.height).toBeLessThanOrEqual(37);
      expect(b.left + b.width).toBeLessThanOrEqual(53);
      expect(b.height * b.width).toBeGreaterThan(0);
    }
    expect(randomResizedCropBox(50, 50, new Rng(9))).toEqual(randomResizedCropBox(50, 50, new Rng(9)));
  });

  it('crops, centre-crops (torchvision rounding) and flips HWC and NHWC tensors', () => {
    const x = tf.tensor3d(Array.from({ length: 20 }, (_, i) => i), [4, 5, 1]);
    expect(Array.from(crop(x, { top: 1, left: 2, height: 2, width: 2 }).dataSync())).toEqual([7, 8, 12, 13]);
    expect(centerCropBox(5, 5, [2, 2])).toEqual({ top: 2, left: 2, height: 2, width: 2 }); // round(1.5) = 2
    expect(centerCrop(x, [2, 3]).shape).toEqual([2, 3, 1]);
    expect(Array.from(horizontalFlip(x).dataSync().slice(0, 5))).toEqual([4, 3, 2, 1, 0]);
    const batch = tf.stack([x, x]);
    expect(randomResizedCrop(batch, new Rng(0), { size: [8, 8] }).shape).toEqual([2, 8, 8, 1]);
    expect(() => crop(x, { top: 3, left: 0, height: 2, width: 1 })).toThrow(/does not fit inside a 4×5 image/);
    expect(() => centerCrop(x, [5, 5])).toThrow(/larger than/);
    expect(() => randomResizedCropBox(4, 4, new Rng(0), [0.5, 0.2])).toThrow(/increasing ranges/);
    tf.dispose([x, batch]);
  });

  it('flips with probability p', () => {
    const rng = new Rng(5);
    const x = tf.tensor3d([1, 2], [1, 2, 1]);
    let flips = 0;
    for (let k = 0; k < 400; k++) {
      const y = randomHorizontalFlip(x, rng, 0.25);
      if (y.dataSync()[0] === 2) flips++;
      y.dispose();
    }
    expect(flips / 400).toBeGreaterThan(0.18);
    expect(flips / 400).toBeLessThan(0.32);
    x.dispose();
  });

  it('does not leak', async () => {
    const x = tf.randomUniform([20, 30, 3]);
    await expectNoLeaks(() => {
      const rng = new Rng(0);
      randomResizedCrop(x, rng, { size: [8, 8], interpolation: 'bicubic' }).dispose();
      centerCrop(x, [10, 10]).dispose();
      randomHorizontalFlip(x, rng).dispose();
      horizontalFlip(x).dispose();
    });
    x.dispose();
  });
});
