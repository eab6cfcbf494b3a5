import { PatchworkError, Rng } from '@patchwork/tensor-core';

/** Options for {@link batchIndices}. */
export interface BatchOptions {
  batchSize: number;
  /** Shuffle each epoch with this seed (epoch e uses a generator forked deterministically from it). */
  seed?: number;
  shuffle?: boolean;
  /** Drop the last incomplete batch. */
  dropLast?: boolean;
  /** Resume: skip this many batches from the start of epoch 0. */
  startStep?: number;
}

/**
 * Endless, seeded sequence of index batches over `n` examples, epoch after epoch. The sequence
 * depends only on (n, options), so a run resumed at `startStep` sees exactly the batches it
 * would have seen.
 */
export function* batchIndices(n: number, { batchSize, seed = 0, shuffle = true, dropLast = true, startStep = 0 }: BatchOptions): Generator<Int32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new PatchworkError('E_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
  if (n < (dropLast ? batchSize : 1)) throw new PatchworkError('E_ARGUMENT', `dataset of ${n} examples cannot fill a batch of ${batchSize}`);
  const perEpoch = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  let step = startStep;
  for (;;) {
    const epoch = Math.floor(step / perEpoch);
    const order = shuffle ? new Rng(seed * 1000003 + epoch).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    for (let b = step % perEpoch; b < perEpoch; b++, step++) {
      yield order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
    }
  }
}
