import { AdaptiveAvgPool2d, ModuleList, Sequential, interpolate } from '@patchwork/layers';
import { defaultRng, parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import { ConvModule } from './conv-module.js';
import { DecodeHead, checkDecodeHead, decodeHeadShape } from './decode-head.js';
import type { HeadOptions } from './decode-head.js';

/** Config of {@link ASPPHead}, mmseg's arguments in camelCase; unknown keys are rejected. */
export const ASPPHeadConfigSchema = z
  .object({
    ...decodeHeadShape,
    /** One branch per rate: 1 → 1×1 conv, d > 1 → 3×3 conv with dilation and padding d. mmseg's default is for output stride 8. */
    dilations: z.array(z.int().positive()).min(1).default([1, 12, 24, 36]),
    /**
     * Kernel of the `bottleneck` that fuses the concatenated branches: 3 in mmseg, 1 in
     * TF-DeepLab (its `concat_projection`), which {@link mobileDeepLabV3Head} uses.
     */
    bottleneckKernel: z.union([z.literal(1), z.literal(3)]).default(3),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDecodeHead(c, ctx);
    if (c.inputTransform === 'multiple_select') ctx.addIssue({ code: 'custom', path: ['inputTransform'], message: "ASPPHead takes one map: use inputTransform null or 'resize_concat'" });
  });

export type ASPPHeadConfigInput = z.input<typeof ASPPHeadConfigSchema>;
export type ASPPHeadConfig = z.output<typeof ASPPHeadConfigSchema>;

/**
 * DeepLabv3's head (Chen et al., "Rethinking Atrous Convolution", 2017) as mmseg's `ASPPHead`:
 * image-level features (`image_pool`: global average pool → 1×1 {@link ConvModule}, upsampled
 * back) beside parallel atrous branches (`aspp_modules.i`), concatenated and fused by the
 * `bottleneck` conv before `conv_seg`. Logits come out at the input map's resolution.
 */
export class ASPPHead extends DecodeHead {
  declare readonly config: ASPPHeadConfig;
  readonly imagePool: Sequential;
  readonly asppModules: ModuleList<ConvModule>;
  readonly bottleneck: ConvModule;

  constructor(config: ASPPHeadConfigInput, { rng = defaultRng() }: HeadOptions = {}) {
    const c = parseConfig(ASPPHeadConfigSchema, config, 'ASPPHead config');
    super(c, rng);
    const cin = this.totalInChannels;
    const { channels, dilations, bottleneckKernel } = c;
    this.imagePool = this.addModule('image_pool', new Sequential([new AdaptiveAvgPool2d(1), new ConvModule(cin, channels, 1, { rng })]));
    this.asppModules = this.addModule(
      'aspp_modules',
      new ModuleList(dilations.map((d) => (d === 1 ? new ConvModule(cin, channels, 1, { rng }) : new ConvModule(cin, channels, 3, { padding: d, dilation: d, rng })))),
    );
    this.bottleneck = this.addModule(
      'bottleneck',
      new ConvModule((dilations.length + 1) * channels, channels, bottleneckKernel, { padding: Math.floor(bottleneckKernel / 2), rng }),
    );
  }

  forward(features: readonly tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => {
      const x = this.singleInput(features);
      const pooled = interpolate(this.imagePool.forward(x), [x.shape[1], x.shape[2]]); // [B, 1, 1, ch] → [B, h, w, ch]
      const branches = [pooled, ...[...this.asppModules].map((m) => m.forward(x))];
      return this.clsSeg(this.bottleneck.forward(tf.concat(branches, 3))); // [B, h, w, (rates + 1)·ch] → ch
    });
  }
}

/** Config of {@link mobileDeepLabV3Head}: an {@link ASPPHead} config without `dilations` and `bottleneckKernel`. */
export type MobileDeepLabV3HeadConfigInput = Omit<ASPPHeadConfigInput, 'dilations' | 'bottleneckKernel'>;

/**
 * The "Mobile DeepLabv3" head of the MobileNetV2 paper (§6.3; TF-DeepLab's MobileNetV2 models):
 * DeepLabv3 without atrous branches — image pooling plus one 1×1 branch, a 1×1 projection, then
 * the classifier — on a MobileNetV2 feature map of output stride 16 (or 8). An {@link ASPPHead}
 * with `dilations: [1]` and `bottleneckKernel: 1`, so it has the same state-dict names.
 */
export function mobileDeepLabV3Head(config: MobileDeepLabV3HeadConfigInput, options: HeadOptions = {}): ASPPHead {
  return new ASPPHead({ ...config, dilations: [1], bottleneckKernel: 1 }, options);
}
