import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { createVit } from '@patchwork/vit';
import { describe, expect, it } from 'vitest';
import { featureBatches } from './data.js';
import { encodeImages } from './features.js';
import { LinearProbe } from './linear-probe.js';

const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('encodeImages', () => {
  it('equals the probe features image by image, flipped copies in the second half, without leaks', async () => {
    const probe = new LinearProbe(createVit('vit_micro_patch4_28', { numClasses: 0 }, { rng: new Rng(4) }), 10);
    const images = new Rng(1).normal([7, 28, 28, 1]) as tf.Tensor4D;
    const all = await expectNoLeaks(() => encodeImages(probe, images, { flip: true, batchSize: 3 }), 1);
    expect(all.shape).toEqual([14, 64]);
    const direct = probe.features(images);
    const mirrored = probe.features(tf.reverse(images, 2));
    expect(maxDiff(tf.slice(all, [0, 0], [7, 64]), direct)).toBeLessThan(1e-5);
    expect(maxDiff(tf.slice(all, [7, 0], [7, 64]), mirrored)).toBeLessThan(1e-5);
    expect(maxDiff(direct, mirrored)).toBeGreaterThan(1e-3);
    tf.dispose([all, direct, mirrored, images]);
    probe.dispose();
  });
});

describe('featureBatches', () => {
  it('draws seeded, resumable batches, picking each row or its mirror by the flip coin', () => {
    const count = 10;
    // Row i holds i, its mirror row holds 100 + i, so a batch shows which copy was drawn.
    const features = tf.tensor2d(Float32Array.from({ length: 2 * count }, (_, r) => (r < count ? r : 100 + r - count)), [2 * count, 1]);
    const labels = tf.tensor1d(Int32Array.from({ length: count }, (_, i) => i % 3), 'int32');
    const take = (start: number, flip: boolean, n: number): { x: number[]; y: number[] }[] => {
      const out: { x: number[]; y: number[] }[] = [];
      const it = featureBatches(features, labels, 3, { batchSize: 4, seed: 9, flip, startStep: start });
      for (let i = 0; i < n; i++) {
        const b = it.next().value!;
        const oneHot = b.y.dataSync();
        out.push({ x: Array.from(b.x.dataSync()), y: Array.from({ length: b.y.shape[0] }, (_, k) => [0, 1, 2].findIndex((c) => oneHot[k * 3 + c] === 1)) });
        tf.dispose([b.x, b.y]);
      }
      return out;
    };
    const before = tf.memory().numTensors;
    const flipped = take(0, true, 5);
    expect(take(3, true, 2)).toEqual(flipped.slice(3));
    const plain = take(0, false, 5);
    expect(plain.flatMap((b) => b.x).every((v) => v < count)).toBe(true);
    const rows = flipped.flatMap((b) => b.x);
    expect(rows.some((v) => v >= 100) && rows.some((v) => v < 100)).toBe(true);
    // Same images and labels either way; only the copy differs.
    expect(flipped.map((b) => b.x.map((v) => v % 100))).toEqual(plain.map((b) => b.x));
    for (const b of flipped) expect(b.y).toEqual(b.x.map((v) => (v % 100) % 3));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([features, labels]);
  });
});
