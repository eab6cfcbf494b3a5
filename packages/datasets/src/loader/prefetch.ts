import { PatchworkError } from '@patchwork/tensor-core';

/** Options for {@link prefetch}. */
export interface PrefetchOptions<T> {
  /** Items produced ahead of the one the consumer holds, in flight or waiting (≥ 1); memory holds at most `depth` + 1 items. */
  depth: number;
  /** Release an item that was produced but never handed out (the consumer stopped early). */
  dispose?: (item: T) => void;
}

/**
 * Yield `produce(0)`, `produce(1)`, … `produce(count − 1)` in order while keeping up to `depth`
 * of the next ones running, so async work (file reads, decoding on libuv threads) overlaps
 * with whatever the consumer does between items. The queue is bounded, so a slow consumer
 * never lets memory grow. If the consumer breaks out early or a producer fails, items already
 * produced but not yet yielded are passed to `dispose`.
 */
export async function* prefetch<T>(count: number, produce: (i: number) => Promise<T>, { depth, dispose }: PrefetchOptions<T>): AsyncGenerator<T, void, undefined> {
  if (!Number.isInteger(depth) || depth < 1) throw new PatchworkError('E_ARGUMENT', `prefetch: depth must be a positive integer, got ${depth}`);
  const queue: Promise<T>[] = [];
  let next = 0;
  const start = (): void => {
    const i = next++;
    const p = Promise.resolve().then(() => produce(i));
    // Rejections are re-raised when the item is awaited in order; this only keeps Node from
    // reporting a queued failure as unhandled while earlier items are still being consumed.
    p.catch(() => undefined);
    queue.push(p);
  };
  try {
    for (;;) {
      const head = queue.shift();
      // Refill before waiting so `depth` items run while the consumer works on this one.
      while (queue.length < depth && next < count) start();
      if (head === undefined) {
        if (queue.length === 0) return;
        continue;
      }
      yield await head;
    }
  } finally {
    const left = await Promise.allSettled(queue.splice(0));
    for (const r of left) if (r.status === 'fulfilled') dispose?.(r.value);
  }
}
