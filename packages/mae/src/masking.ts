import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';

/** What {@link randomMasking} returns; the caller disposes every tensor. */
export interface RandomMasking {
  /** The kept tokens in shuffled order `[B, lenKeep, D]`. */
  xMasked: tf.Tensor3D;
  /** `[B, L]` float32 in original patch order: 0 = kept (visible), 1 = removed (masked). */
  mask: tf.Tensor2D;
  /** `[B, L]` int32, `argsort(argsort(noise))`: where each original patch sits in the shuffled order. */
  idsRestore: tf.Tensor2D;
  /** `[B, lenKeep]` int32, `argsort(noise)[:, :lenKeep]`: the original indices of the kept patches. */
  idsKeep: tf.Tensor2D;
}

/** Number of visible patches for a mask ratio: `int(L · (1 − ratio))`, truncated as the official code. */
export function lenKeepOf(numPatches: number, maskRatio: number): number {
  if (!(maskRatio >= 0 && maskRatio < 1)) throw new PatchworkError('E_ARGUMENT', `maskRatio must be in [0, 1), got ${maskRatio}`);
  return Math.trunc(numPatches * (1 - maskRatio));
}

/**
 * Ascending argsort along the last axis of `[B, L]` values without ties, as `torch.argsort(v, dim=1)`.
 * tfjs has no argsort: `topk(−v, L)` returns the indices of the smallest values first. Returns int32.
 */
export function argsort(values: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.topk(tf.neg(tf.cast(values, 'float32')), values.shape[1]).indices as tf.Tensor2D);
}

/**
 * Per-sample token gather `out[b, i] = x[b, ids[b, i]]` (`torch.gather(x, 1, ids[..., None].repeat(1, 1, D))`).
 * `x` `[B, L, D]`, `ids` `[B, K]` int32 → `[B, K, D]`.
 *
 * Runs as one `tf.gather` on the flattened `[B·L, D]` rows with offsets `b·L + ids`: gather's
 * gradient (UnsortedSegmentSum) works on every backend, whereas `gather` with `batchDims=1`
 * throws in tfjs 4.22 and `gatherND` has no gradient.
 */
export function gatherTokens(x: tf.Tensor, ids: tf.Tensor): tf.Tensor3D {
  if (x.rank !== 3 || ids.rank !== 2 || ids.shape[0] !== x.shape[0] || ids.dtype !== 'int32') {
    throw new ShapeError(`gatherTokens: expected x [B, L, D] and int32 ids [B, K], got x [${x.shape.join(', ')}] and ${ids.dtype} ids [${ids.shape.join(', ')}]`);
  }
  const [b, l, d] = x.shape as [number, number, number];
  const k = ids.shape[1]!;
  return tf.tidy(() => {
    const offsets = tf.reshape(tf.range(0, b * l, l, 'int32'), [b, 1]); // [B, 1]: b·L
    const flatIds = tf.reshape(tf.add(ids, offsets), [b * k]); // [B·K]
    return tf.reshape(tf.gather(tf.reshape(x, [b * l, d]), flatIds), [b, k, d]); // [B·L, D] rows → [B, K, D]
  });
}

/**
 * MAE's `random_masking`: per-sample shuffling by sorting noise, keeping the `lenKeep` tokens with
 * the smallest noise. `x` `[B, L, D]`; `noise` `[B, L]` (uniform [0, 1), no ties) is what the
 * official code draws with `torch.rand(N, L)` — pass the recorded one to replay a run.
 */
export function randomMasking(x: tf.Tensor, maskRatio: number, noise: tf.Tensor): RandomMasking {
  if (x.rank !== 3) throw new ShapeError(`randomMasking: expected tokens [B, L, D], got [${x.shape.join(', ')}]`);
  const [b, l] = x.shape as [number, number, number];
  if (noise.rank !== 2 || noise.shape[0] !== b || noise.shape[1] !== l) {
    throw new ShapeError(`randomMasking: noise must be [${b}, ${l}] (one value per sample and patch), got [${noise.shape.join(', ')}]`);
  }
  const lenKeep = lenKeepOf(l, maskRatio);
  if (lenKeep < 1) throw new PatchworkError('E_ARGUMENT', `randomMasking: mask ratio ${maskRatio} keeps no patch out of ${l}`);
  return tf.tidy(() => {
    const idsShuffle = argsort(noise as tf.Tensor2D); // ascending: small is keep, large is remove
    const idsRestore = argsort(idsShuffle);
    const idsKeep = tf.slice(idsShuffle, [0, 0], [b, lenKeep]);
    // ones with the first lenKeep zeroed, unshuffled by ids_restore == (ids_restore ≥ lenKeep).
    const mask = tf.cast(tf.greaterEqual(idsRestore, lenKeep), 'float32') as tf.Tensor2D;
    return { xMasked: gatherTokens(x, idsKeep), mask, idsRestore, idsKeep };
  });
}
