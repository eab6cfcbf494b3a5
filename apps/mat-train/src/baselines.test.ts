import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { diffusionFill, meanFill, nearestFill } from './baselines.js';

/** `[1, h, w, c]` image from rows of pixels and its `[1, h, w, 1]` mask (1 = known). */
function batch(pixels: number[][][], known: number[][]): { images: tf.Tensor4D; masks: tf.Tensor4D } {
  const h = pixels.length;
  const w = pixels[0]!.length;
  return { images: tf.tensor4d(pixels.flat(2), [1, h, w, pixels[0]![0]!.length]), masks: tf.tensor4d(known.flat(), [1, h, w, 1]) };
}

describe('baseline fills', () => {
  it('mean fill puts the mean colour of the known pixels in every hole, per image', () => {
    const { images, masks } = batch(
      [
        [[0, 1], [1, 0.5]],
        [[-1, 0], [9, 9]],
      ],
      [
        [1, 1],
        [1, 0],
      ],
    );
    const out = meanFill(images, masks);
    expect(Array.from(out.dataSync())).toEqual([0, 1, 1, 0.5, -1, 0, 0, 0.5]);
    tf.dispose([images, masks, out]);
  });

  it('nearest fill copies the nearest known pixel, ties to the first in row-major order', () => {
    // 1×5 row: known at x=0 (value 1) and x=4 (value 5); x=2 is equidistant → x=0 wins.
    const { images, masks } = batch([[[1], [7], [7], [7], [5]]], [[1, 0, 0, 0, 1]]);
    const out = nearestFill(images, masks);
    expect(Array.from(out.dataSync())).toEqual([1, 1, 1, 5, 5]);
    tf.dispose([images, masks, out]);
  });

  it('diffusion fill solves Laplace exactly for a linear ramp (harmonic) and keeps known pixels bit-exact', async () => {
    // f(y, x) = 0.1·x − 0.05·y + 0.3 (per channel offsets) is harmonic: a hole inside a known frame must come back as the ramp.
    const h = 12;
    const w = 10;
    const px: number[][][] = [];
    const known: number[][] = [];
    for (let y = 0; y < h; y++) {
      px.push([]);
      known.push([]);
      for (let x = 0; x < w; x++) {
        const inside = y >= 2 && y < h - 2 && x >= 3 && x < w - 1;
        const ramp = 0.1 * x - 0.05 * y + 0.3;
        px[y]!.push(inside ? [5, 5] : [ramp, -ramp]);
        known[y]!.push(inside ? 0 : 1);
      }
    }
    const { images, masks } = batch(px, known);
    const out = await expectNoLeaks(() => diffusionFill(images, masks, { tolerance: 1e-9 }), 1);
    const got = out.dataSync();
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const ramp = 0.1 * x - 0.05 * y + 0.3;
        const i = (y * w + x) * 2;
        expect(got[i]).toBeCloseTo(ramp, 6);
        expect(got[i + 1]).toBeCloseTo(-ramp, 6);
      }
    }
    // Known pixels are the float32 input values, untouched.
    expect(got[0]).toBe(images.dataSync()[0]);
    tf.dispose([images, masks, out]);
  });

  it('diffusion fill with a hole at the image border: zero flux there, so a constant edge stays constant', () => {
    const { images, masks } = batch([[[2], [2], [0], [0]]], [[1, 1, 0, 0]]);
    const out = diffusionFill(images, masks);
    for (const v of out.dataSync()) expect(v).toBeCloseTo(2, 4);
    tf.dispose([images, masks, out]);
  });

  it('rejects bad masks, shapes, images without known pixels and bad options, naming the problem', () => {
    const images = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const half = tf.fill([2, 4, 4, 1], 0.5) as tf.Tensor4D;
    const noKnown = tf.concat([tf.ones([1, 4, 4, 1]), tf.zeros([1, 4, 4, 1])]) as tf.Tensor4D;
    const wrong = tf.ones([2, 4, 4, 3]) as tf.Tensor4D;
    expect(() => meanFill(images, half)).toThrow(/1 \(known\) or 0 \(hole\), got 0.5/);
    expect(() => nearestFill(images, noKnown)).toThrow(/image 1 has no known pixel/);
    expect(() => diffusionFill(images, wrong)).toThrow(/masks must be \[2, 4, 4, 1\]/);
    expect(() => diffusionFill(images, noKnown, { omega: 2 })).toThrow(/omega/);
    const nan = tf.fill([2, 4, 4, 3], NaN) as tf.Tensor4D;
    const ones = tf.ones([2, 4, 4, 1]) as tf.Tensor4D;
    expect(() => meanFill(nan, ones)).toThrow(/non-finite/);
    tf.dispose([images, half, noKnown, wrong, nan, ones]);
  });
});
