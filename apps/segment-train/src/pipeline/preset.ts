import { PIPELINE_DIRS } from '@patchwork/pipeline';

/**
 * The `pnpm start` run (plain data, validated by the trainer's schema): the default ViT-UperNet on
 * procedural shapes, shortened to 150 steps on a 600-image training split, always from scratch so
 * the seeded run writes the same checkpoint every time.
 */
export const PIPELINE_CONFIG = {
  steps: 150,
  warmup: 15,
  trainSize: 600,
  testSize: 100,
  runDir: PIPELINE_DIRS.train,
  resume: false,
};
