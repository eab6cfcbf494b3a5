import { tf } from '@patchwork/tensor-core';
import { ProgressBar } from '@patchwork/train';
import type { LinearProbe } from './linear-probe.js';

/** Options for {@link encodeImages}. */
export interface EncodeOptions {
  /** Also encode every image flipped left-right: rows `[N, 2N)` hold those features. */
  flip?: boolean;
  batchSize?: number;
  /** Progress bar label; `false` for none. */
  progress?: string | false;
}

/**
 * The frozen encoder's features of every image, `[N, D]` (`[2N, D]` with `flip`), computed once
 * in batches. Training the probe head on these is exactly training it behind the encoder — the
 * encoder's weights never change and it has no dropout — at a fraction of the cost per epoch.
 * Caller disposes.
 */
export function encodeImages(probe: LinearProbe, images: tf.Tensor4D, { flip = false, batchSize = 250, progress = false }: EncodeOptions = {}): tf.Tensor2D {
  const n = images.shape[0];
  const passes = flip ? [false, true] : [false];
  const bar = progress === false ? null : new ProgressBar({ total: n * passes.length, label: progress });
  const parts: tf.Tensor2D[] = [];
  try {
    for (const flipped of passes) {
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        parts.push(
          tf.tidy(() => {
            const x = tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]);
            return probe.features(flipped ? tf.reverse(x, 2) : x);
          }),
        );
        bar?.update((flipped ? n : 0) + start + size);
      }
    }
    return tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}
