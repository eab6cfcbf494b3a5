import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();
/** An int or an `[h, w]` pair, as timm's `img_size` / `patch_size`. */
const size = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);
const rate = z.number().min(0).lt(1);

/**
 * Configuration of a {@link VisionTransformer}. Field names are timm's constructor arguments in
 * camelCase and every default is timm's (`timm.models.vision_transformer.VisionTransformer`), so a
 * config reads like the official one; {@link fromTimmConfig} converts official snake_case kwargs.
 * Unknown keys are rejected.
 */
export const VitConfigSchema = z
  .strictObject({
    /** Training image size; with `dynamicImgSize: false` inputs must be exactly this size. */
    imgSize: size.default(224),
    patchSize: size.default(16),
    inChans: positiveInt.default(3),
    /** 0 = no head (`forwardHead` returns the pooled features). */
    numClasses: z.number().int().min(0).default(1000),
    /** `token`: class token; `avg`/`max`/`avgmax`: over patch tokens; `''`: no pooling. */
    globalPool: z.enum(['token', 'avg', 'max', 'avgmax', '']).default('token'),
    embedDim: positiveInt.default(768),
    depth: z.number().int().min(0).default(12),
    numHeads: positiveInt.default(12),
    mlpRatio: z.number().positive().default(4),
    qkvBias: z.boolean().default(true),
    qkNorm: z.boolean().default(false),
    projBias: z.boolean().default(true),
    /** LayerScale init (`ls1.gamma`, `ls2.gamma`); `null` = no LayerScale. */
    initValues: z.number().positive().nullable().default(null),
    classToken: z.boolean().default(true),
    /** Register tokens, placed after the class token. */
    regTokens: z.number().int().min(0).default(0),
    /** `learn`: learned absolute position embedding; `none`: no position embedding. */
    posEmbed: z.enum(['learn', 'none']).default('learn'),
    /** The position embedding has no rows for the prefix (class/register) tokens (DeiT-3, big_vision). */
    noEmbedClass: z.boolean().default(false),
    /** LayerNorm before the blocks (`norm_pre`, CLIP); also drops the patch-embedding bias, as timm does. */
    preNorm: z.boolean().default(false),
    finalNorm: z.boolean().default(true),
    /** Norm after pooling (`fc_norm`) instead of before; `null` = on for avg/max pooling, as timm. */
    fcNorm: z.boolean().nullable().default(null),
    /** Average/max pooling includes the prefix tokens. */
    poolIncludePrefix: z.boolean().default(false),
    /** Accept any input size (a multiple of the patch): position embeddings are resampled per call. */
    dynamicImgSize: z.boolean().default(false),
    /** Head dropout. */
    dropRate: rate.default(0),
    posDropRate: rate.default(0),
    projDropRate: rate.default(0),
    attnDropRate: rate.default(0),
    /** Stochastic depth, linearly increasing from 0 to this over the blocks. */
    dropPathRate: rate.default(0),
    /** LayerNorm epsilon (timm ViT: 1e-6). */
    normEps: z.number().positive().default(1e-6),
  })
  .superRefine((c, ctx) => {
    if (c.embedDim % c.numHeads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['numHeads'], message: `embedDim (${c.embedDim}) must be divisible by numHeads (${c.numHeads})` });
    }
    if (c.globalPool === 'token' && !c.classToken) {
      ctx.addIssue({ code: 'custom', path: ['globalPool'], message: "globalPool 'token' needs classToken: true" });
    }
    const [ih, iw] = toPair(c.imgSize);
    const [ph, pw] = toPair(c.patchSize);
    if (ih < ph || iw < pw) {
      ctx.addIssue({ code: 'custom', path: ['imgSize'], message: `imgSize [${ih}, ${iw}] is smaller than patchSize [${ph}, ${pw}]` });
    }
  });

/** A complete, validated ViT config (every default filled in). */
export type VitConfig = z.output<typeof VitConfigSchema>;
/** What {@link VisionTransformer}'s constructor accepts: any subset of {@link VitConfig}. */
export type VitConfigInput = z.input<typeof VitConfigSchema>;

/** Validate a config and fill in the defaults; throws a `ConfigError` listing every problem. */
export function parseVitConfig(input: unknown): VitConfig {
  return parseConfig(VitConfigSchema, input ?? {}, 'ViT config');
}

/** `n` or `[h, w]` → `[h, w]`. */
export function toPair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Patch-grid size `[H/p, W/p]` (floored, as the strided patch convolution does). */
export function gridSizeOf(imgSize: number | readonly [number, number], patchSize: number | readonly [number, number]): [number, number] {
  const [ih, iw] = toPair(imgSize);
  const [ph, pw] = toPair(patchSize);
  return [Math.floor(ih / ph), Math.floor(iw / pw)];
}
