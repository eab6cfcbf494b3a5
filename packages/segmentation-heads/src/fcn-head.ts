import { Sequential } from '@patchwork/layers';
import { defaultRng, parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import { ConvModule } from './conv-module.js';
import { DecodeHead, checkDecodeHead, decodeHeadShape } from './decode-head.js';
import type { HeadOptions } from './decode-head.js';

/** Config of {@link FCNHead}, mmseg's arguments in camelCase; unknown keys are rejected. */
export const FCNHeadConfigSchema = z
  .object({
    ...decodeHeadShape,
    /** Number of conv modules (0: `conv_seg` straight on the input, which then needs `inChannels == channels`). */
    numConvs: z.int().min(0).default(2),
    kernelSize: z.int().positive().refine((k) => k % 2 === 1, { message: 'kernelSize must be odd' }).default(3),
    /** Concatenate the input with the convs' output and fuse them with `conv_cat`. */
    concatInput: z.boolean().default(true),
    dilation: z.int().positive().default(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDecodeHead(c, ctx);
    if (c.numConvs === 0 && c.inputTransform !== 'multiple_select') {
      const cin = typeof c.inChannels === 'number' ? c.inChannels : c.inChannels.reduce((a, b) => a + b, 0);
      if (cin !== c.channels) ctx.addIssue({ code: 'custom', path: ['channels'], message: `with numConvs 0, channels (${c.channels}) must equal the input channels (${cin})` });
    }
    if (c.inputTransform === 'multiple_select') ctx.addIssue({ code: 'custom', path: ['inputTransform'], message: "FCNHead takes one map: use inputTransform null or 'resize_concat'" });
  });

export type FCNHeadConfigInput = z.input<typeof FCNHeadConfigSchema>;
export type FCNHeadConfig = z.output<typeof FCNHeadConfigSchema>;

/**
 * mmseg's `FCNHead` (Long et al., 2015): `numConvs` k×k {@link ConvModule}s (`convs.i`, with
 * dilation), optionally `conv_cat` over `[input, convs(input)]`, then `conv_seg`. With
 * `numConvs: 1, concatInput: false, inIndex: 2, lossWeight: 0.4` it is the auxiliary head of
 * the MAE/BEiT UperNet recipe.
 */
export class FCNHead extends DecodeHead {
  declare readonly config: FCNHeadConfig;
  readonly convs: Sequential | null;
  readonly convCat: ConvModule | null;

  constructor(config: FCNHeadConfigInput, { rng = defaultRng() }: HeadOptions = {}) {
    const c = parseConfig(FCNHeadConfigSchema, config, 'FCNHead config');
    super(c, rng);
    const { channels, kernelSize, dilation, numConvs } = c;
    const padding = Math.floor(kernelSize / 2) * dilation;
    const convs = Array.from({ length: numConvs }, (_, i) => new ConvModule(i === 0 ? this.totalInChannels : channels, channels, kernelSize, { padding, dilation, rng }));
    // mmseg uses nn.Identity for zero convs: no module, no keys.
    this.convs = numConvs > 0 ? this.addModule('convs', new Sequential(convs)) : null;
    this.convCat = c.concatInput
      ? this.addModule('conv_cat', new ConvModule(this.totalInChannels + channels, channels, kernelSize, { padding: Math.floor(kernelSize / 2), rng }))
      : null;
  }

  forward(features: readonly tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => {
      const x = this.singleInput(features);
      let out = this.convs === null ? x : (this.convs.forward(x) as tf.Tensor4D);
      if (this.convCat !== null) out = this.convCat.forward(tf.concat([x, out], 3)); // [B, h, w, in + channels]
      return this.clsSeg(out);
    });
  }
}
