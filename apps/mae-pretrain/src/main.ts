#!/usr/bin/env node
import { PatchworkError, initBackend } from '@patchwork/tensor-core';
import { argsToConfig, parseMaePretrainConfig } from './config.js';
import { runMaePretrain } from './run.js';

const HELP = `patchwork-mae-pretrain [--preset NAME] [--steps N] [--batch-size N] [--lr X] [--mask-ratio R] [--no-norm-pix-loss]
                       [--data bundled|debian|DIR] [--run-dir DIR] [--no-resume] [--seed N] [--eval-every N]
                       [--probe-images N] ...
Pre-trains a masked autoencoder on Fashion-MNIST (the bundled real subset by default), prints the
held-out masked-patch loss and linear-probe accuracies before and after, and writes checkpoints and
a report (report.md, loss.png, reconstructions.png) under --run-dir.`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const cfg = parseMaePretrainConfig(argsToConfig(argv));
  const info = await initBackend();
  console.log(`backend ${info.name} (${info.threads} threads, simd ${info.simd}) · ${cfg.preset} · ${cfg.steps} steps × ${cfg.batchSize}`);
  const r = await runMaePretrain(cfg);
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  console.log(`loss ${r.firstLoss.toFixed(4)} → ${r.lastLoss.toFixed(4)}, held-out masked loss ${r.testLoss.toFixed(4)} (${r.params} params, ${r.imagesPerSecond.toFixed(1)} img/s)`);
  console.log(`linear probe (cls / mean token): ${pct(r.probe.before.cls)} / ${pct(r.probe.before.avg)} at init → ${pct(r.probe.after.cls)} / ${pct(r.probe.after.avg)}`);
  console.log(`report: ${r.reportPath}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`patchwork-mae-pretrain: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
