import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

/** Where Debian's python3-skimage keeps its sample photos (read at run time, never copied). */
export const SKIMAGE_DATA_DIR = '/usr/lib/python3/dist-packages/skimage/data';

/**
 * Trainer config. Every default runs on a 2-core CPU in a few minutes: a 1.4 M-parameter FlowMo
 * on 32×32 photo crops, 300 Stage 1A steps, 30 Stage 1B steps, evaluation on 128 held-out crops.
 */
export const FlowmoTrainConfigSchema = z
  .object({
    /** A `FLOWMO_PRESETS` name; its `imageSize` sets the crop size. */
    preset: z.string().default('flowmo_small_img32'),
    /** `photos`: random crops of the public-domain/CC0 photos of python3-skimage; `fashion`: Fashion-MNIST upsampled to the preset size. */
    data: z.enum(['photos', 'fashion']).default('photos'),
    photoDir: z.string().default(SKIMAGE_DATA_DIR),
    batchSize: z.number().int().positive().default(16),
    stage1aSteps: z.number().int().nonnegative().default(300),
    stage1bSteps: z.number().int().nonnegative().default(30),
    /** Stage 1A learning rate (official 1e-4 at batch 128 for ~1M steps; a short small run needs more: see the README). */
    lr: z.number().positive().default(3e-3),
    /** Stage 1B learning rate (official 5e-5). */
    lr1b: z.number().positive().default(1e-4),
    /** Perceptual weight on the one-step prediction in 1A (official 0.1). */
    perceptualWeight: z.number().min(0).default(0.1),
    /**
     * The 1B sample loss on the stand-in network: `mse` of its deepest feature maps (the official
     * "MSE of network outputs" form) or the channel-normalised `lpips` distance of 1A.
     */
    sampleLoss: z.enum(['mse', 'lpips']).default('mse'),
    /** λ_sample in 1B (official 0.01). */
    sampleWeight: z.number().min(0).default(0.01),
    /** Steps of the differentiated 1B sampling chain (official 8). */
    sampleSteps: z.number().int().positive().default(4),
    emaDecay: z.number().min(0).max(1).default(0.999),
    /** Evaluation crops (held-out photo, or the Fashion-MNIST test split). */
    evalImages: z.number().int().positive().default(128),
    /** Sampler for evaluation: official 25 steps, ρ = 4, CFG 1.5 in the (0.17, 1.02) EDM interval. */
    evalSteps: z.number().int().positive().default(25),
    rho: z.number().positive().default(4),
    cfg: z.number().min(0).default(1.5),
    seed: z.number().int().default(0),
    /** wasm threads (see the README: one is faster for models this small). */
    threads: z.number().int().positive().default(1),
    checkpointEvery: z.number().int().nonnegative().default(100),
    runDir: z.string().default('runs/flowmo'),
    resume: z.boolean().default(true),
  })
  .strict();

export type FlowmoTrainConfig = z.output<typeof FlowmoTrainConfigSchema>;

/** Validate a config; unknown keys and bad values fail with every problem listed. */
export function parseFlowmoTrainConfig(input: unknown): FlowmoTrainConfig {
  return parseConfig(FlowmoTrainConfigSchema, input, 'flowmo-train config');
}

/** A list flag: `--sweep-steps 4,8,25` parses to an array, `--sweep-steps 8` to a number. */
const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (typeof v === 'number' ? [v] : v), z.array(item).min(1));

/**
 * `sampler-sweep`: the trainer's data, model and sampler settings, plus the grid of sampling step
 * counts × timestep shifts ρ to evaluate the run's latest EMA weights on (ρ = 1 is the linear schedule).
 */
export const SamplerSweepConfigSchema = FlowmoTrainConfigSchema.extend({
  sweepSteps: list(z.number().int().positive()).default([4, 8, 25]),
  sweepRhos: list(z.number().positive()).default([1, 4]),
});

export type SamplerSweepConfig = z.output<typeof SamplerSweepConfigSchema>;

/** Validate a sampler-sweep config; unknown keys and bad values fail with every problem listed. */
export function parseSamplerSweepConfig(input: unknown): SamplerSweepConfig {
  return parseConfig(SamplerSweepConfigSchema, input, 'flowmo-train sampler-sweep config');
}

// Shared trainer command-line parsing.
export { argsToConfig } from '@patchwork/train';
