#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry, writeCurves, writeWeightsFingerprint } from '@patchwork/pipeline';
import { parseMatTrainConfig } from '../config.js';
import { runMatTrain } from '../run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('mat-train train', async () => {
  const cfg = parseMatTrainConfig(PIPELINE_CONFIG);
  freshDir(PIPELINE_DIRS.train);
  const info = await initPipelineBackend();
  console.log(`backend ${info.name} (${info.threads} threads) · ${cfg.preset} · ${cfg.steps} steps × ${cfg.batchSize}`);
  const r = await runMatTrain(cfg);
  writeCurves(PIPELINE_DIRS.train);
  writeWeightsFingerprint(PIPELINE_DIRS.train);
  const last = r.evals.at(-1)?.metrics;
  console.log(`validation PSNR ${last?.psnr.toFixed(2)} dB, SSIM ${last?.ssim.toFixed(4)} · ${(r.trainSeconds / cfg.steps).toFixed(1)} s/step · trainer report: ${r.reportPath}`);
});
