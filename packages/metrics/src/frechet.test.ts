import { tf } from '@patchwork/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceJson, referenceTensors } from './__fixtures__/reference.js';
import { FeatureStats } from './feature-stats.js';
import { FID_INCEPTION } from './features.js';
import { featureFrechetDistance, frechetDistance, frechetInceptionDistance, traceSqrtProduct } from './frechet.js';

// tooling/reference/metrics/distribution_reference.py: fd_exact (nuclear norm, no matrix square root)
// and fd_pytorch_fid (scipy.linalg.sqrtm as pytorch-fid calls it).
type Case = { fd_exact: number; fd_pytorch_fid: number; rank_cov_real: number; rank_cov_fake: number; counts: [number, number] };
const ref = referenceJson<Record<string, Case>>('distribution.json');
const inputs = referenceTensors('distribution-inputs.safetensors');

function stats(name: string, side: 'real' | 'fake', extractor = 'test-net'): FeatureStats {
  return new FeatureStats({ dim: inputs[`${name}.${side}`]!.shape[1]!, extractor }).add(inputs[`${name}.${side}`]!);
}

describe('Fréchet distance', () => {
  afterAll(() => tf.dispose(Object.values(inputs)));

  it('matches the exact value and scipy-sqrtm pytorch-fid on full-rank, rank-deficient and singular covariances', () => {
    for (const name of ['full64', 'lowrank64', 'mixed64', 'singular16']) {
      const r = ref[name]!;
      const fd = frechetDistance(stats(name, 'real'), stats(name, 'fake'));
      // Exact to float64 rounding; pytorch-fid's sqrtm is itself off by up to ~2e-8 relative when N < dim.
      expect(Math.abs(fd - r.fd_exact) / r.fd_exact).toBeLessThan(1e-11);
      expect(Math.abs(fd - r.fd_pytorch_fid) / r.fd_exact).toBeLessThan(5e-8);
    }
  });

  it('is symmetric and matches the closed form for isotropic Gaussians', () => {
    // FD(N(μ1, I), N(μ2, σ²I)) = ‖μ1 − μ2‖² + d(1 − σ)².
    const d = 20;
    const identity = (s: number): number[] => Array.from({ length: d * d }, (_, k) => (k % (d + 1) === 0 ? s : 0));
    const a = { mean: new Array<number>(d).fill(0), cov: identity(1) };
    const b = { mean: new Array<number>(d).fill(0.5), cov: identity(0.25) };
    expect(frechetDistance(a, b)).toBeCloseTo(d * 0.25 + d * 0.25, 12);
    expect(frechetDistance(b, a)).toBeCloseTo(frechetDistance(a, b), 12);
    const s1 = stats('mixed64', 'real').covariance();
    const s2 = stats('mixed64', 'fake').covariance();
    expect(traceSqrtProduct(s1, s2, 64)).toBeCloseTo(traceSqrtProduct(s2, s1, 64), 9);
    expect(traceSqrtProduct(new Float64Array(64 * 64), s2, 64)).toBe(0);
    expect(Math.abs(frechetDistance(stats('full64', 'real'), stats('full64', 'real')))).toBeLessThan(1e-8); // traces are ~100
  });

  it('labels results by extractor: FID only for pytorch-fid Inception features', () => {
    const other = featureFrechetDistance(stats('full64', 'real'), stats('full64', 'fake'));
    expect(other).toMatchObject({ name: 'FD_test-net', extractor: 'test-net', dim: 64, counts: [300, 260], rankDeficient: false });
    expect(other.value).toBeCloseTo(ref.full64!.fd_exact, 9);
    expect(() => frechetInceptionDistance(stats('full64', 'real'), stats('full64', 'fake'))).toThrow(/'test-net' are not FID features .* FD_test-net/);
    const fid = frechetInceptionDistance(stats('lowrank64', 'real', FID_INCEPTION), stats('lowrank64', 'fake', FID_INCEPTION));
    expect(fid).toMatchObject({ name: 'FID', extractor: FID_INCEPTION, counts: [40, 30], rankDeficient: true });
    expect(() => featureFrechetDistance(stats('full64', 'real'), stats('full64', 'fake', 'other'))).toThrow(/different extractors \('test-net' vs 'other'\)/);
    expect(() => frechetDistance({ mean: [0], cov: [1] }, { mean: [0, 0], cov: [1, 0, 0, 1] })).toThrow(/dimensions differ/);
  });
});
