import { PatchworkError, ShapeError } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';

/**
 * Check a batch for MAT: `images` NHWC `[B, H, W, channels]` with finite values, `masks`
 * `[B, H, W, 1]` holding only 0 (hole) and 1 (known). Throws a ShapeError or an `E_NAN` /
 * `E_ARGUMENT` PatchworkError naming `where` and the first offending value.
 */
export function validateImagesAndMasks(images: tf.Tensor, masks: tf.Tensor, channels: number, where: string): void {
  if (images.rank !== 4 || images.shape[3] !== channels) {
    throw new ShapeError(`${where}: images must be NHWC [B, H, W, ${channels}], got [${images.shape.join(', ')}]`);
  }
  const [b, h, w] = images.shape as [number, number, number, number];
  if (masks.rank !== 4 || masks.shape[0] !== b || masks.shape[1] !== h || masks.shape[2] !== w || masks.shape[3] !== 1) {
    throw new ShapeError(`${where}: masks must be [${b}, ${h}, ${w}, 1] to match the images, got [${masks.shape.join(', ')}]`);
  }
  const pixels = images.dataSync();
  for (let i = 0; i < pixels.length; i++) {
    if (!Number.isFinite(pixels[i]!)) throw new PatchworkError('E_NAN', `${where}: images hold a non-finite value (${pixels[i]}) at flat index ${i}`);
  }
  const m = masks.dataSync();
  for (let i = 0; i < m.length; i++) {
    const v = m[i]!;
    if (v !== 0 && v !== 1) throw new PatchworkError('E_ARGUMENT', `${where}: mask values must be 0 (hole) or 1 (known), found ${v} at flat index ${i}`);
  }
}
