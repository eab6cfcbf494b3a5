import { describe, expect, it } from 'vitest';
import { gram } from '../__fixtures__/matrices.js';
import { pivotedCholesky } from './pivoted-cholesky.js';

describe('pivotedCholesky', () => {
  it('finds the exact rank of a singular covariance and reproduces it', () => {
    const n = 30;
    const a = gram(n, 7, 11); // rank 7
    const { factor, rank } = pivotedCholesky(a, n);
    expect(rank).toBe(7);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < rank; k++) s += factor[k * n + i]! * factor[k * n + j]!;
        worst = Math.max(worst, Math.abs(s - a[i * n + j]!));
      }
    }
    expect(worst).toBeLessThan(1e-14);
    expect(pivotedCholesky(new Float64Array(9), 3).rank).toBe(0);
  });

  it('rejects a matrix that is clearly not positive semi-definite', () => {
    expect(() => pivotedCholesky([1, 2, 2, 1], 2)).toThrow(/not positive semi-definite/);
  });
});
