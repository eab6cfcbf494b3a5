import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';

/**
 * How training noise levels are drawn (official `opt.schedule`):
 * - `fat_lognormal` (default, "thick-tailed logit-normal"): `t = σ(n)`, `n ~ N(0, 1)`, replaced by
 *   `U[0, 1]` with probability `uniformFraction` (0.1) so that t near 1 — where the code matters
 *   most — is still trained;
 * - `lognormal`: plain `σ(n)`;
 * - `uniform`: `U[0, 1]`;
 * - a number: that t for every sample (the official `debug_<t>`).
 */
export type NoiseSchedule = 'fat_lognormal' | 'lognormal' | 'uniform' | number;

/** Draw `n` training timesteps in [0, 1] (t = 1 is pure noise) from `rng`. */
export function sampleTimesteps(n: number, rng: Rng, schedule: NoiseSchedule = 'fat_lognormal', uniformFraction = 0.1): Float32Array {
  if (typeof schedule === 'number') {
    if (!(schedule >= 0 && schedule <= 1)) throw new PatchworkError('E_ARGUMENT', `a constant timestep must be in [0, 1], got ${schedule}`);
    return new Float32Array(n).fill(schedule);
  }
  const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
  switch (schedule) {
    case 'uniform':
      return rng.uniformArray(n);
    case 'lognormal':
      return Float32Array.from(rng.normalArray(n), sigmoid);
    case 'fat_lognormal': {
      const t = Float32Array.from(rng.normalArray(n), sigmoid);
      // The official draws the keep-mask and the replacements as two separate uniform vectors.
      const keep = rng.uniformArray(n);
      const replacement = rng.uniformArray(n);
      return t.map((v, i) => (keep[i]! <= 1 - uniformFraction ? v : replacement[i]!));
    }
    default:
      throw new PatchworkError('E_ARGUMENT', `unknown noise schedule '${String(schedule)}' (fat_lognormal, lognormal, uniform or a number)`);
  }
}

/** `[B]` → `[B, 1, 1, 1]`, to broadcast per-sample scalars over NHWC images. */
function perSample(t: tf.Tensor): tf.Tensor {
  return tf.reshape(t, [-1, 1, 1, 1]);
}

/** The rectified-flow interpolant `z_t = (1 − t)·x + t·z₁`; `x`, `z1` `[B, H, W, C]`, `t` `[B]`. Caller disposes. */
export function noisedImages(x: tf.Tensor, z1: tf.Tensor, t: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const tt = perSample(t);
    return tf.add(tf.mul(tf.sub(1, tt), x), tf.mul(tt, z1)) as tf.Tensor4D;
  });
}

/** `L_flow = mean((z₁ − v − x)²)`: the velocity target is `z₁ − x`. Caller disposes. */
export function flowMatchingLoss(v: tf.Tensor, x: tf.Tensor, z1: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(tf.sub(z1, v), x))) as tf.Scalar);
}

/** The one-step denoised prediction `x̂ = z_t − t·v` (what Stage 1A's perceptual loss sees). Caller disposes. */
export function denoisedPrediction(zt: tf.Tensor, v: tf.Tensor, t: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => tf.sub(zt, tf.mul(perSample(t), v)) as tf.Tensor4D);
}
