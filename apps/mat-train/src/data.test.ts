import fs from 'node:fs';
import path from 'node:path';
import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { photoFolder } from './__fixtures__/photos.js';
import { parseMatTrainConfig } from './config.js';
import { PHOTO_SETS, heldOutBatch, loadPhotos, resolvePhotoFiles } from './data.js';
import { heldOutFiles } from './held-out.js';

describe('photo sources and the held-out split', () => {
  it('the lomiri training and held-out lists are disjoint', () => {
    const train = new Set(PHOTO_SETS['lomiri']!.files);
    expect(PHOTO_SETS['lomiri-test']!.files.filter((f) => train.has(f))).toEqual([]);
    expect(PHOTO_SETS['lomiri-test']!.files).toHaveLength(6);
  });

  it('resolves comma-separated folders and rejects unknown sources and empty folders', () => {
    const a = photoFolder(2);
    const b = photoFolder(1, 96, 5);
    expect(resolvePhotoFiles(`${a},${b}`).map((f) => path.basename(f))).toEqual(['photo0.png', 'photo1.png', 'photo5.png']);
    expect(() => resolvePhotoFiles('no-such-set')).toThrow(/no-such-set is neither a photo set \(skimage, lomiri, lomiri-test\) nor a folder/);
    const empty = fs.mkdtempSync(path.join(path.dirname(a), 'mat-empty-'));
    expect(() => resolvePhotoFiles(empty)).toThrow(/holds no images/);
    for (const d of [a, b, empty]) fs.rmSync(d, { recursive: true });
  });

  it('shrinks photos to photoSide on load (box average, then bilinear) and leaves smaller ones alone', async () => {
    const dir = photoFolder(1, 200);
    const big = await loadPhotos(dir, 48);
    const small = await loadPhotos(dir, 512);
    expect([big.images[0]!.shape, small.images[0]!.shape]).toEqual([
      [48, 48, 3],
      [200, 200, 3],
    ]);
    // Averaging keeps the mean colour of a smooth image.
    const means = tf.tidy(() => [tf.mean(big.images[0]!, [0, 1]), tf.mean(small.images[0]!, [0, 1])].map((t) => Array.from(t.dataSync())));
    means[0]!.forEach((m, k) => expect(m).toBeCloseTo(means[1]![k]!, 1));
    big.dispose();
    small.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  it('held-out photos must not be training photos, and the held-out seed no training stream', () => {
    const train = photoFolder(2);
    const test = photoFolder(1, 96, 7);
    const cfg = parseMatTrainConfig({ data: train, testData: test });
    expect(heldOutFiles(cfg).map((f) => path.basename(f))).toEqual(['photo7.png']);
    expect(() => heldOutFiles({ ...cfg, testData: `${test},${train}` })).toThrow(/photo0.png is also a training photo/);
    expect(() => heldOutFiles({ ...cfg, testSeed: 2 })).toThrow(/--test-seed 2 is one of the training streams/);
    expect(() => heldOutFiles({ ...cfg, testData: 'none' })).toThrow(/--test-data/);
    for (const d of [train, test]) fs.rmSync(d, { recursive: true });
  });

  it('held-out crops are reproducible from the seed and report the hole ratio of each mask', async () => {
    const dir = photoFolder(3);
    const photos = await loadPhotos(dir);
    const draw = (): ReturnType<typeof heldOutBatch> => heldOutBatch(photos, 6, 32, new Rng(1000), [0.2, 0.5], [0.1, 0.6]);
    const a = await expectNoLeaks(draw, 2);
    const b = draw();
    expect(a.images.shape).toEqual([6, 32, 32, 3]);
    expect(a.holeRatios).toEqual(b.holeRatios);
    expect(a.holeRatios.every((r) => r > 0.1 && r < 0.6)).toBe(true);
    expect(Array.from(a.images.dataSync())).toEqual(Array.from(b.images.dataSync()));
    // Hole ratio of each mask equals its share of zeros.
    const m = a.masks.dataSync();
    a.holeRatios.forEach((r, i) => expect(m.subarray(i * 1024, (i + 1) * 1024).filter((v) => v === 0).length / 1024).toBeCloseTo(r, 10));
    tf.dispose([a.images, a.masks, b.images, b.masks]);
    photos.dispose();
    fs.rmSync(dir, { recursive: true });
  });
});
