import { ShapeError, tf } from '@patchwork/tensor-core';

/**
 * Run `fn` on a 4-D NHWC view of an HWC or NHWC tensor and give the result back in the
 * caller's rank, so every transform accepts one image or a batch.
 */
export function onBatch(x: tf.Tensor, name: string, fn: (x4: tf.Tensor4D) => tf.Tensor4D): tf.Tensor {
  if (x.rank === 4) return fn(x as tf.Tensor4D);
  if (x.rank === 3) {
    return tf.tidy(() => {
      const y = fn(tf.expandDims(x, 0) as tf.Tensor4D);
      return tf.squeeze(y, [0]);
    });
  }
  throw new ShapeError(`${name}: expected an HWC or NHWC tensor, got shape [${x.shape.join(', ')}]`);
}

/** `[height, width]` of an HWC or NHWC tensor. */
export function spatialSize(x: tf.Tensor, name: string): [number, number] {
  if (x.rank !== 3 && x.rank !== 4) throw new ShapeError(`${name}: expected an HWC or NHWC tensor, got shape [${x.shape.join(', ')}]`);
  const h = x.shape[x.rank - 3]!;
  const w = x.shape[x.rank - 2]!;
  return [h, w];
}

/** Check a label map is a 2-D `[H, W]` tensor matching the image's spatial size. */
export function checkLabel(image: tf.Tensor, label: tf.Tensor, name: string): void {
  const [h, w] = spatialSize(image, name);
  if (label.rank !== 2 || label.shape[0] !== h || label.shape[1] !== w) {
    throw new ShapeError(`${name}: label must be [${h}, ${w}] to match the image, got [${label.shape.join(', ')}]`);
  }
}

/** Validate a positive integer `[height, width]` target size. */
export function checkSize(size: readonly [number, number], name: string): void {
  if (size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ShapeError(`${name}: size must be two positive integers [height, width], got [${size.join(', ')}]`);
  }
}
