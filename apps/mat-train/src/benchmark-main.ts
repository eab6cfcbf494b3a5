#!/usr/bin/env node
import { PatchworkError, initBackend } from '@patchwork/tensor-core';
import { runBenchmark } from './benchmark.js';
import { argsToConfig, parseMatTrainConfig } from './config.js';

const HELP = `node dist/benchmark-main.js --test-data lomiri-test [--data skimage,lomiri] [--run-dir DIR] [--test-images N] [--test-seed N] [--hole-range lo,hi] ...
Scores the EMA generator of the latest checkpoint in --run-dir against mean, nearest and diffusion
fill on crops of held-out photos (never in --data) with free-form masks: PSNR, SSIM, a perceptual
distance, hole-only PSNR and L1. Takes the trainer's flags; writes benchmark/{benchmark.md,
benchmark.json,samples.png} under --run-dir.`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const cfg = parseMatTrainConfig(argsToConfig(argv));
  const info = await initBackend();
  console.log(`backend ${info.name} (${info.threads} threads) · ${cfg.testImages} held-out crops of ${cfg.testData}`);
  const r = await runBenchmark(cfg);
  for (const m of r.methods) {
    const s = m.scores;
    console.log(`${m.name.padEnd(48)} PSNR ${s.psnr.toFixed(2)} dB  SSIM ${s.ssim.toFixed(4)}  perceptual ${s.perceptual.toFixed(4)}  hole PSNR ${s.holePsnr.toFixed(2)} dB`);
  }
  console.log(`report: ${r.reportPath}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`mat-train benchmark: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
