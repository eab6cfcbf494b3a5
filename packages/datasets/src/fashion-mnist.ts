import { FormatError } from '@patchwork/tensor-core';
import { decodeIdx } from './idx.js';

/** Fashion-MNIST class names, index = label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/**
 * Mean and standard deviation of the 60k Fashion-MNIST training pixels scaled to [0, 1], rounded to
 * 3 decimals: the `(x − mean) / std` normalisation Patchwork's Fashion-MNIST trainers (and the
 * checkpoints they write) use.
 */
export const FASHION_MNIST_PIXELS = { mean: 0.286, std: 0.353 } as const;

/** A labelled split of 28×28 grey images. */
export interface LabelledImages {
  /** `[N, H, W, C]` shape of `images`. */
  shape: [number, number, number, number];
  /** Pixels, 0–255, NHWC row-major. */
  images: Uint8Array;
  /** Class index per image. */
  labels: Uint8Array;
  classNames: readonly string[];
}

/** Build a split from decoded IDX image and label buffers, checking they agree. */
export function fashionMnistFromIdx(imageBytes: Uint8Array, labelBytes: Uint8Array, source = 'Fashion-MNIST'): LabelledImages {
  const img = decodeIdx(imageBytes, `${source} images`);
  const lab = decodeIdx(labelBytes, `${source} labels`);
  if (img.shape.length !== 3) throw new FormatError(`${source} images: expected [N, 28, 28], got [${img.shape.join(', ')}]`);
  if (lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
    throw new FormatError(`${source}: ${lab.shape[0]} labels for ${img.shape[0]} images`);
  }
  for (const l of lab.data) if (l >= FASHION_MNIST_CLASSES.length) throw new FormatError(`${source} labels: label ${l} is out of range 0..9`);
  const [n, h, w] = img.shape as [number, number, number];
  return { shape: [n, h, w, 1], images: img.data, labels: lab.data, classNames: FASHION_MNIST_CLASSES };
}
