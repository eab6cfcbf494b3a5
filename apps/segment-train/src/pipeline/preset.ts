import { PIPELINE_DIRS } from '@patchwork/pipeline';

/**
 * The `pnpm start` run (plain data, validated by the trainer's schema): the default ViT-UperNet on
 * procedural shapes at 32 px (a quarter of the default's compute per step) for 300 steps on a
 * 600-image split, always from scratch so the seeded run writes the same checkpoint every time.
 * Trained from scratch this briefly, it needs a higher learning rate than the default and no
 * layer-wise decay (a fine-tuning device that only slows the lower blocks); with the defaults the
 * model still predicts background everywhere after this budget.
 */
export const PIPELINE_CONFIG = {
  imageSize: 32,
  steps: 300,
  warmup: 20,
  lr: 4e-3,
  layerDecay: 1,
  trainSize: 600,
  testSize: 100,
  runDir: PIPELINE_DIRS.train,
  resume: false,
};
