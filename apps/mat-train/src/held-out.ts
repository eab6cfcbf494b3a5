import fs from 'node:fs';
import { PatchworkError } from '@patchwork/tensor-core';
import type { MatTrainConfig } from './config.js';
import { resolvePhotoFiles } from './data.js';

/**
 * The held-out benchmark photos of `cfg.testData`, after checking that they are really held out:
 * no file (by real path) is also a training photo of `cfg.data`, and the held-out seed is none of
 * the training streams' (`seed` … `seed + 4`). Throws naming the offending file or seed.
 */
export function heldOutFiles(cfg: Pick<MatTrainConfig, 'data' | 'testData' | 'seed' | 'testSeed'>): string[] {
  if (cfg.testData === 'none') throw new PatchworkError('E_ARGUMENT', 'no held-out photos: pass --test-data (e.g. lomiri-test) naming photos that training never sees');
  if (cfg.testSeed >= cfg.seed && cfg.testSeed <= cfg.seed + 4) {
    throw new PatchworkError('E_ARGUMENT', `--test-seed ${cfg.testSeed} is one of the training streams' seeds (${cfg.seed} … ${cfg.seed + 4}); pick another`);
  }
  const test = resolvePhotoFiles(cfg.testData);
  const train = new Set(resolvePhotoFiles(cfg.data).map((f) => fs.realpathSync(f)));
  const shared = test.find((f) => train.has(fs.realpathSync(f)));
  if (shared !== undefined) throw new PatchworkError('E_ARGUMENT', `held-out photo ${shared} is also a training photo (--data ${cfg.data}); held-out photos must never be trained on`);
  return test;
}
