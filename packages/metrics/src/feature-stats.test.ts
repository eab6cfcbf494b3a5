import { ConfigError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceJson, referenceTensors } from './__fixtures__/reference.js';
import { FeatureStats } from './feature-stats.js';

// tooling/reference/metrics/distribution_reference.py (numpy float64 on the stored float32 features).
type Case = { trace_cov_real: number; cov_real_sum: number; cov_real_00: number; cov_real_01: number; mean_real_sum: number; counts: [number, number] };
const ref = referenceJson<Record<string, Case>>('distribution.json');
const inputs = referenceTensors('distribution-inputs.safetensors');

function inBatches(x: tf.Tensor, sizes: number[], extractor = 'test-net'): FeatureStats {
  const stats = new FeatureStats({ dim: x.shape[1]!, extractor });
  let start = 0;
  for (const size of sizes) {
    const batch = tf.slice(x, [start, 0], [size, -1]);
    stats.add(batch);
    batch.dispose();
    start += size;
  }
  return stats;
}

describe('FeatureStats', () => {
  afterAll(() => tf.dispose(Object.values(inputs)));

  it('streams uneven batches to numpy’s mean and unbiased covariance, without leaking', async () => {
    for (const [name, sizes] of [['full64', [1, 99, 150, 50]], ['singular16', [7, 93]]] as const) {
      const x = inputs[`${name}.real`]!;
      const stats = await expectNoLeaks(() => inBatches(x, [...sizes]));
      const r = ref[name]!;
      expect(stats.count).toBe(r.counts[0]);
      const cov = stats.covariance();
      const d = stats.dim;
      let trace = 0;
      for (let i = 0; i < d; i++) trace += cov[i * d + i]!;
      expect(trace).toBeCloseTo(r.trace_cov_real, 10);
      expect(cov.reduce((a, b) => a + b, 0)).toBeCloseTo(r.cov_real_sum, 9);
      expect(cov[0]).toBeCloseTo(r.cov_real_00, 12);
      expect(cov[1]).toBeCloseTo(r.cov_real_01, 12);
      expect(cov[d]).toBe(cov[1]);
      // singular16 has a common mean of 30 per dimension: the pairwise update loses nothing to it.
      expect(stats.mean().reduce((a, b) => a + b, 0)).toBeCloseTo(r.mean_real_sum, 10);
    }
  });

  it('gives the same result in one batch, from flat arrays, and merged from parts', () => {
    const x = inputs['full64.real']!;
    const whole = new FeatureStats({ dim: 64, extractor: 'test-net' }).add(x);
    const flat = new FeatureStats({ dim: 64, extractor: 'test-net' }).add(Array.from(x.dataSync()));
    const merged = inBatches(tf.slice(x, [0, 0], [120, -1]), [120]).merge(inBatches(tf.slice(x, [120, 0], [180, -1]), [180]));
    for (const other of [flat, merged]) {
      const [a, b] = [whole.covariance(), other.covariance()];
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-12);
      expect(other.count).toBe(300);
    }
  });

  it('round-trips exactly through JSON', () => {
    const stats = inBatches(inputs['lowrank64.fake']!, [10, 20]);
    const back = FeatureStats.fromJSON(JSON.parse(JSON.stringify(stats)));
    expect(back.count).toBe(30);
    expect(back.extractor).toBe('test-net');
    expect(Array.from(back.mean())).toEqual(Array.from(stats.mean()));
    expect(Array.from(back.covariance())).toEqual(Array.from(stats.covariance()));
    const json = stats.toJSON();
    expect(() => FeatureStats.fromJSON({ ...json, extra: 1 })).toThrow(ConfigError);
    expect(() => FeatureStats.fromJSON({ ...json, format: 'npz' })).toThrow(/format/);
    expect(() => FeatureStats.fromJSON({ ...json, dim: 63 })).toThrow(/expected 63 float64 values \(504 bytes\), got 512 bytes/);
    expect(() => FeatureStats.fromJSON({ ...json, mean: json.mean.replace(/^./, '*') })).toThrow(/invalid base64 character at offset 0/);
  });

  it('builds from known moments (pytorch-fid mu/sigma) and rejects bad input', () => {
    const stats = FeatureStats.fromMoments({ mean: [1, 2], cov: [2, 0.5, 0.5, 1] }, { count: 11, extractor: 'x' });
    expect(Array.from(stats.covariance())).toEqual([2, 0.5, 0.5, 1]);
    expect(() => FeatureStats.fromMoments({ mean: [1, 2], cov: [2, 0.5, 0.4, 1] }, { count: 11, extractor: 'x' })).toThrow(/not symmetric at \(0, 1\)/);
    expect(() => FeatureStats.fromMoments({ mean: [1, 2], cov: [2, 0.5, 0.5] }, { count: 11, extractor: 'x' })).toThrow(/needs a 2×2 covariance/);
    const s = new FeatureStats({ dim: 3, extractor: 'x' });
    expect(() => s.add(tf.zeros([2, 4]))).toThrow(/expected features \[N, 3\], got \[2, 4\]/);
    expect(() => s.add([1, 2, 3, 4])).toThrow(/4 values are not a whole number of 3-d feature rows/);
    expect(() => s.add([1, Number.NaN, 3])).toThrow(/feature value NaN at row 0, column 1/);
    expect(() => s.add([1, 2, 3]).covariance()).toThrow(/at least 2 feature vectors, got 1/);
    expect(() => s.merge(new FeatureStats({ dim: 3, extractor: 'y' }))).toThrow(/3-d 'y' stats into 3-d 'x' stats/);
    expect(() => new FeatureStats({ dim: 3, extractor: 'FID?' })).toThrow(/extractor must be a name/);
    expect(() => new FeatureStats({ dim: 0, extractor: 'x' })).toThrow(/dim must be a positive integer/);
  });
});
