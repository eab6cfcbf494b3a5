import { PatchworkError, parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';
import { base64ToFloat64, float64ToBase64 } from './encoding.js';
import { checkExtractorName, readFeatureRows } from './features.js';
import type { FeatureMatrix, FeatureRowsLike } from './features.js';

const FORMAT = 'patchwork.feature-stats';

const statsJsonSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  extractor: z.string(),
  dim: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  /** base64 of little-endian float64 values. */
  mean: z.string(),
  /** Upper triangle (row-major, diagonal included) of Σ (x − mean)(x − mean)ᵀ, base64 float64. */
  m2: z.string(),
});

/** The JSON form of {@link FeatureStats} (exact: float64 arrays as base64 of their little-endian bytes). */
export type FeatureStatsJson = z.output<typeof statsJsonSchema>;

/** Mean and covariance of a feature set, e.g. pytorch-fid's `mu` / `sigma`. */
export interface FeatureMoments {
  mean: ArrayLike<number>;
  /** `dim × dim`, row-major, symmetric. */
  cov: ArrayLike<number>;
}

/**
 * Streaming mean and covariance of feature vectors, accumulated in float64 with Chan et al.'s
 * pairwise update (each batch is centred on its own mean, then merged), so memory is O(dim²)
 * whatever the number of images, and the result does not lose digits to a large mean.
 * The covariance is the unbiased one (`np.cov(features, rowvar=False)`, as pytorch-fid).
 *
 * @example
 * const stats = new FeatureStats({ dim: 2048, extractor: inception.name });
 * for (const batch of batches) tf.tidy(() => stats.add(inception.extract(batch)));
 * fs.writeFileSync('real.json', JSON.stringify(stats));
 */
export class FeatureStats {
  readonly dim: number;
  /** Which network made the features ({@link FID_INCEPTION} for FID). */
  readonly extractor: string;
  private n = 0;
  private readonly mu: Float64Array;
  /** Σ (x − μ)(x − μ)ᵀ; only the upper triangle (j ≥ i) is maintained. */
  private readonly m2: Float64Array;

