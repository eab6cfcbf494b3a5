import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { biasAct } from '../ops/activation.js';
import type { Activation } from '../ops/activation.js';
import { checkLast } from './checks.js';

/** Options for {@link FullyConnectedLayer} (the official constructor arguments). */
export interface FullyConnectedOptions {
  bias?: boolean;
  activation?: Activation;
  /** Learning-rate multiplier: raw weights are stored ÷ lrMultiplier and scaled back at run time. */
  lrMultiplier?: number;
  /** Initial bias value. */
  biasInit?: number;
  rng?: Rng;
}

/**
 * StyleGAN2's equalised-learning-rate `FullyConnectedLayer` (MAT `networks/basic_module.py`):
 * the raw weight `[out, in]` is drawn N(0, 1)/lrMultiplier and multiplied at run time by
 * `lrMultiplier/√in` (the bias by `lrMultiplier`), so Adam sees every layer at the same scale.
 * State dict: `weight` `[out, in]`, `bias` `[out]`.
 */
export class FullyConnectedLayer extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly activation: Activation;
  private readonly weightGain: number;
  private readonly biasGain: number;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    { bias = true, activation = 'linear', lrMultiplier = 1, biasInit = 0, rng = defaultRng() }: FullyConnectedOptions = {},
  ) {
    super();
    this.activation = activation;
    this.weight = this.addParameter('weight', tf.tidy(() => tf.div(rng.normal([inFeatures, outFeatures]), lrMultiplier)), 'linear');
    this.bias = bias ? this.addParameter('bias', tf.fill([outFeatures], biasInit)) : null;
    this.weightGain = lrMultiplier / Math.sqrt(inFeatures);
    this.biasGain = lrMultiplier;
  }

  /** `x` `[..., in]` → `act(x·W·gain + b·lrMultiplier)` `[..., out]`. Caller disposes. */
  forward(x: tf.Tensor): tf.Tensor {
    checkLast('FullyConnectedLayer', x, this.inFeatures);
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const y = tf.matMul(tf.reshape(x, [-1, this.inFeatures]), tf.mul(this.weight, this.weightGain));
      const b = this.bias === null ? null : this.biasGain === 1 ? this.bias : tf.mul(this.bias, this.biasGain);
      return tf.reshape(biasAct(y, b, this.activation), [...lead, this.outFeatures]);
    });
  }
}
