import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { parseClassifyConfig } from './config.js';
import { runClassify } from './run.js';

describe('classification trainer', () => {
  it('learns Fashion-MNIST well above chance, writes a report, and frees its tensors', async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-'));
    const before = tf.memory().numTensors;
    const r = await runClassify(parseClassifyConfig({ steps: 60, batchSize: 32, trainLimit: 640, testLimit: 200, warmup: 5, runDir, checkpointEvery: 30 }));
    expect(tf.memory().numTensors).toBe(before);
    expect(r.lastLoss).toBeLessThan(r.firstLoss * 0.6);
    expect(r.testAccuracy).toBeGreaterThan(0.45); // chance is 0.10
    for (const f of ['report.md', 'loss.png', 'predictions.png']) expect(fs.existsSync(path.join(runDir, 'report', f))).toBe(true);
    expect(fs.readFileSync(path.join(runDir, 'checkpoints', 'latest'), 'utf8')).toMatch(/step-000000060/);
  });
});
