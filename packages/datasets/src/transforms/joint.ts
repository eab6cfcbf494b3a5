import { tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { crop, randomResizedCropBox } from './crop.js';
import type { RandomResizedCropOptions } from './crop.js';
import { horizontalFlip } from './flip.js';
import { checkLabel, spatialSize } from './layout.js';
import { resize } from './resize.js';
import type { Interpolation } from './resize.js';

/** An HWC float image and its `[H, W]` integer label map, transformed together. */
export interface ImageLabelPair {
  image: tf.Tensor;
  label: tf.Tensor;
}

/** Resize a `[H, W]` label map with nearest-neighbour sampling, so no new classes appear. */
function resizeLabel(label: tf.Tensor, size: readonly [number, number]): tf.Tensor {
  return tf.tidy(() => tf.squeeze(resize(tf.expandDims(label, 2), size, 'nearest'), [2]));
}

function cropLabel(label: tf.Tensor, box: Parameters<typeof crop>[1]): tf.Tensor {
  return tf.tidy(() => tf.squeeze(crop(tf.expandDims(label, 2), box), [2]));
}

/** Resize both: the image with `interpolation`, the labels with nearest. */
export function jointResize({ image, label }: ImageLabelPair, size: readonly [number, number], interpolation: Interpolation = 'bilinear'): ImageLabelPair {
  checkLabel(image, label, 'jointResize');
  return { image: resize(image, size, interpolation), label: resizeLabel(label, size) };
}

/** One random resized crop window applied to both; labels resampled with nearest. */
export function jointRandomResizedCrop({ image, label }: ImageLabelPair, rng: Rng, { size, scale, ratio, interpolation = 'bilinear' }: RandomResizedCropOptions): ImageLabelPair {
  checkLabel(image, label, 'jointRandomResizedCrop');
  const [h, w] = spatialSize(image, 'jointRandomResizedCrop');
  const box = randomResizedCropBox(h, w, rng, scale, ratio);
  return tf.tidy(() => ({
    image: resize(crop(image, box), size, interpolation),
    label: resizeLabel(cropLabel(label, box), size),
  }));
}

/** Flip both with probability `p` (one draw); always returns new tensors. */
export function jointRandomHorizontalFlip({ image, label }: ImageLabelPair, rng: Rng, p = 0.5): ImageLabelPair {
  checkLabel(image, label, 'jointRandomHorizontalFlip');
  if (rng.next() >= p) return { image: image.clone(), label: label.clone() };
  return { image: horizontalFlip(image), label: tf.reverse(label, 1) };
}
