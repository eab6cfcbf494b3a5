import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ShapesDataset } from '@patchwork/datasets';
import { tf } from '@patchwork/tensor-core';
import { encodePng } from '@patchwork/train';
import { describe, expect, it } from 'vitest';
import { parseMaePretrainConfig, parseSegmentConfig } from './config.js';
import { runMaePretrain, runSegmentTrain } from './run.js';

// Tiny runs (32 px, a 4-block ViT of width 32): they check the plumbing — losses fall, reports,
// checkpoints, resume, MAE weights loading, folder data — not accuracy (the README has real runs).
const VIT = { imageSize: 32, patchSize: 8, embedDim: 32, depth: 4, numHeads: 2 } as const;

describe('segmentation trainer', () => {
  it('pre-trains with MAE, fine-tunes ViT-UperNet from it, resumes, and frees every tensor', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-train-'));
    const before = tf.memory().numTensors;
    const mae = await runMaePretrain(
      parseMaePretrainConfig({ ...VIT, trainSize: 32, testSize: 4, batchSize: 8, steps: 10, warmup: 2, decoderEmbedDim: 32, decoderDepth: 1, runDir: path.join(root, 'mae') }),
    );
    expect(fs.existsSync(mae.encoderPath)).toBe(true);
    expect(mae.lastLoss).toBeLessThan(mae.firstLoss);

    const runDir = path.join(root, 'vit');
    const base = { ...VIT, trainSize: 48, testSize: 8, batchSize: 4, headChannels: 16, lr: 2e-3, warmup: 2, overlays: 2, runDir, pretrained: mae.encoderPath, checkpointEvery: 10 };
    const r = await runSegmentTrain(parseSegmentConfig({ ...base, steps: 20 }));
    expect(tf.memory().numTensors).toBe(before);
    expect(r.lastLoss).toBeLessThan(r.firstLoss);
    expect(r.scores.aAcc).toBeGreaterThan(0);
    for (const f of ['report.md', 'loss.png', 'overlays.png']) expect(fs.existsSync(path.join(runDir, 'report', f))).toBe(true);
    expect(fs.readFileSync(path.join(runDir, 'report', 'report.md'), 'utf8')).toMatch(/\| mIoU \| \*\*\d+\.\d\d\*\* \|/);
    expect(fs.readFileSync(path.join(runDir, 'checkpoints', 'latest'), 'utf8')).toMatch(/step-000000020/);

    // Resume: the next run continues from step 20 and only runs the 4 new steps.
    const more = await runSegmentTrain(parseSegmentConfig({ ...base, steps: 24 }));
    const log = fs.readFileSync(path.join(runDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number });
    expect(log.map((e) => e.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(more.params).toBe(r.params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains MobileNetV2 + Mobile DeepLabv3 on an ADE20K-layout folder and scores at the label resolution', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-folder-'));
    // ADEChallengeData2016 layout: 0 = "other" (ignored after reduce_zero_label), shapes 1..5.
    for (const [split, dir, count, size] of [['train', 'training', 12, 32], ['val', 'validation', 3, 40]] as const) {
      fs.mkdirSync(path.join(root, 'images', dir), { recursive: true });
      fs.mkdirSync(path.join(root, 'annotations', dir), { recursive: true });
      const ds = new ShapesDataset({ length: count, size, seed: split === 'train' ? 1 : 2 });
      for (let i = 0; i < count; i++) {
        const { image, segmentation } = ds.get(i);
        fs.writeFileSync(path.join(root, 'images', dir, `img_${i}.png`), encodePng(image));
        fs.writeFileSync(path.join(root, 'annotations', dir, `img_${i}.png`), encodePng({ ...segmentation, channels: 1 }));
      }
    }
    const runDir = path.join(root, 'run');
    const r = await runSegmentTrain(
      parseSegmentConfig({ model: 'mobilenetv2-deeplabv3', mobilenet: 'mobilenet_v2_0.35', outputStride: 16, data: root, imageSize: 32, batchSize: 4, steps: 8, warmup: 1, headChannels: 16, lr: 2e-3, runDir, overlays: 1 }),
    );
    expect(r.lastLoss).toBeLessThan(r.firstLoss);
    const report = fs.readFileSync(path.join(runDir, 'report', 'report.md'), 'utf8');
    expect(report).toMatch(/\| 149 class 149 \| n\/a \| n\/a \|/); // 150 ADE20K classes, most absent
    expect(fs.existsSync(path.join(runDir, 'report', 'overlays.png'))).toBe(true);
  });
});
