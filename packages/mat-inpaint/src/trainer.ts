import { PatchworkError, Rng, StateDictError, parseConfig, tf } from '@patchwork/tensor-core';
import { Adam, ModelEma } from '@patchwork/layers';
import type { Module, OptimizerMeta } from '@patchwork/layers';
import { z } from 'zod';
import { numWs } from './config.js';
import type { MatDiscriminator } from './discriminator.js';
import type { MatGenerator, SynthesisOutput } from './generator.js';
import { discriminatorLoss, generatorAdversarialLoss, r1Penalty } from './losses.js';
import type { PerceptualLoss } from './losses.js';
import { validateImagesAndMasks } from './inputs.js';
import { tidy } from './ops/tidy.js';

const optionsSchema = z
  .object({
    /** Images per step; sets the EMA decay (official `ema_beta = 0.5^(batch / (ema_kimg·1000))`). */
    batchSize: z.number().int().positive(),
    /** Adam learning rate of G and D (paper: 1e-3). */
    lr: z.number().positive().default(1e-3),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0, 0.99]),
    eps: z.number().positive().default(1e-8),
    /** R1 weight γ. */
    r1Gamma: z.number().min(0).default(10),
    /** Lazy regularisation: R1 every this many steps, weighted by the interval (official 16); 1 = every step. */
    r1Interval: z.number().int().positive().default(16),
    /** G's lazy-regularisation interval; only rescales G's Adam settings as the official loop does (path-length regularisation is off in MAT). */
    gRegInterval: z.number().int().positive().default(4),
    /** Probability of mixing two z's styles at a random cut (README: 0.5). */
    styleMixingProb: z.number().min(0).max(1).default(0.5),
    /** Truncation ψ of the generator's w during training (1 = none). */
    truncationPsi: z.number().min(0).max(1).default(1),
    /** Weight of the perceptual loss (README: 0.1); used when a perceptual loss is given. */
    pcpRatio: z.number().min(0).default(0.1),
    /** EMA half-life in thousands of images (official 10). */
    emaKimg: z.number().positive().default(10),
    seed: z.number().int().default(0),
  })
  .strict();

/** Options for {@link MatTrainer}; only `batchSize` is required, the rest default to MAT's settings. */
export type MatTrainerOptions = z.input<typeof optionsSchema>;

/** Numbers from one {@link MatTrainer.step}. */
export interface MatStepStats {
  step: number;
  /** Adversarial G loss (both discriminators). */
  gAdv: number;
  /** Perceptual loss before `pcpRatio` (0 without a perceptual loss). */
  pcp: number;
  /** L1 between the output and the real image (logged only, as in MAT). */
  l1: number;
  /** Logistic D loss (fake + real, both discriminators). */
  dLoss: number;
  /** R1 penalty (γ/2 · ‖∇‖², both discriminators) when it ran this step, else null. */
  r1: number | null;
  /** Mean D logit on real and on generated images. */
  realScore: number;
  fakeScore: number;
}

/** Everything a checkpoint needs (PyTorch-named tensors under `G.`, `D.`, `G_ema.`; optimizer slots under `G.`/`D.`). */
export interface MatTrainerState {
  weights: Record<string, tf.Tensor>;
  optimizer: { state: Record<string, tf.Tensor>; hyper: { G: OptimizerMeta; D: OptimizerMeta } };
  step: number;
  rng: [number, number, number, number];
}

/**
 * MAT's training loop step (official `training/training_loop.py` + `losses/loss.py TwoStageLoss`),
 * one call per batch of real images and free-form masks:
 * 1. **G**: generate with fresh z (style mixing with probability 0.5), score with both
 *    discriminators, minimise `softplus(−D(G)) + softplus(−D_stg1(G_stg1)) + pcpRatio·perceptual`;
 * 2. **D**: generate again without G gradients, minimise the logistic loss on fakes and reals;
 * 3. **D reg** every `r1Interval` steps: the R1 penalty (γ = 10) × interval (lazy regularisation);
 * 4. **EMA** of G's weights (half-life `emaKimg` thousand images), kept in a {@link ModelEma}.
 * Adam(0, 0.99) for both networks with the official lazy-regularisation adjustment
 * `lr·c, β^c` (c = interval/(interval+1)). Gradients are cleaned like `nan_to_num`
 * (NaN → 0, ±∞ → ±1e5) before each update.
 */
export class MatTrainer {
  readonly options: z.output<typeof optionsSchema>;
  readonly optG: Adam;
  readonly optD: Adam;
  readonly ema: ModelEma;
  readonly rng: Rng;
  private stepCount = 0;

