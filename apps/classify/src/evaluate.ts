import { tf } from '@patchwork/tensor-core';
import type { TensorSplit } from './data.js';
import type { Classifier } from './models.js';

/** Predicted class of every example (eval mode, batched so memory stays bounded). */
export function predict(model: Classifier, split: TensorSplit, batchSize = 250): Int32Array {
  const out = new Int32Array(split.count);
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    const pred = tf.tidy(() => tf.argMax(model.forward(tf.slice(split.images, [start, 0, 0, 0], [size, -1, -1, -1])), 1));
    out.set(pred.dataSync() as Int32Array, start);
    pred.dispose();
  }
  return out;
}

/** Top-1 accuracy of predictions against the split's labels. */
export function accuracy(pred: Int32Array, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) correct++;
  return pred.length === 0 ? Number.NaN : correct / pred.length;
}
