import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { StyleConv, ToRGB } from './style/modulated-conv.js';
import type { NoiseOptions } from './style/modulated-conv.js';

/** Options for {@link DecStyleBlock}. */
export interface DecStyleBlockOptions {
  useNoise?: boolean;
  demodulate?: boolean;
  imgChannels?: number;
  rng?: Rng;
}

/** Features and the running RGB image of a decoder block. */
export interface FeaturesAndImage {
  x: tf.Tensor4D;
  img: tf.Tensor4D;
}

/**
 * One block of the style-modulated reconstruction tail (MAT `DecStyleBlock`): an up-2 modulated
 * conv, + the encoder skip at the new size (U-Net shortcut), a second modulated conv, and a toRGB
 * whose output is added to the ×2-upsampled running image. Every conv is modulated by the same
 * style (image-conditional global style + noise style). `res` is log2 of the output size.
 * State dict: `conv0.*`, `conv1.*`, `toRGB.*`.
 */
export class DecStyleBlock extends Module {
  readonly conv0: StyleConv;
  readonly conv1: StyleConv;
  readonly toRGB: ToRGB;

  constructor(readonly res: number, inChannels: number, outChannels: number, styleDim: number, { useNoise = false, demodulate = true, imgChannels = 3, rng = defaultRng() }: DecStyleBlockOptions = {}) {
    super();
    const resolution = 2 ** res;
    this.conv0 = this.addModule('conv0', new StyleConv(inChannels, outChannels, styleDim, resolution, { up: 2, useNoise, demodulate, rng }));
    this.conv1 = this.addModule('conv1', new StyleConv(outChannels, outChannels, styleDim, resolution, { useNoise, demodulate, rng }));
    this.toRGB = this.addModule('toRGB', new ToRGB(outChannels, imgChannels, styleDim, rng));
  }

  /**
   * `x` `[B, H, W, in]`, `img` `[B, H, W, C]` or null (first block), `style` `[B, styleDim]`,
   * `skip` `[B, 2H, 2W, out]` → features `[B, 2H, 2W, out]` and image `[B, 2H, 2W, C]`. Caller disposes.
   */
  forward(x: tf.Tensor4D, img: tf.Tensor4D | null, style: tf.Tensor, skip: tf.Tensor4D, noise: NoiseOptions = {}): FeaturesAndImage {
    return tf.tidy(() => {
      let h = this.conv0.forward(x, style, noise);
      h = tf.add(h, skip) as tf.Tensor4D;
      h = this.conv1.forward(h, style, noise);
      return { x: h, img: this.toRGB.forward(h, style, img) };
    });
  }
}
