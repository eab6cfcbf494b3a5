import path from 'node:path';
import { PIPELINE_DIRS } from '@patchwork/pipeline';

/** Where `prepare-data` writes the images the run trains on. */
export const PIPELINE_IMAGES = path.join(PIPELINE_DIRS.data, 'images');

/**
 * The `pnpm start` run (plain data, validated by the trainer's schema): `mat-tiny-64` on the
 * Fashion-MNIST canvases `prepare-data` writes (no photos are bundled), 8 steps instead of the
 * default 60 (minutes on 2 cores), evaluated at the start and the end, always from scratch so the
 * seeded run writes the same checkpoint every time.
 */
export const PIPELINE_CONFIG = {
  data: PIPELINE_IMAGES,
  steps: 8,
  evalEvery: 0,
  checkpointEvery: 0,
  runDir: PIPELINE_DIRS.train,
  resume: false,
};
