import { describe, expect, it } from 'vitest';
import { gram } from '../__fixtures__/matrices.js';
import { symmetricEigen } from './symmetric-eigen.js';

describe('symmetricEigen', () => {
  it('gives the closed-form spectrum of the second-difference matrix', () => {
    // tridiag(−1, 2, −1) of size n has eigenvalues 2 − 2cos(kπ/(n+1)).
    const n = 12;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const { values } = symmetricEigen(a, n);
    const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((p, q) => p - q);
    values.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 13));
  });

  it('returns orthonormal eigenvectors with A·v = λ·v on a dense 40×40 matrix, sorted ascending', () => {
    const n = 40;
    const a = gram(n, 60, 3);
    for (let i = 0; i < n; i++) a[i * n + i]! -= 0.5; // make it indefinite too
    const { values, vectors } = symmetricEigen(a, n, { vectors: true });
    let worst = 0;
    for (let k = 0; k < n; k++) {
      if (k > 0) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors![k * n + j]!;
        worst = Math.max(worst, Math.abs(av - values[k]! * vectors![k * n + i]!));
      }
      for (let l = k; l < n; l++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += vectors![k * n + j]! * vectors![l * n + j]!;
        expect(Math.abs(dot - (k === l ? 1 : 0))).toBeLessThan(1e-13);
      }
    }
    expect(worst).toBeLessThan(1e-13);
    // The trace is the sum of the eigenvalues.
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i]!;
    expect(values.reduce((p, q) => p + q, 0)).toBeCloseTo(trace, 12);
  });

  it('handles 1×1, diagonal and already-tridiagonal input, and rejects bad input', () => {
    expect(Array.from(symmetricEigen([5], 1).values)).toEqual([5]);
    expect(Array.from(symmetricEigen([3, 0, 0, 0, 1, 0, 0, 0, 2], 3).values)).toEqual([1, 2, 3]);
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/2×2 matrix \(4 values\), got 3/);
    expect(() => symmetricEigen([1, Number.NaN, Number.NaN, 1], 2)).toThrow(/entry \(0, 1\) is NaN/);
  });
});
