import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSummary, writeCurves } from '@patchwork/pipeline';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { parseMatTrainConfig } from '../config.js';
import { runMatTrain } from '../run.js';
import { evaluateRun } from './evaluate-run.js';
import { prepareCanvases } from './prepare-data.js';
import { PIPELINE_CONFIG } from './preset.js';

describe('pipeline prepare-data and eval', () => {
  it('train on the prepared canvases; eval reproduces the trainer’s final validation scores from the checkpoint and frees its tensors', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mat-eval-'));
    const [runDir, dataDir, evalDir] = ['train', 'data', 'eval'].map((d) => path.join(root, d)) as [string, string, string];
    const images = path.join(dataDir, 'images');
    expect(prepareCanvases(dataDir, images, { count: 2, size: 96, seed: 0 })).toHaveLength(2);
    const cfg = parseMatTrainConfig({ ...PIPELINE_CONFIG, data: images, runDir, steps: 2, batchSize: 2, valImages: 2, r1Interval: 2 });
    const trained = await runMatTrain(cfg, { progress: false });
    writeCurves(runDir);
    fs.mkdirSync(evalDir);

    const before = tf.memory().numTensors;
    const metrics = await evaluateRun(cfg, { dataDir, evalDir });
    expect(tf.memory().numTensors).toBe(before);
    expect(metrics).toEqual(trained.evals.at(-1)!.metrics);
    const summary = readSummary(path.join(evalDir, 'summary.json'));
    expect(summary.metrics).toMatchObject({ step: 2, psnr: metrics.psnr, psnrAtInit: trained.evals[0]!.metrics.psnr });
    expect(summary.figures.map((f) => f.file)).toEqual(['samples.png', 'losses.png', 'psnr.png', 'data.png']);
    // A run folder without a checkpoint (training never ran) fails, naming the folder.
    await expect(evaluateRun({ ...cfg, runDir: dataDir }, { dataDir, evalDir })).rejects.toThrow(/checkpoint/i);
  });

  it('the pnpm start preset is a valid, short, from-scratch run of the trainer', () => {
    expect(parseMatTrainConfig(PIPELINE_CONFIG)).toMatchObject({ resume: false, runDir: 'runs/pipeline/train', data: 'runs/pipeline/data/images', steps: 8, preset: 'mat-tiny-64' });
  });
});
