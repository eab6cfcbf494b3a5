// Deterministic test matrices for the linear-algebra tests.

/** A deterministic symmetric PSD matrix XᵀX / k of rank ≤ k. */
export function gram(n: number, k: number, seed: number): Float64Array {
  let s = seed;
  const next = (): number => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  const x = Float64Array.from({ length: k * n }, next);
  const a = new Float64Array(n * n);
  for (let r = 0; r < k; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j]! += (x[r * n + i]! * x[r * n + j]!) / k;
  return a;
}
