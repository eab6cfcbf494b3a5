import { ShapeError, tf } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg, checkInput } from './common.js';

/** Options for {@link BatchNorm2d}; defaults as `nn.BatchNorm2d`. */
export interface BatchNorm2dOptions {
  eps?: number;
  /** Running-stat update factor; `null` = cumulative moving average (factor 1/num_batches_tracked). */
  momentum?: number | null;
  /** Learnable per-channel `weight` (init 1) and `bias` (init 0). */
  affine?: boolean;
  /** Keep `running_mean`/`running_var`/`num_batches_tracked`; without them batch statistics are used in eval too. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over N, H, W of NHWC activations with `nn.BatchNorm2d` semantics and state
 * dict (`weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`).
 *
 * Training normalises with the biased batch variance and updates the running variance with the
 * unbiased one, as PyTorch does. The update is a variable assign made during forward, so it also
 * happens when forward runs inside `tf.variableGrads` / `tf.grads`; those ops do not lie on the
 * path to the loss, so the tape prunes them and no gradient flows into the buffers.
 * Written as sub/mul/rsqrt rather than `tf.batchNorm`, whose gradient goes through a slow Tile.
 */
export class BatchNorm2d extends Module {
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;
  readonly runningMean: tf.Variable | null;
  readonly runningVar: tf.Variable | null;
  /** int32 scalar (int64 in PyTorch checkpoints; loading casts). */
  readonly numBatchesTracked: tf.Variable | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    readonly numFeatures: number,
    { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true }: BatchNorm2dOptions = {},
  ) {
    super();
    checkArg(Number.isInteger(numFeatures) && numFeatures > 0, `BatchNorm2d numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? this.addParameter('weight', tf.ones([numFeatures])) : null;
    this.bias = affine ? this.addParameter('bias', tf.zeros([numFeatures])) : null;
    this.runningMean = trackRunningStats ? this.addBuffer('running_mean', tf.zeros([numFeatures])) : null;
    this.runningVar = trackRunningStats ? this.addBuffer('running_var', tf.ones([numFeatures])) : null;
    this.numBatchesTracked = trackRunningStats ? this.addBuffer('num_batches_tracked', tf.scalar(0, 'int32')) : null;
  }

  /** `x`: `[N, H, W, C]` → same shape. In training mode also updates the running statistics. */
  forward(x: tf.Tensor): tf.Tensor4D {
    checkInput('BatchNorm2d', x, ['N', 'H', 'W', this.numFeatures], 'NHWC');
    const count = x.size / this.numFeatures;
    if (this.training && count <= 1) {
      throw new ShapeError(`BatchNorm2d: expected more than 1 value per channel when training, got input [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      if (!this.training && this.runningMean !== null && this.runningVar !== null) {
        // Eval: fold the statistics into one per-channel scale and shift.
        let scale = tf.rsqrt(tf.add(this.runningVar, this.eps));
        if (this.weight !== null) scale = tf.mul(scale, this.weight);
        let shift = tf.neg(tf.mul(this.runningMean, scale));
        if (this.bias !== null) shift = tf.add(shift, this.bias);
        return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
      }
      const mean = tf.mean(x, [0, 1, 2]);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), [0, 1, 2]);
      let scale = tf.rsqrt(tf.add(variance, this.eps));
      if (this.weight !== null) scale = tf.mul(scale, this.weight);
      let y = tf.mul(centered, scale);
      if (this.bias !== null) y = tf.add(y, this.bias);
      if (this.training) this.updateRunningStats(mean, variance, count);
      return y as tf.Tensor4D;
    });
  }

  private updateRunningStats(mean: tf.Tensor, biasedVar: tf.Tensor, count: number): void {
    const { runningMean, runningVar, numBatchesTracked } = this;
    if (runningMean === null || runningVar === null || numBatchesTracked === null) return;
    tf.tidy(() => {
      const batches = tf.add(numBatchesTracked, tf.scalar(1, 'int32'));
      numBatchesTracked.assign(batches);
      // PyTorch: factor = momentum, or 1 / num_batches_tracked (after the increment) when momentum is None.
      const factor = this.momentum === null ? tf.div(1, tf.cast(batches, 'float32')) : tf.scalar(this.momentum);
      const keep = tf.sub(1, factor);
      const unbiased = tf.mul(biasedVar, count / (count - 1));
      runningMean.assign(tf.add(tf.mul(runningMean, keep), tf.mul(mean, factor)));
      runningVar.assign(tf.add(tf.mul(runningVar, keep), tf.mul(unbiased, factor)));
    });
  }
}
