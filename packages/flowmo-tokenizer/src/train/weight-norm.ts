import { tf } from '@patchwork/tensor-core';
import { Linear } from '@patchwork/layers';
import type { Module } from '@patchwork/layers';

/** `l2`: Frobenius norm of each matrix; `channel`: norm of each output row (torch `dim=1`). */
export type FixNormMode = 'l2' | 'channel';

/**
 * Forced weight normalisation (EDM2-style, the official `fix_initial_norms`): remember the norm of
 * every `Linear` weight inside `double_blocks` (attention, MLP and modulation matrices of both
 * streams, encoder and decoder), and after each optimizer step rescale each weight back to it, so
 * weight and activation scales cannot drift. Biases and the embedding/readout layers are left
 * free, as in the official code. In `channel` mode a row whose initial norm is zero (the
 * zero-initialised AdaLN gates) is left free; the official code would divide by zero there.
 */
export class ForcedWeightNorm {
  private readonly targets: { weight: tf.Variable; norm: tf.Tensor }[] = [];

  constructor(
    model: Module,
    readonly mode: FixNormMode = 'l2',
  ) {
    for (const [name, module] of model.namedModules()) {
      if (!(module instanceof Linear) || !name.split('.').includes('double_blocks')) continue;
      this.targets.push({ weight: module.weight, norm: this.norms(module.weight) });
    }
  }

  /** Number of weight matrices kept at their initial norms. */
  get size(): number {
    return this.targets.length;
  }

  // tfjs weights are [in, out]: a torch output row is a column here.
  private norms(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => (this.mode === 'l2' ? tf.norm(w) : tf.sqrt(tf.sum(tf.square(w), 0, true))));
  }

  /** Rescale every tracked weight to its initial norm (call after each optimizer step). */
  apply(): void {
    for (const { weight, norm } of this.targets) {
      tf.tidy(() => {
        const now = this.norms(weight);
        const ok = tf.logicalAnd(tf.greater(norm, 0), tf.greater(now, 0));
        const ratio = tf.where(ok, tf.div(norm, tf.where(ok, now, tf.onesLike(now))), tf.onesLike(now));
        weight.assign(tf.mul(weight, ratio));
      });
    }
  }

  /** Free the remembered norms. */
  dispose(): void {
    for (const t of this.targets) t.norm.dispose();
    this.targets.length = 0;
  }
}
