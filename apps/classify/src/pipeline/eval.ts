#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry } from '@patchwork/pipeline';
import { parseClassifyConfig } from '../config.js';
import { evaluateRun } from './evaluate-run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('classify eval', async () => {
  await initPipelineBackend();
  const evalDir = freshDir(PIPELINE_DIRS.eval);
  const accuracy = evaluateRun(parseClassifyConfig(PIPELINE_CONFIG), { dataDir: PIPELINE_DIRS.data, evalDir });
  console.log(`test accuracy ${(100 * accuracy).toFixed(2)}% (from the checkpoint) → ${evalDir}/summary.json`);
});
