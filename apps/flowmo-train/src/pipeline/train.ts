#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry, writeCurves, writeWeightsFingerprint } from '@patchwork/pipeline';
import { parseFlowmoTrainConfig } from '../config.js';
import { runFlowmoTrain } from '../run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('flowmo-train train', async () => {
  const cfg = parseFlowmoTrainConfig(PIPELINE_CONFIG);
  freshDir(PIPELINE_DIRS.train);
  const info = await initPipelineBackend();
  console.log(`backend ${info.name} (${info.threads} threads) · ${cfg.preset} on ${cfg.data} · 1A ${cfg.stage1aSteps} + 1B ${cfg.stage1bSteps} steps × ${cfg.batchSize}`);
  const r = await runFlowmoTrain(cfg);
  // The Stage 1A evaluation record carries its wall-clock `seconds`.
  writeCurves(PIPELINE_DIRS.train, { drop: ['seconds'] });
  writeWeightsFingerprint(PIPELINE_DIRS.train);
  console.log(`after 1B: PSNR ${r.stage1b?.psnr.toFixed(2)} dB · ${(1000 * r.secondsPerStep.stage1a).toFixed(0)} ms/step (1A) · trainer report: ${r.reportPath}`);
});
