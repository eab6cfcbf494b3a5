import { FASHION_MNIST_PIXELS, batchIndices } from '@patchwork/datasets';
import type { LabelledImages } from '@patchwork/datasets';
import { loadFashionMnist } from '@patchwork/datasets/node';
import { tf } from '@patchwork/tensor-core';

// The encoder sees standardised pixels here and when it is fine-tuned or probed in apps/classify,
// as the official MAE normalises with the dataset mean/std in pre-training, fine-tuning and probing.
/** Fashion-MNIST's training-pixel mean and std (`@patchwork/datasets`), as `reconstructionPanels` takes them. */
export const PIXELS = FASHION_MNIST_PIXELS;
const { mean: PIXEL_MEAN, std: PIXEL_STD } = PIXELS;

/** A split as one standardised `[N, H, W, C]` float tensor (`(x/255 − mean)/std`) plus the raw data (owned; call dispose). */
export interface ImageSplit {
  images: tf.Tensor4D;
  count: number;
  raw: LabelledImages;
  dispose(): void;
}

/** Load a Fashion-MNIST split (`bundled`, `debian` or a folder), pixels standardised with {@link PIXELS}. */
export function loadImages(data: string, split: 'train' | 'test', limit?: number): ImageSplit {
  const raw = loadFashionMnist({ split, dir: data, limit });
  const images = tf.tidy(() => tf.div(tf.sub(tf.div(tf.tensor4d(raw.images, raw.shape, 'float32'), 255), PIXEL_MEAN), PIXEL_STD) as tf.Tensor4D);
  return { images, count: raw.shape[0], raw, dispose: () => images.dispose() };
}

/** Seeded, resumable batches of images: batch k depends only on (seed, k). */
export function* imageBatches(split: ImageSplit, batchSize: number, seed: number, startStep: number): Generator<tf.Tensor4D> {
  for (const idx of batchIndices(split.count, { batchSize, seed, startStep })) {
    yield tf.tidy(() => tf.gather(split.images, tf.tensor1d(idx, 'int32')) as tf.Tensor4D);
  }
}

/** Rows `[start, start + size)` of a split. Caller disposes. */
export function slice(split: ImageSplit, start: number, size: number): tf.Tensor4D {
  return tf.slice(split.images, [start, 0, 0, 0], [Math.min(size, split.count - start), -1, -1, -1]);
}
