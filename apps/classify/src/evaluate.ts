import { confusionMatrix } from '@patchwork/metrics';
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

/** Test-set scores: confusion matrix (rows = truth) and top-1 accuracy (its trace over the total). */
export function scores(pred: Int32Array, labels: ArrayLike<number>, numClasses: number): { accuracy: number; confusion: number[][] } {
  const confusion = confusionMatrix(pred, Int32Array.from(labels), numClasses);
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  return { accuracy: correct / pred.length, confusion };
}
