import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';

/**
 * MAE per-sample random masking (facebookresearch/mae `random_masking`), as index arrays.
 * Convention: in `mask`, **1 = masked (removed), 0 = kept** — the opposite of MAT's masks.
 */
export interface MaeMask {
  batch: number;
  /** Tokens per sample (L). */
  length: number;
  /** `int(L·(1 − ratio))` visible tokens per sample. */
  lenKeep: number;
  /** `[batch, L]`: token indices sorted by ascending noise (the first `lenKeep` are kept). */
  idsShuffle: Int32Array;
  /** `[batch, L]`: inverse permutation of `idsShuffle` (to unshuffle decoder tokens). */
  idsRestore: Int32Array;
  /** `[batch, lenKeep]`: kept token indices, in noise order (what MAE gathers). */
  idsKeep: Int32Array;
  /** `[batch, L]` in original token order: 1 = masked, 0 = kept. */
  mask: Float32Array;
}

/**
 * Draw MAE random masks: noise ~ U[0, 1)^(N×L), `ids_shuffle = argsort(noise)` (small noise is
 * kept), `ids_restore = argsort(ids_shuffle)`, keep the first `len_keep = int(L·(1 − ratio))`.
 * Every sample has exactly `len_keep` zeros in `mask`.
 */
export function maeRandomMask(batch: number, length: number, maskRatio: number, rng: Rng): MaeMask {
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(length) || length < 1) {
    throw new PatchworkError('E_ARGUMENT', `maeRandomMask: batch and length must be positive integers, got ${batch} and ${length}`);
  }
  if (!(maskRatio >= 0 && maskRatio < 1)) throw new PatchworkError('E_ARGUMENT', `maeRandomMask: maskRatio must be in [0, 1), got ${maskRatio}`);
  const lenKeep = Math.trunc(length * (1 - maskRatio));
  const idsShuffle = new Int32Array(batch * length);
  const idsRestore = new Int32Array(batch * length);
  const idsKeep = new Int32Array(batch * lenKeep);
  const mask = new Float32Array(batch * length);
  for (let n = 0; n < batch; n++) {
    const noise = rng.uniformArray(length);
    const order = Array.from({ length }, (_, i) => i).sort((a, b) => noise[a]! - noise[b]! || a - b);
    const base = n * length;
    order.forEach((token, rank) => {
      idsShuffle[base + rank] = token;
      idsRestore[base + token] = rank;
      mask[base + token] = rank < lenKeep ? 0 : 1;
    });
    idsKeep.set(order.slice(0, lenKeep), n * lenKeep);
  }
  return { batch, length, lenKeep, idsShuffle, idsRestore, idsKeep, mask };
}

/** {@link maeRandomMask} as tensors: `mask` float32 `[N, L]`, `idsKeep` int32 `[N, lenKeep]`, `idsRestore` int32 `[N, L]`. Caller disposes. */
export function maeRandomMaskTensors(batch: number, length: number, maskRatio: number, rng: Rng): { mask: tf.Tensor2D; idsKeep: tf.Tensor2D; idsRestore: tf.Tensor2D } {
  const m = maeRandomMask(batch, length, maskRatio, rng);
  return {
    mask: tf.tensor2d(m.mask, [batch, length], 'float32'),
    idsKeep: tf.tensor2d(m.idsKeep, [batch, m.lenKeep], 'int32'),
    idsRestore: tf.tensor2d(m.idsRestore, [batch, length], 'int32'),
  };
}
