import { parseConfig, tf } from '@patchwork/tensor-core';
import { trainStep } from '@patchwork/layers';
import { z } from 'zod';
import type { LfqLosses } from '../quantize/lfq.js';
import { denoisedPrediction, flowMatchingLoss, noisedImages, sampleTimesteps } from '../rectified-flow.js';
import type { FlowmoTokenizer } from '../tokenizer.js';
import type { PerceptualLoss } from './perceptual.js';
import { FlowmoTrainerBase, checkBatch, commonTrainingSchema } from './trainer-base.js';
import type { StepLosses } from './trainer-base.js';

/** The random inputs of one {@link rfLoss} call (drawn by the trainer, or replayed). */
export interface RfLossInputs {
  /** Clean images `[B, H, W, 3]` in [−1, 1]. */
  images: tf.Tensor;
  /** Noise levels `[B]` (t = 1: pure noise). */
  t: tf.Tensor;
  /** Noise `[B, H, W, 3]`. */
  z1: tf.Tensor;
  /** CFG keep mask `[B]` (0 drops that sample's code); omitted = keep all. */
  present?: tf.Tensor;
}

/** Options for {@link rfLoss}. */
export interface RfLossOptions {
  /** Perceptual loss on the one-step denoised prediction; null/omitted = none. */
  perceptual?: PerceptualLoss | null;
  perceptualWeight?: number;
  /** Compute the quantizer (LFQ entropy + commitment) losses; default true. */
  quantizerLosses?: boolean;
}

/** The terms of {@link rfLoss}; scalars owned by the caller. */
export interface RfLossTerms {
  total: tf.Scalar;
  diffusion: tf.Scalar;
  quantizer: tf.Scalar;
  /** Weighted perceptual term, or null. */
  perceptual: tf.Scalar | null;
  breakdown: LfqLosses | null;
}

/**
 * The official `models.rf_loss` (Stage 1A): encode and quantise `x`, noise it to
 * `z_t = (1 − t)·x + t·z₁`, predict the velocity with the (possibly code-dropped) decoder, and sum
 * `mean((z₁ − v − x)²)`, the quantizer loss and `λ·perceptual(z_t − t·v, x)`. Differentiable in
 * every parameter. Caller disposes the terms.
 */
export function rfLoss(model: FlowmoTokenizer, inputs: RfLossInputs, { perceptual = null, perceptualWeight = 0.1, quantizerLosses = true }: RfLossOptions = {}): RfLossTerms {
  const { images: x, t, z1, present } = inputs;
  const out = tf.tidy(() => {
    const q = model.quantize(model.encodeLatent(x), { losses: quantizerLosses });
    const zt = noisedImages(x, z1, t);
    const v = model.velocity(zt, model.decoderCode(q.quantized, present), t);
    const diffusion = flowMatchingLoss(v, x, z1);
    const perc = perceptual === null || perceptualWeight === 0 ? null : tf.mul(perceptual(denoisedPrediction(zt, v, t), x as tf.Tensor4D), perceptualWeight);
    const total = tf.addN([diffusion, q.loss, ...(perc === null ? [] : [perc])]);
    const b = q.breakdown;
    return [total, diffusion, q.loss, perc ?? tf.zeros([0]), ...(b === null ? [] : [b.perSampleEntropy, b.codebookEntropy, b.entropyAuxLoss, b.commitment])] as tf.Tensor[];
  });
  const [total, diffusion, quantizer, perc, ...rest] = out as tf.Scalar[];
  // tf.tidy cannot return null: a missing perceptual term comes back as an empty placeholder.
  const hasPerc = perc!.rank === 0;
  if (!hasPerc) perc!.dispose();
  return {
    total: total!,
    diffusion: diffusion!,
    quantizer: quantizer!,
    perceptual: hasPerc ? perc! : null,
    breakdown: rest.length === 0 ? null : { perSampleEntropy: rest[0]!, codebookEntropy: rest[1]!, entropyAuxLoss: rest[2]!, commitment: rest[3]! },
  };
}

