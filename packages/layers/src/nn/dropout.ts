import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg } from './common.js';

/**
 * `nn.Dropout(p)`: in training mode zeroes each element with probability `p` and scales the rest
 * by 1/(1−p); identity in eval mode. The mask is drawn from the module's seeded {@link Rng} on the
 * host (same stream on every backend) and enters the graph as a constant, so no comparison op is
 * differentiated.
 */
export class Dropout extends Module {
  private readonly rng: Rng;

  constructor(
    readonly p = 0.5,
    { rng = defaultRng() }: { rng?: Rng } = {},
  ) {
    super();
    checkArg(p >= 0 && p <= 1, `Dropout p must be in [0, 1], got ${p}`);
    this.rng = rng;
  }

  /** Any shape → same shape. Always returns a new tensor. */
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return tf.clone(x);
    const keep = this.p === 1 ? 0 : 1 / (1 - this.p);
    const u = this.rng.uniformArray(x.size);
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = u[i]! < this.p ? 0 : keep;
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape, 'float32')));
  }
}

/** Options for {@link DropPath}. */
export interface DropPathOptions {
  /** Scale kept samples by 1/(1−dropProb) (timm's default). */
  scaleByKeep?: boolean;
  rng?: Rng;
}

/**
 * Stochastic depth (timm `DropPath`): in training mode drops the whole sample (axis 0) with
 * probability `dropProb` and scales kept samples by 1/keep; identity in eval mode or when
 * `dropProb` is 0. The per-sample mask comes from the seeded {@link Rng}.
 */
export class DropPath extends Module {
  private readonly rng: Rng;
  readonly scaleByKeep: boolean;

  constructor(
    readonly dropProb = 0,
    { scaleByKeep = true, rng = defaultRng() }: DropPathOptions = {},
  ) {
    super();
    checkArg(dropProb >= 0 && dropProb <= 1, `DropPath dropProb must be in [0, 1], got ${dropProb}`);
    this.scaleByKeep = scaleByKeep;
    this.rng = rng;
  }

  /** `x`: `[B, ...]` → same shape. Always returns a new tensor. */
  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank === 0) throw new ShapeError('DropPath: expected input [B, ...], got a scalar');
    if (!this.training || this.dropProb === 0) return tf.clone(x);
    const keepProb = 1 - this.dropProb;
    const scale = keepProb > 0 && this.scaleByKeep ? 1 / keepProb : 1;
    const batch = x.shape[0]!;
    // bernoulli(keepProb) per sample, as timm's `x.new_empty(shape).bernoulli_(keep_prob)`.
    const mask = Float32Array.from(this.rng.uniformArray(batch), (u) => (u < keepProb ? scale : 0));
    const shape = [batch, ...Array.from({ length: x.rank - 1 }, () => 1)];
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, shape, 'float32')));
  }
}
