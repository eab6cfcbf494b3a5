import fs from 'node:fs';
import path from 'node:path';
import { tf } from '@patchwork/tensor-core';
import { inpaint } from '@patchwork/mat-inpaint';
import type { MatGenerator } from '@patchwork/mat-inpaint';
import { configSection, encodePng, linePlot, writeReportMarkdown } from '@patchwork/train';
import type { InpaintBatch } from './data.js';
import { imageGrid } from './grid.js';
import type { EvalMetrics } from './evaluate.js';

/** Everything the report shows. */
export interface ReportInput {
  config: Record<string, unknown>;
  backend: string;
  threads: number;
  params: { generator: number; discriminator: number };
  steps: number;
  trainSeconds: number;
  /** Per-step losses `[step, value]`. */
  curves: { gAdv: [number, number][]; dLoss: [number, number][]; pcp: [number, number][] };
  /** Validation metrics by step. */
  evals: { step: number; metrics: EvalMetrics }[];
}

const SEEDS = [0, 1, 2];

/**
 * One row per validation crop: the masked input (holes grey), the first-stage result, the final
 * result for three seeds (pluralistic fills), and the original; upscaled 2×. Returns the PNG.
 */
export function sampleSheet(generator: MatGenerator, val: InpaintBatch, rows = 6): Buffer {
  const n = Math.min(rows, val.images.shape[0]);
  const images = tf.slice(val.images, [0, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D;
  const masks = tf.slice(val.masks, [0, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D;
  const masked = tf.tidy(() => tf.add(tf.mul(images, masks), tf.mul(tf.sub(1, masks), 0.2)));
  const first = inpaint(generator, images, masks, { seed: SEEDS[0], returnStage1: true });
  const others = SEEDS.slice(1).map((seed) => inpaint(generator, images, masks, { seed }));
  const columns = [masked, first.stage1, first.image, ...others, images];
  const pixels = columns.map((t) => t.dataSync());
  tf.dispose([masked, first.stage1, first.image, ...others, images, masks]);
  return imageGrid(pixels, n, val.images.shape[1]);
}

/** Write `report.md`, `losses.png`, `metrics.png` and `samples.png` into `dir`; returns the report path. */
export function writeReport(dir: string, r: ReportInput, samples: Buffer): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'samples.png'), samples);
  const series = [
    { points: r.curves.dLoss, color: [200, 60, 40] as [number, number, number] },
    { points: r.curves.gAdv, color: [40, 90, 200] as [number, number, number] },
  ];
  if (r.curves.pcp.some(([, v]) => v > 0)) series.push({ points: r.curves.pcp, color: [40, 160, 60] });
  fs.writeFileSync(path.join(dir, 'losses.png'), encodePng(linePlot(series)));
  fs.writeFileSync(path.join(dir, 'psnr.png'), encodePng(linePlot([{ points: r.evals.map((e) => [e.step, e.metrics.psnr] as [number, number]) }])));
  const first = r.evals[0];
  const last = r.evals[r.evals.length - 1];
  const fmt = (e: { metrics: EvalMetrics } | undefined, k: keyof EvalMetrics, digits: number): string => (e === undefined ? '–' : e.metrics[k].toFixed(digits));
  const md = `# MAT training report

| | value |
|---|---|
| steps | ${r.steps} |
| parameters | G ${r.params.generator.toLocaleString('en-US')} · D ${r.params.discriminator.toLocaleString('en-US')} |
| training time | ${r.trainSeconds.toFixed(1)} s (${(r.trainSeconds / Math.max(1, r.steps)).toFixed(2)} s/step) |
| backend | ${r.backend} (${r.threads} threads) |

## Validation (EMA generator, seed 0, whole images)

| | step ${first?.step ?? '–'} | step ${last?.step ?? '–'} |
|---|---|---|
| PSNR (dB) | ${fmt(first, 'psnr', 2)} | **${fmt(last, 'psnr', 2)}** |
| SSIM | ${fmt(first, 'ssim', 4)} | **${fmt(last, 'ssim', 4)}** |
| L1 ([0, 1]) | ${fmt(first, 'l1', 4)} | ${fmt(last, 'l1', 4)} |

MAT's authors advise against pixel metrics for large holes (they reward blur); they are here to
track training, not to rank models.

## Losses by step (red: D, blue: G adversarial, green: reconstruction term)

![losses](losses.png)

## PSNR by step

![psnr](psnr.png)

## Samples

Columns: masked input (holes grey) · first stage · output for seeds 0, 1, 2 · original.

![samples](samples.png)

${configSection(r.config)}`;
  return writeReportMarkdown(dir, md);
}
