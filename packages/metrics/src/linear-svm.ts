import { PatchworkError, parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';
import type { FeatureMatrix } from './features.js';

export const linearSvmOptionsSchema = z.strictObject({
  /** Cost of a margin violation (scikit-learn `LinearSVC(C=1.0)`, MAT's setting). */
  C: z.number().positive().finite().default(1),
  /** Stop when ‖∇f‖ ≤ tolerance·‖∇f(0)‖ (scikit-learn's primal solver stops near 1e-4; Newton makes a tighter one cheap). */
  tolerance: z.number().positive().default(1e-9),
  /** Give up after this many Newton steps (the result then has `converged: false`). */
  maxIterations: z.number().int().positive().default(100),
});

/** Options of {@link trainLinearSvm}. */
export type LinearSvmOptions = z.input<typeof linearSvmOptionsSchema>;

/** A trained linear SVM: decision value `w·x + b`, positive for the +1 class. */
export interface LinearSvm {
  weights: Float64Array;
  bias: number;
  C: number;
  /** Newton steps taken. */
  iterations: number;
  /** Conjugate-gradient steps over all Newton steps (each costs two passes over the margin violators). */
  cgIterations: number;
  /** Whether the gradient tolerance was reached within `maxIterations`. */
  converged: boolean;
}

/**
 * Train scikit-learn's default `LinearSVC` — the L2-regularised squared-hinge SVM
 * `f(w, b) = ½(‖w‖² + b²) + C·Σᵢ max(0, 1 − yᵢ(w·xᵢ + b))²` with the intercept learned as the
 * weight of a constant feature 1 (liblinear's bias term with `intercept_scaling=1`, so it is
 * regularised too) — in the primal, as MAT's `LinearSVC(dual=False)` does (liblinear's
 * `L2R_L2LOSS_SVC`). Each step solves the generalised Newton system
 * `(I + 2C·X_Aᵀ·X_A)·d = −∇f` over the current margin violators A by conjugate gradients, then
 * minimises the convex piecewise-quadratic `f` exactly along `d` (Keerthi & DeCoste 2005's
 * finite Newton method; liblinear uses a trust region instead). `f` is strictly convex, so the
 * optimum is unique and both solvers reach it, up to their stopping tolerances. Float64 throughout,
 * pure JS: each CG step costs two passes over the violators' rows.
 *
 * @param x feature rows.
 * @param labels one label per row: +1 / −1 (or 1 / 0, with 0 meaning −1).
 */
export function trainLinearSvm(x: FeatureMatrix, labels: ArrayLike<number>, options: LinearSvmOptions = {}): LinearSvm {
  const { C, tolerance, maxIterations } = parseConfig(linearSvmOptionsSchema, options, 'linear SVM options');
  const { rows: n, dim: d, data } = x;
  if (labels.length !== n) throw new PatchworkError('E_ARGUMENT', `trainLinearSvm: ${labels.length} labels for ${n} rows`);
  const y = new Float64Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l !== 1 && l !== -1 && l !== 0) throw new PatchworkError('E_ARGUMENT', `trainLinearSvm: label ${l} at row ${i} is not +1, −1 or 0`);
    y[i] = l === 1 ? 1 : -1;
    if (l === 1) positives++;
  }
  if (positives === 0 || positives === n) throw new PatchworkError('E_ARGUMENT', 'trainLinearSvm: both classes need at least one row');

  const p = d + 1; // weights and the bias, as one vector with a constant feature 1
  const rows = new LinearRows(data, n, d);
  const w = new Float64Array(p);
  const z = new Float64Array(n); // current w·x̃
  const gradient = (active: Int32Array, count: number): Float64Array => {
    const coef = new Float64Array(n);
    for (let k = 0; k < count; k++) {
      const i = active[k]!;
      coef[i] = 2 * C * (z[i]! - y[i]!);
    }
    const g = rows.transposeTimes(coef, active, count);
    for (let j = 0; j < p; j++) g[j]! += w[j]!;
    return g;
  };
  const violators = (): { active: Int32Array; count: number } => {
    const active = new Int32Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) if (y[i]! * z[i]! < 1) active[count++] = i;
    return { active, count };
  };

  let { active, count } = violators();
  let g = gradient(active, count);
  const g0 = norm(g);
  let iterations = 0;
  let cgIterations = 0;
  let converged = norm(g) <= tolerance * g0;
  while (!converged && iterations < maxIterations) {
    iterations++;
    const gNorm = norm(g);
    // Inexact Newton: solve to a relative residual that shrinks with ‖g‖ (superlinear convergence).
    const forcing = Math.min(0.1, Math.sqrt(gNorm / g0));
    const { direction, steps } = conjugateGradient(g, forcing * gNorm, p, (v) => {
      const e = rows.times(v, active, count);
      for (let k = 0; k < count; k++) e[active[k]!]! *= 2 * C;
      const out = rows.transposeTimes(e, active, count);
      for (let j = 0; j < p; j++) out[j]! += v[j]!;
      return out;
    });
    cgIterations += steps;
    const e = rows.times(direction, null, n);
    const t = exactLineSearch(w, direction, z, e, y, C);
    for (let j = 0; j < p; j++) w[j]! += t * direction[j]!;
    for (let i = 0; i < n; i++) z[i]! += t * e[i]!;
    ({ active, count } = violators());
    g = gradient(active, count);
    converged = norm(g) <= tolerance * g0;
  }
  return { weights: w.slice(0, d), bias: w[d]!, C, iterations, cgIterations, converged };
}

