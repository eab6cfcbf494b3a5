// Test support for the wasm kernels: cpu references and finite differences.
import { tf } from '../../../tf.js';
import { assertAllClose } from '../../../testing/index.js';

type Fn = (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/**
 * Run `fn` on the cpu backend on copies of `inputs`; returns each output's values and switches back
 * to the backend that was active. The copies keep `inputs` on their own backend.
 */
export async function onCpu(fn: Fn, inputs: tf.Tensor[]): Promise<Float32Array[]> {
  const snapshots = inputs.map((t) => ({ values: t.dataSync(), shape: t.shape, dtype: t.dtype }));
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const copies = snapshots.map((s) => tf.tensor(s.values, s.shape, s.dtype));
      const out = fn(...copies);
      return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
    });
  } finally {
    await tf.setBackend(previous);
  }
}

/** Gradients of `sum(f(...xs) · r)` for a fixed random `r`, w.r.t. every input, as a function of the inputs. */
export function gradsOfProbe(f: Fn, seed = 7): Fn {
  return (...xs) =>
    tf.grads((...args: tf.Tensor[]) => {
      const y = f(...args) as tf.Tensor;
      return tf.sum(tf.mul(y, tf.randomUniform(y.shape, -1, 1, 'float32', seed)));
    })(xs);
}

/** Central finite differences of the scalar `f` at `x`, one input element at a time. */
export function numericGrad(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, eps = 1e-2): Float64Array {
  const base = x.dataSync();
  const grad = new Float64Array(base.length);
  const at = (values: Float32Array): number => tf.tidy(() => f(tf.tensor(values, x.shape)).dataSync()[0]!);
  for (let i = 0; i < base.length; i++) {
    const plus = Float32Array.from(base);
    const minus = Float32Array.from(base);
    plus[i] = base[i]! + eps;
    minus[i] = base[i]! - eps;
    grad[i] = (at(plus) - at(minus)) / (2 * eps);
  }
  return grad;
}

/** Element-wise |actual − expected| ≤ tol·(1 + |expected|). */
export function expectClose(actual: tf.Tensor | ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4, label?: string): void {
  assertAllClose(actual, expected, { atol: tol, rtol: tol, ...(label === undefined ? {} : { label }) });
}

/** Random float32 tensor with a fixed seed. */
export function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/** Run a kernel directly on the active backend (for kernels tfjs exposes no public op for). */
export function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}
