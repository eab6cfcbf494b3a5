import { PatchworkError, Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { argsort, gatherTokens, lenKeepOf, randomMasking } from './masking.js';
import { patchify, unpatchify } from './patchify.js';

describe('argsort', () => {
  it('sorts ascending per row like torch.argsort', () => {
    const v = tf.tensor2d([
      [0.5, 0.1, 0.9, 0.3],
      [0.2, 0.8, 0.05, 0.6],
    ]);
    const ids = argsort(v);
    expect(ids.dtype).toBe('int32');
    expect(ids.arraySync()).toEqual([
      [1, 3, 0, 2],
      [2, 0, 3, 1],
    ]);
    tf.dispose([v, ids]);
  });
});

describe('randomMasking', () => {
  it('keeps int(L·(1 − r)) tokens, the smallest-noise ones, with a consistent mask and ids_restore', () => {
    expect([lenKeepOf(16, 0.75), lenKeepOf(16, 0.6), lenKeepOf(196, 0.75), lenKeepOf(256, 0.75)]).toEqual([4, 6, 49, 64]);
    const rng = new Rng(3);
    const x = rng.normal([3, 10, 4]);
    const noise = rng.uniform([3, 10]);
    const { xMasked, mask, idsRestore, idsKeep } = randomMasking(x, 0.7, noise);
    expect([xMasked.shape, mask.shape, idsRestore.shape, idsKeep.shape]).toEqual([
      [3, 3, 4],
      [3, 10],
      [3, 10],
      [3, 3],
    ]);
    const n = noise.arraySync() as number[][];
    const keep = idsKeep.arraySync();
    const m = mask.arraySync();
    const restore = idsRestore.arraySync();
    const xs = x.arraySync() as number[][][];
    const kept = xMasked.arraySync();
    for (let b = 0; b < 3; b++) {
      const order = [...n[b]!.keys()].sort((i, j) => n[b]![i]! - n[b]![j]!);
      expect(keep[b]).toEqual(order.slice(0, 3));
      expect(m[b]!.filter((v) => v === 0)).toHaveLength(3);
      for (const i of order.slice(0, 3)) expect(m[b]![i]).toBe(0);
      // ids_restore inverts the shuffle: order[restore[i]] == i.
      restore[b]!.forEach((r, i) => expect(order[r]).toBe(i));
      keep[b]!.forEach((i, k) => expect(kept[b]![k]).toEqual(xs[b]![i]));
    }
    tf.dispose([x, noise, xMasked, mask, idsRestore, idsKeep]);
  });

  it('rejects bad noise and ratios', () => {
    const x = tf.zeros([2, 4, 3]);
    const noise = tf.zeros([2, 5]);
    expect(() => randomMasking(x, 0.5, noise)).toThrow(ShapeError);
    expect(() => randomMasking(x, 0.5, noise)).toThrow(/noise must be \[2, 4\]/);
    expect(() => lenKeepOf(4, 1)).toThrow(/maskRatio must be in \[0, 1\), got 1/);
    const good = tf.zeros([2, 4]);
    expect(() => randomMasking(x, 0.9, good)).toThrow(PatchworkError);
    expect(() => randomMasking(x, 0.9, good)).toThrow(/keeps no patch out of 4/);
    tf.dispose([x, noise, good]);
  });

  it('leaks nothing', async () => {
    const x = tf.zeros([2, 4, 3]);
    const noise = new Rng(1).uniform([2, 4]);
    await expectNoLeaks(() => tf.dispose(Object.values(randomMasking(x, 0.5, noise))));
    tf.dispose([x, noise]);
  });
});

describe('gatherTokens', () => {
  it('gathers per sample and is differentiable (scatter-add of the upstream gradient)', () => {
    const x = tf.variable(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]));
    const ids = tf.tensor2d([[2, 0, 2], [1, 1, 0]], undefined, 'int32');
    const y = gatherTokens(x, ids);
    expect(y.arraySync()).toEqual([
      [[5, 6], [1, 2], [5, 6]],
      [[9, 10], [9, 10], [7, 8]],
    ]);
    const { value, grads } = tf.variableGrads(() => tf.sum(gatherTokens(x, ids)) as tf.Scalar, [x]);
    assertAllClose(grads[x.name]!, tf.tensor3d([1, 1, 0, 0, 2, 2, 1, 1, 2, 2, 0, 0], [2, 3, 2]), { atol: 0 });
    expect(() => gatherTokens(x, tf.tensor2d([[0]], undefined, 'float32'))).toThrow(/int32 ids \[B, K\]/);
    tf.dispose([x, ids, y, value, ...Object.values(grads)]);
  });
});

describe('patchify / unpatchify', () => {
  it("lay patches out row-major with (p, q, c) vectors, as einsum('nchpwq->nhwpqc')", () => {
    // imgs[b, y, x, c] = 1000·b + 100·y + 10·x + c, 2 channels, 4×6 image, patch 2.
    const data = Float32Array.from({ length: 2 * 4 * 6 * 2 }, (_, i) => {
      const c = i % 2;
      const xx = Math.floor(i / 2) % 6;
      const yy = Math.floor(i / 12) % 4;
      const b = Math.floor(i / 48);
      return 1000 * b + 100 * yy + 10 * xx + c;
    });
    const imgs = tf.tensor4d(data, [2, 4, 6, 2]);
    const patches = patchify(imgs, 2);
    expect(patches.shape).toEqual([2, 6, 8]);
    // Patch (row 1, col 2) of image 1: pixels y ∈ {2, 3}, x ∈ {4, 5}, in (p, q, c) order.
    expect(Array.from(patches.slice([1, 5, 0], [1, 1, 8]).dataSync())).toEqual([1240, 1241, 1250, 1251, 1340, 1341, 1350, 1351]);
    const back = unpatchify(patches, 2, [2, 3]);
    assertAllClose(back, imgs, { atol: 0 });
    expect(() => patchify(imgs, 4)).toThrow(/image size 4×6 is not a multiple of the patch size 4/);
    expect(() => unpatchify(patches, 2)).toThrow(/6 patches do not form a 2×2 grid/);
    tf.dispose([imgs, patches, back]);
  });
});
