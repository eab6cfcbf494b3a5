import { parseArgs } from 'node:util';
import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

/** The trainer's options (camelCase here, `--kebab-case` on the command line). */
const OPTIONS = {
  /** A `@patchwork/mae` preset whose image size and channels match the data. */
  preset: z.string().default('mae_vit_micro_patch4_28'),
  /** `bundled` = the 2,000/500 Fashion-MNIST subset inside @patchwork/datasets; `debian` = the full 60k/10k set; or a folder with the IDX files. */
  data: z.string().default('bundled'),
  trainLimit: z.number().int().positive().optional(),
  testLimit: z.number().int().positive().optional(),
  steps: z.number().int().positive().default(150),
  batchSize: z.number().int().positive().default(64),
  /** Peak learning rate (absolute: MAE's blr·batch/256 rule is tuned for 800-epoch runs). */
  lr: z.number().positive().default(2e-3),
  minLr: z.number().nonnegative().default(0),
  warmup: z.number().int().nonnegative().default(40),
  weightDecay: z.number().nonnegative().default(0.05),
  maskRatio: z.number().min(0).lt(1).default(0.75),
  /** Per-patch normalised targets (the released MAE models' setting). */
  normPixLoss: z.boolean().default(true),
  seed: z.number().int().default(0),
  evalEvery: z.number().int().nonnegative().default(100),
  /** Images of each split the before/after ridge probes use (the first N; default all): encoding all 70k twice costs minutes. */
  probeImages: z.number().int().positive().optional(),
  checkpointEvery: z.number().int().nonnegative().default(100),
  runDir: z.string().default('runs/mae-pretrain'),
  resume: z.boolean().default(true),
};

/** Trainer config; every default runs on a 2-core CPU in a few minutes. */
export const MaePretrainConfigSchema = z.strictObject(OPTIONS).superRefine((c, ctx) => {
  if (c.warmup >= c.steps) ctx.addIssue({ code: 'custom', path: ['warmup'], message: `warmup (${c.warmup}) must be shorter than steps (${c.steps})` });
});

export type MaePretrainConfig = z.output<typeof MaePretrainConfigSchema>;

/** Validate a config; unknown keys and bad values fail with every problem listed. */
export function parseMaePretrainConfig(input: unknown): MaePretrainConfig {
  return parseConfig(MaePretrainConfigSchema, input, 'mae-pretrain config');
}

const BOOLEAN_FLAGS: Readonly<Record<string, keyof typeof OPTIONS>> = { 'norm-pix-loss': 'normPixLoss', resume: 'resume' };

/**
 * Command-line flags (`--batch-size 32`, `--mask-ratio=0.6`, `--no-resume`, `--no-norm-pix-loss`)
 * → a raw config object; numbers are parsed here, validation happens in {@link parseMaePretrainConfig}.
 * Unknown flags throw, naming the flag.
 */
export function argsToConfig(argv: string[]): Record<string, unknown> {
  const booleans = new Set<string>(Object.values(BOOLEAN_FLAGS));
  const valued = Object.keys(OPTIONS).filter((k) => !booleans.has(k));
  const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const k of valued) options[kebab(k)] = { type: 'string' };
  for (const flag of Object.keys(BOOLEAN_FLAGS)) {
    options[flag] = { type: 'boolean' };
    options[`no-${flag}`] = { type: 'boolean' };
  }
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const out: Record<string, unknown> = {};
  for (const k of valued) {
    const v = values[kebab(k)];
    if (typeof v === 'string') out[k] = v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  }
  for (const [flag, key] of Object.entries(BOOLEAN_FLAGS)) {
    if (values[flag] === true) out[key] = true;
    if (values[`no-${flag}`] === true) out[key] = false;
  }
  return out;
}
