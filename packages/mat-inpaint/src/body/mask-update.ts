import { tf } from '@patchwork/tensor-core';

/**
 * The two mask rules that make MAT "mask-aware". Masks are float {0, 1} with **1 = valid/known**.
 * They never carry gradients: they are functions of the input mask only.
 */

/**
 * Partial-convolution bookkeeping (`Conv2dLayerPartial`): for an NHWC mask `[B, H, W, 1]`, a
 * k×k window (stride `stride`, padding k//2) is valid if ANY pixel in it is valid, and a valid
 * window's output is rescaled by `k² / (number of valid pixels)` so partially-valid windows are
 * not darkened. Returns `updateMask` (`clamp(count, 0, 1)`) and `ratio`
 * (`k²/(count + 1e-8) · updateMask`), both `[B, H/stride, W/stride, 1]`. Caller disposes both.
 */
export function partialConvMask(mask: tf.Tensor4D, kernelSize: number, stride: number): { updateMask: tf.Tensor4D; ratio: tf.Tensor4D } {
  return tf.tidy(() => {
    const p = Math.floor(kernelSize / 2);
    const ones = tf.ones([kernelSize, kernelSize, 1, 1]) as tf.Tensor4D;
    const count = tf.conv2d(mask, ones, stride, p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]]);
    const updateMask = tf.clipByValue(count, 0, 1) as tf.Tensor4D;
    const ratio = tf.mul(tf.div(kernelSize * kernelSize, tf.add(count, 1e-8)), updateMask) as tf.Tensor4D;
    return { updateMask, ratio };
  });
}

/**
 * The dynamic mask update of Multi-Head Contextual Attention: after attention, a window with at
 * least one valid token becomes entirely valid; an all-hole window stays invalid.
 * `maskWindows` `[windows, N, 1]` → `clamp(Σ_tokens, 0, 1)` repeated over the N tokens. Caller disposes.
 */
export function windowMaskUpdate(maskWindows: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const n = maskWindows.shape[1];
    return tf.tile(tf.clipByValue(tf.sum(maskWindows, 1, true), 0, 1), [1, n, 1]) as tf.Tensor3D;
  });
}

/**
 * Attention bias that hides invalid keys: `maskWindows` `[windows, N, 1]` → `[windows, 1, 1, N]`
 * with −100 where the key token is a hole and 0 where it is valid (the official
 * `masked_fill(mask == 0, -100)`; −100, not −∞, so a window without valid keys attends uniformly).
 * `(m − 1)·100` gives exactly those values for {0, 1} masks without a comparison op. Caller disposes.
 */
export function keyMaskBias(maskWindows: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const [w, n] = maskWindows.shape;
    return tf.reshape(tf.mul(tf.sub(maskWindows, 1), 100), [w, 1, 1, n]) as tf.Tensor4D;
  });
}
