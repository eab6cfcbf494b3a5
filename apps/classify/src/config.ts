import { parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

/** What the trainer does: train `model` from scratch, or probe / fine-tune an MAE-pretrained encoder. */
export const MODES = ['scratch', 'linprobe', 'finetune'] as const;
export type Mode = (typeof MODES)[number];

/**
 * Defaults that depend on the mode, from MAE's `main_linprobe.py` / `main_finetune.py` where they
 * carry over (no weight decay for the probe; fine-tuning with average pooling, drop path 0.1,
 * label smoothing 0.1, weight decay 0.05) and learning rates tuned for AdamW at these batch sizes.
 */
export const MODE_DEFAULTS = {
  scratch: { lr: 1e-2, weightDecay: 0.05, globalPool: undefined, dropPath: 0, labelSmoothing: 0 },
  linprobe: { lr: 1e-3, weightDecay: 0, globalPool: 'token', dropPath: 0, labelSmoothing: 0 },
  finetune: { lr: 2e-3, weightDecay: 0.05, globalPool: 'avg', dropPath: 0.1, labelSmoothing: 0.1 },
} as const satisfies Record<Mode, { lr: number; weightDecay: number; globalPool: 'token' | 'avg' | undefined; dropPath: number; labelSmoothing: number }>;

const OPTIONS = {
  mode: z.enum(MODES).default('scratch'),
  /** Scratch mode: `small-cnn`, or a preset of an installed model package. (The other modes take the architecture from `init`.) */
  model: z.string().default('small-cnn'),
  /**
   * linprobe / finetune: an apps/mae-pretrain checkpoint (a `.safetensors` file, its `checkpoints/`
   * folder or the run folder; the latest checkpoint is used), or `random:<mae preset>` for the
   * same encoder untrained — exactly the weights MAE pre-training starts from with this seed.
   */
  init: z.string().min(1).optional(),
  /** Encoder features the head reads: the class token after the final norm, or the mean patch token then `fc_norm` (MAE's `--global_pool`). */
  globalPool: z.enum(['token', 'avg']).optional(),
  /** finetune: layer-wise learning-rate decay (BEiT/MAE `--layer_decay`); block i of depth L learns at lr · decay^(L − i). */
  layerDecay: z.number().gt(0).max(1).default(0.75),
  /** Stochastic depth rate of the last ViT block (ViT models). */
  dropPath: z.number().min(0).lt(1).optional(),
  labelSmoothing: z.number().min(0).lt(1).optional(),
  /** `bundled` = the 2,000/500 Fashion-MNIST subset inside @patchwork/datasets; `debian` = the full 60k/10k set; or a folder with the IDX files. */
  data: z.string().default('bundled'),
  trainLimit: z.number().int().positive().optional(),
  testLimit: z.number().int().positive().optional(),
  steps: z.number().int().positive().default(300),
  batchSize: z.number().int().positive().default(64),
  lr: z.number().positive().optional(),
  minLr: z.number().nonnegative().default(1e-5),
  weightDecay: z.number().nonnegative().optional(),
  warmup: z.number().int().nonnegative().default(20),
  clipNorm: z.number().positive().optional(),
  /** Random horizontal flips during training (linprobe: each image's flipped features are encoded too). */
  flip: z.boolean().default(true),
  /** Random translations by up to this many pixels during training (scratch / finetune; 0 = off). */
  shift: z.number().int().min(0).max(8).default(0),
  seed: z.number().int().default(0),
  evalEvery: z.number().int().nonnegative().default(0),
  checkpointEvery: z.number().int().nonnegative().default(100),
  runDir: z.string().default('runs/classify'),
  resume: z.boolean().default(true),
};

/** Trainer config; the scratch defaults run on a 2-core CPU in about a minute. Mode-dependent defaults come from {@link MODE_DEFAULTS}. */
export const ClassifyConfigSchema = z
  .strictObject(OPTIONS)
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.mode === 'scratch') {
      if (c.init !== undefined) issue('init', "init is for --mode linprobe or finetune; scratch mode trains --model from random weights");
      if (c.globalPool !== undefined) issue('globalPool', 'globalPool is for --mode linprobe or finetune');
    } else if (c.init === undefined) {
      issue('init', `--mode ${c.mode} needs --init <mae-pretrain checkpoint> (or random:<mae preset> for an untrained baseline)`);
    }
    if (c.mode === 'linprobe' && c.shift > 0) issue('shift', 'the linear probe encodes every image once, so random shifts do not apply (flips do)');
    if (c.mode === 'linprobe' && c.dropPath !== undefined && c.dropPath > 0) issue('dropPath', 'the linear probe freezes the encoder, so drop path does not apply');
    if (c.warmup >= c.steps) issue('warmup', `warmup (${c.warmup}) must be shorter than steps (${c.steps})`);
  })
  .transform((c) => {
    const d = MODE_DEFAULTS[c.mode];
    return {
      ...c,
      lr: c.lr ?? d.lr,
      weightDecay: c.weightDecay ?? d.weightDecay,
      globalPool: c.globalPool ?? d.globalPool,
      dropPath: c.dropPath ?? d.dropPath,
      labelSmoothing: c.labelSmoothing ?? d.labelSmoothing,
    };
  });

export type ClassifyConfig = z.output<typeof ClassifyConfigSchema>;

/** Validate a config; unknown keys and bad values fail with every problem listed. */
export function parseClassifyConfig(input: unknown): ClassifyConfig {
  return parseConfig(ClassifyConfigSchema, input, 'classify config');
}

// Shared trainer command-line parsing.
export { argsToConfig } from '@patchwork/train';
