import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSummary, writeCurves, writeDataCard } from '@patchwork/pipeline';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { parseMaePretrainConfig } from '../config.js';
import { runMaePretrain } from '../run.js';
import { evaluateRun } from './evaluate-run.js';
import { PIPELINE_CONFIG } from './preset.js';

describe('pipeline eval', () => {
  it('reproduces the trainer’s held-out loss and probes from the checkpoint, writes a valid summary, frees its tensors', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mae-eval-'));
    const [runDir, dataDir, evalDir] = ['train', 'data', 'eval'].map((d) => path.join(root, d)) as [string, string, string];
    const cfg = parseMaePretrainConfig({ steps: 6, warmup: 2, batchSize: 16, trainLimit: 200, testLimit: 60, evalEvery: 3, runDir });
    const trained = await runMaePretrain(cfg);
    writeCurves(runDir);
    writeDataCard(dataDir, { description: 'test data', facts: [['images', '60']] }, { width: 1, height: 1, channels: 1, data: new Uint8Array(1) });
    fs.mkdirSync(evalDir);

    const before = tf.memory().numTensors;
    const scores = evaluateRun(cfg, { dataDir, evalDir });
    expect(tf.memory().numTensors).toBe(before);
    expect(scores.testLoss).toBeCloseTo(trained.testLoss, 5);
    expect(scores.probe).toEqual(trained.probe);
    const summary = readSummary(path.join(evalDir, 'summary.json'));
    expect(summary.metrics).toMatchObject({ step: 6, probeClsAfter: trained.probe.after.cls });
    expect(summary.figures.map((f) => f.file)).toEqual(['loss.png', 'reconstructions.png', 'data.png']);
    expect(() => evaluateRun({ ...cfg, normPixLoss: !cfg.normPixLoss }, { dataDir, evalDir })).toThrow(/but expected/);
  });

  it('the pnpm start preset is a valid, short, from-scratch run of the trainer', () => {
    expect(parseMaePretrainConfig(PIPELINE_CONFIG)).toMatchObject({ resume: false, runDir: 'runs/pipeline/train', data: 'runs/pipeline/data/fashion-mnist', steps: 60 });
  });
});
