import fs from 'node:fs';
import path from 'node:path';
import { configSection, encodePng, linePlot, writeReportMarkdown } from '@patchwork/train';
import type { LabelledImages } from '@patchwork/datasets';

/** Everything the report shows. */
export interface ReportInput {
  config: Record<string, unknown>;
  backend: string;
  threads: number;
  params: number;
  losses: [number, number][];
  testAccuracy: number;
  trainSeconds: number;
  /** Whole run, including data loading, feature encoding and evaluation. */
  wallSeconds?: number;
  imagesPerSecond: number;
  /** Extra `[label, value]` rows for the summary table (mode, initialisation, …). */
  facts?: [string, string][];
  test: LabelledImages;
  predictions: Int32Array;
  /** Rows = true class, columns = predicted. */
  confusion: number[][];
}

/** Write `report.md`, `loss.png` and `predictions.png` into `dir`; returns the report path. */
export function writeReport(dir: string, r: ReportInput): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'loss.png'), encodePng(linePlot([{ points: r.losses }], { logY: true })));
  fs.writeFileSync(path.join(dir, 'predictions.png'), encodePng(predictionGrid(r.test, r.predictions, 8, 4)));
  const md = `# Classification report

| metric | value |
|---|---|
| test top-1 accuracy | **${(100 * r.testAccuracy).toFixed(2)}%** (${r.predictions.length} images) |
| parameters | ${r.params.toLocaleString('en-US')} |
| training time | ${r.trainSeconds.toFixed(1)} s in optimisation steps (${r.imagesPerSecond.toFixed(1)} examples/s)${r.wallSeconds === undefined ? '' : `, ${r.wallSeconds.toFixed(0)} s wall clock in all`} |
| backend | ${r.backend} (${r.threads} threads) |
${(r.facts ?? []).map(([k, v]) => `| ${k} | ${v} |`).join('\n')}

## Training loss (log scale, by step)

![loss](loss.png)

## Test predictions

First 32 test images: a green frame is a correct prediction, red a wrong one.

![predictions](predictions.png)

## Confusion matrix (rows: true class, columns: predicted)

| | ${r.test.classNames.map((_, i) => i).join(' | ')} |
|---|${r.test.classNames.map(() => '---').join('|')}|
${r.confusion.map((row, i) => `| ${i} ${r.test.classNames[i]} | ${row.join(' | ')} |`).join('\n')}

${configSection(r.config)}`;
  return writeReportMarkdown(dir, md);
}

/** Grey images tiled with a green (correct) or red (wrong) frame, upscaled 2×. */
export function predictionGrid(test: LabelledImages, pred: Int32Array, cols: number, rows: number) {
  const [, h, w] = test.shape;
  const scale = 2;
  const cell = h * scale + 4;
  const width = cols * cell;
  const height = rows * cell;
  const data = new Uint8Array(width * height * 3).fill(255);
  for (let k = 0; k < Math.min(cols * rows, pred.length); k++) {
    const ox = (k % cols) * cell;
    const oy = Math.floor(k / cols) * cell;
    const frame = pred[k] === test.labels[k] ? [40, 170, 60] : [220, 40, 40];
    for (let y = 0; y < cell; y++)
      for (let x = 0; x < cell; x++) {
        const inner = x >= 2 && y >= 2 && x < cell - 2 && y < cell - 2;
        const v = inner ? test.images[k * h * w + Math.floor((y - 2) / scale) * w + Math.floor((x - 2) / scale)]! : -1;
        data.set(inner ? [v, v, v] : frame, ((oy + y) * width + ox + x) * 3);
      }
  }
  return { width, height, channels: 3 as const, data };
}
