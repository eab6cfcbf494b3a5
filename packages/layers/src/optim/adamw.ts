import { parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import { Optimizer } from './optimizer.js';
import type { OptimizerParams, ParamState } from './optimizer.js';

const beta = z.number().min(0).lt(1);

const adamHyperSchema = z.object({ betas: z.tuple([beta, beta]), eps: z.number().min(0) }).strict();

type AdamHyper = z.infer<typeof adamHyperSchema>;

function adamOptionsSchema(defaultWeightDecay: number) {
  return z
    .object({
      lr: z.number().min(0).default(1e-3),
      betas: z.tuple([beta, beta]).default([0.9, 0.999]),
      eps: z.number().min(0).default(1e-8),
      weightDecay: z.number().min(0).default(defaultWeightDecay),
    })
    .strict();
}

/** Options for {@link AdamW} and {@link Adam}, with PyTorch's names and defaults (AdamW: `weightDecay` 1e-2, Adam: 0). */
export type AdamOptions = z.input<ReturnType<typeof adamOptionsSchema>>;

/**
 * Adam with bias correction and `eps` added outside the square root, as `torch.optim.Adam`/`AdamW`
 * compute it (single-tensor path, `amsgrad=False`). Subclasses choose how weight decay enters.
 */
export abstract class AdamBase extends Optimizer<AdamHyper> {
  protected constructor(
    kind: string,
    params: OptimizerParams,
    options: AdamOptions,
    defaultWeightDecay: number,
    /** AdamW's `p ← p·(1 − lr·wd)` before the update, versus Adam's L2 term `g ← g + wd·p`. */
    private readonly decoupledWeightDecay: boolean,
  ) {
    const o = parseConfig(adamOptionsSchema(defaultWeightDecay), options, `${kind} options`);
    super(kind, params, { lr: o.lr, weightDecay: o.weightDecay }, { betas: o.betas, eps: o.eps }, adamHyperSchema);
  }

  /** `[beta1, beta2]`. */
  get betas(): readonly [number, number] {
    return this.hyper.betas;
  }

  get eps(): number {
    return this.hyper.eps;
  }

  protected stateKeys(): { tensors: readonly string[]; counters: readonly string[] } {
    return { tensors: ['exp_avg', 'exp_avg_sq'], counters: ['step'] };
  }

  protected update(state: ParamState, grad: tf.Tensor, lr: number, weightDecay: number): void {
    const [beta1, beta2] = this.hyper.betas;
    const eps = this.hyper.eps;
    // Per-parameter step count, as torch keeps it: a parameter skipped for lack of a gradient lags behind.
    const step = (state.counters.step ?? 0) + 1;
    // Bias corrections in double precision on the host, as torch does with Python floats.
    const stepSize = lr / (1 - beta1 ** step);
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const p = state.variable;
    const { exp_avg: m0, exp_avg_sq: v0 } = state.tensors;
    const [m, v] = tf.tidy((): [tf.Tensor, tf.Tensor] => {
      let g = grad;
      let param: tf.Tensor = p;
      if (weightDecay !== 0) {
        if (this.decoupledWeightDecay) param = tf.mul(p, 1 - lr * weightDecay);
        else g = tf.add(g, tf.mul(p, weightDecay));
      }
      const m = tf.add(tf.mul(m0 ?? tf.zerosLike(p), beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(v0 ?? tf.zerosLike(p), beta2), tf.mul(tf.square(g), 1 - beta2));
      const denom = tf.add(tf.div(tf.sqrt(v), biasCorrection2Sqrt), eps);
      p.assign(tf.sub(param, tf.mul(tf.div(m, denom), stepSize)));
      return [m, v];
    });
    m0?.dispose();
    v0?.dispose();
    state.tensors = { exp_avg: m, exp_avg_sq: v };
    state.counters = { step };
  }
}

/**
 * `torch.optim.AdamW`: Adam with decoupled weight decay, `p ← p·(1 − lr·wd)` before the Adam
 * update, per group (`lr = base lr × lrScale`). State: `exp_avg`, `exp_avg_sq`, `step`.
 */
export class AdamW extends AdamBase {
  constructor(params: OptimizerParams, options: AdamOptions = {}) {
    super('AdamW', params, options, 1e-2, true);
  }
}

/**
 * `torch.optim.Adam`: weight decay, if any, is an L2 term added to the gradient. GAN trainers
 * use it with `betas: [0, 0.99]`.
 */
export class Adam extends AdamBase {
  constructor(params: OptimizerParams, options: AdamOptions = {}) {
    super('Adam', params, options, 0, false);
  }
}
