import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

/** Trainer config; every default runs on a 2-core CPU in about a minute. */
export const ClassifyConfigSchema = z
  .object({
    /** `small-cnn`, or a preset of an installed model package. */
    model: z.string().default('small-cnn'),
    /** `bundled` = the 2,000/500 Fashion-MNIST subset inside @patchwork/datasets; `debian` = the full 60k/10k set; or a folder with the IDX files. */
    data: z.string().default('bundled'),
    trainLimit: z.number().int().positive().optional(),
    testLimit: z.number().int().positive().optional(),
    steps: z.number().int().positive().default(300),
    batchSize: z.number().int().positive().default(64),
    lr: z.number().positive().default(1e-2),
    minLr: z.number().nonnegative().default(1e-5),
    weightDecay: z.number().nonnegative().default(0.05),
    warmup: z.number().int().nonnegative().default(20),
    clipNorm: z.number().positive().optional(),
    /** Random horizontal flips during training. */
    flip: z.boolean().default(true),
    seed: z.number().int().default(0),
    evalEvery: z.number().int().nonnegative().default(0),
    checkpointEvery: z.number().int().nonnegative().default(100),
    runDir: z.string().default('runs/classify'),
    resume: z.boolean().default(true),
  })
  .strict();

export type ClassifyConfig = z.output<typeof ClassifyConfigSchema>;

/** Validate a config; unknown keys and bad values fail with every problem listed. */
export function parseClassifyConfig(input: unknown): ClassifyConfig {
  return parseConfig(ClassifyConfigSchema, input, 'classify config');
}

// Shared trainer command-line parsing.
export { argsToConfig } from '@patchwork/train';
