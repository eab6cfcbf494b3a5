import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSummary, writeCurves, writeDataCard } from '@patchwork/pipeline';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { parseClassifyConfig } from '../config.js';
import { runClassify } from '../run.js';
import { evaluateRun } from './evaluate-run.js';
import { PIPELINE_CONFIG } from './preset.js';

describe('pipeline eval', () => {
  it('scores the checkpoint exactly as the trainer scored its model in memory, writes a valid summary, frees its tensors', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-eval-'));
    const [runDir, dataDir, evalDir] = ['train', 'data', 'eval'].map((d) => path.join(root, d)) as [string, string, string];
    const cfg = parseClassifyConfig({ steps: 20, batchSize: 32, trainLimit: 320, testLimit: 100, warmup: 2, runDir });
    const trained = await runClassify(cfg);
    writeCurves(runDir);
    writeDataCard(dataDir, { description: 'test data', facts: [['images', '100']] }, { width: 1, height: 1, channels: 1, data: new Uint8Array(1) });
    fs.mkdirSync(evalDir);

    const before = tf.memory().numTensors;
    expect(evaluateRun(cfg, { dataDir, evalDir })).toBe(trained.testAccuracy);
    expect(tf.memory().numTensors).toBe(before);
    const summary = readSummary(path.join(evalDir, 'summary.json'));
    expect(summary.metrics).toMatchObject({ testAccuracy: trained.testAccuracy, step: 20 });
    expect(summary.figures.map((f) => f.file)).toEqual(['loss.png', 'predictions.png', 'data.png']);

    // A checkpoint of another model is refused, naming the mismatch.
    expect(() => evaluateRun({ ...cfg, model: 'mobilenet_v2_0.35' }, { dataDir, evalDir })).toThrow(/but expected/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the pnpm start preset is a valid, from-scratch run of the trainer', () => {
    const cfg = parseClassifyConfig(PIPELINE_CONFIG);
    expect(cfg).toMatchObject({ resume: false, runDir: 'runs/pipeline/train', data: 'runs/pipeline/data/fashion-mnist', steps: 300 });
  });
});
