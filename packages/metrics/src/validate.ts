import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';

/** Class indices given as a tensor or any array of integers. */
export type LabelsLike = tf.Tensor | ArrayLike<number>;

/** Read labels into an Int32Array, checking every value is an integer in [0, numClasses) or `allowed`. */
export function readLabels(x: LabelsLike, name: string, numClasses: number, allowed?: number): Int32Array {
  const values = x instanceof tf.Tensor ? x.dataSync() : x;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || ((v < 0 || v >= numClasses) && v !== allowed)) {
      const extra = allowed === undefined ? '' : ` or the ignore index ${allowed}`;
      throw new PatchworkError('E_ARGUMENT', `${name}: value ${v} at flat index ${i} is not a class index in 0..${numClasses - 1}${extra}`);
    }
    out[i] = v;
  }
  return out;
}

/** Shape of a tensor or `[length]` of an array, for error messages and comparisons. */
export function shapeOf(x: LabelsLike): number[] {
  return x instanceof tf.Tensor ? x.shape : [x.length];
}

/** Throw unless `numClasses` is a positive integer. */
export function checkNumClasses(numClasses: number, name: string): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new PatchworkError('E_ARGUMENT', `${name}: numClasses must be a positive integer, got ${numClasses}`);
}

/** Throw a {@link ShapeError} unless both tensors have the same shape. */
export function checkSameShape(a: tf.Tensor, b: tf.Tensor, name: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${name}: shapes differ: [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  }
}

/** Throw a PatchworkError `E_NAN` if the tensor holds a NaN or an infinity. */
export function checkFinite(x: tf.Tensor, name: string): void {
  const bad = tf.tidy(() => tf.logicalNot(tf.isFinite(x)).any().dataSync()[0]);
  if (bad === 1) throw new PatchworkError('E_NAN', `${name}: contains NaN or infinite values`);
}
