#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, runEntry } from '@patchwork/pipeline';
import { parseSegmentConfig } from '../config.js';
import { prepareSegmentationData } from './prepare-data.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('segment-train prepare-data', async () => {
  const cfg = parseSegmentConfig(PIPELINE_CONFIG);
  const data = await prepareSegmentationData(cfg, freshDir(PIPELINE_DIRS.data));
  console.log(`${cfg.data}: ${data.train.length} training and ${data.test.length} held-out images, card in ${PIPELINE_DIRS.data}`);
});
