import { tf } from '@patchwork/tensor-core';
import type { MaskedAutoencoderViT } from '@patchwork/mae';

/** Encoder features of every image: the class token and the mean patch token, each `[N, D]` row-major. */
export interface Features {
  cls: Float32Array;
  avg: Float32Array;
  count: number;
  dim: number;
}

/**
 * Run the MAE encoder on whole images (mask ratio 0 with increasing noise keeps every patch in
 * order, i.e. the plain ViT encoder) and collect the class token and the mean patch token.
 */
export function encoderFeatures(mae: MaskedAutoencoderViT, images: tf.Tensor4D, batchSize = 250): Features {
  const [count] = images.shape;
  const dim = mae.config.embedDim;
  const l = mae.numPatches;
  const cls = new Float32Array(count * dim);
  const avg = new Float32Array(count * dim);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const [c, a] = tf.tidy(() => {
      const x = tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]);
      const noise = tf.tile(tf.reshape(tf.range(0, l), [1, l]), [size, 1]); // [B, L] increasing: no shuffle
      const { latent } = mae.forwardEncoder(x, { maskRatio: 0, noise }); // [B, 1 + L, D]
      return [tf.reshape(tf.slice(latent, [0, 0, 0], [size, 1, dim]), [size, dim]), tf.mean(tf.slice(latent, [0, 1, 0], [size, l, dim]), 1)];
    });
    cls.set(c.dataSync(), start * dim);
    avg.set(a.dataSync(), start * dim);
    tf.dispose([c, a]);
  }
  return { cls, avg, count, dim };
}

/**
 * Linear-probe accuracy by closed-form ridge regression to ±1 one-hot targets (the ViT paper's
 * "few-shot linear" evaluation): features standardised with the training statistics, a bias
 * column, `W = (XᵀX + λI)⁻¹ XᵀY` in float64, prediction = argmax.
 */
export function ridgeProbeAccuracy(
  train: { x: Float32Array; y: ArrayLike<number> },
  test: { x: Float32Array; y: ArrayLike<number> },
  dim: number,
  numClasses: number,
  lambda = 1,
): number {
  const n = train.y.length;
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += train.x[i * dim + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) std[j]! += (train.x[i * dim + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < dim; j++) std[j] = Math.sqrt(std[j]!) + 1e-6;
  const p = dim + 1; // features + bias
  const row = (x: Float32Array, i: number): Float64Array => {
    const r = new Float64Array(p);
    for (let j = 0; j < dim; j++) r[j] = (x[i * dim + j]! - mean[j]!) / std[j]!;
    r[dim] = 1;
    return r;
  };
  const gram = new Float64Array(p * p);
  const rhs = new Float64Array(p * numClasses);
  for (let i = 0; i < n; i++) {
    const r = row(train.x, i);
    for (let a = 0; a < p; a++) {
      for (let b = 0; b <= a; b++) gram[a * p + b]! += r[a]! * r[b]!;
      for (let k = 0; k < numClasses; k++) rhs[a * numClasses + k]! += r[a]! * (train.y[i] === k ? 1 : -1);
    }
  }
  for (let a = 0; a < p; a++) gram[a * p + a]! += lambda;
  const w = choleskySolve(gram, rhs, p, numClasses);
  let correct = 0;
  for (let i = 0; i < test.y.length; i++) {
    const r = row(test.x, i);
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < numClasses; k++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += r[a]! * w[a * numClasses + k]!;
      if (s > bestScore) [best, bestScore] = [k, s];
    }
    if (best === test.y[i]) correct++;
  }
  return correct / test.y.length;
}

/** Solve `A X = B` for symmetric positive-definite `A` (`p × p`, lower triangle used) and `B` (`p × m`). */
function choleskySolve(a: Float64Array, b: Float64Array, p: number, m: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = i === j ? Math.sqrt(s) : s / l[j * p + j]!;
    }
  }
  const x = Float64Array.from(b);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < p; i++) {
      let s = x[i * m + c]!;
      for (let k = 0; k < i; k++) s -= l[i * p + k]! * x[k * m + c]!;
      x[i * m + c] = s / l[i * p + i]!;
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = x[i * m + c]!;
      for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * x[k * m + c]!;
      x[i * m + c] = s / l[i * p + i]!;
    }
  }
  return x;
}
