#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry, writeCurves, writeWeightsFingerprint } from '@patchwork/pipeline';
import { parseSegmentConfig } from '../config.js';
import { runSegmentTrain } from '../run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('segment-train train', async () => {
  const cfg = parseSegmentConfig(PIPELINE_CONFIG);
  freshDir(PIPELINE_DIRS.train);
  const info = await initPipelineBackend();
  console.log(`backend ${info.name} (${info.threads} threads) · ${cfg.model} on ${cfg.data} · ${cfg.steps} steps × ${cfg.batchSize}`);
  const r = await runSegmentTrain(cfg);
  writeCurves(PIPELINE_DIRS.train);
  writeWeightsFingerprint(PIPELINE_DIRS.train);
  console.log(`held-out mIoU ${(100 * r.scores.mIoU).toFixed(2)} · ${r.imagesPerSecond.toFixed(1)} img/s · trainer report: ${r.reportPath}`);
});
