// Test access to the committed outputs of tooling/reference/metrics/*.py.
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { loadSafetensorsFile } from '@patchwork/tensor-core/node';
import { findWorkspaceRoot } from '@patchwork/tensor-core/testing';
import type { FeatureMatrix } from '../features.js';

const DIR = path.join(findWorkspaceRoot() ?? '.', 'tooling', 'reference', 'metrics');

/** A JSON file written by a reference script. */
export function referenceJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8')) as T;
}

/** Every tensor of a reference safetensors file; caller disposes. */
export function referenceTensors(name: string): Record<string, tf.Tensor> {
  return loadSafetensorsFile(path.join(DIR, name)).tensors;
}

/** A `[N, d]` float32 tensor read to the host as a feature matrix. */
export function toMatrix(t: tf.Tensor): FeatureMatrix {
  return { rows: t.shape[0]!, dim: t.shape[1]!, data: t.dataSync() };
}

/** NCHW (the references' layout) → NHWC; caller disposes. */
export function nhwc(t: tf.Tensor): tf.Tensor4D {
  return tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D;
}

/**
 * inception_reference.py's deterministic weights: u_i = fmix32(k·0x9E3779B1 + i·0x85EBCA77) / 2³²
 * for tensor number k (1-based, sorted keys), mapped per kind and rounded to float32.
 */
export function hashWeights(keys: string[], shapes: Record<string, number[]>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  keys.forEach((name, index) => {
    const shape = shapes[name]!;
    if (name.endsWith('num_batches_tracked')) {
      out[name] = tf.scalar(0, 'int32');
      return;
    }
    const k = index + 1;
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    const fanIn = name.endsWith('conv.weight') ? shape[1]! * shape[2]! * shape[3]! : 0;
    for (let i = 0; i < n; i++) {
      let h = (Math.imul(k, 0x9e3779b1) + Math.imul(i, 0x85ebca77)) >>> 0;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b) >>> 0;
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35) >>> 0;
      const u = ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
      if (fanIn > 0) values[i] = (2 * u - 1) * Math.sqrt(6 / fanIn);
      else if (name.endsWith('bn.weight') || name.endsWith('running_var')) values[i] = 0.5 + u;
      else values[i] = 0.2 * (u - 0.5);
    }
    out[name] = tf.tensor(values, shape);
  });
  return out;
}
