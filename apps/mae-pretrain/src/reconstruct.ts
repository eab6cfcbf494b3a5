import { tf } from '@patchwork/tensor-core';
import type { MaskedAutoencoderViT } from '@patchwork/mae';
import { PIXEL_MEAN, PIXEL_STD } from './data.js';

/** NHWC images `[B, H, W, C]` in [0, 1] for a figure: inputs, masked inputs, reconstructions, reconstructions with the visible patches pasted in. */
export interface Reconstructions {
  original: tf.Tensor4D;
  masked: tf.Tensor4D;
  reconstruction: tf.Tensor4D;
  pasted: tf.Tensor4D;
}

/**
 * Reconstruct standardised `images` with a given masking `noise`. With `normPixLoss` the
 * predictions are per-patch normalised, so they are mapped back with each true patch's mean and
 * (unbiased) variance, as the official MAE visualisation does; then everything is un-standardised
 * to [0, 1] for display. Masked patches show as mid-grey. Caller disposes.
 */
export function reconstruct(mae: MaskedAutoencoderViT, images: tf.Tensor4D, noise: tf.Tensor2D, maskRatio: number): Reconstructions {
  return tf.tidy(() => {
    const { pred, mask } = mae.forward(images, { maskRatio, noise });
    let pixels: tf.Tensor = pred; // [B, L, p·p·C]
    if (mae.config.normPixLoss) {
      const target = mae.patchify(images);
      const mean = tf.mean(target, -1, true);
      const variance = tf.div(tf.sum(tf.square(tf.sub(target, mean)), -1, true), target.shape[2] - 1);
      pixels = tf.add(tf.mul(pred, tf.sqrt(tf.add(variance, 1e-6))), mean);
    }
    const toUnit = (x: tf.Tensor): tf.Tensor4D => tf.clipByValue(tf.add(tf.mul(x, PIXEL_STD), PIXEL_MEAN), 0, 1) as tf.Tensor4D;
    const original = toUnit(images);
    const reconstruction = toUnit(mae.unpatchify(pixels));
    const perPixel = tf.tile(tf.expandDims(mask, -1), [1, 1, pred.shape[2]]); // [B, L, p·p·C], 1 = masked
    const hidden = mae.unpatchify(perPixel); // [B, H, W, C]
    const visible = tf.sub(1, hidden);
    return {
      original,
      masked: tf.add(tf.mul(original, visible), tf.mul(hidden, 0.5)) as tf.Tensor4D,
      reconstruction,
      pasted: tf.add(tf.mul(original, visible), tf.mul(reconstruction, hidden)) as tf.Tensor4D,
    };
  });
}
