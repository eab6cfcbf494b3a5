import { PatchworkError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { batchIndices } from '../batches.js';
import type { BatchOptions } from '../batches.js';
import { deriveRng } from '../seeding.js';
import type { Dataset } from '../types.js';
import { prefetch } from './prefetch.js';

/** What a collate function knows about the batch it builds. */
export interface CollateContext {
  /** Global step (0-based, counting from the start of epoch 0). */
  step: number;
  indices: Int32Array;
  /** Generator for this step's augmentations: depends only on (seed, step), so resumed runs augment identically. */
  rng: Rng;
}

/** Turns a batch of examples into model inputs (usually tensors). */
export type Collate<T, B> = (examples: T[], context: CollateContext) => B | Promise<B>;

/** Options for {@link loadBatches}. */
export interface LoaderOptions<T, B extends tf.TensorContainer> extends BatchOptions {
  collate: Collate<T, B>;
  /** Batches prepared ahead of the consumer; default 2. */
  prefetch?: number;
  /** Stop after this many batches; default: never (epochs repeat). */
  steps?: number;
  /**
   * Default true: the loader disposes each batch's tensors when the consumer asks for the next
   * batch or stops. Set false to take ownership (then dispose them yourself).
   */
  autoDispose?: boolean;
}

/** One batch from {@link loadBatches}. */
export interface Batch<B> {
  step: number;
  epoch: number;
  indices: Int32Array;
  data: B;
}

const AUGMENT_SALT = 0x5bd1e995;

/**
 * Seeded, shuffled, resumable batches over a dataset with background prefetch. Index order
 * comes from {@link batchIndices} (so `startStep` resumes exactly), examples are fetched with
 * `dataset.get` (awaited in parallel) and combined by `collate`. Prefetched batches that are
 * never consumed are disposed when the loop ends.
 *
 * @example
 * for await (const { data } of loadBatches(ds, { batchSize: 32, seed: 1, collate: collateClassification() })) {
 *   trainStep(data.images, data.labels); // disposed automatically before the next batch
 * }
 */
export async function* loadBatches<T, B extends tf.TensorContainer>(dataset: Dataset<T>, options: LoaderOptions<T, B>): AsyncGenerator<Batch<B>, void, undefined> {
  const { collate, prefetch: depth = 2, steps = Number.POSITIVE_INFINITY, autoDispose = true, ...batchOptions } = options;
  if (!(steps >= 0)) throw new PatchworkError('E_ARGUMENT', `loadBatches: steps must be ≥ 0, got ${steps}`);
  const seed = batchOptions.seed ?? 0;
  const startStep = batchOptions.startStep ?? 0;
  const indexStream = batchIndices(dataset.length, batchOptions);
  const perEpoch = batchOptions.dropLast === false ? Math.ceil(dataset.length / batchOptions.batchSize) : Math.floor(dataset.length / batchOptions.batchSize);
  const produce = async (k: number): Promise<Batch<B>> => {
    // Index batches are drawn in order because prefetch calls produce(0), produce(1), … in order.
    const indices = Int32Array.from(indexStream.next().value as Int32Array);
    const step = startStep + k;
    const examples = await Promise.all(Array.from(indices, (i) => dataset.get(i)));
    const data = await collate(examples, { step, indices, rng: deriveRng(seed ^ AUGMENT_SALT, step) });
    return { step, epoch: Math.floor(step / perEpoch), indices, data };
  };
  let current: Batch<B> | null = null;
  try {
    for await (const batch of prefetch(steps, produce, { depth, dispose: (b) => tf.dispose(b.data) })) {
      current = batch;
      yield batch;
      // The consumer asked for the next batch, so it is done with this one.
      if (autoDispose) tf.dispose(batch.data);
      current = null;
    }
  } finally {
    if (autoDispose && current !== null) tf.dispose(current.data);
  }
}
