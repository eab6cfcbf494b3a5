import path from 'node:path';
import { PIPELINE_DIRS } from '@patchwork/pipeline';

/**
 * The `pnpm start` run (plain data, validated by the trainer's schema): the default micro MAE on
 * the data `prepare-data` copied, shortened to 60 steps × 32 (the trainer's before/after linear
 * probes over all 2,500 images cost as much again), always from scratch so the seeded run writes
 * the same checkpoint every time.
 */
export const PIPELINE_CONFIG = {
  data: path.join(PIPELINE_DIRS.data, 'fashion-mnist'),
  steps: 60,
  batchSize: 32,
  warmup: 10,
  evalEvery: 30,
  runDir: PIPELINE_DIRS.train,
  resume: false,
};
