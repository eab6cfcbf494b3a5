import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSummary, writeCurves } from '@patchwork/pipeline';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { parseSegmentConfig } from '../config.js';
import { runSegmentTrain } from '../run.js';
import { evaluateRun } from './evaluate-run.js';
import { prepareSegmentationData } from './prepare-data.js';
import { PIPELINE_CONFIG } from './preset.js';

describe('pipeline prepare-data and eval', () => {
  it('reproduce the trainer’s held-out scores from the checkpoint, write valid cards and summaries, free their tensors', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-eval-'));
    const [runDir, dataDir, evalDir] = ['train', 'data', 'eval'].map((d) => path.join(root, d)) as [string, string, string];
    const cfg = parseSegmentConfig({ steps: 4, warmup: 1, batchSize: 4, trainSize: 16, testSize: 8, imageSize: 32, embedDim: 48, depth: 4, headChannels: 16, overlays: 2, runDir });
    const trained = await runSegmentTrain(cfg);
    writeCurves(runDir);
    const data = await prepareSegmentationData(cfg, dataDir);
    expect([data.train.length, data.test.length]).toEqual([16, 8]);
    fs.mkdirSync(evalDir);

    const before = tf.memory().numTensors;
    const scores = await evaluateRun(cfg, { dataDir, evalDir });
    expect(tf.memory().numTensors).toBe(before);
    expect(scores).toEqual(trained.scores);
    const summary = readSummary(path.join(evalDir, 'summary.json'));
    expect(summary.metrics).toMatchObject({ step: 4, mIoU: trained.scores.mIoU });
    expect(summary.figures.map((f) => f.file)).toEqual(['loss.png', 'overlays.png', 'data.png']);
    expect(summary.tables[0]!.rows[0]).toEqual(['training images', '16']);
    await expect(evaluateRun({ ...cfg, headChannels: 8 }, { dataDir, evalDir })).rejects.toThrow(/but expected/);
  });

  it('the pnpm start preset is a valid, short, from-scratch run of the trainer', () => {
    expect(parseSegmentConfig(PIPELINE_CONFIG)).toMatchObject({ resume: false, runDir: 'runs/pipeline/train', data: 'shapes', steps: 300, imageSize: 32 });
  });
});
