import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { RMSNorm } from './rms-norm.js';

describe('RMSNorm', () => {
  it('computes x·rsqrt(mean(x²)+eps)·scale over the last axis', () => {
    const norm = new RMSNorm(3, { eps: 1e-6, paramName: 'scale' });
    norm.scale!.assign(tf.tensor1d([1, 2, 0.5]));
    const x = tf.tensor2d([
      [1, 2, 3],
      [0, -4, 4],
    ]);
    const y = norm.forward(x);
    const rows = [
      [1, 2, 3],
      [0, -4, 4],
    ];
    const want = rows.flatMap((r) => {
      const inv = 1 / Math.sqrt(r.reduce((a, v) => a + v * v, 0) / 3 + 1e-6);
      return [r[0]! * inv, r[1]! * inv * 2, r[2]! * inv * 0.5];
    });
    const got = Array.from(y.dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('names its scale as Flux (scale) or torch (weight), and can have none', () => {
    const flux = new RMSNorm(4, { paramName: 'scale' });
    const torch = new RMSNorm(4);
    const bare = new RMSNorm(4, { elementwiseAffine: false });
    expect(flux.namedParameters().map(([n]) => n)).toEqual(['scale']);
    expect(torch.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(bare.numParameters()).toBe(0);
    [flux, torch, bare].forEach((m) => m.dispose());
  });

  it('has gradients for input and scale, frees its intermediates and rejects a wrong last axis', async () => {
    const norm = new RMSNorm(4);
    const x = tf.randomNormal([2, 5, 4]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(norm.forward(x))) as tf.Scalar, norm.parameters());
    expect(Object.keys(grads)).toHaveLength(1);
    tf.dispose(Object.values(grads));
    await expectNoLeaks(() => norm.forward(x).dispose());
    const bad = tf.zeros([2, 3]);
    expect(() => norm.forward(bad)).toThrow(ShapeError);
    expect(() => new RMSNorm(0)).toThrow(/positive integer/);
    tf.dispose([x, bad]);
    norm.dispose();
  });
});
