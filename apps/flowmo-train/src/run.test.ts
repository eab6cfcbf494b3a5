import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { parseFlowmoTrainConfig } from './config.js';
import { runFlowmoTrain } from './run.js';

describe('flowmo trainer', () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowmo-train-'));
  const base = { preset: 'flowmo_tiny_p8_img32', data: 'fashion', batchSize: 4, evalImages: 8, evalSteps: 2, sampleSteps: 2, checkpointEvery: 2, runDir };

  it('runs Stage 1A and 1B, evaluates, checkpoints, reports and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const r = await runFlowmoTrain(parseFlowmoTrainConfig({ ...base, stage1aSteps: 4, stage1bSteps: 2 }));
    expect(tf.memory().numTensors).toBe(before);
    expect([r.startStep, r.losses1a.length, r.losses1b.length]).toEqual([0, 4, 2]);
    for (const m of [r.stage1a!, r.stage1b!]) {
      expect(m.psnr).toBeGreaterThan(0);
      expect(Number.isFinite(m.fd)).toBe(true);
    }
    for (const f of ['report.md', 'loss.png', 'reconstructions-1a.png', 'reconstructions-1b.png']) expect(fs.existsSync(path.join(runDir, 'report', f)), f).toBe(true);
    expect(fs.readFileSync(path.join(runDir, 'checkpoints', 'latest'), 'utf8')).toMatch(/step-000000006/);
  });

  it('resumes from the latest checkpoint and refuses one of another model', async () => {
    const r = await runFlowmoTrain(parseFlowmoTrainConfig({ ...base, stage1aSteps: 4, stage1bSteps: 3 }));
    expect([r.startStep, r.losses1a.length, r.losses1b.length]).toEqual([6, 0, 1]);
    expect(r.stage1a).not.toBeNull();
    await expect(runFlowmoTrain(parseFlowmoTrainConfig({ ...base, preset: 'flowmo_small_img32', stage1aSteps: 1, stage1bSteps: 0 }))).rejects.toThrow(/checkpoint/i);
    fs.rmSync(runDir, { recursive: true });
  });
});
