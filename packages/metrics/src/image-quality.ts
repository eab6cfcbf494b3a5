import { ShapeError, parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import { checkFinite, checkSameShape } from './validate.js';

/** Options shared by {@link psnr} and {@link ssim}. */
export const imageQualityOptionsSchema = z.strictObject({
  /**
   * Distance between the smallest and largest possible pixel value: 1 for [0, 1] floats, 255
   * for 0–255 values, 2 for [−1, 1]. Required, because guessing it (scikit-image guesses 2 for
   * any float image) silently changes the result.
   */
  dataRange: z.number().positive().finite(),
});

/** Options of {@link psnr} and {@link ssim}. */
export type ImageQualityOptions = z.input<typeof imageQualityOptionsSchema>;

/**
 * Validate a pair of images (HWC or NHWC tensors of equal shape with finite values), build a
 * per-pixel map from float32 NHWC views of them with `fn`, and return that map's mean for each
 * image. Rows are summed on the device and the row sums in float64 here, which keeps float32
 * accumulation error near 1e-7 instead of growing with the image size.
 */
export function perImageMean(a: tf.Tensor, b: tf.Tensor, name: string, fn: (x: tf.Tensor4D, y: tf.Tensor4D) => tf.Tensor): Float64Array {
  if (a.rank !== 3 && a.rank !== 4) throw new ShapeError(`${name}: expected HWC or NHWC images, got shape [${a.shape.join(', ')}]`);
  checkSameShape(a, b, name);
  checkFinite(a, `${name} (first image)`);
  checkFinite(b, `${name} (second image)`);
  const map = tf.tidy(() => {
    const prep = (t: tf.Tensor): tf.Tensor4D => (a.rank === 3 ? t.expandDims(0) : t).toFloat() as tf.Tensor4D;
    return fn(prep(a), prep(b));
  });
  const [n, h, w, c] = map.shape as [number, number, number, number];
  const rows = tf.tidy(() => map.sum([2, 3]).dataSync());
  map.dispose();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let y = 0; y < h; y++) s += rows[i * h + y]!;
    out[i] = s / (h * w * c);
  }
  return out;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/**
 * PSNR of each image in dB: `10·log10(dataRange² / MSE)` with the MSE over all pixels and
 * channels of that image (scikit-image `peak_signal_noise_ratio`). Identical images give
 * `Infinity`.
 */
export function psnrPerImage(a: tf.Tensor, b: tf.Tensor, options: ImageQualityOptions): number[] {
  const { dataRange } = parseConfig(imageQualityOptionsSchema, options, 'psnr options');
  const mse = perImageMean(a, b, 'psnr', (x, y) => tf.squaredDifference(x, y));
  return Array.from(mse, (m) => 10 * Math.log10((dataRange * dataRange) / m));
}

/** Mean of {@link psnrPerImage} over the batch (how MAT and FlowMo report PSNR); an HWC input gives its own PSNR. */
export function psnr(a: tf.Tensor, b: tf.Tensor, options: ImageQualityOptions): number {
  return mean(psnrPerImage(a, b, options));
}

/** L1: mean of |a − b| over every element (MAT's `L1` on [0, 1] images). */
export function meanAbsoluteError(a: tf.Tensor, b: tf.Tensor): number {
  return mean(perImageMean(a, b, 'meanAbsoluteError', (x, y) => tf.abs(tf.sub(x, y))));
}

/** L2: mean of (a − b)² over every element (`torch.nn.functional.mse_loss`, not its square root). */
export function meanSquaredError(a: tf.Tensor, b: tf.Tensor): number {
  return mean(perImageMean(a, b, 'meanSquaredError', (x, y) => tf.squaredDifference(x, y)));
}