/** Stage 1A settings; defaults are the official ones (base.yaml). */
export const Stage1aOptionsSchema = z.strictObject({
  ...commonTrainingSchema,
  lr: z.number().positive().default(1e-4),
  /** Weight of the perceptual loss on the one-step prediction (official 0.1, with LPIPS-VGG). */
  perceptualWeight: z.number().min(0).default(0.1),
  /** Training noise levels (official thick-tailed logit-normal). */
  noiseSchedule: z.union([z.enum(['fat_lognormal', 'lognormal', 'uniform']), z.number().min(0).max(1)]).default('fat_lognormal'),
  /** Share of `fat_lognormal` draws replaced by U[0, 1]. */
  uniformFraction: z.number().min(0).max(1).default(0.1),
  /** Stop training the encoder from this step on (official 200,000); null = never. */
  freezeEncoderAfter: z.number().int().min(0).nullable().default(200_000),
});

/** Options of {@link Stage1aTrainer}: {@link Stage1aOptionsSchema} plus the perceptual network. */
export type Stage1aOptions = z.input<typeof Stage1aOptionsSchema> & {
  /** Perceptual loss on the one-step denoised prediction; null = none (then only flow + quantizer losses). */
  perceptual?: PerceptualLoss | null;
};

/**
 * Stage 1A, mode matching: encoder and decoder trained end to end on {@link rfLoss} with the
 * thick-tailed logit-normal noise levels, 10 % code dropout for CFG, Adam(0.9, 0.95), forced
 * weight normalisation, and an EMA of the weights. Per-step noise comes from the trainer's seeded
 * generator, whose state is part of {@link stateDict}.
 */
export class Stage1aTrainer extends FlowmoTrainerBase {
  readonly options: z.output<typeof Stage1aOptionsSchema>;
  readonly perceptual: PerceptualLoss | null;

  constructor(model: FlowmoTokenizer, options: Stage1aOptions = {}) {
    const { perceptual = null, ...rest } = options;
    const o = parseConfig(Stage1aOptionsSchema, rest, 'Stage 1A options');
    super(model, '1a', o, o.lr, ['encoder.', 'decoder.']);
    this.options = o;
    this.perceptual = perceptual;
  }

  /** Whether the encoder still trains at the current step. */
  get encoderTrains(): boolean {
    return this.options.freezeEncoderAfter === null || this.step < this.options.freezeEncoderAfter;
  }

  trainStep(images: tf.Tensor4D): StepLosses {
    checkBatch(this.model, images, 'Stage1aTrainer.trainStep');
    const { imageSize } = this.model.config;
    const b = images.shape[0];
    const t = tf.tensor1d(sampleTimesteps(b, this.rng, this.options.noiseSchedule, this.options.uniformFraction));
    const z1 = this.rng.normal([b, imageSize, imageSize, 3]);
    const present = this.presenceMask(b);
    const prefixes = this.encoderTrains ? ['encoder.', 'decoder.'] : ['decoder.'];
    const variables = this.model
      .namedParameters()
      .filter(([n]) => prefixes.some((p) => n.startsWith(p)))
      .map(([, p]) => p.variable);
    const losses: StepLosses = {};
    this.model.train();
    try {
      trainStep({
        variables,
        optimizer: this.optimizer,
        lossFn: () => {
          const terms = rfLoss(this.model, { images, t, z1, present }, { perceptual: this.perceptual, perceptualWeight: this.options.perceptualWeight });
          for (const [k, v] of Object.entries({ diffusion: terms.diffusion, quantizer: terms.quantizer, perceptual: terms.perceptual })) if (v !== null) losses[k] = v.dataSync()[0]!;
          if (terms.breakdown !== null) {
            losses['entropy'] = terms.breakdown.entropyAuxLoss.dataSync()[0]!;
            losses['commitment'] = terms.breakdown.commitment.dataSync()[0]!;
          }
          return terms.total;
        },
        ...(this.common.clipNorm === null ? {} : { clipNorm: this.common.clipNorm }),
      });
    } finally {
      tf.dispose([t, z1, present]);
    }
    this.afterStep();
    losses['loss'] = (losses['diffusion'] ?? 0) + (losses['quantizer'] ?? 0) + (losses['perceptual'] ?? 0);
    return losses;
  }
}
