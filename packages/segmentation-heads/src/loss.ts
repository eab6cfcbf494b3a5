import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';

/** Options of {@link crossEntropyLoss}; defaults as mmseg's `CrossEntropyLoss(avg_non_ignore=True)` in a decode head. */
export interface CrossEntropyOptions {
  /** Label value that contributes nothing (mmseg and ADE20K: 255). */
  ignoreIndex?: number;
  /** Per-class weight `w[c]`: pixel loss `w[label]·(−log p[label])` (PyTorch's `weight`). */
  classWeight?: readonly number[];
  /**
   * Divide the summed pixel losses by the number of non-ignored pixels (`avg_non_ignore=True`,
   * plus mmseg 1.x's float32 eps); false = mean over every pixel, ignored ones counting as 0
   * (mmseg's historical default). Class weights never enter the denominator, unlike PyTorch's
   * `reduction='mean'`.
   */
  avgNonIgnore?: boolean;
  /** Multiplies the loss (mmseg's `loss_weight`, e.g. 0.4 for an auxiliary head). */
  lossWeight?: number;
}

// torch.finfo(torch.float32).eps, which mmseg 1.x adds to avg_factor.
const FLOAT32_EPS = 1.1920928955078125e-7;

/**
 * mmsegmentation's softmax cross-entropy for segmentation: logits `[B, H, W, K]` against int32
 * labels `[B, H, W]` of the same size, pixels labelled `ignoreIndex` skipped.
 *
 * Labels are checked on the host first (every value must be a class in `0..K−1` or the ignore
 * index), which also counts the non-ignored pixels; the differentiated part is only
 * `−Σ onehot·w·logSoftmax`, with the one-hot row of an ignored pixel all zero, so no comparison
 * op ever runs under the gradient tape. Returns a scalar the caller disposes.
 */
export function crossEntropyLoss(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyOptions = {}): tf.Scalar {
  const { ignoreIndex = 255, classWeight, avgNonIgnore = true, lossWeight = 1 } = options;
  if (logits.rank !== 4) throw new ShapeError(`crossEntropyLoss: expected logits [B, H, W, K], got [${logits.shape.join(', ')}]`);
  const [b, h, w, k] = logits.shape as [number, number, number, number];
  if (labels.rank !== 3 || labels.shape[0] !== b || labels.shape[1] !== h || labels.shape[2] !== w) {
    throw new ShapeError(`crossEntropyLoss: labels [${labels.shape.join(', ')}] do not match logits [${logits.shape.join(', ')}]; expected [${b}, ${h}, ${w}]`);
  }
  if (labels.dtype !== 'int32') throw new PatchworkError('E_DTYPE', `crossEntropyLoss: labels must be int32 class indices, got ${labels.dtype}`);
  if (classWeight !== undefined && classWeight.length !== k) {
    throw new PatchworkError('E_ARGUMENT', `crossEntropyLoss: classWeight has ${classWeight.length} entries for ${k} classes`);
  }
  const valid = countValid(labels, k, ignoreIndex);
  return tf.tidy(() => {
    // An ignore index inside 0..K−1 has a real one-hot column; zero it so those pixels drop out too.
    // int32 then cast: the wasm OneHot kernel writes integer bits into float32 outputs (1 → 1.4e-45).
    let target: tf.Tensor = tf.cast(tf.oneHot(labels, k), 'float32'); // [B, H, W, K]
    const perClass = Float32Array.from({ length: k }, (_, c) => (c === ignoreIndex ? 0 : (classWeight?.[c] ?? 1)));
    if (classWeight !== undefined || (ignoreIndex >= 0 && ignoreIndex < k)) target = tf.mul(target, tf.tensor1d(perClass));
    const total = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits))));
    const denominator = avgNonIgnore ? valid + FLOAT32_EPS : b * h * w;
    return tf.mul(total, lossWeight / denominator) as tf.Scalar;
  });
}

/** Number of labels that are not `ignoreIndex`, after checking each is a class index or the ignore index. */
function countValid(labels: tf.Tensor, numClasses: number, ignoreIndex: number): number {
  const data = labels.dataSync();
  let valid = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v === ignoreIndex) continue;
    if (v < 0 || v >= numClasses) {
      throw new PatchworkError(
        'E_ARGUMENT',
        `crossEntropyLoss: label ${v} at flat index ${i} is not a class index in 0..${numClasses - 1} or the ignore index ${ignoreIndex} ` +
          '(does the head have the right numClasses?)',
      );
    }
    valid++;
  }
  return valid;
}
