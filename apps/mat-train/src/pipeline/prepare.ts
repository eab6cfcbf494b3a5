#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, runEntry } from '@patchwork/pipeline';
import { prepareCanvases } from './prepare-data.js';
import { PIPELINE_IMAGES } from './preset.js';

runEntry('mat-train prepare-data', async () => {
  const files = prepareCanvases(freshDir(PIPELINE_DIRS.data), PIPELINE_IMAGES, { count: 12, size: 192, seed: 0 });
  console.log(`${files.length} training canvases in ${PIPELINE_IMAGES}`);
});
