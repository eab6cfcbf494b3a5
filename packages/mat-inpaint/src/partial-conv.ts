import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { partialConvMask } from './body/mask-update.js';
import { Conv2dLayer } from './layers/conv2d-layer.js';
import { checkArg } from './layers/checks.js';
import type { Activation } from './ops/activation.js';
import { tidy } from './ops/tidy.js';

/** Options for {@link Conv2dLayerPartial}. */
export interface PartialConvOptions {
  activation?: Activation;
  bias?: boolean;
  up?: number;
  down?: number;
  rng?: Rng;
}

/** Output of a partial convolution: features and the updated mask (null when no mask was given). */
export interface MaskedFeatures {
  x: tf.Tensor4D;
  mask: tf.Tensor4D | null;
}

/**
 * MAT's `Conv2dLayerPartial`: an equalised-LR {@link Conv2dLayer} (state dict under `conv.`)
 * whose output is rescaled by the partial-convolution ratio and zeroed where the updated mask is
 * invalid (see {@link partialConvMask}). The input features are NOT multiplied by the mask inside
 * the layer, exactly as in the official code. Without a mask it is the plain convolution.
 */
export class Conv2dLayerPartial extends Module {
  readonly conv: Conv2dLayer;
  readonly kernelSize: number;
  readonly stride: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, { activation = 'linear', bias = true, up = 1, down = 1, rng = defaultRng() }: PartialConvOptions = {}) {
    super();
    this.conv = this.addModule('conv', new Conv2dLayer(inChannels, outChannels, kernelSize, { activation, bias, up, down, rng }));
    this.kernelSize = kernelSize;
    this.stride = down;
  }

  /**
   * `x` NHWC `[B, H, W, in]`, `mask` `[B, H, W, 1]` or null → `{x: [B, H', W', out], mask: [B, H', W', 1] | null}`.
   * The official layer cannot update a mask through an upsampling convolution (the mask keeps the
   * input size), so `up = 2` with a mask is rejected. Caller disposes both outputs.
   */
  forward(x: tf.Tensor, mask: tf.Tensor4D | null = null): MaskedFeatures {
    if (mask === null) return { x: this.conv.forward(x), mask: null };
    checkArg(this.conv.up === 1, 'Conv2dLayerPartial: a mask cannot be carried through an upsampling (up=2) partial convolution');
    checkArg(
      mask.rank === 4 && mask.shape[3] === 1 && mask.shape.slice(0, 3).join(',') === x.shape.slice(0, 3).join(','),
      `Conv2dLayerPartial: mask [${mask.shape.join(', ')}] does not match the features [${x.shape.join(', ')}] (want [B, H, W, 1])`,
    );
    return tidy(() => {
      const { updateMask, ratio } = partialConvMask(mask, this.kernelSize, this.stride);
      return { x: tf.mul(this.conv.forward(x), ratio) as tf.Tensor4D, mask: updateMask };
    });
  }
}
