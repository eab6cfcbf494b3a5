import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { loadCheckpoint } from '@patchwork/tensor-core/node';
import { describe, expect, it } from 'vitest';
import { writeMaeRun } from './__fixtures__/mae-checkpoint.js';
import { parseClassifyConfig } from './config.js';
import { runClassify } from './run.js';

const tmpRun = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'classify-'));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('classification trainer', () => {
  it('learns Fashion-MNIST well above chance, writes a report, and frees its tensors', async () => {
    const runDir = tmpRun();
    const before = tf.memory().numTensors;
    const r = await runClassify(parseClassifyConfig({ steps: 60, batchSize: 32, trainLimit: 640, testLimit: 200, warmup: 5, runDir, checkpointEvery: 30 }));
    expect(tf.memory().numTensors).toBe(before);
    expect(r.lastLoss).toBeLessThan(r.firstLoss * 0.6);
    expect(r.testAccuracy).toBeGreaterThan(0.45); // chance is 0.10
    for (const f of ['report.md', 'loss.png', 'predictions.png']) expect(fs.existsSync(path.join(runDir, 'report', f))).toBe(true);
    expect(fs.readFileSync(path.join(runDir, 'checkpoints', 'latest'), 'utf8')).toMatch(/step-000000060/);
  });

  it('linprobe: trains the BatchNorm + Linear head on frozen MAE features; the encoder weights never change', async () => {
    const mae = writeMaeRun();
    const runDir = tmpRun();
    const before = tf.memory().numTensors;
    const cfg = parseClassifyConfig({ mode: 'linprobe', init: mae.runDir, steps: 40, batchSize: 32, trainLimit: 256, testLimit: 100, warmup: 2, lr: 1e-2, runDir });
    const r = await runClassify(cfg);
    expect(tf.memory().numTensors).toBe(before);
    expect(mean(r.losses.slice(-5))).toBeLessThan(mean(r.losses.slice(0, 5)) - 0.2);
    expect(r.testAccuracy).toBeGreaterThan(0.3);
    const report = fs.readFileSync(r.reportPath, 'utf8');
    expect(report).toMatch(/linprobe \(frozen encoder, BatchNorm \+ Linear head\)/);
    expect(report).toMatch(/trainable parameters \| 650 \|/); // 64·10 + 10

    const ck = loadCheckpoint(path.join(runDir, 'checkpoints'));
    try {
      expect(ck.model.name).toBe('linprobe:mae_vit_micro_patch4_28');
      const encoderKeys = Object.keys(ck.weights).filter((k) => k.startsWith('encoder.'));
      expect(encoderKeys.length).toBeGreaterThan(70);
      for (const k of encoderKeys) expect(Array.from(ck.weights[k]!.dataSync()), k).toEqual(Array.from(mae.weights[k.slice('encoder.'.length)]!));
      expect(Object.keys(ck.optimizer!.state).every((k) => k.startsWith('state.head.1.'))).toBe(true);
    } finally {
      ck.dispose();
    }
  });

  it('finetune: trains the whole ViT from the MAE encoder with layer-wise lr decay, drop path and label smoothing', async () => {
    const mae = writeMaeRun();
    const runDir = tmpRun();
    const before = tf.memory().numTensors;
    const cfg = parseClassifyConfig({ mode: 'finetune', init: mae.runDir, steps: 16, batchSize: 16, trainLimit: 256, testLimit: 50, warmup: 2, lr: 3e-3, runDir });
    expect(cfg).toMatchObject({ dropPath: 0.1, labelSmoothing: 0.1, globalPool: 'avg', layerDecay: 0.75 });
    const r = await runClassify(cfg);
    expect(tf.memory().numTensors).toBe(before);
    expect(mean(r.losses.slice(-4))).toBeLessThan(mean(r.losses.slice(0, 4)) - 0.1);

    const ck = loadCheckpoint(path.join(runDir, 'checkpoints'));
    try {
      expect(ck.model.name).toBe('finetune:mae_vit_micro_patch4_28');
      const groups = (ck.optimizer!.hyper as { groups: { names: string[]; lrScale: number; weightDecay: number }[] }).groups;
      const scaleOf = (name: string): number => groups.find((g) => g.names.includes(name))!.lrScale;
      expect(scaleOf('patch_embed.proj.weight')).toBeCloseTo(0.75 ** 7, 12);
      expect(scaleOf('blocks.0.attn.qkv.weight')).toBeCloseTo(0.75 ** 6, 12);
      expect(scaleOf('blocks.5.mlp.fc2.weight')).toBeCloseTo(0.75, 12);
      expect(scaleOf('head.weight')).toBe(1);
      expect(groups.find((g) => g.names.includes('pos_embed'))!.weightDecay).toBe(0);
      expect('norm.weight' in ck.weights).toBe(false); // average pooling: fc_norm replaces the final norm, as MAE
      const moved = Math.max(...tf.tidy(() => tf.abs(tf.sub(ck.weights['blocks.5.mlp.fc2.weight']!, tf.tensor(mae.weights['blocks.5.mlp.fc2.weight']!, ck.weights['blocks.5.mlp.fc2.weight']!.shape)))).dataSync());
      expect(moved).toBeGreaterThan(0);
    } finally {
      ck.dispose();
    }
  });

  it('refuses an encoder that does not fit the data, naming both, without leaking', async () => {
    const before = tf.memory().numTensors;
    const cfg = parseClassifyConfig({ mode: 'linprobe', init: 'random:mae_vit_micro_patch4_32', steps: 2, warmup: 0, trainLimit: 64, testLimit: 10, runDir: tmpRun() });
    await expect(runClassify(cfg)).rejects.toThrow(/the encoder of mae_vit_micro_patch4_32 takes 32×32×3 images, the data is 28×28×1/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
