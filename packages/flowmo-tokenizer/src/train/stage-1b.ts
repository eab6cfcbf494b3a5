import { PatchworkError, ShapeError, parseConfig, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { z } from 'zod';
import { flowMatchingLoss, noisedImages, sampleTimesteps } from '../rectified-flow.js';
import type { FlowmoTokenizer } from '../tokenizer.js';
import type { PerceptualLoss } from './perceptual.js';
import { FlowmoTrainerBase, checkBatch, commonTrainingSchema, disposeGrads } from './trainer-base.js';
import type { StepLosses } from './trainer-base.js';

/**
 * Random integration times for the post-training chain (the official `reconstruct_checkpoint`):
 * per sample, the cumulative sums of `k + 1` uniform draws, shifted to start at 0, scaled to end
 * at 1 and reversed — `k` steps from t = 1 down to t = 0 with random spacing, so the decoder does
 * not overfit one schedule. Returns `[B][k + 1]` times.
 */
export function randomChainTimesteps(batch: number, k: number, rng: Rng): number[][] {
  if (!Number.isInteger(k) || k < 1) throw new PatchworkError('E_ARGUMENT', `the sampling chain needs k ≥ 1 steps, got ${k}`);
  const u = rng.uniformArray(batch * (k + 1));
  return Array.from({ length: batch }, (_, row) => {
    const sums: number[] = [];
    let acc = 0;
    for (let i = 0; i <= k; i++) sums.push(Math.fround((acc = Math.fround(acc + u[row * (k + 1) + i]!))));
    const first = sums[0]!;
    const last = Math.fround(sums[k]! - first);
    return sums.map((s) => Math.fround(Math.fround(s - first) / last)).reverse();
  });
}

/** One Euler step `z − Δt·v(z, code, t)` with per-sample times `t_i`, `t_{i+1}` from `ts` `[B][k+1]`. */
function chainStep(model: FlowmoTokenizer, z: tf.Tensor, code: tf.Tensor, ts: readonly (readonly number[])[], i: number): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor1d(ts.map((row) => row[i]!));
    const dt = tf.tensor4d(
      ts.map((row) => row[i]! - row[i + 1]!),
      [ts.length, 1, 1, 1],
    );
    return tf.sub(z, tf.mul(dt, model.velocity(z, code, t)));
  });
}

function checkChain(noise: tf.Tensor, ts: readonly (readonly number[])[]): number {
  const k = (ts[0]?.length ?? 0) - 1;
  if (ts.length !== noise.shape[0] || k < 1 || ts.some((row) => row.length !== k + 1)) {
    throw new ShapeError(`sampling chain: need one row of k + 1 ≥ 2 times per sample (${noise.shape[0]} samples), got ${ts.length} rows`);
  }
  return k;
}

/**
 * Run the Euler chain `z ← z − Δt·v(z, code, t)` from `noise` over per-sample times `ts`
 * `[B][k + 1]` and return the (unclipped) sample. Differentiable end to end, so it keeps every
 * step's activations when run under a gradient tape; {@link sampleChainGradients} does the same
 * with memory for one step. Caller disposes.
 */
export function sampleChain(model: FlowmoTokenizer, code: tf.Tensor, noise: tf.Tensor, ts: readonly (readonly number[])[]): tf.Tensor4D {
  const k = checkChain(noise, ts);
  return tf.tidy(() => {
    let z: tf.Tensor = noise;
    for (let i = 0; i < k; i++) z = chainStep(model, z, code, ts, i);
    return z as tf.Tensor4D;
  });
}

/** What {@link sampleChainGradients} returns; the caller disposes `grads` and `sample`. */
export interface ChainGradients {
  /** `loss(sample)`. */
  loss: number;
  /** Gradients of the loss, keyed by variable name (only variables that received one). */
  grads: tf.NamedTensorMap;
  /** The chain's final z. */
  sample: tf.Tensor4D;
}

