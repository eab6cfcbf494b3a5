import { PatchworkError, Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks, maxAbsDiff } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { MatGenerator } from './generator.js';
import { inpaint } from './inpaint.js';
import { MICRO, batch } from './__fixtures__/micro.js';

const G = new MatGenerator(MICRO, { rng: new Rng(11) });
// An odd size: 75×100 (H×W) is padded to 96×128 (multiples of 32) and cropped back.
const { images, masks } = batch(1, 75, 100, 5);
const image = tf.squeeze(images, [0]) as tf.Tensor3D;
const mask = tf.reshape(masks, [75, 100]) as tf.Tensor2D;
afterAll(() => {
  G.dispose();
  tf.dispose([images, masks, image, mask]);
});

describe('inpaint', () => {
  it('fills an odd-sized image, returns its size and keeps every known pixel bit-exactly', () => {
    const out = inpaint(G, image, mask, { seed: 1 });
    expect(out.shape).toEqual([75, 100, 3]);
    const o = out.dataSync();
    const x = image.dataSync();
    const m = mask.dataSync();
    let holes = 0;
    for (let i = 0; i < m.length; i++) {
      for (let c = 0; c < 3; c++) {
        if (m[i] === 1) expect(o[i * 3 + c]).toBe(x[i * 3 + c]);
        else if (o[i * 3 + c] !== x[i * 3 + c]) holes++;
      }
    }
    expect(holes).toBeGreaterThan(0);
    out.dispose();
  });

  it('gives different fills for different seeds and the same fill for the same seed', () => {
    const a = inpaint(G, image, mask, { seed: 1 });
    const b = inpaint(G, image, mask, { seed: 1 });
    const c = inpaint(G, image, mask, { seed: 2, truncation: 0.5 });
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
    tf.dispose([a, b, c]);
  });

  it('takes batches, [H, W, 1] masks, and returns the first stage on request', () => {
    const r = inpaint(G, images, masks, { seed: 3, returnStage1: true });
    expect(r.image.shape).toEqual([1, 75, 100, 3]);
    expect(r.stage1.shape).toEqual([1, 75, 100, 3]);
    const m3 = tf.expandDims(mask, 2);
    const single = inpaint(G, image, m3, { seed: 3 });
    expect(maxAbsDiff(single, tf.squeeze(r.image, [0]))).toBe(0);
    tf.dispose([r.image, r.stage1, m3, single]);
  });

  it('rejects bad input with a clear error', () => {
    const wrongShape = tf.ones([75, 99]);
    expect(() => inpaint(G, image, wrongShape)).toThrow(ShapeError);
    expect(() => inpaint(G, image, wrongShape)).toThrow(/masks must be \[1, 75, 100, 1\]/);
    const soft = tf.fill([75, 100], 0.5);
    expect(() => inpaint(G, image, soft)).toThrow(/mask values must be 0 \(hole\) or 1 \(known\), found 0.5/);
    const nan = tf.tidy(() => tf.concat([tf.fill([1, 100, 3], Number.NaN), tf.slice(image, [1, 0, 0], [74, 100, 3])], 0));
    expect(() => inpaint(G, nan, mask)).toThrow(PatchworkError);
    expect(() => inpaint(G, nan, mask)).toThrow(/non-finite value \(NaN\)/);
    const gray = tf.ones([75, 100, 1]);
    expect(() => inpaint(G, gray, mask)).toThrow(/\[B, H, W, 3\]/);
    expect(() => inpaint(G, image, mask, { truncation: 2 })).toThrow(/truncation must be in \[0, 1\]/);
    tf.dispose([wrongShape, soft, nan, gray]);
  });

  it('leaks no tensors, also when it throws', async () => {
    await expectNoLeaks(() => inpaint(G, image, mask, { seed: 9 }).dispose());
    const soft = tf.fill([75, 100], 0.5);
    await expectNoLeaks(() => expect(() => inpaint(G, image, soft)).toThrow());
    soft.dispose();
  });
});
