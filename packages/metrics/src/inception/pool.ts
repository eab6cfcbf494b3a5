import { tf } from '@patchwork/tensor-core';

// The three poolings of pytorch-fid's InceptionV3 on NHWC tensors. tfjs pools pad like TensorFlow:
// padded positions are left out of averages and never win a max, which is exactly what
// `count_include_pad=False` and PyTorch's −∞ max padding do.

/** `F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)`: the FID blocks' TF-style average. */
export function avgPool3x3(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 3, 1, 'same');
}

/** `F.max_pool2d(x, 3, stride=1, padding=1)`: FIDInceptionE_2's pool branch. */
export function maxPool3x3(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 3, 1, 'same');
}

/** `F.max_pool2d(x, 3, stride=2)` / `nn.MaxPool2d(3, 2)` without padding (floor mode). */
export function maxPool3x3Stride2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 3, 2, 'valid');
}
