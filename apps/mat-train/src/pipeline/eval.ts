#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry } from '@patchwork/pipeline';
import { parseMatTrainConfig } from '../config.js';
import { evaluateRun } from './evaluate-run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('mat-train eval', async () => {
  await initPipelineBackend();
  const evalDir = freshDir(PIPELINE_DIRS.eval);
  const m = await evaluateRun(parseMatTrainConfig(PIPELINE_CONFIG), { dataDir: PIPELINE_DIRS.data, evalDir });
  console.log(`validation PSNR ${m.psnr.toFixed(2)} dB, SSIM ${m.ssim.toFixed(4)} (EMA generator from the checkpoint) → ${evalDir}/summary.json`);
});
