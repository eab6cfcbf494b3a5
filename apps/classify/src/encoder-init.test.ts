import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMae } from '@patchwork/mae';
import { Rng, tf } from '@patchwork/tensor-core';
import { saveCheckpoint } from '@patchwork/tensor-core/node';
import { describe, expect, it } from 'vitest';
import { TEST_PRESET, writeMaeRun } from './__fixtures__/mae-checkpoint.js';
import { loadEncoderInit } from './encoder-init.js';

describe('loadEncoderInit', () => {
  it('reads an mae-pretrain checkpoint from the run folder, its checkpoints folder or the file', () => {
    const { runDir, weights } = writeMaeRun(7);
    const file = fs.readFileSync(path.join(runDir, 'checkpoints', 'latest'), 'utf8').trim();
    for (const target of [runDir, path.join(runDir, 'checkpoints'), path.join(runDir, 'checkpoints', file)]) {
      const before = tf.memory().numTensors;
      const init = loadEncoderInit(target, 0);
      expect(init).toMatchObject({ name: TEST_PRESET, step: 7, config: { embedDim: 64, depth: 6, imgSize: 28, inChans: 1 } });
      expect(init.source).toMatch(/step-000000007\.safetensors \(step 7\)/);
      expect(Array.from(init.weights['blocks.3.mlp.fc1.weight']!.dataSync())).toEqual(Array.from(weights['blocks.3.mlp.fc1.weight']!));
      init.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('random:<preset> is exactly the encoder MAE pre-training starts from with that seed', () => {
    const before = tf.memory().numTensors;
    const init = loadEncoderInit(`random:${TEST_PRESET}`, 3);
    const mae = createMae(TEST_PRESET, { normPixLoss: true }, { rng: new Rng(3) });
    const ref = mae.encoderStateDict();
    expect(Object.keys(init.weights).sort()).toEqual(Object.keys(ref).sort());
    for (const [k, t] of Object.entries(ref)) expect(Array.from(init.weights[k]!.dataSync()), k).toEqual(Array.from(t.dataSync()));
    expect(init).toMatchObject({ name: TEST_PRESET, step: 0 });
    tf.dispose(Object.values(ref));
    mae.dispose();
    init.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses what is not an MAE checkpoint, naming it, without leaking', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-init-'));
    const w = tf.zeros([2]);
    saveCheckpoint(path.join(dir, 'checkpoints'), { model: { name: 'small-cnn', config: { width: 32 } }, weights: { 'fc.bias': w }, step: 3 });
    w.dispose();
    const before = tf.memory().numTensors;
    expect(() => loadEncoderInit(dir, 0)).toThrow(/holds model 'small-cnn', not an MAE encoder/);
    expect(() => loadEncoderInit(path.join(dir, 'nothing-here'), 0)).toThrow(/nothing-here/);
    expect(() => loadEncoderInit('random:mae_vit_nano', 0)).toThrow(/unknown MAE preset 'mae_vit_nano'/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
