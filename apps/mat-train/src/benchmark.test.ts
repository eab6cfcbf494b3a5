import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { photoFolder } from './__fixtures__/photos.js';
import { runBenchmark, scoreFills } from './benchmark.js';
import type { ImageDistance } from './benchmark.js';
import { parseMatTrainConfig } from './config.js';
import { runMatTrain } from './run.js';

describe('benchmark', () => {
  it('scores hole-only PSNR and L1 from the hole pixels alone', () => {
    const truth = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    const masks = tf.tidy(() => tf.concat([tf.ones([2, 8, 16, 1]), tf.zeros([2, 8, 16, 1])], 1)) as tf.Tensor4D; // bottom half is hole
    const filled = tf.tidy(() => tf.add(truth, tf.mul(tf.sub(1, masks), 0.1))) as tf.Tensor4D; // error 0.1 in the holes only
    const perceptual: ImageDistance = { perImage: (a) => new Array<number>(a.shape[0]).fill(0) };
    const s = scoreFills(filled, truth, masks, perceptual);
    s.holePsnr.forEach((v) => expect(v).toBeCloseTo(10 * Math.log10(4 / 0.01), 4));
    s.holeL1.forEach((v) => expect(v).toBeCloseTo(0.05, 6));
    // Whole image: half the pixels are exact, so the MSE halves (+3.01 dB).
    s.psnr.forEach((v) => expect(v).toBeCloseTo(10 * Math.log10(4 / 0.005), 4));
    tf.dispose([truth, masks, filled]);
  });

  it('scores a trained checkpoint and the three baselines on held-out photos, writes its report and frees its tensors', async () => {
    const train = photoFolder(2);
    const test = photoFolder(2, 96, 4);
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mat-bench-'));
    const cfg = parseMatTrainConfig({ data: train, testData: test, runDir, steps: 1, batchSize: 2, valImages: 2, evalEvery: 0, testImages: 4 });
    await runMatTrain(cfg, { progress: false });
    // A cheap stand-in for the random VGG-19 (tested in perceptual.test.ts): mean squared error per image.
    const perceptual: ImageDistance = {
      perImage: (a, b) => {
        const d = tf.tidy(() => tf.mean(tf.squaredDifference(a, b), [1, 2, 3]));
        const out = Array.from(d.dataSync());
        d.dispose();
        return out;
      },
    };
    const before = tf.memory().numTensors;
    const r = await runBenchmark(cfg, { perceptual });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.step).toBe(1);
    expect(r.photos).toEqual(['photo4.png', 'photo5.png']);
    expect(r.methods.map((m) => m.name.split(' (')[0])).toEqual(['MAT', 'diffusion fill', 'nearest fill', 'mean fill']);
    for (const m of r.methods) {
      expect(Number.isFinite(m.scores.psnr) && m.scores.ssim <= 1 && m.scores.perceptual >= 0 && m.scores.holeL1 > 0).toBe(true);
    }
    const mat = r.methods[0]!;
    expect(mat.spread!.min.psnr).toBeLessThanOrEqual(mat.scores.psnr);
    expect(mat.spread!.max.psnr).toBeGreaterThanOrEqual(mat.scores.psnr);
    for (const f of ['benchmark.md', 'benchmark.json', 'samples.png']) expect(fs.existsSync(path.join(runDir, 'benchmark', f)), f).toBe(true);
    // Held-out photos that are also training photos are refused before any work.
    await expect(runBenchmark({ ...cfg, testData: train }, { perceptual })).rejects.toThrow(/also a training photo/);
    for (const d of [train, test, runDir]) fs.rmSync(d, { recursive: true });
  });
});
