// Test-only helpers for the PyTorch reference values in this folder (written by
// tooling/reference/layers_reference.py). Not exported from the package.
import { readFileSync } from 'node:fs';
import { nchwToNhwc, tf, toTorchLayout } from '@patchwork/tensor-core';
import { assertAllClose } from '@patchwork/tensor-core/testing';
import type { Module } from '../../module.js';

/** A tensor as the reference script stores it: PyTorch layout, row-major float data. */
export interface Encoded {
  shape: number[];
  data: number[];
}

/** Parse `name` (a JSON file in this folder). */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')) as T;
}

/** Float32 tensor in the stored (PyTorch) layout. Caller disposes. */
export function tensor(e: Encoded): tf.Tensor {
  return tf.tensor(e.data, e.shape, 'float32');
}

/** A stored NCHW activation as NHWC. Caller disposes. */
export function nhwc(e: Encoded): tf.Tensor4D {
  return tf.tidy(() => nchwToNhwc(tensor(e)));
}

/** A stored state dict as tensors; `num_batches_tracked` becomes int32 as in the modules. Caller disposes. */
export function stateDict(sd: Record<string, Encoded>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(sd)) out[k] = k.endsWith('num_batches_tracked') ? tf.tensor(v.data, v.shape, 'int32') : tensor(v);
  return out;
}

/** Load a stored state dict into `module` (strict) and free the temporaries. */
export function load(module: Module, sd: Record<string, Encoded>): void {
  const dict = stateDict(sd);
  module.loadStateDict(dict);
  tf.dispose(Object.values(dict));
}

/**
 * Assert |actual − expected| ≤ atol everywhere and return the max error. With
 * `PATCHWORK_PRINT_ERRORS=1` the error is also printed, to report how close we are to PyTorch.
 */
export function close(actual: tf.Tensor, expected: tf.Tensor | Encoded, atol: number, label: string): number {
  const e = expected instanceof tf.Tensor ? expected : tensor(expected);
  const err = assertAllClose(actual, e, { atol, label });
  if (e !== expected) e.dispose();
  if (process.env['PATCHWORK_PRINT_ERRORS'] === '1') console.log(`max |err| ${err.toExponential(2)}  ${label}`);
  return err;
}

/**
 * One forward pass `y = forward(x)` and the gradients of `sum(y · dy)` w.r.t. `x` (key `x`, tfjs
 * layout) and every parameter of `module` (PyTorch names and layouts), which is what the reference
 * script stores. Caller disposes.
 */
export function gradsOf(
  module: Module,
  forward: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  dy: tf.Tensor,
): { y: tf.Tensor; grads: Record<string, tf.Tensor> } {
  const xv = tf.variable(x, true);
  const params = module.namedParameters();
  const out: { y?: tf.Tensor } = {};
  const { value, grads: raw } = tf.variableGrads(() => {
    const y = tf.keep(forward(xv));
    out.y = y;
    return tf.sum(tf.mul(y, dy)) as tf.Scalar;
  }, [xv, ...params.map(([, p]) => p.variable)]);
  const grads: Record<string, tf.Tensor> = { x: raw[xv.name]! };
  for (const [name, p] of params) {
    const g = raw[p.variable.name]!;
    grads[name] = toTorchLayout(g, p.layout, name);
    g.dispose();
  }
  tf.dispose([value, xv]);
  return { y: out.y!, grads };
}
