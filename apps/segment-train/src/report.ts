import fs from 'node:fs';
import path from 'node:path';
import type { SegmentationScores } from '@patchwork/metrics';
import { configSection, encodePng, linePlot, writeReportMarkdown } from '@patchwork/train';
import type { RasterImage } from '@patchwork/train';
import type { Sample } from './evaluate.js';

/** Everything the report shows. */
export interface ReportInput {
  title: string;
  config: Record<string, unknown>;
  backend: string;
  threads: number;
  params: number;
  losses: [number, number][];
  scores: SegmentationScores;
  classNames: readonly string[];
  trainSeconds: number;
  imagesPerSecond: number;
  samples: Sample[];
}

/** Write `report.md`, `loss.png` and `overlays.png` into `dir`; returns the report path. */
export function writeReport(dir: string, r: ReportInput): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'loss.png'), encodePng(linePlot([{ points: r.losses }], { logY: true })));
  if (r.samples.length > 0) fs.writeFileSync(path.join(dir, 'overlays.png'), encodePng(overlayGrid(r.samples, r.classNames.length)));
  const pct = (v: number): string => (Number.isNaN(v) ? 'n/a' : (100 * v).toFixed(2));
  const perClass = r.classNames.map((name, c) => `| ${c} ${name} | ${pct(r.scores.iou[c]!)} | ${pct(r.scores.acc[c]!)} |`);
  const md = `# ${r.title}

| metric | value |
|---|---|
| mIoU | **${pct(r.scores.mIoU)}** |
| mAcc | ${pct(r.scores.mAcc)} |
| aAcc | ${pct(r.scores.aAcc)} |
| parameters | ${r.params.toLocaleString('en-US')} |
| training time | ${r.trainSeconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} img/s) |
| backend | ${r.backend} (${r.threads} threads) |

Metrics follow mmsegmentation's IoUMetric: per-class intersections and unions summed over the
held-out split, classes absent from both prediction and labels left out of the means.

## Per class (%)

| class | IoU | Acc |
|---|---|---|
${perClass.join('\n')}

## Training loss (log scale, by step)

![loss](loss.png)

## Held-out predictions

Each row: image, ground truth, prediction (ignored pixels white).

![overlays](overlays.png)

${configSection(r.config)}`;
  return writeReportMarkdown(dir, md);
}

/** Distinct colours for class ids (background dark grey); the ignore index is white. */
export function classColour(c: number, numClasses: number): [number, number, number] {
  if (c === 255) return [255, 255, 255];
  if (c === 0) return [40, 40, 40];
  // Evenly spaced hues at full saturation.
  const h = ((c - 1) / Math.max(1, numClasses - 1)) * 6;
  const x = Math.round(255 * (1 - Math.abs((h % 2) - 1)));
  const table: [number, number, number][] = [[255, x, 0], [x, 255, 0], [0, 255, x], [0, x, 255], [x, 0, 255], [255, 0, x]];
  return table[Math.floor(h) % 6]!;
}

/** Rows of [image | ground truth | prediction], each upscaled 2× with a 4 px white gutter. */
export function overlayGrid(samples: Sample[], numClasses: number): RasterImage {
  const scale = 2;
  const gap = 4;
  const cellW = Math.max(...samples.map((s) => s.label.width)) * scale;
  const cellH = Math.max(...samples.map((s) => s.label.height)) * scale;
  const width = 3 * cellW + 4 * gap;
  const height = samples.length * (cellH + gap) + gap;
  const data = new Uint8Array(width * height * 3).fill(255);
  samples.forEach((s, row) => {
    const oy = gap + row * (cellH + gap);
    const { width: w, height: h } = s.label;
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const p = Math.floor(y / scale) * w + Math.floor(x / scale);
        const ch = s.image.channels;
        const rgb: [number, number, number] = ch === 3 ? [s.image.data[p * 3]!, s.image.data[p * 3 + 1]!, s.image.data[p * 3 + 2]!] : [s.image.data[p]!, s.image.data[p]!, s.image.data[p]!];
        const cells = [rgb, classColour(s.label.data[p]!, numClasses), classColour(s.pred[p]!, numClasses)];
        cells.forEach((colour, col) => data.set(colour, ((oy + y) * width + gap + col * (cellW + gap) + x) * 3));
      }
    }
  });
  return { width, height, channels: 3, data };
}
