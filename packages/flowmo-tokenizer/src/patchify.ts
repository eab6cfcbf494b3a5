import { tf } from '@patchwork/tensor-core';

/**
 * `[B, H, W, C]` → `[B, (H/p)·(W/p), p·p·C]`: patches row-major over the grid, each flattened
 * as (row in patch, column in patch, channel) — FlowMo's
 * `b c (gh ph) (gw pw) -> b (gh gw) (ph pw c)` on NCHW, which is the same tensor for NHWC input.
 * Caller disposes.
 */
export function patchify(images: tf.Tensor, p: number): tf.Tensor3D {
  const [b, h, w, c] = images.shape as [number, number, number, number];
  const [gh, gw] = [h / p, w / p];
  return tf.tidy(() => {
    // [B, H, W, C] -> [B·gh, p, gw, p·C] -> [B·gh, gw, p, p·C] -> [B, gh·gw, p·p·C]
    const rows = tf.reshape(images, [b * gh, p, gw, p * c]);
    return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [b, gh * gw, p * p * c]) as tf.Tensor3D;
  });
}

/** Inverse of {@link patchify}: `[B, gh·gw, p·p·C]` → `[B, gh·p, gw·p, C]`. Caller disposes. */
export function unpatchify(tokens: tf.Tensor, p: number, gridSize: readonly [number, number], channels: number): tf.Tensor4D {
  const [b] = tokens.shape as [number, number, number];
  const [gh, gw] = gridSize;
  return tf.tidy(() => {
    // [B, gh·gw, p·p·C] -> [B·gh, gw, p, p·C] -> [B·gh, p, gw, p·C] -> [B, H, W, C]
    const grid = tf.reshape(tokens, [b * gh, gw, p, p * channels]);
    return tf.reshape(tf.transpose(grid, [0, 2, 1, 3]), [b, gh * p, gw * p, channels]) as tf.Tensor4D;
  });
}
