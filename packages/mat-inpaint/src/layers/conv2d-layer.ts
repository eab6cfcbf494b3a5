import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { biasAct, DEFAULT_GAIN } from '../ops/activation.js';
import type { Activation } from '../ops/activation.js';
import { conv2dResample, resampleFilter } from '../ops/resample.js';
import { checkArg, checkNhwc } from './checks.js';

/** Options for {@link Conv2dLayer} (the official constructor arguments MAT uses). */
export interface Conv2dLayerOptions {
  bias?: boolean;
  activation?: Activation;
  /** 1 or 2: transposed stride-2 convolution plus the FIR blur. */
  up?: number;
  /** 1 or 2: FIR blur plus a stride-2 convolution. */
  down?: number;
  rng?: Rng;
}

/**
 * StyleGAN2's equalised-learning-rate `Conv2dLayer` (MAT `networks/basic_module.py`): a raw
 * N(0, 1) weight scaled at run time by `1/√(in·k²)`, `padding = k//2`, optional ×2 up- or
 * downsampling with the [1,3,3,1] FIR filter, then `bias_act`. State dict: `weight` OIHW,
 * `bias`, and the `resample_filter` buffer (the fixed 4×4 filter, kept for the official names).
 */
export class Conv2dLayer extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly activation: Activation;
  readonly up: number;
  readonly down: number;
  private readonly weightGain: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    { bias = true, activation = 'linear', up = 1, down = 1, rng = defaultRng() }: Conv2dLayerOptions = {},
  ) {
    super();
    checkArg(Number.isInteger(kernelSize) && kernelSize % 2 === 1, `Conv2dLayer: kernel size must be odd, got ${kernelSize}`);
    checkArg([1, 2].includes(up) && [1, 2].includes(down) && up * down <= 2, `Conv2dLayer: supports up or down ∈ {1, 2}, got up=${up}, down=${down}`);
    this.activation = activation;
    this.up = up;
    this.down = down;
    this.addBuffer('resample_filter', resampleFilter());
    this.weightGain = 1 / Math.sqrt(inChannels * kernelSize * kernelSize);
    this.weight = this.addParameter('weight', rng.normal([kernelSize, kernelSize, inChannels, outChannels]), 'conv2d');
    this.bias = bias ? this.addParameter('bias', tf.zeros([outChannels])) : null;
  }

  /** NHWC `[B, H, W, in]` → `[B, H·up/down, W·up/down, out]`; `gain` multiplies the activation gain. Caller disposes. */
  forward(x: tf.Tensor, gain = 1): tf.Tensor4D {
    checkNhwc('Conv2dLayer', x, this.inChannels);
    return tf.tidy(() => {
      const w = tf.mul(this.weight, this.weightGain) as tf.Tensor4D;
      const y = conv2dResample(x, w, { up: this.up, down: this.down });
      return biasAct(y, this.bias, this.activation, DEFAULT_GAIN[this.activation] * gain) as tf.Tensor4D;
    });
  }
}
