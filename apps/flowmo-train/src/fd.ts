/**
 * Fréchet distance between two sets of embeddings (rows), as FID computes it on Inception
 * features: `‖μ₁ − μ₂‖² + tr(Σ₁) + tr(Σ₂) − 2·tr((Σ₁^½ Σ₂ Σ₁^½)^½)` with unbiased covariances.
 * The matrix square roots come from symmetric eigendecompositions (cyclic Jacobi, float64), so
 * rank-deficient covariances (fewer samples than dimensions) are handled.
 */
export function frechetDistance(a: Float32Array | Float64Array, b: Float32Array | Float64Array, dim: number): number {
  const sa = stats(a, dim);
  const sb = stats(b, dim);
  let meanTerm = 0;
  for (let i = 0; i < dim; i++) meanTerm += (sa.mean[i]! - sb.mean[i]!) ** 2;
  const rootA = sqrtPsd(sa.cov, dim);
  const m = matmul(matmul(rootA, sb.cov, dim), rootA, dim);
  const { values } = eigenSymmetric(m, dim);
  const traceRoot = values.reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
  return meanTerm + trace(sa.cov, dim) + trace(sb.cov, dim) - 2 * traceRoot;
}

function stats(x: Float32Array | Float64Array, dim: number): { mean: Float64Array; cov: Float64Array } {
  const n = x.length / dim;
  if (!Number.isInteger(n) || n < 2) throw new Error(`frechetDistance: need at least 2 rows of ${dim} values, got ${x.length} values`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let i = 0; i < dim; i++) mean[i]! += x[r * dim + i]! / n;
  const cov = new Float64Array(dim * dim);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) {
      const di = x[r * dim + i]! - mean[i]!;
      for (let j = i; j < dim; j++) cov[i * dim + j]! += (di * (x[r * dim + j]! - mean[j]!)) / (n - 1);
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) cov[i * dim + j] = cov[j * dim + i]!;
  return { mean, cov };
}

function trace(m: Float64Array, dim: number): number {
  let t = 0;
  for (let i = 0; i < dim; i++) t += m[i * dim + i]!;
  return t;
}

function matmul(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let k = 0; k < dim; k++) {
      const aik = a[i * dim + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < dim; j++) out[i * dim + j]! += aik * b[k * dim + j]!;
    }
  }
  return out;
}

/** `V·diag(√max(λ, 0))·Vᵀ` of a symmetric positive semi-definite matrix. */
function sqrtPsd(m: Float64Array, dim: number): Float64Array {
  const { values, vectors } = eigenSymmetric(m, dim);
  const out = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    const s = Math.sqrt(Math.max(values[k]!, 0));
    if (s === 0) continue;
    for (let i = 0; i < dim; i++) {
      const vik = vectors[i * dim + k]! * s;
      for (let j = 0; j < dim; j++) out[i * dim + j]! += vik * vectors[j * dim + k]!;
    }
  }
  return out;
}

/** Cyclic Jacobi eigendecomposition of a symmetric matrix: eigenvalues and column eigenvectors. */
export function eigenSymmetric(m: Float64Array, dim: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) v[i * dim + i] = 1;
  const scale = Math.max(1e-300, ...Array.from(a, Math.abs));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < dim; p++) for (let q = p + 1; q < dim; q++) off += a[p * dim + q]! ** 2;
    if (Math.sqrt(off) <= 1e-14 * scale) break;
    for (let p = 0; p < dim; p++) {
      for (let q = p + 1; q < dim; q++) {
        const apq = a[p * dim + q]!;
        if (Math.abs(apq) <= 1e-300) continue;
        const theta = (a[q * dim + q]! - a[p * dim + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < dim; k++) {
          // Rotate columns p and q, then rows p and q: A ← Jᵀ A J.
          const akp = a[k * dim + p]!;
          const akq = a[k * dim + q]!;
          a[k * dim + p] = c * akp - s * akq;
          a[k * dim + q] = s * akp + c * akq;
        }
        for (let k = 0; k < dim; k++) {
          const apk = a[p * dim + k]!;
          const aqk = a[q * dim + k]!;
          a[p * dim + k] = c * apk - s * aqk;
          a[q * dim + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < dim; k++) {
          const vkp = v[k * dim + p]!;
          const vkq = v[k * dim + q]!;
          v[k * dim + p] = c * vkp - s * vkq;
          v[k * dim + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Array.from({ length: dim }, (_, i) => a[i * dim + i]!), vectors: v };
}
