import path from 'node:path';
import { PIPELINE_DIRS } from '@patchwork/pipeline';

/**
 * The `pnpm start` run (plain data, validated by the trainer's schema): the small CNN on the data
 * `prepare-data` copied, the trainer's default 300 steps (~1 min on 2 cores), always from scratch
 * so the seeded run writes the same checkpoint every time.
 */
export const PIPELINE_CONFIG = {
  data: path.join(PIPELINE_DIRS.data, 'fashion-mnist'),
  runDir: PIPELINE_DIRS.train,
  resume: false,
};
