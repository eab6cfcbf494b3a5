#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry } from '@patchwork/pipeline';
import { parseFlowmoTrainConfig } from '../config.js';
import { evaluateRun } from './evaluate-run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('flowmo-train eval', async () => {
  const cfg = parseFlowmoTrainConfig(PIPELINE_CONFIG);
  await initPipelineBackend();
  const evalDir = freshDir(PIPELINE_DIRS.eval);
  const m = await evaluateRun(cfg, { dataDir: PIPELINE_DIRS.data, evalDir });
  console.log(`reconstruction PSNR ${m.psnr.toFixed(2)} dB, SSIM ${m.ssim.toFixed(3)}, FD ${m.fd.toFixed(4)} (EMA weights from the checkpoint) → ${evalDir}/summary.json`);
});
