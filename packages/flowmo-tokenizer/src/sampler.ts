import { parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';

/** Sampling settings; defaults are the official evaluation ones (`eval.sampling` in base.yaml). */
export const SamplerSettingsSchema = z.strictObject({
  /** Euler steps of the probability-flow ODE (official 25). */
  steps: z.number().int().positive().default(25),
  /**
   * Timestep shift ρ: `t_k = (k/n)^ρ`, k = n … 0. ρ = 1 is the linear rectified-flow sampler; the
   * official ρ = 4 (`pow_0.25`) takes one big first step near t = 1 and spends the rest at low noise.
   */
  rho: z.number().positive().default(4),
  /** Classifier-free guidance scale; 1 = no guidance (no unconditional pass). */
  cfg: z.number().min(0).default(1.5),
  /**
   * Guidance interval in EDM σ (official "(.17,1.02)"), converted with t = σ/(1 + σ): guidance is
   * applied only at steps whose t lies inside it. null = at every step.
   */
  cfgInterval: z.tuple([z.number().min(0), z.number().min(0)]).nullable().default([0.17, 1.02]),
  /** Seed of the initial noise (ignored when `noise` is given). */
  seed: z.number().int().default(0),
  /** Keep every intermediate z (the official `rf_sample` list); default only the final image. */
  keepChain: z.boolean().default(false),
});

/** Validated sampler settings. */
export type SamplerSettings = z.output<typeof SamplerSettingsSchema>;

/** Options of the decoding/sampling calls: {@link SamplerSettingsSchema} plus stored initial noise. */
export type SamplerOptions = z.input<typeof SamplerSettingsSchema> & {
  /** Initial noise z₁ `[B, H, W, 3]` (e.g. recorded from another run); not disposed. Overrides `seed`. */
  noise?: tf.Tensor;
};

/** Split {@link SamplerOptions} into validated settings and the optional noise tensor. */
export function parseSamplerOptions(options: SamplerOptions = {}): { settings: SamplerSettings; noise: tf.Tensor | undefined } {
  const { noise, ...rest } = options;
  return { settings: parseConfig(SamplerSettingsSchema, rest, 'sampler options'), noise };
}

/**
 * The ρ-shifted schedule `t_k = (k/n)^ρ` for k = n … 0 and its steps `Δt_k = t_k − t_{k+1}`,
 * rounded as the official float32 torch code computes them (`arange(0, n+1).flip(0) ** (1/p) / n ** (1/p)`
 * with p = 1/ρ).
 */
export function samplingSchedule(steps: number, rho: number): { ts: number[]; dts: number[] } {
  const f = Math.fround;
  const denom = f(steps ** rho);
  const ts = Array.from({ length: steps + 1 }, (_, i) => f(f((steps - i) ** rho) / denom));
  const dts = ts.slice(0, -1).map((t, i) => f(t - ts[i + 1]!));
  return { ts, dts };
}

/** EDM noise level σ (`x + σ·z`) → rectified-flow time t = σ/(1 + σ). */
export function edmToFlow(sigma: number): number {
  return sigma / (1 + sigma);
}

/** Whether each step of `ts` (all but the final 0) gets guidance, as the official `rf_sample` decides. */
export function guidanceMask(ts: readonly number[], cfg: number, cfgInterval: readonly [number, number] | null): boolean[] {
  if (cfg === 1) return ts.slice(0, -1).map(() => false);
  const [lo, hi] = cfgInterval === null ? [-Infinity, Infinity] : [edmToFlow(cfgInterval[0]), edmToFlow(cfgInterval[1])];
  return ts.slice(0, -1).map((t) => t >= lo && t <= hi);
}

/** A decoder velocity call `v(z, t, code)`: `z` `[B, H, W, 3]`, `t` `[B]`, `code` the decoder's code input. */
export type VelocityFn = (z: tf.Tensor, t: tf.Tensor, code: tf.Tensor) => tf.Tensor;

/** What {@link rfSample} returns; tensors are owned by the caller. */
export interface SampleResult {
  /** The final z clipped to [−1, 1] (the official `reconstruct`). */
  image: tf.Tensor4D;
  /** Every z after each step (unclipped), when `keepChain` was set; else empty. */
  chain: tf.Tensor4D[];
  ts: number[];
  dts: number[];
  /** Per step, whether guidance was applied. */
  cfgApplied: boolean[];
}

/**
 * Integrate the probability-flow ODE from `noise` at t = 1 to t = 0 with Euler steps
 * `z ← z − Δt·v` on the ρ-shifted schedule (the official `rf_sample`). Inside the guidance
 * interval the velocity is `v_u + cfg·(v_c − v_u)` with `v_u` from the null code (all zeros,
 * presence flag included). Nothing is differentiated; `code` and `noise` are not disposed.
 */
export function rfSample(velocity: VelocityFn, code: tf.Tensor, noise: tf.Tensor, settings: SamplerSettings): SampleResult {
  const { ts, dts } = samplingSchedule(settings.steps, settings.rho);
  const cfgApplied = guidanceMask(ts, settings.cfg, settings.cfgInterval);
  const b = noise.shape[0]!;
  const nullCode = settings.cfg === 1 ? null : tf.zerosLike(code);
  const chain: tf.Tensor4D[] = [];
  let z: tf.Tensor = tf.clone(noise);
  try {
    for (let i = 0; i < settings.steps; i++) {
      const next = tf.tidy(() => {
        const t = tf.fill([b], ts[i]!);
        let v = velocity(z, t, code);
        if (cfgApplied[i]) {
          const vu = velocity(z, t, nullCode!);
          v = tf.add(vu, tf.mul(tf.sub(v, vu), settings.cfg));
        }
        return tf.sub(z, tf.mul(v, dts[i]!));
      });
      if (settings.keepChain) chain.push(tf.clone(next) as tf.Tensor4D);
      z.dispose();
      z = next;
    }
    const image = tf.clipByValue(z, -1, 1) as tf.Tensor4D;
    return { image, chain, ts, dts, cfgApplied };
  } catch (err) {
    tf.dispose(chain);
    throw err;
  } finally {
    z.dispose();
    nullCode?.dispose();
  }
}
