import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSummary, writeCurves } from '@patchwork/pipeline';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { parseFlowmoTrainConfig } from '../config.js';
import { runFlowmoTrain } from '../run.js';
import { evaluateRun } from './evaluate-run.js';
import { prepareFlowmoData } from './prepare-data.js';
import { PIPELINE_CONFIG } from './preset.js';

describe('pipeline prepare-data and eval', () => {
  it('reproduce the trainer’s Stage 1B scores from the checkpoint, write valid cards and summaries, free their tensors', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowmo-eval-'));
    const [runDir, dataDir, evalDir] = ['train', 'data', 'eval'].map((d) => path.join(root, d)) as [string, string, string];
    const cfg = parseFlowmoTrainConfig({ data: 'fashion', stage1aSteps: 2, stage1bSteps: 1, batchSize: 4, evalImages: 4, evalSteps: 2, sampleSteps: 2, runDir });
    const trained = await runFlowmoTrain(cfg);
    writeCurves(runDir);
    await prepareFlowmoData(cfg, dataDir);
    fs.mkdirSync(evalDir);

    const before = tf.memory().numTensors;
    const scores = await evaluateRun(cfg, { dataDir, evalDir });
    expect(tf.memory().numTensors).toBe(before);
    const { seconds: _s, ...expected } = trained.stage1b!;
    expect(scores).toEqual(expected);
    const summary = readSummary(path.join(evalDir, 'summary.json'));
    expect(summary.metrics).toMatchObject({ step: 3, psnr: expected.psnr });
    expect(summary.tables[1]!.rows[0]![1]).toBe(`${trained.stage1a!.psnr.toFixed(2)} dB`);
    expect(summary.figures.map((f) => f.file)).toEqual(['reconstructions.png', 'loss.png', 'data.png']);
    await expect(evaluateRun({ ...cfg, preset: 'flowmo_tiny_p8_img32' }, { dataDir, evalDir })).rejects.toThrow(/but expected/);
  });

  it('the pnpm start preset is a valid, short, from-scratch run of the trainer', () => {
    expect(parseFlowmoTrainConfig(PIPELINE_CONFIG)).toMatchObject({ resume: false, runDir: 'runs/pipeline/train', data: 'fashion', stage1aSteps: 30, stage1bSteps: 4 });
  });
});
