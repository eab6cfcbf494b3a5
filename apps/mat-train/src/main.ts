#!/usr/bin/env node
import { PatchworkError, initBackend } from '@patchwork/tensor-core';
import { argsToConfig, parseMatTrainConfig } from './config.js';
import { runMatTrain } from './run.js';

const HELP = `patchwork-mat-train [--preset mat-tiny-64] [--steps N] [--batch-size N] [--lr X] [--data skimage,lomiri,DIR]
                    [--test-data lomiri-test] [--pcp pixels|none|vgg19:FILE] [--pcp-ratio X] [--run-dir DIR] [--no-resume] ...
Trains a small MAT inpainting model on random crops of photographs (Debian python3-skimage's by
default) with MAT's free-form masks; writes checkpoints (resumed automatically), log.jsonl and a
report (report.md, losses/PSNR plots, a sample sheet with three seeds per image) under --run-dir.
With --test-data, refuses to start if those held-out photos overlap --data; score the run against
simple fills on them with dist/benchmark-main.js and the same flags.`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const cfg = parseMatTrainConfig(argsToConfig(argv));
  const info = await initBackend();
  console.log(`backend ${info.name} (${info.threads} threads, simd ${info.simd}) · ${cfg.preset} · ${cfg.steps} steps × ${cfg.batchSize}`);
  const r = await runMatTrain(cfg);
  const first = r.evals[0]?.metrics;
  const last = r.evals[r.evals.length - 1]?.metrics;
  const f = (m: typeof first): string => (m === undefined ? '–' : `PSNR ${m.psnr.toFixed(2)} dB, SSIM ${m.ssim.toFixed(4)}`);
  console.log(`validation: ${f(first)} → ${f(last)}  (G ${r.params.generator} / D ${r.params.discriminator} params, ${r.trainSeconds.toFixed(0)} s training)`);
  console.log(`report: ${r.reportPath}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`patchwork-mat-train: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
