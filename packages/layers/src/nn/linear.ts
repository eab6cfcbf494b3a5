import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkLastDim } from './common.js';

/** Options for {@link Linear}. */
export interface LinearOptions {
  bias?: boolean;
  rng?: Rng;
}

/**
 * `y = x·W + b` over the last axis; state dict `weight` `[out, in]`, `bias` `[out]` as `nn.Linear`.
 * Init as PyTorch: U(−1/√in, 1/√in) for weight and bias.
 */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    { bias = true, rng = defaultRng() }: LinearOptions = {},
  ) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.addParameter('weight', rng.uniform([inFeatures, outFeatures], -bound, bound), 'linear');
    this.bias = bias ? this.addParameter('bias', rng.uniform([outFeatures], -bound, bound)) : null;
  }

  /** `x`: `[..., in]` → `[..., out]`. */
  forward(x: tf.Tensor): tf.Tensor {
    checkLastDim('Linear', x, this.inFeatures);
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const flat = tf.reshape(x, [-1, this.inFeatures]);
      const y = this.bias === null ? tf.matMul(flat, this.weight) : tf.add(tf.matMul(flat, this.weight), this.bias);
      return tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}
