import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Module } from '../module.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { GradAccumulator } from './grad-accumulator.js';

interface TrainStepCommon {
  /** The loss to minimise; runs under `tf.variableGrads`, so its intermediates are freed. */
  lossFn: () => tf.Scalar;
  optimizer: Optimizer;
  /** Clip the (accumulated) gradients to this global 2-norm before stepping. */
  clipNorm?: number;
  /** Accumulate micro-batch gradients; the optimizer steps only when it is {@link GradAccumulator.ready}. */
  accumulate?: GradAccumulator;
}

/** Options for {@link trainStep}: differentiate with respect to a module's parameters or given variables. */
export type TrainStepOptions = TrainStepCommon &
  ({ module: Module; variables?: never } | { variables: readonly tf.Variable[]; module?: never });

/**
 * One training step: gradients of `lossFn` with respect to exactly the trainable variables of
 * `module` (or `variables`), optional accumulation and global-norm clipping, then
 * `optimizer.step`. Every tensor it creates is disposed; returns the loss.
 */
export function trainStep(options: TrainStepOptions): number {
  const { lossFn, optimizer, clipNorm, accumulate } = options;
  if (options.module !== undefined && options.variables !== undefined) {
    throw new PatchworkError('E_ARGUMENT', 'trainStep: give either module or variables, not both');
  }
  if (clipNorm !== undefined && !(clipNorm > 0)) throw new PatchworkError('E_ARGUMENT', `trainStep: clipNorm must be > 0, got ${clipNorm}`);
  const all = options.module !== undefined ? options.module.parameters() : (options.variables ?? []);
  // Frozen variables are left out here: tf.variableGrads would report them as null gradients.
  const trainable = all.filter((v) => v.trainable);
  if (trainable.length === 0) throw new PatchworkError('E_ARGUMENT', 'trainStep: no trainable variables');

  const { value, grads } = tf.variableGrads(lossFn, trainable);
  // `owned` is always the one gradient map this function still has to free.
  let owned: tf.NamedTensorMap = grads;
  try {
    const loss = value.dataSync()[0]!;
    if (accumulate !== undefined) {
      accumulate.add(owned);
      tf.dispose(owned);
      owned = {};
      if (!accumulate.ready) return loss;
      owned = accumulate.take();
    }
    if (clipNorm !== undefined) {
      const clipped = clipGradNorm(owned, clipNorm).grads;
      tf.dispose(owned);
      owned = clipped;
    }
    optimizer.step(owned);
    return loss;
  } finally {
    value.dispose();
    tf.dispose(owned);
  }
}
