import type { MaskedAutoencoderViT } from '@patchwork/mae';
import { tf } from '@patchwork/tensor-core';
import { slice } from './data.js';
import type { ImageSplit } from './data.js';

/** Mean masked-patch loss over the first `noise.shape[0]` test images with fixed masks. */
export function heldOutLoss(mae: MaskedAutoencoderViT, test: ImageSplit, noise: tf.Tensor2D, maskRatio: number, batchSize = 250): number {
  const count = noise.shape[0];
  let total = 0;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const loss = tf.tidy(() => mae.forward(slice(test, start, size), { maskRatio, noise: tf.slice(noise, [start, 0], [size, -1]) }).loss);
    total += loss.dataSync()[0]! * size;
    loss.dispose();
  }
  return total / count;
}
