#!/usr/bin/env node
import { PatchworkError, initBackend } from '@patchwork/tensor-core';
import { argsToConfig, parseClassifyConfig } from './config.js';
import { modelNames } from './models.js';
import { runClassify } from './run.js';

const HELP = `patchwork-classify [--mode scratch|linprobe|finetune] [--model NAME] [--init MAE_CHECKPOINT|random:MAE_PRESET]
                   [--steps N] [--batch-size N] [--lr X] [--weight-decay X] [--warmup N] [--global-pool token|avg]
                   [--layer-decay X] [--drop-path X] [--label-smoothing X] [--data bundled|debian|DIR] [--run-dir DIR] [--no-resume] ...
Trains a classifier on Fashion-MNIST (the bundled real subset by default), prints test accuracy,
writes checkpoints and a report (report.md + PNG figures) under --run-dir.
  scratch   train --model from random weights. Models: ${modelNames().join(', ')}.
  linprobe  freeze an apps/mae-pretrain encoder (--init) and train a BatchNorm + Linear head on its features.
  finetune  train the whole ViT from an apps/mae-pretrain encoder with layer-wise lr decay, drop path, label smoothing.
--init random:<mae preset> starts from the untrained encoder instead (the baseline MAE pre-training starts from).`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const cfg = parseClassifyConfig(argsToConfig(argv));
  const info = await initBackend();
  const what = cfg.mode === 'scratch' ? `model ${cfg.model}` : `${cfg.mode} from ${cfg.init}`;
  console.log(`backend ${info.name} (${info.threads} threads, simd ${info.simd}) · ${what} · ${cfg.steps} steps × ${cfg.batchSize}`);
  const r = await runClassify(cfg);
  console.log(`test accuracy: ${(100 * r.testAccuracy).toFixed(2)}%  (loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}, ${r.params} params, ${r.imagesPerSecond.toFixed(1)} examples/s, ${r.wallSeconds.toFixed(0)} s wall)`);
  console.log(`report: ${r.reportPath}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`patchwork-classify: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
