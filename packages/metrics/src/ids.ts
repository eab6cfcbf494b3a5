import { PatchworkError } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';
import { FID_INCEPTION, checkExtractorName, featureDim, readFeatureRows } from './features.js';
import type { FeatureMatrix } from './features.js';
import { svmDecision, trainLinearSvm } from './linear-svm.js';
import type { LinearSvmOptions } from './linear-svm.js';

/** P-IDS / U-IDS labelled with the features they were computed on. */
export interface DiscriminativeScoresResult {
  /** `IDS` for {@link FID_INCEPTION} features, otherwise `DS_<extractor>`. */
  name: string;
  extractor: string;
  /** Paired score: fraction of pairs whose fake looks more real than its own real image. */
  pIds: number;
  /** Unpaired score: the SVM's misclassification rate on the real and fake features. */
  uIds: number;
  /** Number of pairs. */
  count: number;
  svm: { C: number; iterations: number; converged: boolean };
}

/**
 * Paired and unpaired Inception Discriminative Scores as MAT (`metrics/inception_discriminative_score.py`,
 * from CoModGAN) computes them: a linear SVM — `LinearSVC` with its defaults, here
 * {@link trainLinearSvm} with C = 1 — is fit to tell real (label 1) from fake (label 0) features,
 * on all of them;
 * - U-IDS = 1 − its accuracy on those same features (a decision value of exactly 0 counts as fake,
 *   as scikit-learn's `predict`);
 * - P-IDS = the fraction of i for which `decision(fake_i) > decision(real_i)`, where fake i is the
 *   inpainting of real image i (so the two sets must be paired and of equal size).
 * MAT multiplies both by 100 in its tables. Features of another extractor give `DS_<extractor>`.
 */
export function discriminativeScores(
  real: tf.Tensor | FeatureMatrix,
  fake: tf.Tensor | FeatureMatrix,
  options: LinearSvmOptions & { extractor: string },
): DiscriminativeScoresResult {
  const { extractor: name, ...svmOptions } = options;
  const extractor = checkExtractorName(name, 'discriminativeScores');
  const dim = featureDim(real, 'discriminativeScores real features');
  const r = readFeatureRows(real, dim, 'discriminativeScores real features');
  const f = readFeatureRows(fake, dim, 'discriminativeScores fake features');
  if (r.rows !== f.rows || r.rows === 0) {
    throw new PatchworkError('E_ARGUMENT', `discriminativeScores: P-IDS pairs each fake with its real image, so both sets need the same non-zero size (got ${r.rows} real, ${f.rows} fake)`);
  }
  const n = r.rows;
  const both = new Float64Array(2 * n * dim);
  for (let i = 0; i < n * dim; i++) {
    both[i] = r.data[i]!;
    both[n * dim + i] = f.data[i]!;
  }
  const labels = new Int8Array(2 * n);
  labels.fill(1, 0, n);
  const svm = trainLinearSvm({ rows: 2 * n, dim, data: both }, labels, svmOptions);
  const realOut = svmDecision(svm, r);
  const fakeOut = svmDecision(svm, f);
  let correct = 0;
  let fooled = 0;
  for (let i = 0; i < n; i++) {
    if (realOut[i]! > 0) correct++;
    if (!(fakeOut[i]! > 0)) correct++;
    if (fakeOut[i]! > realOut[i]!) fooled++;
  }
  return {
    name: extractor === FID_INCEPTION ? 'IDS' : `DS_${extractor}`,
    extractor,
    pIds: fooled / n,
    uIds: 1 - correct / (2 * n),
    count: n,
    svm: { C: svm.C, iterations: svm.iterations, converged: svm.converged },
  };
}
