import { confusionMatrix } from '@patchwork/metrics';
import { tf } from '@patchwork/tensor-core';
import type { TensorSplit } from './data.js';
import type { Classifier } from './models.js';

/** Argmax of `forward` over the rows of `inputs` (images or features), batched so memory stays bounded. */
export function predictRows(forward: (x: tf.Tensor) => tf.Tensor, inputs: tf.Tensor, batchSize = 250): Int32Array {
  const count = inputs.shape[0]!;
  const out = new Int32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const pred = tf.tidy(() => {
      const begin = inputs.shape.map((_, i) => (i === 0 ? start : 0));
      const extent = inputs.shape.map((_, i) => (i === 0 ? size : -1));
      return tf.argMax(forward(tf.slice(inputs, begin, extent)), 1);
    });
    out.set(pred.dataSync() as Int32Array, start);
    pred.dispose();
  }
  return out;
}

/** Predicted class of every example (call `model.eval()` first for eval-mode predictions). */
export function predict(model: Classifier, split: TensorSplit, batchSize = 250): Int32Array {
  return predictRows((x) => model.forward(x), split.images, batchSize);
}

/** Test-set scores: confusion matrix (rows = truth) and top-1 accuracy (its trace over the total). */
export function scores(pred: Int32Array, labels: ArrayLike<number>, numClasses: number): { accuracy: number; confusion: number[][] } {
  const confusion = confusionMatrix(pred, Int32Array.from(labels), numClasses);
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  return { accuracy: correct / pred.length, confusion };
}