  constructor(
    readonly generator: MatGenerator,
    readonly discriminator: MatDiscriminator,
    readonly perceptual: PerceptualLoss | null = null,
    options: MatTrainerOptions,
  ) {
    this.options = parseConfig(optionsSchema, options, 'MatTrainer options');
    const o = this.options;
    if (JSON.stringify(generator.config) !== JSON.stringify(discriminator.config)) {
      throw new PatchworkError('E_ARGUMENT', 'MatTrainer: the generator and the discriminator were built from different configs');
    }
    const adam = (module: Module, interval: number): Adam => {
      const c = interval / (interval + 1);
      return new Adam(module, { lr: o.lr * c, betas: [o.betas[0] ** c, o.betas[1] ** c], eps: o.eps });
    };
    this.optG = adam(generator, o.gRegInterval);
    this.optD = adam(discriminator, o.r1Interval);
    this.ema = new ModelEma(generator, { decay: emaDecay(o.batchSize, o.emaKimg) });
    this.rng = new Rng(o.seed);
  }

  /** Steps taken so far (restored by {@link loadState}). */
  get step(): number {
    return this.stepCount;
  }

  /**
   * One G step, one D step, the lazy R1 step when due, and the EMA update. `real` NHWC
   * `[B, R, R, C]` in [−1, 1] at the native resolution, `masks` `[B, R, R, 1]` (1 = known).
   * Nothing it allocates outlives the call.
   */
  trainStep(real: tf.Tensor4D, masks: tf.Tensor4D): MatStepStats {
    const g = this.generatorStep(real, masks);
    const d = this.discriminatorStep(real, masks);
    // Lazy R1 at steps 0, interval, 2·interval, … as the official loop schedules its Dreg phase.
    const r1 = this.options.r1Gamma > 0 && this.stepCount % this.options.r1Interval === 0 ? this.regularizationStep(real, masks) : null;
    this.ema.update(this.generator);
    this.stepCount += 1;
    return { step: this.stepCount, ...g, ...d, r1 };
  }

  /** The G phase alone (one Adam step of G; D only scores). Returns its losses. */
  generatorStep(real: tf.Tensor4D, masks: tf.Tensor4D): Pick<MatStepStats, 'gAdv' | 'pcp' | 'l1' | 'fakeScore'> {
    this.checkBatch(real, masks);
    const o = this.options;
    const D = this.discriminator;
    const stats = { gAdv: 0, pcp: 0, l1: 0, fakeScore: 0 };
    this.update(this.optG, this.generator, () => {
      const out = this.generate(real, masks);
      const fake = D.forward(out.img, masks, out.imgStg1);
      const adv = generatorAdversarialLoss(fake);
      stats.gAdv = adv.dataSync()[0]!;
      stats.fakeScore = tf.mean(fake.logits).dataSync()[0]!;
      stats.l1 = tf.mean(tf.abs(tf.sub(out.img, real))).dataSync()[0]!;
      if (this.perceptual === null || o.pcpRatio === 0) return adv;
      const p = this.perceptual.forward(out.img, real);
      stats.pcp = p.dataSync()[0]!;
      return tf.add(adv, tf.mul(p, o.pcpRatio)) as tf.Scalar;
    });
    return stats;
  }

  /** The D phase alone (one Adam step of D on fresh fakes and the reals). Returns its loss and the mean real logit. */
  discriminatorStep(real: tf.Tensor4D, masks: tf.Tensor4D): Pick<MatStepStats, 'dLoss' | 'realScore'> {
    this.checkBatch(real, masks);
    const D = this.discriminator;
    const stats = { dLoss: 0, realScore: 0 };
    // Fakes are generated outside the tape, so no G gradient is recorded.
    const fakes = this.generate(real, masks);
    try {
      this.update(this.optD, D, () => {
        const realLogits = D.forward(real, masks, real);
        stats.realScore = tf.mean(realLogits.logits).dataSync()[0]!;
        const loss = discriminatorLoss(D.forward(fakes.img, masks, fakes.imgStg1), realLogits);
        stats.dLoss = loss.dataSync()[0]!;
        return loss;
      });
    } finally {
      tf.dispose([fakes.img, fakes.imgStg1]);
    }
    return stats;
  }

  /** The lazy R1 phase alone: one Adam step of D on `r1Interval · R1`. Returns the penalty. */
  regularizationStep(real: tf.Tensor4D, masks: tf.Tensor4D): number {
    this.checkBatch(real, masks);
    let r1 = 0;
    this.update(this.optD, this.discriminator, () => {
      const pen = r1Penalty(this.discriminator, real, masks, this.options.r1Gamma);
      r1 = pen.dataSync()[0]!;
      return tf.mul(pen, this.options.r1Interval) as tf.Scalar;
    });
    return r1;
  }

  /**
   * Write the EMA weights into `target` (a generator of the same config) and copy G's buffers
   * (`w_avg`, noise) as the official loop does (`G_ema` buffers are copies, not averages).
   */
  copyEmaTo(target: MatGenerator): MatGenerator {
    this.ema.copyTo(target);
    const source = new Map(this.generator.namedBuffers());
    for (const [name, buffer] of target.namedBuffers()) {
      const from = source.get(name);
      if (from === undefined) throw new StateDictError(`copyEmaTo: the target has a buffer '${name}' the trained generator lacks`);
      buffer.variable.assign(from.variable);
    }
    return target;
  }

