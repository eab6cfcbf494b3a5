import { PatchworkError, tf } from '@patchwork/tensor-core';
import { gradEntries, mapGrads } from './grads.js';
import type { GradMap, SameKind } from './grads.js';

/** Options for {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** p of the p-norm; `Infinity` for the max-abs norm. Default 2. */
  normType?: number;
  /** Throw instead of clipping when the total norm is NaN or infinite (gradients are then left unclipped). */
  errorIfNonfinite?: boolean;
}

/** Result of {@link clipGradNorm}: new gradient tensors (caller disposes) and the norm before clipping. */
export interface ClippedGrads<G extends GradMap> {
  grads: SameKind<G>;
  totalNorm: number;
}

/**
 * `torch.nn.utils.clip_grad_norm_`: the total norm is the p-norm of the per-tensor p-norms;
 * every gradient is multiplied by `min(maxNorm / (total + 1e-6), 1)`. Returns new tensors in a
 * map of the same kind; the input gradients are not disposed.
 */
export function clipGradNorm<G extends GradMap>(grads: G, maxNorm: number, options: ClipGradNormOptions = {}): ClippedGrads<G> {
  const normType = options.normType ?? 2;
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new PatchworkError('E_ARGUMENT', `clipGradNorm: maxNorm must be a finite number > 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new PatchworkError('E_ARGUMENT', `clipGradNorm: normType must be > 0 or Infinity, got ${normType}`);
  const entries = gradEntries(grads);
  if (entries.length === 0) return { grads: mapGrads(grads, (g) => g), totalNorm: 0 };

  const total = tf.tidy(() => pNorm(tf.stack(entries.map(([, g]) => pNorm(g, normType))), normType));
  const totalNorm = total.dataSync()[0]!;
  if (options.errorIfNonfinite === true && !Number.isFinite(totalNorm)) {
    total.dispose();
    throw new PatchworkError('E_NAN', `clipGradNorm: the total ${normType}-norm of the gradients is ${totalNorm}`);
  }
  const coef = tf.tidy(() => tf.minimum(tf.div(maxNorm, tf.add(total, 1e-6)), 1));
  total.dispose();
  const clipped = mapGrads(grads, (g) => tf.mul(g, coef));
  coef.dispose();
  return { grads: clipped, totalNorm };
}

/** `torch.nn.utils.clip_grad_value_`: clamp every gradient to `[-clipValue, clipValue]`. Returns new tensors. */
export function clipGradValue<G extends GradMap>(grads: G, clipValue: number): SameKind<G> {
  if (!(clipValue >= 0)) throw new PatchworkError('E_ARGUMENT', `clipGradValue: clipValue must be >= 0, got ${clipValue}`);
  return mapGrads(grads, (g) => tf.clipByValue(g, -clipValue, clipValue));
}

/** p-norm of all elements of `x` (a scalar). */
function pNorm(x: tf.Tensor, p: number): tf.Scalar {
  return tf.tidy(() => {
    const a = tf.abs(x);
    if (p === Infinity) return tf.max(a) as tf.Scalar;
    if (p === 1) return tf.sum(a) as tf.Scalar;
    if (p === 2) return tf.sqrt(tf.sum(tf.square(a))) as tf.Scalar;
    return tf.pow(tf.sum(tf.pow(a, p)), 1 / p) as tf.Scalar;
  });
}
