import { BatchNorm2d } from '@patchwork/layers';
import { defaultRng, parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import { DecodeHead, checkDecodeHead, decodeHeadShape } from './decode-head.js';
import type { HeadOptions } from './decode-head.js';

/** Config of {@link BNHead}; unknown keys are rejected. */
export const BNHeadConfigSchema = z
  .object({
    ...decodeHeadShape,
    /** No `bn`: a purely linear head (1×1 conv on the features). */
    batchNorm: z.boolean().default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDecodeHead(c, ctx);
    if (c.inputTransform === 'multiple_select') ctx.addIssue({ code: 'custom', path: ['inputTransform'], message: "BNHead takes one map: use inputTransform null or 'resize_concat'" });
    const cin = typeof c.inChannels === 'number' ? c.inChannels : c.inChannels.reduce((a, b) => a + b, 0);
    if (cin !== c.channels) ctx.addIssue({ code: 'custom', path: ['channels'], message: `channels (${c.channels}) must equal the input channels after the transform (${cin})` });
  });

export type BNHeadConfigInput = z.input<typeof BNHeadConfigSchema>;
export type BNHeadConfig = z.output<typeof BNHeadConfigSchema>;

/**
 * The linear segmentation probe (DINOv2's mmseg `BNHead`): the selected map(s) — with
 * `resize_concat`, several levels resized to the first and concatenated — go through `bn`
 * (BatchNorm) and straight into `conv_seg`, a 1×1 conv. Measures how linearly separable a
 * backbone's features are per pixel.
 */
export class BNHead extends DecodeHead {
  declare readonly config: BNHeadConfig;
  readonly bn: BatchNorm2d | null;

  constructor(config: BNHeadConfigInput, { rng = defaultRng() }: HeadOptions = {}) {
    const c = parseConfig(BNHeadConfigSchema, config, 'BNHead config');
    super(c, rng);
    this.bn = c.batchNorm ? this.addModule('bn', new BatchNorm2d(this.totalInChannels)) : null;
  }

  forward(features: readonly tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => {
      const x = this.singleInput(features);
      return this.clsSeg(this.bn === null ? x : this.bn.forward(x));
    });
  }
}
