import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * Configuration of a {@link MaskedAutoencoderViT}. Field names are the official
 * `models_mae.MaskedAutoencoderViT` arguments in camelCase; defaults are the official class
 * defaults (ViT-L/16 encoder, 512-wide 8-deep 16-head decoder) except `normEps`, which follows
 * the official factories (`partial(nn.LayerNorm, eps=1e-6)`). Images are square, as in the
 * official code. Unknown keys are rejected.
 */
export const MaeConfigSchema = z
  .strictObject({
    imgSize: positiveInt.default(224),
    patchSize: positiveInt.default(16),
    inChans: positiveInt.default(3),
    embedDim: positiveInt.default(1024),
    depth: z.number().int().min(0).default(24),
    numHeads: positiveInt.default(16),
    decoderEmbedDim: positiveInt.default(512),
    decoderDepth: z.number().int().min(0).default(8),
    decoderNumHeads: positiveInt.default(16),
    mlpRatio: z.number().positive().default(4),
    /** Loss target: each patch normalised by its own mean and (unbiased) variance. */
    normPixLoss: z.boolean().default(false),
    /** LayerNorm epsilon of every norm (official factories: 1e-6; the bare class: 1e-5). */
    normEps: z.number().positive().default(1e-6),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.imgSize % c.patchSize !== 0) issue('imgSize', `imgSize (${c.imgSize}) must be a multiple of patchSize (${c.patchSize})`);
    if (c.embedDim % c.numHeads !== 0) issue('numHeads', `embedDim (${c.embedDim}) must be divisible by numHeads (${c.numHeads})`);
    if (c.decoderEmbedDim % c.decoderNumHeads !== 0) {
      issue('decoderNumHeads', `decoderEmbedDim (${c.decoderEmbedDim}) must be divisible by decoderNumHeads (${c.decoderNumHeads})`);
    }
    // The fixed 2-D sin-cos tables split the width into four sin/cos quarters.
    if (c.embedDim % 4 !== 0) issue('embedDim', `embedDim (${c.embedDim}) must be a multiple of 4 for the 2-D sin-cos position embedding`);
    if (c.decoderEmbedDim % 4 !== 0) issue('decoderEmbedDim', `decoderEmbedDim (${c.decoderEmbedDim}) must be a multiple of 4 for the 2-D sin-cos position embedding`);
  });

/** A complete, validated MAE config. */
export type MaeConfig = z.output<typeof MaeConfigSchema>;
/** What {@link MaskedAutoencoderViT}'s constructor accepts: any subset of {@link MaeConfig}. */
export type MaeConfigInput = z.input<typeof MaeConfigSchema>;

/** Validate a config and fill in the defaults; throws a `ConfigError` listing every problem. */
export function parseMaeConfig(input: unknown): MaeConfig {
  return parseConfig(MaeConfigSchema, input ?? {}, 'MAE config');
}
