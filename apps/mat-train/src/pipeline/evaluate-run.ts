import fs from 'node:fs';
import path from 'node:path';
import { MatDiscriminator, MatGenerator, MatTrainer, matPresetConfig } from '@patchwork/mat-inpaint';
import { curve, dataCardSections, readCurves, writeSummary } from '@patchwork/pipeline';
import { Rng, tf } from '@patchwork/tensor-core';
import { loadCheckpoint } from '@patchwork/tensor-core/node';
import { encodePng, linePlot } from '@patchwork/train';
import type { MatTrainConfig } from '../config.js';
import { loadPhotos, sampleBatch } from '../data.js';
import { evaluate } from '../evaluate.js';
import type { EvalMetrics } from '../evaluate.js';
import { sampleSheet } from '../report.js';

/** Where {@link evaluateRun} reads the prepared data card and writes its results. */
export interface EvalDirs {
  dataDir: string;
  evalDir: string;
}

/**
 * The pipeline's `eval` step: load the latest checkpoint of `cfg.runDir` (refused if it belongs to
 * another preset), take its EMA generator as the trainer does, score it on the trainer's fixed
 * validation crops and write `summary.json` with the loss and PSNR curves and a sample sheet.
 */
export async function evaluateRun(cfg: MatTrainConfig, { dataDir, evalDir }: EvalDirs): Promise<EvalMetrics> {
  const photos = await loadPhotos(cfg.data);
  const config = matPresetConfig(cfg.preset);
  const size = config.imgResolution;
  const G = new MatGenerator(config, { rng: new Rng(cfg.seed) });
  const D = new MatDiscriminator(config, { rng: new Rng(cfg.seed + 1) });
  const gEma = new MatGenerator(config, { rng: new Rng(cfg.seed) });
  // The trainer only carries the checkpoint's G / D / G_ema into copyEmaTo; no step is taken.
  const trainer = new MatTrainer(G, D, null, { batchSize: cfg.batchSize, lr: cfg.lr, seed: cfg.seed + 2 });
  const val = sampleBatch(photos, cfg.valImages, size, new Rng(cfg.seed + 4), cfg.cropScale, cfg.holeRange);
  try {
    const ck = loadCheckpoint(path.join(cfg.runDir, 'checkpoints'), { expectModel: { name: `mat-train/${cfg.preset}`, config } });
    try {
      trainer.loadState({ weights: ck.weights, step: ck.step });
    } finally {
      ck.dispose();
    }
    trainer.copyEmaTo(gEma);
    const metrics = evaluate(gEma, val);
    fs.writeFileSync(path.join(evalDir, 'samples.png'), sampleSheet(gEma, val));

    const records = readCurves(cfg.runDir);
    const series: { points: [number, number][]; color: [number, number, number] }[] = [
      { points: curve(records, 'dLoss'), color: [200, 60, 40] },
      { points: curve(records, 'gAdv'), color: [40, 90, 200] },
    ];
    const pcp = curve(records, 'pcp');
    if (pcp.some(([, v]) => v > 0)) series.push({ points: pcp, color: [40, 160, 60] });
    fs.writeFileSync(path.join(evalDir, 'losses.png'), encodePng(linePlot(series)));
    const psnrCurve = curve(records, 'psnr');
    fs.writeFileSync(path.join(evalDir, 'psnr.png'), encodePng(linePlot([{ points: psnrCurve }])));
    const atInit = psnrCurve[0]?.[1];
    const ssimAtInit = curve(records, 'ssim')[0]?.[1];

    const data = dataCardSections(dataDir, evalDir);
    const db = (v: number | undefined): string => (v === undefined ? '–' : `${v.toFixed(2)} dB`);
    writeSummary(evalDir, {
      app: 'mat-train',
      title: `Inpainting: MAT ${cfg.preset}`,
      description: `MAT \`${cfg.preset}\` (G ${G.numParameters().toLocaleString('en-US')} / D ${D.numParameters().toLocaleString('en-US')} parameters) trained for ${trainer.step} steps × ${cfg.batchSize}: non-saturating GAN loss on both discriminators + ${cfg.pcp} reconstruction term (weight ${cfg.pcpRatio}), lazy R1 (γ ${cfg.r1Gamma}), EMA of G; free-form masks with hole ratio ${cfg.holeRange.join('–')}, seed ${cfg.seed}. Scored: the EMA generator on ${cfg.valImages} fixed validation crops (seed 0, whole image). A GAN needs far more steps than this pipeline spends; the point is that every stage of training and evaluation runs, and MAT's authors warn that PSNR/SSIM reward blur for large holes.`,
      headline: [
        { label: 'validation PSNR', value: `${db(atInit)} → ${db(metrics.psnr)}` },
        { label: 'validation SSIM', value: `${ssimAtInit?.toFixed(4) ?? '–'} → ${metrics.ssim.toFixed(4)}` },
      ],
      metrics: { psnr: metrics.psnr, ssim: metrics.ssim, l1: metrics.l1, psnrAtInit: atInit ?? null, step: trainer.step, generatorParams: G.numParameters() },
      tables: [data.table, { title: 'Validation (EMA generator)', columns: ['', 'PSNR', 'SSIM', 'L1 ([0, 1])'], rows: [[`step ${trainer.step}`, db(metrics.psnr), metrics.ssim.toFixed(4), metrics.l1.toFixed(4)]] }],
      figures: [
        { file: 'samples.png', caption: 'Columns: masked input (holes grey) · first stage · output for seeds 0, 1, 2 · original' },
        { file: 'losses.png', caption: 'Losses by step (red: D, blue: G adversarial, green: reconstruction term)' },
        { file: 'psnr.png', caption: 'Validation PSNR (dB) by step' },
        data.figure,
      ],
    });
    return metrics;
  } finally {
    tf.dispose([val.images, val.masks]);
    photos.dispose();
    trainer.dispose();
    for (const m of [G, D, gEma]) m.dispose();
  }
}
