import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { parseMaePretrainConfig } from './config.js';
import { runMaePretrain } from './run.js';

describe('runMaePretrain', () => {
  it('trains, checkpoints, resumes and writes the report without leaking tensors', async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mae-pretrain-'));
    const cfg = parseMaePretrainConfig({ trainLimit: 96, testLimit: 40, steps: 4, batchSize: 16, warmup: 1, evalEvery: 2, checkpointEvery: 2, probeImages: 30, runDir });
    const before = tf.memory().numTensors;
    const first = await runMaePretrain(cfg);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(first.lastLoss) && Number.isFinite(first.testLoss)).toBe(true);
    for (const v of [first.probe.before.cls, first.probe.after.avg]) expect(v).toBeGreaterThanOrEqual(0);
    for (const f of ['report.md', 'loss.png', 'reconstructions.png']) expect(fs.existsSync(path.join(runDir, 'report', f)), f).toBe(true);
    expect(fs.readFileSync(path.join(runDir, 'report', 'report.md'), 'utf8')).toMatch(/linear probe, class token \(ridge, test top-1, first 30 images of each split\)/);

    // A longer run in the same folder continues from the step-4 checkpoint.
    const resumed = await runMaePretrain({ ...cfg, steps: 6 });
    const log = fs.readFileSync(path.join(runDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number });
    expect(log.filter((e) => e.loss !== undefined).map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Number.isFinite(resumed.lastLoss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses data the preset cannot take', async () => {
    const cfg = parseMaePretrainConfig({ preset: 'mae_vit_micro_patch4_32', trainLimit: 32, testLimit: 16, steps: 2, warmup: 0, runDir: fs.mkdtempSync(path.join(os.tmpdir(), 'mae-pretrain-')) });
    await expect(runMaePretrain(cfg)).rejects.toThrow(/preset mae_vit_micro_patch4_32 takes 32×32×3 images, the data is 28×28×1/);
  });
});