/**
 * Gradients of `loss(sampleChain(...))` with respect to `variables`, backpropagated through the
 * whole sampling chain with per-step checkpointing (the official `decode_checkpointed`): the
 * forward pass keeps only each step's input z; the backward pass recomputes one decoder step at
 * a time and takes the vector–Jacobian product with the incoming gradient, accumulating the
 * parameter gradients. Memory is one step's activations plus `k` images, whatever `k` is.
 * `code` and `noise` are not differentiated and not disposed.
 */
export function sampleChainGradients(
  model: FlowmoTokenizer,
  code: tf.Tensor,
  noise: tf.Tensor,
  ts: readonly (readonly number[])[],
  loss: (sample: tf.Tensor4D) => tf.Scalar,
  variables: readonly tf.Variable[],
): ChainGradients {
  const k = checkChain(noise, ts);
  const zs: tf.Tensor[] = [tf.clone(noise)];
  const grads: tf.NamedTensorMap = {};
  let upstream: tf.Tensor | null = null;
  try {
    for (let i = 0; i < k; i++) zs.push(chainStep(model, zs[i]!, code, ts, i));
    const sample = zs[k]! as tf.Tensor4D;
    const { value, grads: [g0] } = tf.valueAndGrads((s: tf.Tensor) => loss(s as tf.Tensor4D))([sample]);
    const lossValue = value.dataSync()[0]!;
    value.dispose();
    upstream = g0!;
    for (let i = k - 1; i >= 0; i--) {
      // The input of step 0 is the noise, whose gradient nobody needs.
      const zi = i > 0 ? tf.variable(zs[i]!, true) : null;
      const g: tf.Tensor = upstream!;
      const step = tf.variableGrads(() => tf.sum(tf.mul(g, chainStep(model, zi ?? zs[0]!, code, ts, i))) as tf.Scalar, [...(zi === null ? [] : [zi]), ...variables]);
      step.value.dispose();
      for (const v of variables) {
        const gv = step.grads[v.name];
        if (gv === undefined) continue;
        const old = grads[v.name];
        grads[v.name] = old === undefined ? gv : tf.add(old, gv);
        if (old !== undefined) tf.dispose([old, gv]);
      }
      upstream = zi === null ? null : step.grads[zi.name]!;
      g.dispose();
      zi?.dispose();
    }
    // Keep the sample for the caller; free the other checkpoints.
    tf.dispose(zs.slice(0, k));
    zs.length = 0;
    return { loss: lossValue, grads, sample };
  } catch (err) {
    tf.dispose([...zs, ...(upstream === null ? [] : [upstream])]);
    disposeGrads(grads);
    throw err;
  }
}

/** Stage 1B settings; defaults are the official post-training ones (README launch command). */
export const Stage1bOptionsSchema = z.strictObject({
  ...commonTrainingSchema,
  lr: z.number().positive().default(5e-5),
  /** Steps of the differentiated sampling chain (official `posttrain_sample_k` 8). */
  sampleSteps: z.number().int().positive().default(8),
  /** λ_sample: weight of the perceptual loss on the chain's sample (official 0.01). */
  sampleWeight: z.number().min(0).default(0.01),
  /** Also drop the code inside the chain with probability `cfgDropout` (official `posttrain_sample_enable_cfg`, off). */
  sampleCfgDropout: z.boolean().default(false),
  /** Noise levels of the flow loss that is kept alongside (official: as in Stage 1A). */
  noiseSchedule: z.union([z.enum(['fat_lognormal', 'lognormal', 'uniform']), z.number().min(0).max(1)]).default('fat_lognormal'),
  uniformFraction: z.number().min(0).max(1).default(0.1),
});

/** Options of {@link Stage1bTrainer}: {@link Stage1bOptionsSchema} plus the (required) perceptual network. */
export type Stage1bOptions = z.input<typeof Stage1bOptionsSchema> & {
  /** Perceptual loss on the n-step sample (official: MSE of ResNet-50 logits). */
  perceptual: PerceptualLoss;
};

