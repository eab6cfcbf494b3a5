import { PatchworkError, Rng, parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import { FID_INCEPTION, checkExtractorName, featureDim, readFeatureRows } from './features.js';
import type { FeatureMatrix } from './features.js';

export const kernelDistanceOptionsSchema = z.strictObject({
  /** Which network made the features; labels the result (`KID` only for {@link FID_INCEPTION}). */
  extractor: z.string(),
  /** Number of random subsets (torchmetrics and clean-fid: 100). */
  subsets: z.number().int().positive().default(100),
  /** Vectors per subset on each side (torchmetrics and clean-fid: 1000); at most the smaller set. */
  subsetSize: z.number().int().min(2).default(1000),
  /** Seed of the subset sampling. */
  seed: z.number().int().default(0),
});

/** Options of {@link kernelDistance}. */
export type KernelDistanceOptions = z.input<typeof kernelDistanceOptionsSchema>;

/** Explicit subsets: row indices into the real and fake features, one array of `subsetSize` distinct indices per subset. */
export interface KernelDistanceSubsets {
  real: readonly ArrayLike<number>[];
  fake: readonly ArrayLike<number>[];
}

/** A kernel distance labelled with the features it was computed on. */
export interface KernelDistanceResult {
  /** `KID` for {@link FID_INCEPTION} features, otherwise `KD_<extractor>`. */
  name: string;
  extractor: string;
  /** Mean of the per-subset MMD² estimates (what clean-fid returns and torchmetrics' `kid_mean`). */
  mean: number;
  /** Population standard deviation over subsets (torchmetrics' `kid_std`, `unbiased=False`). */
  std: number;
  subsets: number;
  subsetSize: number;
  perSubset: number[];
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018) with torchmetrics' and clean-fid's protocol:
 * the polynomial kernel `k(x, y) = (x·y / d + 1)³`, and for each of `subsets` random subsets of
 * `subsetSize` vectors per side (drawn without replacement from a seeded {@link Rng}) the unbiased
 * MMD² `(Σ_{i≠j} k(xᵢ, xⱼ) + Σ_{i≠j} k(yᵢ, yⱼ)) / (m(m − 1)) − 2·Σ k(xᵢ, yⱼ) / m²`; the result is
 * the mean and std over subsets. Unbiased, so it can be slightly negative for equal distributions.
 *
 * Gram matrices are float32 matmuls on the tfjs backend; the kernel and the sums are float64 on
 * the host. Pass `explicitSubsets` to evaluate given index sets (as the reference test does).
 */
export function kernelDistance(
  real: tf.Tensor | FeatureMatrix,
  fake: tf.Tensor | FeatureMatrix,
  options: KernelDistanceOptions,
  explicitSubsets?: KernelDistanceSubsets,
): KernelDistanceResult {
  const opts = parseConfig(kernelDistanceOptionsSchema, options, 'kernelDistance options');
  const extractor = checkExtractorName(opts.extractor, 'kernelDistance');
  const dim = featureDim(real, 'kernelDistance real features');
  const x = readFeatureRows(real, dim, 'kernelDistance real features');
  const y = readFeatureRows(fake, dim, 'kernelDistance fake features');
  const subsets = explicitSubsets ?? sampleSubsets(x.rows, y.rows, opts.subsets, opts.subsetSize, opts.seed);
  if (subsets.real.length !== subsets.fake.length || subsets.real.length === 0) {
    throw new PatchworkError('E_ARGUMENT', `kernelDistance: ${subsets.real.length} real and ${subsets.fake.length} fake subsets`);
  }
  const m = subsets.real[0]!.length;
  const perSubset = subsets.real.map((ri, s) => {
    const fi = subsets.fake[s]!;
    checkSubset(ri, x.rows, m, `real subset ${s}`);
    checkSubset(fi, y.rows, m, `fake subset ${s}`);
    return polynomialMmd2(gather(x, ri), gather(y, fi), m, dim);
  });
  const mean = perSubset.reduce((a, b) => a + b, 0) / perSubset.length;
  const std = Math.sqrt(perSubset.reduce((a, b) => a + (b - mean) ** 2, 0) / perSubset.length);
  return { name: extractor === FID_INCEPTION ? 'KID' : `KD_${extractor}`, extractor, mean, std, subsets: perSubset.length, subsetSize: m, perSubset };
}

function sampleSubsets(nReal: number, nFake: number, count: number, size: number, seed: number): KernelDistanceSubsets {
  if (size > nReal || size > nFake) {
    throw new PatchworkError('E_ARGUMENT', `kernelDistance: subsetSize ${size} is larger than the feature sets (${nReal} real, ${nFake} fake); pass a smaller subsetSize`);
  }
  const rng = new Rng(seed);
  const real: Int32Array[] = [];
  const fake: Int32Array[] = [];
  for (let s = 0; s < count; s++) {
    real.push(choose(rng, nReal, size));
    fake.push(choose(rng, nFake, size));
  }
  return { real, fake };
}

/** `size` distinct indices of 0..n−1, uniformly (a partial Fisher–Yates shuffle). */
function choose(rng: Rng, n: number, size: number): Int32Array {
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, size);
}

function checkSubset(idx: ArrayLike<number>, rows: number, m: number, what: string): void {
  if (idx.length !== m || m < 2) throw new PatchworkError('E_ARGUMENT', `kernelDistance: ${what} has ${idx.length} indices, expected ${m} (at least 2)`);
  const seen = new Set<number>();
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= rows || seen.has(v)) {
      throw new PatchworkError('E_ARGUMENT', `kernelDistance: ${what}: index ${v} at position ${i} is not a new row index in 0..${rows - 1}`);
    }
    seen.add(v);
  }
}

function gather(x: FeatureMatrix, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * x.dim);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    for (let j = 0; j < x.dim; j++) out[i * x.dim + j] = x.data[r * x.dim + j]!;
  }
  return out;
}

/** Unbiased MMD² with the cubic polynomial kernel between two `m × d` row sets. */
function polynomialMmd2(xs: Float32Array, ys: Float32Array, m: number, d: number): number {
  const [gxx, gyy, gxy] = tf.tidy(() => {
    const x = tf.tensor2d(xs, [m, d]);
    const y = tf.tensor2d(ys, [m, d]);
    return [tf.matMul(x, x, false, true), tf.matMul(y, y, false, true), tf.matMul(x, y, false, true)].map((g) => g.dataSync());
  }) as [Float32Array, Float32Array, Float32Array];
  const kernelSum = (g: Float32Array, skipDiagonal: boolean): number => {
    let s = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (skipDiagonal && i === j) continue;
        s += (g[i * m + j]! / d + 1) ** 3;
      }
    }
    return s;
  };
  return (kernelSum(gxx, true) + kernelSum(gyy, true)) / (m * (m - 1)) - (2 * kernelSum(gxy, false)) / (m * m);
}