  constructor({ dim, extractor }: { dim: number; extractor: string }) {
    if (!Number.isInteger(dim) || dim < 1) throw new PatchworkError('E_ARGUMENT', `FeatureStats: dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.extractor = checkExtractorName(extractor, 'FeatureStats');
    this.mu = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
  }

  /** Number of feature vectors added so far. */
  get count(): number {
    return this.n;
  }

  /** Add a batch of feature rows (`[N, dim]` tensor, read and not disposed, or flat values). */
  add(features: FeatureRowsLike | FeatureMatrix): this {
    const { rows, data } = readFeatureRows(features, this.dim, 'FeatureStats.add');
    if (rows === 0) return this;
    const d = this.dim;
    const batchMean = new Float64Array(d);
    for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) batchMean[i]! += data[r * d + i]!;
    for (let i = 0; i < d; i++) batchMean[i]! /= rows;
    const centred = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < d; i++) centred[i] = data[r * d + i]! - batchMean[i]!;
      this.addOuter(centred, 1);
    }
    this.mergeMoments(rows, batchMean);
    return this;
  }

  /** Add another accumulator's features (e.g. from another worker); both must have the same dim and extractor. */
  merge(other: FeatureStats): this {
    if (other.dim !== this.dim || other.extractor !== this.extractor) {
      throw new PatchworkError('E_ARGUMENT', `FeatureStats.merge: ${other.dim}-d '${other.extractor}' stats into ${this.dim}-d '${this.extractor}' stats`);
    }
    if (other.n === 0) return this;
    for (let i = 0; i < this.m2.length; i++) this.m2[i]! += other.m2[i]!;
    this.mergeMoments(other.n, other.mu);
    return this;
  }

  /** The mean feature vector (a copy). */
  mean(): Float64Array {
    return this.mu.slice();
  }

  /** The unbiased covariance (divided by N − 1), full `dim × dim` row-major. Needs at least 2 vectors. */
  covariance(): Float64Array {
    if (this.n < 2) throw new PatchworkError('E_ARGUMENT', `FeatureStats: the covariance needs at least 2 feature vectors, got ${this.n}`);
    const d = this.dim;
    const cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = this.m2[i * d + j]! / (this.n - 1);
        cov[i * d + j] = v;
        cov[j * d + i] = v;
      }
    }
    return cov;
  }

  /** Exact JSON form; `JSON.stringify(stats)` uses it. */
  toJSON(): FeatureStatsJson {
    const d = this.dim;
    const upper = new Float64Array((d * (d + 1)) / 2);
    let k = 0;
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) upper[k++] = this.m2[i * d + j]!;
    return { format: FORMAT, version: 1, extractor: this.extractor, dim: d, count: this.n, mean: float64ToBase64(this.mu), m2: float64ToBase64(upper) };
  }

  /** Restore from {@link toJSON} output (parsed JSON); unknown keys and wrong sizes are errors. */
  static fromJSON(json: unknown): FeatureStats {
    const j = parseConfig(statsJsonSchema, json, 'FeatureStats JSON');
    const stats = new FeatureStats({ dim: j.dim, extractor: j.extractor });
    const d = j.dim;
    stats.mu.set(base64ToFloat64(j.mean, d, 'FeatureStats JSON mean'));
    const upper = base64ToFloat64(j.m2, (d * (d + 1)) / 2, 'FeatureStats JSON m2');
    let k = 0;
    for (let i = 0; i < d; i++) for (let j2 = i; j2 < d; j2++) stats.m2[i * d + j2] = upper[k++]!;
    stats.n = j.count;
    return stats;
  }

  /**
   * Stats from a known mean and (unbiased) covariance of `count` vectors, e.g. pytorch-fid's
   * precomputed `mu`/`sigma` for a dataset.
   */
  static fromMoments({ mean, cov }: FeatureMoments, { count, extractor }: { count: number; extractor: string }): FeatureStats {
    const d = mean.length;
    if (cov.length !== d * d) throw new PatchworkError('E_ARGUMENT', `FeatureStats.fromMoments: a ${d}-d mean needs a ${d}×${d} covariance, got ${cov.length} values`);
    if (!Number.isInteger(count) || count < 2) throw new PatchworkError('E_ARGUMENT', `FeatureStats.fromMoments: count must be an integer ≥ 2, got ${count}`);
    const stats = new FeatureStats({ dim: d, extractor });
    readFeatureRows(mean, d, 'FeatureStats.fromMoments mean');
    readFeatureRows(cov, d, 'FeatureStats.fromMoments cov');
    stats.mu.set(Array.from(mean));
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        if (Math.abs(cov[i * d + j]! - cov[j * d + i]!) > 1e-9 * (Math.abs(cov[i * d + j]!) + Math.abs(cov[j * d + i]!))) {
          throw new PatchworkError('E_ARGUMENT', `FeatureStats.fromMoments: the covariance is not symmetric at (${i}, ${j})`);
        }
        stats.m2[i * d + j] = cov[i * d + j]! * (count - 1);
      }
    }
    stats.n = count;
    return stats;
  }

  /** m2 += w·v·vᵀ (upper triangle). */
  private addOuter(v: Float64Array, w: number): void {
    const d = this.dim;
    for (let i = 0; i < d; i++) {
      const vi = w * v[i]!;
      if (vi === 0) continue;
      const row = i * d;
      for (let j = i; j < d; j++) this.m2[row + j]! += vi * v[j]!;
    }
  }

  /** Chan's merge of a group of `count` vectors with mean `groupMean` (its own m2 already added). */
  private mergeMoments(count: number, groupMean: Float64Array): void {
    const total = this.n + count;
    const delta = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) delta[i] = groupMean[i]! - this.mu[i]!;
    this.addOuter(delta, (this.n * count) / total);
    for (let i = 0; i < this.dim; i++) this.mu[i]! += (delta[i]! * count) / total;
    this.n = total;
  }
}
