#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry } from '@patchwork/pipeline';
import { parseMaePretrainConfig } from '../config.js';
import { evaluateRun } from './evaluate-run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('mae-pretrain eval', async () => {
  await initPipelineBackend();
  const evalDir = freshDir(PIPELINE_DIRS.eval);
  const r = evaluateRun(parseMaePretrainConfig(PIPELINE_CONFIG), { dataDir: PIPELINE_DIRS.data, evalDir });
  console.log(`held-out masked loss ${r.testLoss.toFixed(4)}, probe (class token) ${(100 * r.probe.before.cls).toFixed(1)}% → ${(100 * r.probe.after.cls).toFixed(1)}% → ${evalDir}/summary.json`);
});
