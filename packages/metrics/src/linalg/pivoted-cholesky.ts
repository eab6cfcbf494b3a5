import { PatchworkError } from '@patchwork/tensor-core';

const EPS = 2 ** -52;

/**
 * Rank-revealing Cholesky factorisation with diagonal pivoting of a symmetric positive
 * semi-definite `n × n` matrix (row-major, float64): `A ≈ Lᵀ·L` with `L` of `rank × n` (rows are the
 * factor's columns, in the original index order). It stops when every remaining pivot is at most
 * `n·ε·max(diag A)` — LAPACK `dpstrf`'s default tolerance — so the rank of a singular covariance
 * comes out exactly and the dropped part is at rounding level. Cost ≈ n·rank²/2.
 * Throws if a clearly negative remainder shows the matrix is not PSD (the check sees only the
 * diagonal, so it catches covariances damaged by editing or truncation, not every indefinite matrix).
 */
export function pivotedCholesky(a: ArrayLike<number>, n: number): { factor: Float64Array; rank: number } {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new PatchworkError('E_ARGUMENT', `pivotedCholesky: expected an ${n}×${n} matrix (${n * n} values), got ${a.length} values`);
  }
  const residual = new Float64Array(n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i * n + i]!;
    if (!Number.isFinite(v)) throw new PatchworkError('E_NAN', `pivotedCholesky: diagonal entry ${i} is ${v}`);
    residual[i] = v;
    maxDiag = Math.max(maxDiag, v);
  }
  const tol = n * EPS * maxDiag;
  const rows: Float64Array[] = [];
  const used = new Uint8Array(n);
  const column = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let p = -1;
    for (let i = 0; i < n; i++) if (used[i] === 0 && (p < 0 || residual[i]! > residual[p]!)) p = i;
    if (!(residual[p]! > tol)) break; // the remaining pivots are rounding noise
    used[p] = 1;
    // column = A[:, p] − Σ_m L_m[p]·L_m, the p-th column of the current Schur complement.
    for (let i = 0; i < n; i++) column[i] = a[i * n + p]!;
    for (const row of rows) {
      const w = row[p]!;
      if (w === 0) continue;
      for (let i = 0; i < n; i++) column[i]! -= w * row[i]!;
    }
    const root = Math.sqrt(residual[p]!);
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (used[i] === 1 && i !== p) continue; // earlier pivots are exactly zero in the Schur complement
      const v = column[i]! / root;
      next[i] = v;
      residual[i]! -= v * v;
    }
    next[p] = root;
    residual[p] = 0;
    rows.push(next);
  }
  // A PSD matrix leaves no clearly negative remainder on the diagonal (rounding gives ~n·ε).
  for (let i = 0; i < n; i++) {
    if (residual[i]! < -Math.sqrt(EPS) * maxDiag) {
      throw new PatchworkError('E_ARGUMENT', `pivotedCholesky: the matrix is not positive semi-definite (diagonal ${i} of the remainder is ${residual[i]})`);
    }
  }
  const factor = new Float64Array(rows.length * n);
  rows.forEach((row, k) => factor.set(row, k * n));
  return { factor, rank: rows.length };
}
