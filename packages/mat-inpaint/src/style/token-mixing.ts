import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { interpolate } from '@patchwork/layers';

/** Side of the square noise map `to_square` produces (16·16 = 256 values in the official code). */
export const SQUARE_SIDE = 16;

/**
 * The mixing map of MAT's stochastic token mixing: `F.dropout(0.5·ones, p=0.5, training=True)`,
 * i.e. i.i.d. Bernoulli(½) values in {0, 1}. The official code draws it at inference too, so it
 * is part of what makes outputs pluralistic. Drawn on the host from `rng`. Caller disposes.
 */
export function bernoulliMixMap(shape: number[], rng: Rng): tf.Tensor {
  const u = rng.uniformArray(shape.reduce((a, b) => a * b, 1));
  return tf.tensor(Float32Array.from(u, (v) => (v < 0.5 ? 1 : 0)), shape, 'float32');
}

/**
 * `x ⊙ B + n ⊙ (1 − B)`: keep each element of `x` where the map `B` is 1, replace it by the
 * noise-style value `n` (broadcast) where it is 0. Caller disposes.
 */
export function stochasticMix(x: tf.Tensor, noise: tf.Tensor, mixMap: tf.Tensor): tf.Tensor {
  if (mixMap.shape.join(',') !== x.shape.join(',')) {
    throw new PatchworkError('E_SHAPE', `token mixing: the mixing map must be [${x.shape.join(', ')}] like the features, got [${mixMap.shape.join(', ')}]`);
  }
  return tf.tidy(() => tf.add(tf.mul(x, mixMap), tf.mul(noise, tf.sub(1, mixMap))));
}

/**
 * First stage: `F.interpolate(n[:, None], size=L, mode='linear', align_corners=False)` of the
 * 256 `to_square` values over the flat token index → `[B, L, 1]` (identity when L = 256, i.e. at
 * the native resolution). Caller disposes.
 */
export function noiseToTokens(square: tf.Tensor2D, tokens: number): tf.Tensor3D {
  const [b, n] = square.shape;
  return tf.tidy(() => {
    if (tokens === n) return tf.reshape(square, [b, n, 1]) as tf.Tensor3D;
    return tf.reshape(interpolate(tf.reshape(square, [b, 1, n, 1]), [1, tokens]), [b, tokens, 1]) as tf.Tensor3D;
  });
}

/**
 * Second stage: the 16×16 `to_square` map bilinearly resized (align_corners=False) to the
 * `h × w` encoder feature → `[B, h, w, 1]`. Caller disposes.
 */
export function noiseToMap(square: tf.Tensor2D, h: number, w: number): tf.Tensor4D {
  const b = square.shape[0];
  return tf.tidy(() => {
    const map = tf.reshape(square, [b, SQUARE_SIDE, SQUARE_SIDE, 1]) as tf.Tensor4D;
    return h === SQUARE_SIDE && w === SQUARE_SIDE ? map : interpolate(map, [h, w]);
  });
}
