import { FASHION_MNIST_PIXELS, batchIndices } from '@patchwork/datasets';
import type { LabelledImages } from '@patchwork/datasets';
import { loadFashionMnist } from '@patchwork/datasets/node';
import { Rng, tf } from '@patchwork/tensor-core';

const { mean: MEAN, std: STD } = FASHION_MNIST_PIXELS;

/** A split held as one normalised NHWC float tensor plus int32 labels (owned; call dispose). */
export interface TensorSplit {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  count: number;
  classNames: readonly string[];
  /** The raw split, for reports. */
  raw: LabelledImages;
  dispose(): void;
}

/** Load a Fashion-MNIST split (`bundled`, `debian` or a folder) as tensors. */
export function loadSplit(data: string, split: 'train' | 'test', limit?: number): TensorSplit {
  const raw = loadFashionMnist({ split, dir: data, limit });
  const images = tf.tidy(() => tf.div(tf.sub(tf.div(tf.tensor4d(raw.images, raw.shape, 'float32'), 255), MEAN), STD) as tf.Tensor4D);
  const labels = tf.tensor1d(raw.labels, 'int32');
  return { images, labels, count: raw.shape[0], classNames: raw.classNames, raw, dispose: () => tf.dispose([images, labels]) };
}

/** A training batch: images `[B, H, W, C]` and one-hot labels `[B, K]`. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
}

/** Augmentations of {@link trainBatches}. */
export interface Augment {
  /** Random horizontal flips. */
  flip: boolean;
  /**
   * Random translations by up to `shift` pixels each way: pad with the background (a 0 pixel,
   * standardised) and crop back at a random offset — the standard small-image crop augmentation.
   */
  shift: number;
}

/**
 * Seeded, resumable training batches with optional random flips and shifts; batch k depends only
 * on (seed, k), so a resumed run sees exactly the batches it would have seen.
 */
export function* trainBatches(split: TensorSplit, batchSize: number, seed: number, { flip, shift }: Augment, startStep: number): Generator<Batch> {
  let step = startStep;
  for (const idx of batchIndices(split.count, { batchSize, seed, startStep })) {
    const rng = new Rng(seed * 7919 + step++);
    // Flip coins first, so runs without shifts draw exactly the batches they always did.
    const flips = rng.uniformArray(idx.length);
    const offsets = shift > 0 ? Int32Array.from(rng.uniformArray(2 * idx.length), (u) => Math.min(2 * shift, Math.floor(u * (2 * shift + 1)))) : null;
    yield tf.tidy(() => {
      const at = tf.tensor1d(idx, 'int32');
      let x = tf.gather(split.images, at) as tf.Tensor4D;
      if (flip) {
        const mask = tf.tensor4d(Float32Array.from(flips, (u) => (u < 0.5 ? 1 : 0)), [idx.length, 1, 1, 1]);
        x = tf.add(tf.mul(mask, tf.reverse(x, 2)), tf.mul(tf.sub(1, mask), x)) as tf.Tensor4D;
      }
      if (offsets !== null) x = randomShift(x, shift, offsets);
      const y = tf.cast(tf.oneHot(tf.gather(split.labels, at), split.classNames.length), 'float32') as tf.Tensor2D;
      return { x, y };
    });
  }
}

/**
 * Translate image b by (offsets[2b] − shift, offsets[2b+1] − shift) pixels, filling with the
 * standardised background. `cropAndResize` with boxes on whole pixels and an unchanged crop size
 * samples exactly on the pixel grid, so this is a pure copy, one op for the whole batch.
 */
export function randomShift(x: tf.Tensor4D, shift: number, offsets: Int32Array): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const padded = tf.pad(x, [[0, 0], [shift, shift], [shift, shift], [0, 0]], (0 - MEAN) / STD);
    const [ph, pw] = [h + 2 * shift - 1, w + 2 * shift - 1];
    const boxes = Float32Array.from({ length: 4 * n }, (_, k) => {
      const [b, j] = [Math.floor(k / 4), k % 4];
      const dy = offsets[2 * b]!;
      const dx = offsets[2 * b + 1]!;
      return [dy / ph, dx / pw, (dy + h - 1) / ph, (dx + w - 1) / pw][j]!;
    });
    const boxIndices = Int32Array.from({ length: n }, (_, b) => b);
    return tf.image.cropAndResize(padded, tf.tensor2d(boxes, [n, 4]), tf.tensor1d(boxIndices, 'int32'), [h, w], 'bilinear') as tf.Tensor4D;
  });
}

/** A linear-probe training batch: encoder features `[B, D]` and one-hot labels `[B, K]`. */
export interface FeatureBatch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

/**
 * Seeded, resumable batches of precomputed features (see `encodeImages`), drawn like
 * {@link trainBatches}: the same images and the same flip coins per step. `features` holds `count`
 * rows, or `2·count` with the flipped images' features in the second half when `flip` is on.
 */
export function* featureBatches(
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  numClasses: number,
  { batchSize, seed, flip, startStep }: { batchSize: number; seed: number; flip: boolean; startStep: number },
): Generator<FeatureBatch> {
  const count = labels.shape[0];
  let step = startStep;
  for (const idx of batchIndices(count, { batchSize, seed, startStep })) {
    const flips = new Rng(seed * 7919 + step++).uniformArray(idx.length);
    const rows = flip ? Int32Array.from(idx, (i, k) => (flips[k]! < 0.5 ? i + count : i)) : idx;
    yield tf.tidy(() => ({
      x: tf.gather(features, tf.tensor1d(rows, 'int32')) as tf.Tensor2D,
      y: tf.cast(tf.oneHot(tf.gather(labels, tf.tensor1d(idx, 'int32')), numClasses), 'float32') as tf.Tensor2D,
    }));
  }
}
