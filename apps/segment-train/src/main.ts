#!/usr/bin/env node
import { PatchworkError, initBackend } from '@patchwork/tensor-core';
import { argsToConfig, parseMaePretrainConfig, parseSegmentConfig } from './config.js';
import { runMaePretrain, runSegmentTrain } from './run.js';

const HELP = `patchwork-segment-train [--model vit-upernet|mobilenetv2-deeplabv3] [--data shapes|fashion-mosaic|DIR] [--steps N] [--pretrained FILE] [--run-dir DIR] [--no-resume] ...
patchwork-segment-train pretrain-mae [--data shapes|fashion-mosaic|DIR] [--steps N] [--run-dir DIR] ...

Trains a semantic segmentation model and reports mIoU / mAcc / aAcc on the held-out split, with
checkpoints, report.md and PNG figures under --run-dir. 'pretrain-mae' pre-trains the ViT encoder
with MAE on the same images and writes mae-encoder.safetensors for --pretrained. Every option is
validated; see the README for all of them.`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const pretrain = argv[0] === 'pretrain-mae';
  const raw = argsToConfig(pretrain ? argv.slice(1) : argv);
  const info = await initBackend();
  console.log(`backend ${info.name} (${info.threads} threads, simd ${info.simd})`);
  if (pretrain) {
    const cfg = parseMaePretrainConfig(raw);
    console.log(`MAE pre-training on ${cfg.data}: ${cfg.steps} steps × ${cfg.batchSize}, ViT d${cfg.embedDim} × ${cfg.depth}, patch ${cfg.patchSize}`);
    const r = await runMaePretrain(cfg);
    console.log(`reconstruction loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}; encoder: ${r.encoderPath}`);
    return;
  }
  const cfg = parseSegmentConfig(raw);
  console.log(`${cfg.model} on ${cfg.data}: ${cfg.steps} steps × ${cfg.batchSize}${cfg.pretrained === undefined ? '' : `, backbone from ${cfg.pretrained}`}`);
  const r = await runSegmentTrain(cfg);
  const pct = (v: number): string => (100 * v).toFixed(2);
  console.log(`held-out mIoU ${pct(r.scores.mIoU)}  mAcc ${pct(r.scores.mAcc)}  aAcc ${pct(r.scores.aAcc)}  (loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}, ${r.params} params, ${r.imagesPerSecond.toFixed(1)} img/s)`);
  console.log(`report: ${r.reportPath}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`patchwork-segment-train: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof PatchworkError ? 2 : 1);
  },
);
