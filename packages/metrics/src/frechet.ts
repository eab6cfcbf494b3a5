import { PatchworkError } from '@patchwork/tensor-core';
import { FeatureStats } from './feature-stats.js';
import type { FeatureMoments } from './feature-stats.js';
import { FID_INCEPTION } from './features.js';
import { pivotedCholesky } from './linalg/pivoted-cholesky.js';
import { symmetricEigen } from './linalg/symmetric-eigen.js';

const EPS = 2 ** -52;

/**
 * `tr((S1^½·S2·S1^½)^½)` for symmetric positive semi-definite `n × n` matrices, the term FID
 * needs (it equals pytorch-fid's `tr(sqrtm(S1·S2))`), computed without a non-symmetric matrix
 * square root: with the rank-revealing factorisation `S1 = Lᵀ·L` ({@link pivotedCholesky},
 * `L` of `r × n`), `S1·S2` has the same non-zero eigenvalues as the symmetric PSD `C = L·S2·Lᵀ`,
 * so the trace is Σ √μ over C's eigenvalues μ ({@link symmetricEigen}). A rank-deficient `S1`
 * (fewer samples than dimensions) just gives a smaller C; eigenvalues of C at rounding level
 * (≤ r·ε·largest, numpy's `matrix_rank` threshold) count as zero, so a rank-deficient `S2` does
 * not add √noise terms either. Everything is float64; cost ≈ (r/2 + 1)·n²·r + 4/3·r³.
 */
export function traceSqrtProduct(s1: ArrayLike<number>, s2In: ArrayLike<number>, n: number): number {
  if (s1.length !== n * n || s2In.length !== n * n) {
    throw new PatchworkError('E_ARGUMENT', `traceSqrtProduct: expected two ${n}×${n} matrices, got ${s1.length} and ${s2In.length} values`);
  }
  // A typed array keeps the O(n³) loops monomorphic.
  const s2 = s2In instanceof Float64Array ? s2In : Float64Array.from(s2In);
  const { factor: l, rank: r } = pivotedCholesky(s1, n);
  if (r === 0) return 0;
  // t = L·S2 (r × n): row k is Σ_i L[k, i]·S2[i, :].
  const t = new Float64Array(r * n);
  for (let k = 0; k < r; k++) {
    const tk = k * n;
    for (let i = 0; i < n; i++) {
      const w = l[tk + i]!;
      if (w === 0) continue;
      const si = i * n;
      for (let j = 0; j < n; j++) t[tk + j]! += w * s2[si + j]!;
    }
  }
  // c = t·Lᵀ (r × r, symmetric): the upper triangle from dot products of rows.
  const c = new Float64Array(r * r);
  for (let a = 0; a < r; a++) {
    const ta = a * n;
    for (let b = a; b < r; b++) {
      const lb = b * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += t[ta + j]! * l[lb + j]!;
      c[a * r + b] = s;
    }
  }
  const mu = symmetricEigen(c, r).values;
  const top = Math.max(mu[r - 1]!, 0);
  let trace = 0;
  for (const m of mu) if (m > r * EPS * top) trace += Math.sqrt(m);
  return trace;
}

/**
 * Fréchet distance between two Gaussians, `‖μ1 − μ2‖² + tr(S1) + tr(S2) − 2·tr((S1^½·S2·S1^½)^½)`
 * (pytorch-fid's `calculate_frechet_distance`, with the exact square root of
 * {@link traceSqrtProduct} instead of `scipy.linalg.sqrtm` and no `eps` retry). Tiny negative
 * results from rounding are returned as they are.
 */
export function frechetDistance(a: FeatureStats | FeatureMoments, b: FeatureStats | FeatureMoments): number {
  const [ma, mb] = [moments(a), moments(b)];
  const d = ma.mean.length;
  if (mb.mean.length !== d || ma.cov.length !== d * d || mb.cov.length !== d * d) {
    throw new PatchworkError('E_ARGUMENT', `frechetDistance: dimensions differ (${d}-d vs ${mb.mean.length}-d)`);
  }
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < d; i++) {
    meanTerm += (ma.mean[i]! - mb.mean[i]!) ** 2;
    traces += ma.cov[i * d + i]! + mb.cov[i * d + i]!;
  }
  return meanTerm + traces - 2 * traceSqrtProduct(ma.cov, mb.cov, d);
}

function moments(x: FeatureStats | FeatureMoments): FeatureMoments {
  return x instanceof FeatureStats ? { mean: x.mean(), cov: x.covariance() } : x;
}

/** A distribution distance labelled with the features it was computed on. */
export interface FeatureDistanceResult {
  /** `FID` for {@link FID_INCEPTION} features, otherwise `FD_<extractor>` (never FID). */
  name: string;
  extractor: string;
  value: number;
  dim: number;
  /** Feature vectors on each side. */
  counts: [number, number];
  /** True when a side has fewer vectors than dimensions, so its covariance is rank-deficient (FID is then biased and not comparable to published numbers). */
  rankDeficient: boolean;
}

/**
 * Fréchet distance between two feature sets, labelled by their extractor: `FID` only for
 * pytorch-fid's InceptionV3 ({@link FID_INCEPTION}), `FD_<extractor>` for anything else (e.g.
 * `FD_dinov2`, as Stein et al. 2023 name it). Both sides must come from the same extractor.
 */
export function featureFrechetDistance(a: FeatureStats, b: FeatureStats): FeatureDistanceResult {
  if (a.extractor !== b.extractor) throw new PatchworkError('E_ARGUMENT', `featureFrechetDistance: features come from different extractors ('${a.extractor}' vs '${b.extractor}')`);
  return {
    name: a.extractor === FID_INCEPTION ? 'FID' : `FD_${a.extractor}`,
    extractor: a.extractor,
    value: frechetDistance(a, b),
    dim: a.dim,
    counts: [a.count, b.count],
    rankDeficient: Math.min(a.count, b.count) < a.dim,
  };
}

/**
 * FID: {@link featureFrechetDistance} that refuses features from any extractor other than
 * pytorch-fid's InceptionV3 with its `pt_inception-2015-12-05` weights.
 */
export function frechetInceptionDistance(real: FeatureStats, fake: FeatureStats): FeatureDistanceResult {
  for (const s of [real, fake]) {
    if (s.extractor !== FID_INCEPTION) {
      throw new PatchworkError(
        'E_ARGUMENT',
        `frechetInceptionDistance: features from '${s.extractor}' are not FID features (those come from '${FID_INCEPTION}' with the pt_inception weights); use featureFrechetDistance, which labels the result FD_${s.extractor}`,
      );
    }
  }
  return featureFrechetDistance(real, fake);
}
