#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, initPipelineBackend, runEntry, writeCurves, writeWeightsFingerprint } from '@patchwork/pipeline';
import { parseMaePretrainConfig } from '../config.js';
import { runMaePretrain } from '../run.js';
import { PIPELINE_CONFIG } from './preset.js';

runEntry('mae-pretrain train', async () => {
  const cfg = parseMaePretrainConfig(PIPELINE_CONFIG);
  freshDir(PIPELINE_DIRS.train);
  const info = await initPipelineBackend();
  console.log(`backend ${info.name} (${info.threads} threads) · ${cfg.preset} · ${cfg.steps} steps × ${cfg.batchSize}`);
  const r = await runMaePretrain(cfg);
  writeCurves(PIPELINE_DIRS.train);
  writeWeightsFingerprint(PIPELINE_DIRS.train);
  console.log(`loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)} · ${r.imagesPerSecond.toFixed(1)} img/s · trainer report: ${r.reportPath}`);
});
