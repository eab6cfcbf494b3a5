import { tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { spatialSize } from './layout.js';

/** Mirror an HWC or NHWC tensor left–right (a new tensor). */
export function horizontalFlip(x: tf.Tensor): tf.Tensor {
  spatialSize(x, 'horizontalFlip');
  return tf.reverse(x, x.rank - 2);
}

/** Flip with probability `p` (torchvision: flip when a uniform draw is `< p`); always returns a new tensor. */
export function randomHorizontalFlip(x: tf.Tensor, rng: Rng, p = 0.5): tf.Tensor {
  return rng.next() < p ? horizontalFlip(x) : x.clone();
}
