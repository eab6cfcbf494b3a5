import { PatchworkError, Rng, StateDictError, tf } from '@patchwork/tensor-core';
import type { RngState } from '@patchwork/tensor-core';
import { Adam, AdamW, ModelEma, clipGradNorm } from '@patchwork/layers';
import type { GradMap, Optimizer, OptimizerStateDict } from '@patchwork/layers';
import { z } from 'zod';
import type { FlowmoTokenizer } from '../tokenizer.js';
import { ForcedWeightNorm } from './weight-norm.js';

const beta = z.number().min(0).lt(1);

/** Settings every FlowMo training stage shares (official `opt.*` / `model.*` names in camelCase). */
export const commonTrainingSchema = {
  betas: z.tuple([beta, beta]).default([0.9, 0.95]),
  /** 0 = Adam (the official MuAdam reduces to Adam: its base shapes are the model's own); > 0 = AdamW. */
  weightDecay: z.number().min(0).default(0),
  /** Drop the decoder's code (presence flag included) for a sample with this probability (CFG training). */
  cfgDropout: z.number().min(0).max(1).default(0.1),
  /** EMA of the weights, updated every step; the official evaluation uses the EMA weights. */
  emaDecay: z.number().min(0).max(1).default(0.9999),
  /** timm-style EMA warm-up `1 − (1 + step)^(−2/3)`, useful for short runs. */
  emaWarmup: z.boolean().default(false),
  /** Forced weight normalisation of the block matrices after every step (`fix_initial_norms`). */
  fixInitialNorms: z.boolean().default(true),
  fixNormMode: z.enum(['l2', 'channel']).default('l2'),
  /** Clip the global gradient 2-norm; null = no clipping (official). */
  clipNorm: z.number().positive().nullable().default(null),
  /** Seed of the per-step noise, timesteps and dropout draws (saved with the trainer state). */
  seed: z.number().int().default(0),
};

/** The JSON part of a trainer's state (the tensors are returned separately). */
export interface TrainerMeta {
  stage: '1a' | '1b';
  step: number;
  rng: RngState;
  optimizer: OptimizerStateDict['meta'];
}

/** A trainer checkpoint: optimizer slots and EMA weights (PyTorch names), plus JSON meta. */
export interface TrainerState {
  optimizer: Record<string, tf.Tensor>;
  ema: Record<string, tf.Tensor>;
  meta: TrainerMeta;
}

/** Per-step loss values (plain numbers), for logging. */
export type StepLosses = Record<string, number>;

/**
 * What Stage 1A and 1B trainers share: the Adam(W) optimizer over the parameters a stage trains,
 * forced weight normalisation, the EMA, the seeded per-step generator, the step counter, and
 * saving/restoring all of it. Subclasses implement {@link trainStep}.
 */
export abstract class FlowmoTrainerBase {
  readonly optimizer: Optimizer;
  readonly ema: ModelEma;
  readonly weightNorm: ForcedWeightNorm | null;
  readonly rng: Rng;
  /** Optimizer steps taken (restored from a checkpoint on resume). */
  step = 0;

  protected constructor(
    readonly model: FlowmoTokenizer,
    readonly stage: '1a' | '1b',
    protected readonly common: z.output<z.ZodObject<typeof commonTrainingSchema>>,
    lr: number,
    /** Parameter name prefixes this stage trains (`encoder.`, `decoder.`). */
    trained: readonly string[],
  ) {
    const named = model.namedParameters().filter(([n]) => trained.some((p) => n.startsWith(p)));
    const group = { names: named.map(([n]) => n), variables: named.map(([, p]) => p.variable), layouts: named.map(([, p]) => p.layout) };
    const opts = { lr, betas: common.betas, weightDecay: common.weightDecay };
    this.optimizer = common.weightDecay > 0 ? new AdamW([group], opts) : new Adam([group], opts);
    this.ema = new ModelEma(model, { decay: common.emaDecay, warmup: common.emaWarmup });
    this.weightNorm = common.fixInitialNorms ? new ForcedWeightNorm(model, common.fixNormMode) : null;
    this.rng = new Rng(common.seed);
  }

  /** One optimizer step on a batch `[B, H, W, 3]` in [−1, 1]; returns the loss terms. */
  abstract trainStep(images: tf.Tensor4D): StepLosses;

  /** Per-sample CFG keep mask `[B]`: 0 with probability `cfgDropout` (official `rand(b) > 0.1`). */
  protected presenceMask(b: number, p = this.common.cfgDropout): tf.Tensor1D {
    return tf.tensor1d(Array.from(this.rng.uniformArray(b), (u) => (u > p ? 1 : 0)));
  }

  /** Clip (if configured), step the optimizer, then {@link afterStep}. Disposes nothing of `grads`. */
  protected applyGradients(grads: GradMap): void {
    if (this.common.clipNorm !== null) {
      const { grads: clipped } = clipGradNorm(grads, this.common.clipNorm);
      try {
        this.optimizer.step(clipped);
      } finally {
        disposeGrads(clipped);
      }
    } else {
      this.optimizer.step(grads);
    }
    this.afterStep();
  }

  /** After an optimizer step: renormalise the block weights, count the step, update the EMA. */
  protected afterStep(): void {
    this.weightNorm?.apply();
    this.step += 1;
    this.ema.update(this.model, this.step);
  }

  /** Optimizer state, EMA weights and meta for a checkpoint. New tensors; the caller disposes them. */
  stateDict(): TrainerState {
    const opt = this.optimizer.stateDict();
    return { optimizer: opt.tensors, ema: this.ema.stateDict(), meta: { stage: this.stage, step: this.step, rng: this.rng.getState(), optimizer: opt.meta } };
  }

  /** Restore {@link stateDict}; a state of the other stage is refused. Inputs are not disposed. */
  loadStateDict(state: { optimizer: Record<string, tf.Tensor>; ema: Record<string, tf.Tensor>; meta: unknown }): void {
    const meta = state.meta as Partial<TrainerMeta> | null;
    if (meta === null || typeof meta !== 'object' || meta.stage !== this.stage || !Number.isInteger(meta.step) || !Array.isArray(meta.rng)) {
      throw new StateDictError(`not a Stage ${this.stage.toUpperCase()} trainer state (meta ${JSON.stringify(meta)?.slice(0, 200)})`);
    }
    this.optimizer.loadStateDict({ tensors: state.optimizer, meta: meta.optimizer });
    this.ema.loadStateDict(state.ema);
    this.rng.setState(meta.rng as RngState);
    this.step = meta.step!;
  }

  /** Free optimizer state, EMA weights and remembered norms (the model stays). */
  dispose(): void {
    this.optimizer.dispose();
    this.ema.dispose();
    this.weightNorm?.dispose();
  }
}

/** Throw unless a batch is a non-empty image batch the model accepts (shape and [−1, 1] range). */
export function checkBatch(model: FlowmoTokenizer, images: tf.Tensor, where: string): void {
  model.checkImages(images, where);
  if (images.shape[0] === 0) throw new PatchworkError('E_ARGUMENT', `${where}: empty batch`);
}

/** Free every gradient tensor of a {@link GradMap}. */
export function disposeGrads(grads: GradMap): void {
  const values = grads instanceof Map ? [...grads.values()] : Object.values(grads);
  tf.dispose(values.filter((g): g is tf.Tensor => g !== null && g !== undefined));
}