/**
 * Stage 1B, mode seeking: the encoder is frozen; the decoder is trained on
 * `L_flow + λ_sample·perceptual(sample, x)`, where the sample comes from a `sampleSteps`-step
 * Euler chain with random times that is differentiated end to end with per-step
 * checkpointing ({@link sampleChainGradients}). A fresh optimizer and EMA start from the current
 * weights, as the official post-training run does after loading the Stage 1A checkpoint.
 */
export class Stage1bTrainer extends FlowmoTrainerBase {
  readonly options: z.output<typeof Stage1bOptionsSchema>;
  readonly perceptual: PerceptualLoss;
  private readonly decoderVariables: tf.Variable[];

  constructor(model: FlowmoTokenizer, options: Stage1bOptions) {
    const { perceptual, ...rest } = options;
    if (typeof perceptual !== 'function') throw new PatchworkError('E_ARGUMENT', 'Stage 1B needs a perceptual loss for the sample (options.perceptual)');
    const o = parseConfig(Stage1bOptionsSchema, rest, 'Stage 1B options');
    super(model, '1b', o, o.lr, ['decoder.']);
    this.options = o;
    this.perceptual = perceptual;
    this.decoderVariables = model
      .namedParameters()
      .filter(([n]) => n.startsWith('decoder.'))
      .map(([, p]) => p.variable);
  }

  trainStep(images: tf.Tensor4D): StepLosses {
    checkBatch(this.model, images, 'Stage1bTrainer.trainStep');
    const { imageSize } = this.model.config;
    const b = images.shape[0];
    this.model.train();
    // The encoder is frozen: its code is a constant here (no tape is running).
    const [quantized, quantizerLoss] = tf.tidy(() => {
      const q = this.model.quantize(this.model.encodeLatent(images), { losses: true });
      return [q.quantized, q.loss];
    });
    const t = tf.tensor1d(sampleTimesteps(b, this.rng, this.options.noiseSchedule, this.options.uniformFraction));
    const z1 = this.rng.normal([b, imageSize, imageSize, 3]);
    const present = this.presenceMask(b);
    const noise = this.rng.normal([b, imageSize, imageSize, 3]);
    const ts = randomChainTimesteps(b, this.options.sampleSteps, this.rng);
    const chainPresent = this.options.sampleCfgDropout ? this.presenceMask(b) : null;
    const chainCode = this.model.decoderCode(quantized!, chainPresent ?? undefined);
    let flow: tf.NamedTensorMap = {};
    let chain: tf.NamedTensorMap = {};
    try {
      const flowStep = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const zt = noisedImages(images, z1, t);
            return flowMatchingLoss(this.model.velocity(zt, this.model.decoderCode(quantized!, present), t), images, z1);
          }),
        this.decoderVariables,
      );
      flow = flowStep.grads;
      const diffusion = flowStep.value.dataSync()[0]!;
      flowStep.value.dispose();
      const weight = this.options.sampleWeight;
      const result = sampleChainGradients(this.model, chainCode, noise, ts, (s) => tf.tidy(() => tf.mul(this.perceptual(s, images), weight) as tf.Scalar), this.decoderVariables);
      result.sample.dispose();
      chain = result.grads;
      const total: tf.NamedTensorMap = {};
      for (const name of new Set([...Object.keys(flow), ...Object.keys(chain)])) {
        const [a, c] = [flow[name], chain[name]];
        total[name] = a !== undefined && c !== undefined ? tf.add(a, c) : tf.clone((a ?? c)!);
      }
      try {
        this.applyGradients(total);
      } finally {
        disposeGrads(total);
      }
      const q = quantizerLoss!.dataSync()[0]!;
      return { loss: diffusion + q + result.loss, diffusion, quantizer: q, sample: result.loss };
    } finally {
      disposeGrads(flow);
      disposeGrads(chain);
      tf.dispose([quantized!, quantizerLoss!, t, z1, present, noise, chainCode, ...(chainPresent === null ? [] : [chainPresent])]);
    }
  }
}
