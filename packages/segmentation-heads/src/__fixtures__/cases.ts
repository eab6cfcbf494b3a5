// Test-only helpers for the PyTorch parity cases in this folder (written by
// reference/make_fixtures.py). Not exported from the package.
import { fileURLToPath } from 'node:url';
import type { Module } from '@patchwork/layers';
import { nchwToNhwc, tf, toTorchLayout } from '@patchwork/tensor-core';
import { loadFixtureCase, maxAbsDiff } from '@patchwork/tensor-core/testing';
import type { FixtureCase } from '@patchwork/tensor-core/testing';

/** Load `src/__fixtures__/<name>`; the caller calls `dispose()`. */
export function loadCase(name: string): FixtureCase {
  return loadFixtureCase(fileURLToPath(new URL(`./${name}`, import.meta.url)));
}

/** The case's constructor arguments with mmseg's snake_case keys turned into our camelCase. */
export function camelConfig(c: FixtureCase): Record<string, unknown> {
  const ctor = c.caseJson.constructor as Record<string, unknown>;
  return Object.fromEntries(Object.entries(ctor).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), v]));
}

/** The stored NCHW inputs `x0, x1, …` as NHWC tensors (caller disposes). */
export function inputs(c: FixtureCase): tf.Tensor4D[] {
  const out: tf.Tensor4D[] = [];
  for (let i = 0; c.io[`x${i}`] !== undefined; i++) out.push(nchwToNhwc(c.io[`x${i}`]!));
  return out;
}

/** max |a − b| of an NHWC tensor against a stored NCHW one; prints it with PATCHWORK_PRINT_ERRORS=1. */
export function errNchw(actual: tf.Tensor, expectedNchw: tf.Tensor, label: string): number {
  const expected = nchwToNhwc(expectedNchw);
  const err = maxAbsDiff(actual, expected);
  expected.dispose();
  return report(label, err);
}

/** Print `label: err` when PATCHWORK_PRINT_ERRORS=1 (to report how close we are to PyTorch); returns `err`. */
export function report(label: string, err: number): number {
  if (process.env['PATCHWORK_PRINT_ERRORS'] === '1') console.log(`max |err| ${err.toExponential(2)}  ${label}`);
  return err;
}

/**
 * Gradients of `lossFn(xs)` with respect to the inputs (keys `x0`, … in NCHW, as stored) and
 * every parameter of `module` (PyTorch names and layouts). Returns the loss value too; caller disposes.
 */
export function gradients(module: Module, xs: tf.Tensor4D[], lossFn: (xs: tf.Tensor4D[]) => tf.Scalar): { loss: number; grads: Record<string, tf.Tensor> } {
  const vars = xs.map((x) => tf.variable(x, true));
  const params = module.namedParameters();
  const { value, grads: raw } = tf.variableGrads(() => lossFn(vars as tf.Tensor4D[]), [...vars, ...params.map(([, p]) => p.variable)]);
  const grads: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => {
    grads[`x${i}`] = tf.tidy(() => tf.transpose(raw[v.name]!, [0, 3, 1, 2])); // NHWC → NCHW
  });
  for (const [name, p] of params) grads[name] = toTorchLayout(raw[p.variable.name]!, p.layout, name);
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...vars, ...Object.values(raw)]);
  return { loss, grads };
}
