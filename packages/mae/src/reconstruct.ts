import { ConfigError, tf } from '@patchwork/tensor-core';
import type { MaskedAutoencoderViT } from './masked-autoencoder.js';

/** NHWC images `[B, H, W, C]` in [0, 1] for a figure (inputs, masked inputs, reconstructions, reconstructions with the visible patches pasted in) and the mask that made them. */
export interface Reconstructions {
  /** `[B, L]`, 1 = masked patch (row-major over the patch grid). */
  mask: tf.Tensor2D;
  original: tf.Tensor4D;
  masked: tf.Tensor4D;
  reconstruction: tf.Tensor4D;
  pasted: tf.Tensor4D;
}

/** How the model's inputs were normalised: `x = (pixel − mean) / std` with pixels in [0, 1], per channel or for all channels. */
export interface PixelNormalisation {
  mean?: number | readonly number[];
  std?: number | readonly number[];
}

/**
 * The MAE reconstruction figure's four panels for normalised `images` and a masking `noise`
 * (`[B, L]`, as {@link MaskedAutoencoderViT.forward} takes it, so a figure is reproducible).
 * With `normPixLoss` the predictions are per-patch normalised, so they are mapped back with each
 * true patch's mean and unbiased variance (+1e-6, as the loss), as the official visualisation does; then everything is
 * un-normalised with `pixels` (default mean 0, std 1: inputs already in [0, 1]) and clipped to
 * [0, 1]. Masked patches show mid-grey. Caller disposes the five tensors.
 */
export function reconstructionPanels(mae: MaskedAutoencoderViT, images: tf.Tensor4D, noise: tf.Tensor2D, maskRatio: number, pixels: PixelNormalisation = {}): Reconstructions {
  const channels = mae.config.inChans;
  const perChannel = (v: number | readonly number[], name: string): number[] => {
    const list = typeof v === 'number' ? Array<number>(channels).fill(v) : [...v];
    if (list.length !== channels || !list.every(Number.isFinite) || (name === 'std' && !list.every((s) => s > 0))) {
      throw new ConfigError(`pixel ${name} must be one finite number or ${channels} (one per channel)${name === 'std' ? ', all > 0' : ''}; got ${JSON.stringify(v)}`);
    }
    return list;
  };
  const mean = perChannel(pixels.mean ?? 0, 'mean');
  const std = perChannel(pixels.std ?? 1, 'std');
  return tf.tidy(() => {
    const { pred, mask } = mae.forward(images, { maskRatio, noise });
    let patches: tf.Tensor = pred; // [B, L, p·p·C]
    if (mae.config.normPixLoss) {
      const target = mae.patchify(images);
      const m = tf.mean(target, -1, true);
      const variance = tf.div(tf.sum(tf.square(tf.sub(target, m)), -1, true), target.shape[2]! - 1);
      patches = tf.add(tf.mul(patches, tf.sqrt(tf.add(variance, 1e-6))), m);
    }
    const toUnit = (x: tf.Tensor): tf.Tensor4D => tf.clipByValue(tf.add(tf.mul(x, tf.tensor1d(std)), tf.tensor1d(mean)), 0, 1) as tf.Tensor4D;
    const original = toUnit(images);
    const reconstruction = toUnit(mae.unpatchify(patches));
    const hidden = mae.unpatchify(tf.tile(tf.expandDims(mask, -1), [1, 1, pred.shape[2]!])); // [B, H, W, C], 1 = masked
    const visible = tf.sub(1, hidden);
    return {
      mask: mask as tf.Tensor2D,
      original,
      masked: tf.add(tf.mul(original, visible), tf.mul(hidden, 0.5)) as tf.Tensor4D,
      reconstruction,
      pasted: tf.add(tf.mul(original, visible), tf.mul(reconstruction, hidden)) as tf.Tensor4D,
    };
  });
}
