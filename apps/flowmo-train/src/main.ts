#!/usr/bin/env node
import { FLOWMO_PRESETS } from '@patchwork/flowmo-tokenizer';
import { PatchworkError, initBackend } from '@patchwork/tensor-core';
import { argsToConfig, parseFlowmoTrainConfig, parseSamplerSweepConfig } from './config.js';
import { runFlowmoTrain } from './run.js';
import { runSamplerSweep } from './sampler-sweep.js';

const HELP = `patchwork-flowmo-train [--preset NAME] [--data photos|fashion] [--stage1a-steps N] [--stage1b-steps N]
  [--batch-size N] [--lr X] [--lr1b X] [--sample-steps K] [--sample-weight X] [--eval-images N]
  [--eval-steps N] [--rho X] [--cfg X] [--threads N] [--run-dir DIR] [--no-resume] ...
Trains a FlowMo tokenizer (Stage 1A, then Stage 1B), evaluates PSNR/SSIM/perceptual/FD after each
stage, and writes checkpoints, log.jsonl and report/ under --run-dir. Presets: ${Object.keys(FLOWMO_PRESETS).join(', ')}.
patchwork-flowmo-train sampler-sweep [--sweep-steps 4,8,25] [--sweep-rhos 1,4] [same flags as the run]
  Reconstructs the evaluation images with the run's latest EMA weights for every (steps, ρ) and
  writes report/sampler-sweep.{json,md}.`;

/** One line of reconstruction metrics, shared by the run summary and the sampler sweep. */
const fmt = (m: { psnr: number; ssim: number; perceptual: number; fd: number } | null): string =>
  m === null ? '–' : `PSNR ${m.psnr.toFixed(2)} dB, SSIM ${m.ssim.toFixed(3)}, perceptual ${m.perceptual.toFixed(4)}, FD ${m.fd.toFixed(4)}`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  if (argv[0] === 'sampler-sweep') {
    const sweep = parseSamplerSweepConfig(argsToConfig(argv.slice(1)));
    await initBackend({ threads: sweep.threads });
    const r = await runSamplerSweep(sweep);
    for (const m of r.rows) console.log(`steps ${m.steps}, ρ ${m.rho}: ${fmt(m)}`);
    console.log(`sweep: ${r.markdownPath}`);
    return;
  }
  const cfg = parseFlowmoTrainConfig(argsToConfig(argv));
  const info = await initBackend({ threads: cfg.threads });
  console.log(`backend ${info.name} (${info.threads} threads, simd ${info.simd}) · ${cfg.preset} · ${cfg.data} · 1A ${cfg.stage1aSteps} + 1B ${cfg.stage1bSteps} steps × ${cfg.batchSize}`);
  const r = await runFlowmoTrain(cfg);
  console.log(`${r.params} params, ${r.bpp.toFixed(4)} bpp; ${(1000 * r.secondsPerStep.stage1a).toFixed(0)} ms/step (1A), ${(1000 * r.secondsPerStep.stage1b).toFixed(0)} ms/step (1B)`);
  console.log(`after 1A: ${fmt(r.stage1a)}`);
  console.log(`after 1B: ${fmt(r.stage1b)}`);
  console.log(`mean-colour baseline: ${fmt(r.baseline)}; real-vs-real FD ${r.realFd.toFixed(4)}`);
  console.log(`report: ${r.reportPath}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`patchwork-flowmo-train: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
