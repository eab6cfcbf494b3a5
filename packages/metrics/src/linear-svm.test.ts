import { ConfigError, tf } from '@patchwork/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceJson, referenceTensors, toMatrix } from './__fixtures__/reference.js';
import type { FeatureMatrix } from './features.js';
import { svmDecision, trainLinearSvm } from './linear-svm.js';

// tooling/reference/metrics/svm_reference.py: scikit-learn 1.2 LinearSVC (MAT's dual=False, and the
// dual solver at tol 1e-10 that pins the unique optimum).
type Case = { tight_weights: number[]; tight_bias: number; tight_objective: number; mat_weights: number[]; mat_bias: number; mat_objective: number };
const ref = referenceJson<Record<string, Case>>('svm.json');
const inputs = referenceTensors('svm-inputs.safetensors');

function dataset(name: string): { x: FeatureMatrix; labels: number[] } {
  const [r, f] = [toMatrix(inputs[`${name}.real`]!), toMatrix(inputs[`${name}.fake`]!)];
  const data = new Float32Array([...Array.from(r.data), ...Array.from(f.data)]);
  return { x: { rows: r.rows + f.rows, dim: r.dim, data }, labels: [...new Array<number>(r.rows).fill(1), ...new Array<number>(f.rows).fill(0)] };
}

function objective(w: ArrayLike<number>, b: number, { x, labels }: ReturnType<typeof dataset>): number {
  let loss = b * b;
  for (let j = 0; j < x.dim; j++) loss += w[j]! ** 2;
  loss /= 2;
  for (let i = 0; i < x.rows; i++) {
    let s = b;
    for (let j = 0; j < x.dim; j++) s += w[j]! * x.data[i * x.dim + j]!;
    loss += Math.max(0, 1 - (labels[i] === 1 ? 1 : -1) * s) ** 2;
  }
  return loss;
}

describe('trainLinearSvm (LinearSVC: squared hinge, C = 1, regularised intercept)', () => {
  afterAll(() => tf.dispose(Object.values(inputs)));

  it("reaches scikit-learn's optimum on separable and inseparable data", () => {
    for (const name of ['separable', 'overlap', 'inception_like']) {
      const r = ref[name]!;
      const data = dataset(name);
      const svm = trainLinearSvm(data.x, data.labels);
      expect(svm.converged).toBe(true);
      const worst = Math.max(...r.tight_weights.map((w, j) => Math.abs(w - svm.weights[j]!)), Math.abs(r.tight_bias - svm.bias));
      expect(worst).toBeLessThan(1e-7);
      expect(Math.abs(objective(svm.weights, svm.bias, data) - r.tight_objective)).toBeLessThan(1e-9 * Math.max(1, r.tight_objective));
      // MAT's primal solver (tol 1e-4) stops a little short of the optimum; never below it.
      expect(objective(svm.weights, svm.bias, data)).toBeLessThanOrEqual(r.mat_objective + 1e-12);
      const matWorst = Math.max(...r.mat_weights.map((w, j) => Math.abs(w - svm.weights[j]!)));
      expect(matWorst).toBeLessThan(1e-2);
    }
  });

  it('puts positive decision values on the +1 side of separable data and follows C', () => {
    const data = dataset('separable');
    const svm = trainLinearSvm(data.x, data.labels);
    const out = svmDecision(svm, data.x);
    for (let i = 0; i < data.x.rows; i++) expect(Math.sign(out[i]!)).toBe(data.labels[i] === 1 ? 1 : -1);
    // A smaller C regularises harder: a shorter weight vector.
    const soft = trainLinearSvm(data.x, data.labels, { C: 0.001 });
    const norm = (w: Float64Array): number => Math.hypot(...w);
    expect(norm(soft.weights)).toBeLessThan(norm(svm.weights));
    const capped = trainLinearSvm(dataset('overlap').x, dataset('overlap').labels, { maxIterations: 1 });
    expect(capped).toMatchObject({ iterations: 1, converged: false });
  });

  it('rejects bad labels and options', () => {
    const x = { rows: 2, dim: 1, data: [0, 1] };
    expect(() => trainLinearSvm(x, [1, 2])).toThrow(/label 2 at row 1 is not \+1, −1 or 0/);
    expect(() => trainLinearSvm(x, [1, 1])).toThrow(/both classes/);
    expect(() => trainLinearSvm(x, [1])).toThrow(/1 labels for 2 rows/);
    expect(() => trainLinearSvm(x, [1, 0], { C: -1 })).toThrow(ConfigError);
    expect(() => svmDecision(trainLinearSvm(x, [1, 0]), { rows: 1, dim: 2, data: [0, 0] })).toThrow(/2-d rows for a 1-d SVM/);
  });
});
