import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceJson, referenceTensors } from './__fixtures__/reference.js';
import { FID_INCEPTION } from './features.js';
import { discriminativeScores } from './ids.js';

// tooling/reference/metrics/svm_reference.py: MAT's compute_ids with scikit-learn's LinearSVC(dual=False).
const ref = referenceJson<Record<string, { u_ids: number; p_ids: number; n: number }>>('svm.json');
const inputs = referenceTensors('svm-inputs.safetensors');

describe('discriminativeScores (P-IDS / U-IDS)', () => {
  afterAll(() => tf.dispose(Object.values(inputs)));

  it("reproduces MAT's scores on separable, overlapping and Inception-like features, without leaking", async () => {
    for (const name of ['separable', 'overlap', 'inception_like']) {
      const r = ref[name]!;
      const s = await expectNoLeaks(() => discriminativeScores(inputs[`${name}.real`]!, inputs[`${name}.fake`]!, { extractor: FID_INCEPTION }));
      expect(s).toMatchObject({ name: 'IDS', count: r.n, uIds: r.u_ids, pIds: r.p_ids, svm: { C: 1, converged: true } });
    }
    expect(ref.overlap!.u_ids).toBeGreaterThan(0.2); // a case that is far from trivially separable
  });

  it('labels other features DS_<extractor> and needs paired sets of equal size', () => {
    const real = inputs['overlap.real']!;
    const fake = inputs['overlap.fake']!;
    expect(discriminativeScores(real, fake, { extractor: 'dinov2' }).name).toBe('DS_dinov2');
    // Identical sets: no pair has fake > real, and the SVM can do no better than chance.
    const same = discriminativeScores(real, real, { extractor: 'x' });
    expect(same.pIds).toBe(0);
    expect(same.uIds).toBeGreaterThanOrEqual(0.5);
    const short = tf.slice(fake, [0, 0], [10, -1]);
    expect(() => discriminativeScores(real, short, { extractor: 'x' })).toThrow(/same non-zero size \(got 150 real, 10 fake\)/);
    expect(() => discriminativeScores(real, fake, { extractor: 'x', C: 0 })).toThrow(/C/);
    short.dispose();
  });
});
