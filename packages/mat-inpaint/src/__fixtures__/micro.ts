// Shared helpers for this package's tests (under __fixtures__, so never built or published).
import { Rng, tf } from '@patchwork/tensor-core';
import type { MatConfigInput } from '../config.js';

/**
 * A micro MAT that runs in well under a second: 32×32 images, 8×8 tokens, width 16, one shifted
 * block in the first stage, channel map capped at 16. Native size multiple: 32.
 */
export const MICRO: MatConfigInput = {
  imgResolution: 32,
  zDim: 16,
  wDim: 16,
  mapping: { numLayers: 2 },
  firstStage: { dim: 16, tokenResolution: 8, depths: [2, 1, 1, 1, 1], windowSizes: [4, 4, 2, 4, 4], numHeads: 2 },
  channelBase: 256,
  channelMax: 16,
};

/** Random images in [−1, 1] and masks with a rectangular hole per sample (1 = known). Caller disposes. */
export function batch(b: number, h: number, w: number, seed = 0): { images: tf.Tensor4D; masks: tf.Tensor4D } {
  const rng = new Rng(seed);
  const images = tf.tidy(() => tf.sub(tf.mul(rng.uniform([b, h, w, 3]), 2), 1)) as tf.Tensor4D;
  const m = new Float32Array(b * h * w).fill(1);
  for (let i = 0; i < b; i++) {
    const y0 = Math.floor(h / 4) + i;
    const x0 = Math.floor(w / 5);
    for (let y = y0; y < Math.min(h, y0 + Math.floor(h / 2)); y++) for (let x = x0; x < Math.min(w, x0 + Math.floor(w / 2)); x++) m[(i * h + y) * w + x] = 0;
  }
  return { images, masks: tf.tensor4d(m, [b, h, w, 1]) };
}