  /** Weights, optimizer states, step and RNG state for a checkpoint. New tensors; the caller disposes them. */
  state(): MatTrainerState {
    const prefix = (p: string, d: Record<string, tf.Tensor>): Record<string, tf.Tensor> => Object.fromEntries(Object.entries(d).map(([k, v]) => [`${p}.${k}`, v]));
    const g = this.optG.stateDict();
    const d = this.optD.stateDict();
    return {
      weights: { ...prefix('G', this.generator.stateDict()), ...prefix('D', this.discriminator.stateDict()), ...prefix('G_ema', this.ema.stateDict()) },
      optimizer: { state: { ...prefix('G', g.tensors), ...prefix('D', d.tensors) }, hyper: { G: g.meta, D: d.meta } },
      step: this.stepCount,
      rng: this.rng.getState(),
    };
  }

  /** Restore a {@link state} (e.g. read back from a checkpoint). Inputs are not disposed. */
  loadState(s: { weights: Record<string, tf.Tensor>; optimizer?: { state: Record<string, tf.Tensor>; hyper: unknown }; step: number; rng?: [number, number, number, number] }): void {
    const pick = (p: string, d: Record<string, tf.Tensor>): Record<string, tf.Tensor> =>
      Object.fromEntries(Object.entries(d).filter(([k]) => k.startsWith(`${p}.`)).map(([k, v]) => [k.slice(p.length + 1), v]));
    this.generator.loadStateDict(pick('G', s.weights));
    this.discriminator.loadStateDict(pick('D', s.weights));
    this.ema.loadStateDict(pick('G_ema', s.weights));
    if (s.optimizer !== undefined) {
      const hyper = s.optimizer.hyper as { G?: unknown; D?: unknown } | null;
      this.optG.loadStateDict({ tensors: pick('G', s.optimizer.state), meta: hyper?.G });
      this.optD.loadStateDict({ tensors: pick('D', s.optimizer.state), meta: hyper?.D });
    }
    if (s.rng !== undefined) this.rng.setState(s.rng);
    this.stepCount = s.step;
  }

  /** Free the optimizer states and the EMA copy (the networks belong to the caller). */
  dispose(): void {
    this.optG.dispose();
    this.optD.dispose();
    this.ema.dispose();
  }

  private checkBatch(real: tf.Tensor4D, masks: tf.Tensor4D): void {
    const G = this.generator;
    const r = G.config.imgResolution;
    validateImagesAndMasks(real, masks, G.config.imgChannels, 'MatTrainer');
    if (real.shape[1] !== r || real.shape[2] !== r) throw new PatchworkError('E_SHAPE', `MatTrainer: training images must be ${r}×${r}, got ${real.shape[1]}×${real.shape[2]}`);
    if (real.shape[0] !== this.options.batchSize) throw new PatchworkError('E_SHAPE', `MatTrainer: batch of ${real.shape[0]}, configured batchSize ${this.options.batchSize}`);
    G.train();
    this.discriminator.train();
  }

  /** A generator run as in training: fresh z per sample, style mixing, truncation. */
  private generate(real: tf.Tensor4D, masks: tf.Tensor4D): SynthesisOutput {
    const G = this.generator;
    const o = this.options;
    const b = real.shape[0];
    const n = numWs(G.config);
    return tidy(() => {
      let ws = G.mapping.forward(this.rng.normal([b, G.config.zDim]), { truncationPsi: o.truncationPsi }) as tf.Tensor3D;
      if (o.styleMixingProb > 0 && n > 1 && this.rng.next() < o.styleMixingProb) {
        const cutoff = 1 + this.rng.int(n - 1); // torch.empty([]).random_(1, num_ws)
        const other = G.mapping.forward(this.rng.normal([b, G.config.zDim]), { truncationPsi: o.truncationPsi, skipWAvgUpdate: true });
        ws = tf.concat([tf.slice(ws, [0, 0, 0], [b, cutoff, -1]), tf.slice(other, [0, cutoff, 0], [b, n - cutoff, -1])], 1) as tf.Tensor3D;
      }
      return G.synthesis.forward(real, masks, ws, { noiseMode: 'random', rng: this.rng });
    });
  }

  /** Differentiate `lossFn` w.r.t. `module`'s parameters, clean the gradients, take an Adam step. */
  private update(optimizer: Adam, module: Module, lossFn: () => tf.Scalar): void {
    const { value, grads } = tf.variableGrads(lossFn, module.parameters());
    const cleaned = tf.tidy(() => {
      const out: tf.NamedTensorMap = {};
      for (const [name, g] of Object.entries(grads)) {
        out[name] = tf.where(tf.isNaN(g), tf.zerosLike(g), tf.clipByValue(g, -1e5, 1e5));
      }
      return out;
    });
    try {
      optimizer.step(cleaned);
    } finally {
      tf.dispose([value, ...Object.values(grads), ...Object.values(cleaned)]);
    }
  }
}

/** The official EMA decay per step: `0.5^(batchSize / (emaKimg·1000))`. */
export function emaDecay(batchSize: number, emaKimg: number): number {
  return 0.5 ** (batchSize / (emaKimg * 1000));
}
