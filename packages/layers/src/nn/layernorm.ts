import { tf } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg, checkLastDim } from './common.js';

/** Options for {@link LayerNorm}; defaults as `nn.LayerNorm`. */
export interface LayerNormOptions {
  eps?: number;
  /** Learnable `weight` (init 1) and `bias` (init 0). */
  elementwiseAffine?: boolean;
}

/**
 * Layer normalisation over the last axis (`nn.LayerNorm(dim)`), biased variance; state dict
 * `weight`, `bias` `[dim]`.
 */
export class LayerNorm extends Module {
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;
  readonly eps: number;

  constructor(
    readonly dim: number,
    { eps = 1e-5, elementwiseAffine = true }: LayerNormOptions = {},
  ) {
    super();
    checkArg(Number.isInteger(dim) && dim > 0, `LayerNorm dim must be a positive integer, got ${dim}`);
    this.eps = eps;
    this.weight = elementwiseAffine ? this.addParameter('weight', tf.ones([dim])) : null;
    this.bias = elementwiseAffine ? this.addParameter('bias', tf.zeros([dim])) : null;
  }

  /** `x`: `[..., dim]` → same shape. */
  forward(x: tf.Tensor): tf.Tensor {
    checkLastDim('LayerNorm', x, this.dim);
    return tf.tidy(() => {
      const centered = tf.sub(x, tf.mean(x, -1, true));
      const variance = tf.mean(tf.square(centered), -1, true);
      let y = tf.mul(centered, tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight !== null) y = tf.mul(y, this.weight);
      if (this.bias !== null) y = tf.add(y, this.bias);
      return y;
    });
  }
}
