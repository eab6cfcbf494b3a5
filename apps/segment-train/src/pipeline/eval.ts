#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry } from '@patchwork/pipeline';
import { parseSegmentConfig } from '../config.js';
import { evaluateRun } from './evaluate-run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('segment-train eval', async () => {
  await initPipelineBackend();
  const evalDir = freshDir(PIPELINE_DIRS.eval);
  const scores = await evaluateRun(parseSegmentConfig(PIPELINE_CONFIG), { dataDir: PIPELINE_DIRS.data, evalDir });
  console.log(`held-out mIoU ${(100 * scores.mIoU).toFixed(2)}, mAcc ${(100 * scores.mAcc).toFixed(2)}, aAcc ${(100 * scores.aAcc).toFixed(2)} (from the checkpoint) → ${evalDir}/summary.json`);
});
