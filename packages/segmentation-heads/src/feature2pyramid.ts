import { BatchNorm2d, ConvTranspose2d, GELU, MaxPool2d, Module, Sequential } from '@patchwork/layers';
import { ConfigError, ShapeError, defaultRng, parseConfig, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { z } from 'zod';
import type { FeatureLevel, Neck } from './backbone.js';

/** Config of {@link Feature2Pyramid}; unknown keys are rejected. */
export const Feature2PyramidConfigSchema = z
  .object({
    /** Channels of the ViT maps (and of every output). */
    embedDim: z.int().positive(),
    /**
     * Scale factor per input map. `[4, 2, 1, 0.5]` (mmseg's default, for patch 16 → strides
     * 4/8/16/32) or `[2, 1, 0.5, 0.25]` (for patch 8 → the same strides).
     */
    rescales: z.union([z.tuple([z.literal(4), z.literal(2), z.literal(1), z.literal(0.5)]), z.tuple([z.literal(2), z.literal(1), z.literal(0.5), z.literal(0.25)])]).default([4, 2, 1, 0.5]),
  })
  .strict();

export type Feature2PyramidConfigInput = z.input<typeof Feature2PyramidConfigSchema>;
export type Feature2PyramidConfig = z.output<typeof Feature2PyramidConfigSchema>;

/**
 * mmseg's `Feature2Pyramid`, the neck of the BEiT/MAE segmentation setup: four same-stride ViT
 * maps become a pyramid. ×4 = `upsample_4x` (ConvTranspose 2/2 → BN → GELU → ConvTranspose 2/2),
 * ×2 = `upsample_2x` (one ConvTranspose 2/2), ×1 = identity, ×½ / ×¼ = `downsample_2x` /
 * `downsample_4x` (max pooling). State-dict names as mmseg (`upsample_4x.0.weight`,
 * `upsample_4x.1.running_mean`, …); ConvTranspose weights keep PyTorch's default init.
 */
export class Feature2Pyramid extends Module implements Neck {
  readonly config: Feature2PyramidConfig;
  /** One op per input, in order. */
  private readonly ops: ((x: tf.Tensor) => tf.Tensor4D)[];

  constructor(config: Feature2PyramidConfigInput, { rng = defaultRng() }: { rng?: Rng } = {}) {
    super();
    this.config = parseConfig(Feature2PyramidConfigSchema, config, 'Feature2Pyramid config');
    const d = this.config.embedDim;
    const up2 = (): ConvTranspose2d => new ConvTranspose2d(d, d, 2, { stride: 2, rng });
    const identity = (x: tf.Tensor): tf.Tensor4D => tf.clone(x) as tf.Tensor4D;
    if (this.config.rescales[0] === 4) {
      const up4 = this.addModule('upsample_4x', new Sequential([up2(), new BatchNorm2d(d), new GELU(), up2()]));
      const up2x = this.addModule('upsample_2x', new Sequential([up2()]));
      const down2 = this.addModule('downsample_2x', new MaxPool2d(2));
      this.ops = [(x) => up4.forward(x) as tf.Tensor4D, (x) => up2x.forward(x) as tf.Tensor4D, identity, (x) => down2.forward(x)];
    } else {
      const up2x = this.addModule('upsample_2x', new Sequential([up2()]));
      const down2 = this.addModule('downsample_2x', new MaxPool2d(2));
      const down4 = this.addModule('downsample_4x', new MaxPool2d(4));
      this.ops = [(x) => up2x.forward(x) as tf.Tensor4D, identity, (x) => down2.forward(x), (x) => down4.forward(x)];
    }
  }

  outputLevels(input: readonly FeatureLevel[]): FeatureLevel[] {
    const { embedDim, rescales } = this.config;
    if (input.length !== 4 || input.some((l) => l.channels !== embedDim)) {
      throw new ConfigError(
        `Feature2Pyramid: expected 4 feature levels of ${embedDim} channels, got [${input.map((l) => `${l.channels}ch/${l.stride}`).join(', ')}]`,
      );
    }
    return input.map((l, i) => ({ channels: embedDim, stride: l.stride / rescales[i]! }));
  }

  /** Four `[B, h, w, embedDim]` maps → `[B, h·r, w·r, embedDim]` for each rescale r. */
  forward(features: readonly tf.Tensor[]): tf.Tensor4D[] {
    const d = this.config.embedDim;
    if (features.length !== 4 || features.some((f) => f.rank !== 4 || f.shape[3] !== d)) {
      throw new ShapeError(`Feature2Pyramid: expected 4 NHWC maps [B, h, w, ${d}], got ${features.map((f) => `[${f.shape.join(', ')}]`).join(', ')}`);
    }
    return tf.tidy(() => features.map((f, i) => this.ops[i]!(f)));
  }
}
