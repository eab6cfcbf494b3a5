#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry, writeCurves, writeWeightsFingerprint } from '@patchwork/pipeline';
import { parseClassifyConfig } from '../config.js';
import { runClassify } from '../run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('classify train', async () => {
  const cfg = parseClassifyConfig(PIPELINE_CONFIG);
  freshDir(PIPELINE_DIRS.train);
  const info = await initPipelineBackend();
  console.log(`backend ${info.name} (${info.threads} threads) · ${cfg.model} · ${cfg.steps} steps × ${cfg.batchSize}`);
  const r = await runClassify(cfg);
  writeCurves(PIPELINE_DIRS.train);
  writeWeightsFingerprint(PIPELINE_DIRS.train);
  console.log(`test accuracy ${(100 * r.testAccuracy).toFixed(2)}% · ${r.imagesPerSecond.toFixed(1)} img/s · trainer report: ${r.reportPath}`);
});
