#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry } from '@patchwork/pipeline';
import { parseFlowmoTrainConfig } from '../config.js';
import { prepareFlowmoData } from './prepare-data.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('flowmo-train prepare-data', async () => {
  const cfg = parseFlowmoTrainConfig(PIPELINE_CONFIG);
  await initPipelineBackend();
  await prepareFlowmoData(cfg, freshDir(PIPELINE_DIRS.data));
  console.log(`${cfg.data} images checked, card in ${PIPELINE_DIRS.data}`);
});
