import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const powerOfTwo = (min: number) =>
  positiveInt.refine((v) => v >= min && (v & (v - 1)) === 0, { message: `must be a power of two ≥ ${min}` });

const mappingSchema = z
  .object({
    /** FC layers in the mapping network. */
    numLayers: positiveInt.default(8),
    /** Learning-rate multiplier of the mapping layers. */
    lrMultiplier: z.number().positive().default(0.01),
    /** Decay of the tracked mean w used by truncation. */
    wAvgBeta: z.number().min(0).max(1).default(0.995),
  })
  .strict();

const firstStageSchema = z
  .object({
    /** Channels of the conv head, the transformer body and the reconstruction tail (paper: 180). */
    dim: positiveInt.default(180),
    /** Side of the token grid the head produces at the native resolution (official: fixed 64). */
    tokenResolution: powerOfTwo(4).default(64),
    /** Blocks per transformer stage, at grid scales ×1, ×½, ×¼, ×½, ×1. */
    depths: z.array(positiveInt).length(5).default([2, 3, 4, 3, 2]),
    /** Attention window per stage (clamped to the stage's native grid, which then also disables the shift). */
    windowSizes: z.array(positiveInt).length(5).default([8, 16, 16, 16, 8]),
    numHeads: positiveInt.default(6),
    mlpRatio: z.number().positive().default(2),
  })
  .strict();

const discriminatorSchema = z
  .object({
    /** Minibatch-stddev group size (min(group, batch) is used; the batch must be divisible by it). */
    mbstdGroupSize: positiveInt.default(4),
    /** Minibatch-stddev feature channels; 0 disables the layer. */
    mbstdNumChannels: z.number().int().min(0).default(1),
  })
  .strict();

/**
 * MAT configuration. The defaults are the official 512×512 model (`Generator(z_dim=512,
 * w_dim=512, img_resolution=512)` + `Discriminator`), whose only hard-coded sizes are exposed here
 * so that small models can be trained: the first-stage width, token grid, depths, windows and
 * heads, and the second-stage / discriminator channel map `nf(res) = min(channelBase/res, channelMax)`
 * (32768 and 512 reproduce the official `nf` table 512→64, 256→128, 128→256, ≤64→512).
 */
export const MatConfigSchema = z
  .object({
    /** Native (training) image size; a power of two ≥ 16. */
    imgResolution: powerOfTwo(16).default(512),
    imgChannels: positiveInt.default(3),
    zDim: positiveInt.default(512),
    wDim: positiveInt.default(512),
    mapping: mappingSchema.prefault({}),
    firstStage: firstStageSchema.prefault({}),
    channelBase: positiveInt.default(32768),
    channelMax: positiveInt.default(512),
    /** Per-pixel noise inputs in the second-stage decoder (the first stage never has them). */
    useNoise: z.boolean().default(true),
    demodulate: z.boolean().default(true),
    discriminator: discriminatorSchema.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const fs = c.firstStage;
    if (c.imgResolution < 2 * fs.tokenResolution) {
      ctx.addIssue({ code: 'custom', path: ['firstStage', 'tokenResolution'], message: `must be at most imgResolution/2 = ${c.imgResolution / 2} (the head downsamples at least once)` });
    }
    if (fs.dim % fs.numHeads !== 0) ctx.addIssue({ code: 'custom', path: ['firstStage', 'numHeads'], message: `dim ${fs.dim} is not divisible by ${fs.numHeads} heads` });
  });

/** A validated MAT configuration (every field filled in). */
export type MatConfig = z.output<typeof MatConfigSchema>;
/** What {@link parseMatConfig} accepts: any subset of the fields; the rest take the official defaults. */
export type MatConfigInput = z.input<typeof MatConfigSchema>;

/** Validate a config; unknown keys and bad values throw a ConfigError listing every problem. */
export function parseMatConfig(input: unknown = {}): MatConfig {
  return parseConfig(MatConfigSchema, input, 'MAT config');
}

/** Channels at a resolution in the second stage and the discriminators: `min(channelBase/res, channelMax)`, at least 1. */
export function channelsAt(config: MatConfig, res: number): number {
  return Math.max(1, Math.min(Math.floor(config.channelBase / res), config.channelMax));
}

/** Number of w vectors the generator consumes: `2·log2(res) − 6` (12 at 512). */
export function numWs(config: MatConfig): number {
  return 2 * Math.log2(config.imgResolution) - 6;
}

/** The five stage grids at the native resolution and their effective windows (clamped like the official blocks). */
export function stageLayout(config: MatConfig): { grid: number; window: number }[] {
  const t = config.firstStage.tokenResolution;
  const grids = [t, t / 2, t / 4, t / 2, t];
  return grids.map((grid, i) => ({ grid, window: Math.min(grid, config.firstStage.windowSizes[i]!) }));
}

/**
 * Image sides the generator accepts are multiples of this: every stage's token grid must tile
 * into its windows, the head and the second-stage encoder must halve evenly. 512 for the official
 * model (its README: "multiples of 512"). {@link inpaint} pads to it.
 */
export function sizeMultiple(config: MatConfig): number {
  const down = config.imgResolution / config.firstStage.tokenResolution;
  const scales = [1, 2, 4, 2, 1];
  const tokens = stageLayout(config).reduce((m, s, i) => lcm(m, s.window * scales[i]!), 1);
  return lcm(down * tokens, Math.max(1, config.imgResolution / 16));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
