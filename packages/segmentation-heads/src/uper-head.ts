import { AdaptiveAvgPool2d, ModuleList, Sequential, interpolate } from '@patchwork/layers';
import { defaultRng, parseConfig, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { z } from 'zod';
import { ConvModule } from './conv-module.js';
import { DecodeHead, checkDecodeHead, decodeHeadShape } from './decode-head.js';
import type { HeadOptions } from './decode-head.js';

/**
 * mmseg's `PPM` (Pyramid Pooling Module of PSPNet): for each pool scale s, adaptive average
 * pooling to s×s → 1×1 {@link ConvModule}, then bilinear upsampling back to the input size.
 * Children `i.0` (the pool) and `i.1` (the conv), so keys read `psp_modules.i.1.conv.weight`.
 */
export class PPM extends ModuleList<Sequential> {
  constructor(
    readonly poolScales: readonly number[],
    inChannels: number,
    channels: number,
    rng: Rng = defaultRng(),
  ) {
    super(poolScales.map((s) => new Sequential([new AdaptiveAvgPool2d(s), new ConvModule(inChannels, channels, 1, { rng })])));
  }

  /** `x`: `[B, h, w, in]` → one `[B, h, w, channels]` map per pool scale. */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    const size: [number, number] = [x.shape[1], x.shape[2]];
    return tf.tidy(() => [...this].map((branch) => interpolate(branch.forward(x), size)));
  }
}

const { inputTransform: _transform, inIndex: _index, ...shape } = decodeHeadShape;

/** Config of {@link UPerHead}: the decode-head fields plus `poolScales`; unknown keys are rejected. */
export const UPerHeadConfigSchema = z
  .object({
    ...shape,
    inChannels: z.array(z.int().positive()).min(2),
    /** Levels to read, shallow to deep; default all of `inChannels`' levels in order (mmseg's `[0, 1, 2, 3]`). */
    inIndex: z.array(z.int()).min(2).optional(),
    poolScales: z.array(z.int().positive()).min(1).default([1, 2, 3, 6]),
  })
  .strict()
  .transform((c) => ({ ...c, inIndex: c.inIndex ?? c.inChannels.map((_, i) => i), inputTransform: 'multiple_select' as const }))
  .superRefine((c, ctx) => checkDecodeHead(c, ctx));

export type UPerHeadConfigInput = z.input<typeof UPerHeadConfigSchema>;
export type UPerHeadConfig = z.output<typeof UPerHeadConfigSchema>;

/**
 * UperNet's head (Xiao et al., "Unified Perceptual Parsing", 2018) as mmseg's `UPerHead`: a PPM on
 * the deepest level (`psp_modules` + 3×3 `bottleneck`) tops an FPN — 1×1 `lateral_convs` on the
 * other levels, a top-down pathway of bilinear upsample-and-add, 3×3 `fpn_convs` — and every
 * level is upsampled to the finest one, concatenated and fused by the 3×3 `fpn_bottleneck`
 * before `conv_seg`. Logits come out at the resolution of the first input.
 */
export class UPerHead extends DecodeHead {
  declare readonly config: UPerHeadConfig;
  readonly psp: PPM;
  readonly bottleneck: ConvModule;
  readonly lateralConvs: ModuleList<ConvModule>;
  readonly fpnConvs: ModuleList<ConvModule>;
  readonly fpnBottleneck: ConvModule;

  constructor(config: UPerHeadConfigInput, { rng = defaultRng() }: HeadOptions = {}) {
    const c = parseConfig(UPerHeadConfigSchema, config, 'UPerHead config');
    super(c, rng);
    const { inChannels, channels, poolScales } = c;
    const top = inChannels.at(-1)!;
    this.psp = this.addModule('psp_modules', new PPM(poolScales, top, channels, rng));
    this.bottleneck = this.addModule('bottleneck', new ConvModule(top + poolScales.length * channels, channels, 3, { padding: 1, rng }));
    this.lateralConvs = this.addModule('lateral_convs', new ModuleList(inChannels.slice(0, -1).map((cin) => new ConvModule(cin, channels, 1, { rng }))));
    this.fpnConvs = this.addModule('fpn_convs', new ModuleList(inChannels.slice(0, -1).map(() => new ConvModule(channels, channels, 3, { padding: 1, rng }))));
    this.fpnBottleneck = this.addModule('fpn_bottleneck', new ConvModule(inChannels.length * channels, channels, 3, { padding: 1, rng }));
  }

  forward(features: readonly tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => {
      const inputs = this.transformInputs(features);
      const top = inputs.at(-1)!;
      const laterals = [...this.lateralConvs].map((conv, i) => conv.forward(inputs[i]!));
      laterals.push(this.bottleneck.forward(tf.concat([top, ...this.psp.forward(top)], 3))); // [B, h, w, in + scales·channels]
      const n = laterals.length;
      for (let i = n - 1; i > 0; i--) {
        const prev = laterals[i - 1]!;
        laterals[i - 1] = tf.add(prev, interpolate(laterals[i]!, [prev.shape[1], prev.shape[2]]));
      }
      const outs = laterals.map((l, i) => (i < n - 1 ? this.fpnConvs.at(i).forward(l) : l));
      const size: [number, number] = [outs[0]!.shape[1], outs[0]!.shape[2]];
      const fused = this.fpnBottleneck.forward(tf.concat(outs.map((o, i) => (i === 0 ? o : interpolate(o, size))), 3)); // [B, h0, w0, n·channels] → channels
      return this.clsSeg(fused);
    });
  }
}
