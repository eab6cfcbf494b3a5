import { tf } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg, checkLastDim } from './common.js';

/** Options for {@link RMSNorm}. */
export interface RMSNormOptions {
  /** Added to the mean square before the square root; default 1e-6 (Flux/FlowMo QK-norm). */
  eps?: number;
  /** Learnable per-channel scale (init 1). */
  elementwiseAffine?: boolean;
  /**
   * State-dict name of the scale: `weight` for `torch.nn.RMSNorm`, `scale` for Flux's own
   * `RMSNorm` (FlowMo's QK-norm).
   */
  paramName?: 'weight' | 'scale';
}

/**
 * Root-mean-square normalisation over the last axis: `x · rsqrt(mean(x²) + eps) · scale`, as
 * Flux's `RMSNorm` and `torch.nn.RMSNorm` (with an explicit eps) compute it. No centring, no bias.
 */
export class RMSNorm extends Module {
  readonly scale: tf.Variable | null;
  readonly eps: number;

  constructor(
    readonly dim: number,
    { eps = 1e-6, elementwiseAffine = true, paramName = 'weight' }: RMSNormOptions = {},
  ) {
    super();
    checkArg(Number.isInteger(dim) && dim > 0, `RMSNorm dim must be a positive integer, got ${dim}`);
    checkArg(eps >= 0, `RMSNorm eps must be ≥ 0, got ${eps}`);
    this.eps = eps;
    this.scale = elementwiseAffine ? this.addParameter(paramName, tf.ones([dim])) : null;
  }

  /** `x`: `[..., dim]` → same shape. Caller disposes. */
  forward(x: tf.Tensor): tf.Tensor {
    checkLastDim('RMSNorm', x, this.dim);
    return tf.tidy(() => {
      const y = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), this.eps)));
      return this.scale === null ? y : tf.mul(y, this.scale);
    });
  }
}
