import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { encodePng } from '@patchwork/train';
import { describe, expect, it } from 'vitest';
import { argsToConfig, parseMatTrainConfig } from './config.js';
import { runMatTrain } from './run.js';

/** A folder of smooth synthetic "photos" (gradients and discs), so the test needs no system data. */
function photoFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mat-train-data-'));
  for (let k = 0; k < 3; k++) {
    const size = 96;
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const disc = (x - 30 - 10 * k) ** 2 + (y - 50) ** 2 < 400 ? 80 : 0;
        const i = (y * size + x) * 3;
        data[i] = (x * 2 + disc) % 256;
        data[i + 1] = (y * 2 + 40 * k) % 256;
        data[i + 2] = 255 - disc * 2;
      }
    }
    fs.writeFileSync(path.join(dir, `photo${k}.png`), encodePng({ width: size, height: size, channels: 3, data }));
  }
  return dir;
}

describe('mat-train', () => {
  it('parses CLI flags into a validated config and rejects unknown ones', () => {
    const cfg = parseMatTrainConfig(argsToConfig(['--steps', '5', '--hole-range', '0.2,0.5', '--no-resume', '--pcp=none']));
    expect([cfg.steps, cfg.holeRange, cfg.resume, cfg.pcp, cfg.preset]).toEqual([5, [0.2, 0.5], false, 'none', 'mat-tiny-64']);
    expect(() => parseMatTrainConfig(argsToConfig(['--stpes', '5']))).toThrow(/stpes/);
    expect(() => parseMatTrainConfig({ pcp: 'vgg' })).toThrow(/pcp/);
  });

  it('trains, checkpoints, resumes from the latest checkpoint and writes the report', async () => {
    const data = photoFolder();
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mat-train-run-'));
    const base = { data, runDir, batchSize: 2, valImages: 2, evalEvery: 0, checkpointEvery: 1, r1Interval: 2 };
    const before = tf.memory().numTensors;
    const a = await runMatTrain(parseMatTrainConfig({ ...base, steps: 2 }), { progress: false });
    expect([a.startStep, a.step]).toEqual([0, 2]);
    expect(a.evals.map((e) => e.step)).toEqual([0, 2]);
    expect(a.evals.every((e) => Number.isFinite(e.metrics.psnr) && e.metrics.ssim <= 1)).toBe(true);
    const b = await runMatTrain(parseMatTrainConfig({ ...base, steps: 3 }), { progress: false });
    expect([b.startStep, b.step]).toEqual([2, 3]);
    expect(b.evals.map((e) => e.step)).toEqual([0, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
    for (const f of ['report/report.md', 'report/samples.png', 'report/losses.png', 'log.jsonl', 'checkpoints/latest']) expect(fs.existsSync(path.join(runDir, f)), f).toBe(true);
    const steps = fs.readFileSync(path.join(runDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual([0, 1, 2, 2, 3, 3]);
    fs.rmSync(data, { recursive: true });
    fs.rmSync(runDir, { recursive: true });
  });
});
