import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';
import { checkFinite, checkNumClasses, readLabels, shapeOf } from './validate.js';
import type { LabelsLike } from './validate.js';

/**
 * Fraction of rows whose true label is among the `k` highest logits (timm's `accuracy`).
 * Ties are broken towards the lower class index, as `tf.topk` and `torch.topk` on CPU do.
 *
 * @param logits `[N, C]` scores (logits or probabilities).
 * @param labels `N` class indices.
 */
export function topKAccuracy(logits: tf.Tensor, labels: LabelsLike, k = 1): number {
  if (logits.rank !== 2) throw new ShapeError(`topKAccuracy: logits must be [N, C], got [${logits.shape.join(', ')}]`);
  const [n, c] = logits.shape as [number, number];
  if (!Number.isInteger(k) || k < 1 || k > c) throw new PatchworkError('E_ARGUMENT', `topKAccuracy: k must be an integer in 1..${c}, got ${k}`);
  const truth = readLabels(labels, 'topKAccuracy labels', c);
  if (truth.length !== n) throw new ShapeError(`topKAccuracy: ${truth.length} labels (shape [${shapeOf(labels).join(', ')}]) for ${n} rows of logits`);
  if (n === 0) throw new PatchworkError('E_ARGUMENT', 'topKAccuracy: no examples');
  checkFinite(logits, 'topKAccuracy logits');
  const top = tf.tidy(() => tf.topk(logits, k, true).indices.dataSync());
  let hits = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      if (top[i * k + j] === truth[i]) {
        hits++;
        break;
      }
    }
  }
  return hits / n;
}

/**
 * Confusion matrix `m[t][p]` = number of examples of true class `t` predicted as `p`
 * (rows = truth, columns = prediction, as scikit-learn's `confusion_matrix`).
 *
 * @param predictions `N` predicted class indices, or `[N, C]` scores (argmax is taken).
 */
export function confusionMatrix(predictions: LabelsLike, labels: LabelsLike, numClasses: number): number[][] {
  checkNumClasses(numClasses, 'confusionMatrix');
  const predIdx =
    predictions instanceof tf.Tensor && predictions.rank === 2
      ? (checkFinite(predictions, 'confusionMatrix scores'), tf.tidy(() => predictions.argMax(1).dataSync()))
      : predictions;
  const pred = readLabels(predIdx, 'confusionMatrix predictions', numClasses);
  const truth = readLabels(labels, 'confusionMatrix labels', numClasses);
  if (pred.length !== truth.length) throw new ShapeError(`confusionMatrix: ${pred.length} predictions for ${truth.length} labels`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < pred.length; i++) m[truth[i]!]![pred[i]!]!++;
  return m;
}
