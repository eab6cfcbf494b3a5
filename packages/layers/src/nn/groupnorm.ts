import { tf } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg, checkLastDim } from './common.js';

/** Options for {@link GroupNorm}; defaults as `nn.GroupNorm`. */
export interface GroupNormOptions {
  eps?: number;
  /** Learnable per-channel `weight` (init 1) and `bias` (init 0). */
  affine?: boolean;
}

/**
 * Group normalisation (`nn.GroupNorm(numGroups, numChannels)`) on channels-last activations
 * `[N, ..., C]` (NHWC for images): channels are split into `numGroups` contiguous groups, as in
 * PyTorch, and each sample/group is normalised over its spatial positions and channels.
 */
export class GroupNorm extends Module {
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;
  readonly eps: number;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    { eps = 1e-5, affine = true }: GroupNormOptions = {},
  ) {
    super();
    checkArg(
      Number.isInteger(numGroups) && numGroups > 0 && Number.isInteger(numChannels) && numChannels % numGroups === 0,
      `GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
    );
    this.eps = eps;
    this.weight = affine ? this.addParameter('weight', tf.ones([numChannels])) : null;
    this.bias = affine ? this.addParameter('bias', tf.zeros([numChannels])) : null;
  }

  /** `x`: `[N, ..., C]` → same shape. */
  forward(x: tf.Tensor): tf.Tensor {
    checkLastDim('GroupNorm', x, this.numChannels, 2);
    return tf.tidy(() => {
      // [N, S, G, C/G]: a rank-4 view whatever the spatial rank; statistics over S and C/G.
      const grouped = tf.reshape(x, [x.shape[0]!, -1, this.numGroups, this.numChannels / this.numGroups]);
      const centered = tf.sub(grouped, tf.mean(grouped, [1, 3], true));
      const variance = tf.mean(tf.square(centered), [1, 3], true);
      let y = tf.reshape(tf.mul(centered, tf.rsqrt(tf.add(variance, this.eps))), x.shape);
      if (this.weight !== null) y = tf.mul(y, this.weight);
      if (this.bias !== null) y = tf.add(y, this.bias);
      return y;
    });
  }
}