/** Decision values `w·x + b` of each row. */
export function svmDecision(svm: LinearSvm, x: FeatureMatrix): Float64Array {
  if (x.dim !== svm.weights.length) throw new PatchworkError('E_ARGUMENT', `svmDecision: ${x.dim}-d rows for a ${svm.weights.length}-d SVM`);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = svm.bias;
    for (let j = 0; j < x.dim; j++) s += svm.weights[j]! * x.data[i * x.dim + j]!;
    out[i] = s;
  }
  return out;
}

/** Row-major rows x̃ᵢ = [xᵢ, 1] and the two products the solver needs, restricted to a row subset. */
class LinearRows {
  constructor(
    private readonly data: ArrayLike<number>,
    private readonly n: number,
    private readonly d: number,
  ) {}

  /** `(X̃·v)ᵢ` for the rows in `subset` (all rows when null); other entries 0. */
  times(v: Float64Array, subset: Int32Array | null, count: number): Float64Array {
    const out = new Float64Array(this.n);
    for (let k = 0; k < count; k++) {
      const i = subset === null ? k : subset[k]!;
      const row = i * this.d;
      let s = v[this.d]!;
      for (let j = 0; j < this.d; j++) s += this.data[row + j]! * v[j]!;
      out[i] = s;
    }
    return out;
  }

  /** `Σᵢ cᵢ·x̃ᵢ` over the rows in `subset`. */
  transposeTimes(c: Float64Array, subset: Int32Array, count: number): Float64Array {
    const out = new Float64Array(this.d + 1);
    for (let k = 0; k < count; k++) {
      const i = subset[k]!;
      const ci = c[i]!;
      if (ci === 0) continue;
      const row = i * this.d;
      for (let j = 0; j < this.d; j++) out[j]! += ci * this.data[row + j]!;
      out[this.d]! += ci;
    }
    return out;
  }
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** Conjugate gradients for `H·d = −g` (H symmetric positive definite, given as a product), from d = 0. */
function conjugateGradient(g: Float64Array, tolerance: number, p: number, hessianTimes: (v: Float64Array) => Float64Array): { direction: Float64Array; steps: number } {
  const direction = new Float64Array(p);
  const r = Float64Array.from(g, (v) => -v);
  const q = r.slice();
  let rr = r.reduce((a, v) => a + v * v, 0);
  let steps = 0;
  while (Math.sqrt(rr) > tolerance && steps < p) {
    steps++;
    const hq = hessianTimes(q);
    let qhq = 0;
    for (let j = 0; j < p; j++) qhq += q[j]! * hq[j]!;
    const alpha = rr / qhq;
    for (let j = 0; j < p; j++) {
      direction[j]! += alpha * q[j]!;
      r[j]! -= alpha * hq[j]!;
    }
    const next = r.reduce((a, v) => a + v * v, 0);
    const beta = next / rr;
    rr = next;
    for (let j = 0; j < p; j++) q[j] = r[j]! + beta * q[j]!;
  }
  return { direction, steps };
}

/**
 * argmin_t f(w + t·d) for the squared-hinge objective: φ(t) is convex and piecewise quadratic, so
 * its derivative is increasing and piecewise linear; Newton's method on φ′ from t = 0, kept
 * inside a shrinking bracket, lands on the root after a few O(N) evaluations.
 */
function exactLineSearch(w: Float64Array, dir: Float64Array, z: Float64Array, e: Float64Array, y: Float64Array, C: number): number {
  let wd = 0;
  let dd = 0;
  for (let j = 0; j < w.length; j++) {
    wd += w[j]! * dir[j]!;
    dd += dir[j]! * dir[j]!;
  }
  const slope = (t: number): [number, number] => {
    let d1 = wd + t * dd;
    let d2 = dd;
    for (let i = 0; i < z.length; i++) {
      const margin = 1 - y[i]! * (z[i]! + t * e[i]!);
      if (margin > 0) {
        d1 -= 2 * C * y[i]! * e[i]! * margin;
        d2 += 2 * C * e[i]! * e[i]!;
      }
    }
    return [d1, d2];
  };
  let lo = 0;
  let hi = Infinity;
  let t = 1;
  for (let k = 0; k < 100; k++) {
    const [d1, d2] = slope(t);
    if (Math.abs(d1) <= 1e-15 * (Math.abs(wd) + dd * Math.abs(t) + 1)) return t;
    if (d1 > 0) hi = t;
    else lo = t;
    let next = t - d1 / d2;
    if (!(next > lo && next < hi)) next = Number.isFinite(hi) ? (lo + hi) / 2 : 2 * Math.max(t, 1);
    if (next === t) return t;
    t = next;
  }
  return t;
}
