import { ShapeError, parseConfig, tf } from '@patchwork/tensor-core';
import { imageQualityOptionsSchema, perImageMean } from './image-quality.js';
import type { ImageQualityOptions } from './image-quality.js';

/** Gaussian window σ and radius: scikit-image's `sigma=1.5` with its `truncate=3.5` gives radius int(3.5·1.5 + 0.5) = 5, i.e. 11 taps. */
export const SSIM_SIGMA = 1.5;
export const SSIM_WINDOW = 11;
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;

function gaussianTaps(): Float32Array {
  const r = (SSIM_WINDOW - 1) / 2;
  const w = Float64Array.from({ length: SSIM_WINDOW }, (_, i) => Math.exp(-0.5 * ((i - r) / SSIM_SIGMA) ** 2));
  const sum = w.reduce((a, b) => a + b, 0);
  return Float32Array.from(w, (v) => v / sum);
}

/** Separable 11×11 Gaussian mean over valid positions only (no padding). */
function gaussianFilter(x: tf.Tensor4D, taps: Float32Array): tf.Tensor4D {
  const c = x.shape[3];
  const vertical = tf.tile(tf.tensor4d(taps, [SSIM_WINDOW, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  const horizontal = tf.tile(tf.tensor4d(taps, [1, SSIM_WINDOW, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  return tf.depthwiseConv2d(tf.depthwiseConv2d(x, vertical, 1, 'valid'), horizontal, 1, 'valid');
}

/**
 * SSIM of each image, with the conventions of scikit-image
 * `structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
 * data_range=R, channel_axis=-1)` and torchmetrics' default SSIM:
 * - local statistics from an 11×11 Gaussian window (σ = 1.5), population (not sample) variances;
 * - C1 = (0.01·R)², C2 = (0.03·R)²;
 * - border handling: the SSIM map is averaged only where the whole window lies inside the image
 *   (both references filter with padding and then crop 5 pixels per side, which is the same);
 * - colour: SSIM per channel, then the mean over channels.
 * Images must be at least 11×11. Inputs are divided by R first, which leaves SSIM unchanged
 * and keeps float32 variances accurate for 0–255 data.
 */
export function ssimPerImage(a: tf.Tensor, b: tf.Tensor, options: ImageQualityOptions): number[] {
  const { dataRange } = parseConfig(imageQualityOptionsSchema, options, 'ssim options');
  const taps = gaussianTaps();
  const c1 = SSIM_K1 ** 2;
  const c2 = SSIM_K2 ** 2;
  const values = perImageMean(a, b, 'ssim', (x0, y0) => {
    const [, h, w] = x0.shape;
    if (h < SSIM_WINDOW || w < SSIM_WINDOW) throw new ShapeError(`ssim: images must be at least ${SSIM_WINDOW}×${SSIM_WINDOW}, got ${h}×${w}`);
    const x = tf.div(x0, dataRange) as tf.Tensor4D;
    const y = tf.div(y0, dataRange) as tf.Tensor4D;
    const ux = gaussianFilter(x, taps);
    const uy = gaussianFilter(y, taps);
    const vx = tf.sub(gaussianFilter(tf.square(x), taps), tf.square(ux));
    const vy = tf.sub(gaussianFilter(tf.square(y), taps), tf.square(uy));
    const vxy = tf.sub(gaussianFilter(tf.mul(x, y), taps), tf.mul(ux, uy));
    const num = tf.mul(tf.add(tf.mul(tf.mul(ux, uy), 2), c1), tf.add(tf.mul(vxy, 2), c2));
    const den = tf.mul(tf.add(tf.add(tf.square(ux), tf.square(uy)), c1), tf.add(tf.add(vx, vy), c2));
    return tf.div(num, den);
  });
  return Array.from(values);
}

/** Mean of {@link ssimPerImage} over the batch; an HWC input gives its own SSIM. */
export function ssim(a: tf.Tensor, b: tf.Tensor, options: ImageQualityOptions): number {
  const values = ssimPerImage(a, b, options);
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
