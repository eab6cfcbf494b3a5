import { PIPELINE_DIRS } from '@patchwork/pipeline';

/**
 * The `pnpm start` run (plain data, validated by the trainer's schema): the default FlowMo preset
 * on the bundled Fashion-MNIST subset (the default photos need Debian's python3-skimage), 30 Stage
 * 1A + 4 Stage 1B steps instead of 300 + 30, evaluated on 32 test images with a 10-step sampler
 * instead of 128 with 25, always from scratch so the seeded run writes the same checkpoint every time.
 */
export const PIPELINE_CONFIG = {
  data: 'fashion',
  stage1aSteps: 30,
  stage1bSteps: 4,
  evalImages: 32,
  evalSteps: 10,
  runDir: PIPELINE_DIRS.train,
  resume: false,
};
