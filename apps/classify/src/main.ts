#!/usr/bin/env node
import { PatchworkError, initBackend } from '@patchwork/tensor-core';
import { argsToConfig, parseClassifyConfig } from './config.js';
import { modelNames } from './models.js';
import { runClassify } from './run.js';

const HELP = `patchwork-classify [--model NAME] [--steps N] [--batch-size N] [--lr X] [--data bundled|debian|DIR] [--run-dir DIR] [--no-resume] ...
Trains a classifier on Fashion-MNIST (the bundled real subset by default), prints test accuracy,
writes checkpoints and a report (report.md + PNG figures) under --run-dir. Models: ${modelNames().join(', ')}.`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const cfg = parseClassifyConfig(argsToConfig(argv));
  const info = await initBackend();
  console.log(`backend ${info.name} (${info.threads} threads, simd ${info.simd}) · model ${cfg.model} · ${cfg.steps} steps × ${cfg.batchSize}`);
  const r = await runClassify(cfg);
  console.log(`test accuracy: ${(100 * r.testAccuracy).toFixed(2)}%  (loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}, ${r.params} params, ${r.imagesPerSecond.toFixed(1)} img/s)`);
  console.log(`report: ${r.reportPath}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`patchwork-classify: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
