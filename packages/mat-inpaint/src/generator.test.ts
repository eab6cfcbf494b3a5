import { Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks, maxAbsDiff } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { MatGenerator } from './generator.js';
import { MICRO, batch } from './__fixtures__/micro.js';

const G = new MatGenerator(MICRO, { rng: new Rng(7) }).eval();
const { images, masks } = batch(2, 32, 32);
const z = new Rng(1).normal([2, 16]) as tf.Tensor2D;
afterAll(() => {
  G.dispose();
  tf.dispose([images, masks, z]);
});

describe('MatGenerator', () => {
  it('returns both stages at the input size with the known pixels copied through', () => {
    const out = G.forward(images, masks, z, { rng: new Rng(3) });
    expect(out.img.shape).toEqual([2, 32, 32, 3]);
    expect(out.imgStg1.shape).toEqual([2, 32, 32, 3]);
    for (const t of [out.img, out.imgStg1]) {
      const known = tf.tidy(() => tf.sum(tf.abs(tf.mul(tf.sub(t, images), masks))).dataSync()[0]!);
      expect(known).toBe(0);
      const hole = tf.tidy(() => tf.sum(tf.abs(tf.mul(tf.sub(t, images), tf.sub(1, masks)))).dataSync()[0]!);
      expect(hole).toBeGreaterThan(0);
    }
    tf.dispose([out.img, out.imgStg1]);
  });

  it('is pluralistic: the same rng state repeats, another draw (mixing maps, noise, z) differs', () => {
    const a = G.forward(images, masks, z, { rng: new Rng(3) });
    const b = G.forward(images, masks, z, { rng: new Rng(3) });
    const c = G.forward(images, masks, z, { rng: new Rng(4) });
    expect(maxAbsDiff(a.img, b.img)).toBe(0);
    expect(maxAbsDiff(a.img, c.img)).toBeGreaterThan(1e-3);
    tf.dispose([a.img, a.imgStg1, b.img, b.imgStg1, c.img, c.imgStg1]);
  });

  it('runs at multiples of the native size (2× here) and rejects sizes that do not tile into the windows', () => {
    const big = batch(1, 64, 32);
    const out = G.forward(big.images, big.masks, tf.slice(z, [0, 0], [1, 16]), { rng: new Rng(0) });
    expect(out.img.shape).toEqual([1, 64, 32, 3]);
    tf.dispose([out.img, out.imgStg1, big.images, big.masks]);
    const odd = batch(1, 48, 32);
    expect(() => G.forward(odd.images, odd.masks, tf.slice(z, [0, 0], [1, 16]), { rng: new Rng(0) })).toThrow(ShapeError);
    tf.dispose([odd.images, odd.masks]);
  });

  it('rejects bad calls clearly', () => {
    expect(() => G.forward(images, masks, z)).toThrow(/pass an rng/);
    expect(() => G.forward(images, masks, z, { rng: new Rng(0), noiseMode: 'const' })).not.toThrow();
    const ws = tf.zeros([2, 3, 16]) as tf.Tensor3D;
    expect(() => G.synthesis.forward(images, masks, ws, { rng: new Rng(0) })).toThrow(/ws must be \[B, 4, 16\]/);
    ws.dispose();
  });

  it('leaks no tensors', async () => {
    await expectNoLeaks(() => {
      const out = G.forward(images, masks, z, { rng: new Rng(0) });
      tf.dispose([out.img, out.imgStg1]);
    });
  });
});
