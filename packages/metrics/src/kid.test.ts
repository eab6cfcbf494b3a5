import { ConfigError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceJson, referenceTensors, toMatrix } from './__fixtures__/reference.js';
import { FID_INCEPTION } from './features.js';
import { kernelDistance } from './kid.js';

// tooling/reference/metrics/distribution_reference.py: torchmetrics' / clean-fid's MMD² on stored subsets.
const ref = referenceJson<{ kid: { per_subset: number[]; mean: number; std: number; torch_std_unbiased_false: number } }>('distribution.json').kid;
const inputs = referenceTensors('distribution-inputs.safetensors');

describe('kernelDistance (KID)', () => {
  afterAll(() => tf.dispose(Object.values(inputs)));
  const real = inputs['full64.real']!;
  const fake = inputs['full64.fake']!;

  it('matches the numpy/torch reference on the same subsets, without leaking', async () => {
    const idx = (t: tf.Tensor): Int32Array[] => {
      const [s, m] = t.shape as [number, number];
      const v = t.dataSync() as Int32Array;
      return Array.from({ length: s }, (_, i) => v.slice(i * m, (i + 1) * m));
    };
    const subsets = { real: idx(inputs['kid.real_idx']!), fake: idx(inputs['kid.fake_idx']!) };
    const r = await expectNoLeaks(() => kernelDistance(real, fake, { extractor: 'test-net' }, subsets));
    expect(r).toMatchObject({ name: 'KD_test-net', extractor: 'test-net', subsets: 10, subsetSize: 50 });
    r.perSubset.forEach((v, i) => expect(Math.abs(v - ref.per_subset[i]!)).toBeLessThan(2e-6 * Math.abs(ref.per_subset[i]!)));
    expect(Math.abs(r.mean - ref.mean)).toBeLessThan(1e-6 * ref.mean);
    expect(Math.abs(r.std - ref.torch_std_unbiased_false)).toBeLessThan(1e-5 * ref.std);
  });

  it('samples seeded subsets: same seed same value, KID only for Inception features, ≈ 0 for one distribution', () => {
    const opts = { extractor: FID_INCEPTION, subsets: 8, subsetSize: 100, seed: 3 };
    const a = kernelDistance(toMatrix(real), toMatrix(fake), opts);
    expect(a.name).toBe('KID');
    expect(kernelDistance(real, fake, opts).perSubset).toEqual(a.perSubset);
    expect(kernelDistance(real, fake, { ...opts, seed: 4 }).mean).not.toBe(a.mean);
    // Two halves of one sample: the unbiased estimate is centred on 0, far below the real/fake value.
    const [h1, h2] = [tf.slice(real, [0, 0], [150, -1]), tf.slice(real, [150, 0], [150, -1])];
    const same = kernelDistance(h1, h2, { extractor: 'x', subsets: 8, subsetSize: 100 });
    expect(Math.abs(same.mean)).toBeLessThan(0.05 * a.mean);
    tf.dispose([h1, h2]);
  });

  it('rejects bad options and subsets', () => {
    expect(() => kernelDistance(real, fake, { extractor: 'x' })).toThrow(/subsetSize 1000 is larger than the feature sets \(300 real, 260 fake\)/);
    expect(() => kernelDistance(real, fake, { extractor: 'x', subsets: 0 })).toThrow(ConfigError);
    expect(() => kernelDistance(real, fake, { extractor: 'x', subsetSize: 10, bogus: 1 } as never)).toThrow(/bogus/);
    expect(() => kernelDistance(real, tf.zeros([5, 3]), { extractor: 'x' })).toThrow(/expected features \[N, 64\], got \[5, 3\]/);
    expect(() => kernelDistance(real, fake, { extractor: 'x' }, { real: [[0, 1]], fake: [[0, 0]] })).toThrow(/fake subset 0: index 0 at position 1 is not a new row index/);
    expect(() => kernelDistance(real, fake, { extractor: 'x' }, { real: [[0, 1]], fake: [] })).toThrow(/1 real and 0 fake subsets/);
  });
});
