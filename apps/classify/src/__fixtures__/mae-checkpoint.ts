import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMae } from '@patchwork/mae';
import { Rng, tf } from '@patchwork/tensor-core';
import { saveCheckpoint } from '@patchwork/tensor-core/node';

/** The preset the tests pre-train: the same one the README's experiment uses. */
export const TEST_PRESET = 'mae_vit_micro_patch4_28';

/**
 * Write an MAE checkpoint the way apps/mae-pretrain's loop does (identity = preset + MAE config,
 * weights = the full MAE state dict) into `<tmp>/run/checkpoints`; returns the run folder and the
 * saved weights as plain arrays for comparisons. Its weights are a seeded MAE init, perturbed so
 * they differ from `random:` with any seed.
 */
export function writeMaeRun(step = 7): { runDir: string; weights: Record<string, Float32Array> } {
  const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'classify-mae-')), 'run');
  const mae = createMae(TEST_PRESET, { normPixLoss: true }, { rng: new Rng(123) });
  const state = mae.stateDict();
  try {
    const noise = new Rng(5);
    for (const [k, t] of Object.entries(state)) {
      if (t.dtype !== 'float32' || k.startsWith('decoder_')) continue;
      state[k] = tf.tidy(() => tf.add(t, noise.normal(t.shape, 0, 0.05)));
      t.dispose();
    }
    saveCheckpoint(path.join(runDir, 'checkpoints'), { model: { name: TEST_PRESET, config: mae.config }, weights: state, step });
    return { runDir, weights: Object.fromEntries(Object.entries(state).map(([k, t]) => [k, t.dataSync() as Float32Array])) };
  } finally {
    tf.dispose(Object.values(state));
    mae.dispose();
  }
}
