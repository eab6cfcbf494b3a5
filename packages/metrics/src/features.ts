import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';

/**
 * A network that turns images into one feature vector per image, as FID/KID/IDS consume them.
 * `name` says which network (and weights) made the features: results computed from it carry it,
 * and only {@link FID_INCEPTION} features give numbers called FID, KID or IDS.
 */
export interface FeatureExtractor {
  readonly name: string;
  /** Length of each feature vector. */
  readonly dim: number;
  /** NHWC images `[N, H, W, 3]` in [0, 1] → `[N, dim]`. Caller disposes. */
  extract(images: tf.Tensor4D): tf.Tensor2D;
}

/**
 * Name carried by features of pytorch-fid's InceptionV3 (pool3, 2048-d) with the
 * `pt_inception-2015-12-05` weights: the only extractor whose Fréchet distance is reported as FID.
 */
export const FID_INCEPTION = 'pytorch-fid-inception-v3';

/** Feature rows: a `[N, dim]` tensor (read, not disposed) or a flat row-major array of N·dim values. */
export type FeatureRowsLike = tf.Tensor | ArrayLike<number>;

/** Feature rows read to the host. */
export interface FeatureMatrix {
  rows: number;
  dim: number;
  /** Row-major `rows × dim` values. */
  data: ArrayLike<number>;
}

/** Throw unless `name` is a usable extractor label. */
export function checkExtractorName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][\w.+-]*$/.test(name)) {
    throw new PatchworkError('E_ARGUMENT', `${where}: extractor must be a name of letters, digits and . _ + - (it labels the result), got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Read feature rows to the host and check them: a tensor must be `[N, dim]`, a flat array must
 * hold a whole number of rows, and every value must be finite.
 */
export function readFeatureRows(x: FeatureRowsLike | FeatureMatrix, dim: number, name: string): FeatureMatrix {
  let data: ArrayLike<number>;
  if (x instanceof tf.Tensor) {
    if (x.rank !== 2 || x.shape[1] !== dim) throw new ShapeError(`${name}: expected features [N, ${dim}], got [${x.shape.join(', ')}]`);
    data = x.dataSync();
  } else if ('data' in x && 'dim' in x) {
    if (x.dim !== dim || x.data.length !== x.rows * dim) throw new ShapeError(`${name}: expected ${dim}-d feature rows, got ${x.rows} rows of ${x.dim} (${x.data.length} values)`);
    data = x.data;
  } else {
    if (x.length % dim !== 0) throw new ShapeError(`${name}: ${x.length} values are not a whole number of ${dim}-d feature rows`);
    data = x;
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new PatchworkError('E_NAN', `${name}: feature value ${data[i]} at row ${Math.floor(i / dim)}, column ${i % dim}`);
  }
  return { rows: data.length / dim, dim, data };
}

/** The vector length of a `[N, dim]` tensor or a feature matrix. */
export function featureDim(x: tf.Tensor | FeatureMatrix, name: string): number {
  if (x instanceof tf.Tensor) {
    if (x.rank !== 2) throw new ShapeError(`${name}: expected features [N, dim], got [${x.shape.join(', ')}]`);
    return x.shape[1]!;
  }
  return x.dim;
}
