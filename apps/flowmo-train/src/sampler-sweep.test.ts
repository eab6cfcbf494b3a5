import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { argsToConfig, parseFlowmoTrainConfig, parseSamplerSweepConfig } from './config.js';
import { runFlowmoTrain } from './run.js';
import { runSamplerSweep } from './sampler-sweep.js';

describe('sampler sweep', () => {
  it('parses list flags and refuses bad grids', () => {
    expect(parseSamplerSweepConfig(argsToConfig(['--sweep-steps', '4,8', '--sweep-rhos', '2']))).toMatchObject({ sweepSteps: [4, 8], sweepRhos: [2] });
    expect(parseSamplerSweepConfig({})).toMatchObject({ sweepSteps: [4, 8, 25], sweepRhos: [1, 4] });
    expect(() => parseSamplerSweepConfig({ sweepRhos: [0] })).toThrow(/sweepRhos/);
    expect(() => parseSamplerSweepConfig({ sweepSteps: [] })).toThrow(/sweepSteps/);
    expect(() => parseSamplerSweepConfig({ sweepStep: [4] })).toThrow(/sweepStep/);
  });

  it('scores every (steps, ρ) of a trained run with the same codes and noise, and frees its tensors', async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowmo-sweep-'));
    const base = { preset: 'flowmo_tiny_p8_img32', data: 'fashion', batchSize: 4, evalImages: 4, evalSteps: 2, runDir };
    await runFlowmoTrain(parseFlowmoTrainConfig({ ...base, stage1aSteps: 2, stage1bSteps: 0 }));
    const before = tf.memory().numTensors;
    const r = await runSamplerSweep(parseSamplerSweepConfig({ ...base, sweepSteps: [1, 3], sweepRhos: [1, 4] }));
    expect(tf.memory().numTensors).toBe(before);
    expect(r.rows.map((m) => [m.steps, m.rho])).toEqual([[1, 1], [1, 4], [3, 1], [3, 4]]);
    // One step integrates t = 1 → 0 in a single Euler step whatever the shift, so ρ cannot matter there.
    expect(r.rows[1]!.psnr).toBeCloseTo(r.rows[0]!.psnr, 4);
    expect(r.rows[3]!.psnr).not.toBeCloseTo(r.rows[2]!.psnr, 4);
    expect(JSON.parse(fs.readFileSync(r.jsonPath, 'utf8')).rows).toHaveLength(4);
    expect(fs.readFileSync(r.markdownPath, 'utf8')).toMatch(/\| 3 \| 4 \|/);
    await expect(runSamplerSweep(parseSamplerSweepConfig({ ...base, preset: 'flowmo_small_img32' }))).rejects.toThrow(/checkpoint/i);
    fs.rmSync(runDir, { recursive: true });
  });
});
