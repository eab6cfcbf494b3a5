import fs from 'node:fs';
import path from 'node:path';
import { configSection, encodePng, linePlot, writeReportMarkdown } from '@patchwork/train';
import type { RasterImage } from '@patchwork/train';
import type { EvalMetrics } from './evaluate.js';

/** Everything the report shows. */
export interface ReportInput {
  config: Record<string, unknown>;
  data: string;
  backend: string;
  threads: number;
  params: number;
  bpp: number;
  codeBytes: number;
  losses1a: [number, number][];
  losses1b: [number, number][];
  /** Metrics after each stage; the grid is null when a resumed run no longer has the images. */
  stage1a: { metrics: EvalMetrics; grid: RasterImage | null } | null;
  stage1b: { metrics: EvalMetrics; grid: RasterImage | null } | null;
  realFd: number;
  /** Scores of the per-image mean colour, for scale. */
  baseline: Omit<EvalMetrics, 'seconds'>;
  seconds: { stage1a: number; stage1b: number };
}

function row(name: string, m: (Omit<EvalMetrics, 'seconds'> & { seconds?: number }) | undefined): string {
  if (m === undefined) return `| ${name} | – | – | – | – | – |`;
  return `| ${name} | ${m.psnr.toFixed(2)} | ${m.ssim.toFixed(4)} | ${m.perceptual.toFixed(4)} | ${m.fd.toFixed(4)} | ${m.seconds?.toFixed(1) ?? '–'} |`;
}

/** Write `report.md`, `loss.png` and the reconstruction grids into `dir`; returns the report path. */
export function writeReport(dir: string, r: ReportInput): string {
  fs.mkdirSync(dir, { recursive: true });
  const series = [{ points: r.losses1a }, ...(r.losses1b.length > 0 ? [{ points: r.losses1b }] : [])].filter((s) => s.points.length > 0);
  if (series.length > 0) fs.writeFileSync(path.join(dir, 'loss.png'), encodePng(linePlot(series, { logY: true })));
  for (const [name, stage] of [
    ['reconstructions-1a.png', r.stage1a],
    ['reconstructions-1b.png', r.stage1b],
  ] as const) {
    if (stage?.grid != null) fs.writeFileSync(path.join(dir, name), encodePng(stage.grid));
  }
  const md = `# FlowMo training report

Data: ${r.data}. Model: ${r.params.toLocaleString('en-US')} parameters, ${r.bpp.toFixed(4)} bits per pixel
(${r.codeBytes} bytes of packed code per image). Backend ${r.backend} (${r.threads} thread${r.threads === 1 ? '' : 's'}).

## Reconstruction of the evaluation images (EMA weights)

| after | PSNR (dB) | SSIM | perceptual ↓ | FD ↓ | seconds |
|---|---|---|---|---|---|
${row('Stage 1A', r.stage1a?.metrics)}
${row('Stage 1B', r.stage1b?.metrics)}
${row('baseline: mean colour of each image', r.baseline)}

FD between two halves of the real evaluation images (a floor for the FD column): ${r.realFd.toFixed(4)}.
Perceptual distance and FD use a fixed random conv net (no pretrained network offline), so they
are comparable within this report only. Training time: Stage 1A ${r.seconds.stage1a.toFixed(0)} s,
Stage 1B ${r.seconds.stage1b.toFixed(0)} s.

## Training loss (log scale; blue Stage 1A total, orange Stage 1B total)

![loss](loss.png)

## Reconstructions (top: originals, bottom: reconstructions)

${r.stage1a?.grid == null ? '' : 'After Stage 1A:\n\n![after Stage 1A](reconstructions-1a.png)\n\n'}${r.stage1b?.grid == null ? '' : 'After Stage 1B:\n\n![after Stage 1B](reconstructions-1b.png)\n'}
${configSection(r.config)}`;
  return writeReportMarkdown(dir, md);
}

/** Originals above their reconstructions, `cols` pairs, upscaled `scale`×, from `[N, H, W, 3]` data in [−1, 1]. */
export function pairGrid(originals: Float32Array | Int32Array | Uint8Array, reconstructions: Float32Array | Int32Array | Uint8Array, size: number, cols: number, scale = 3): RasterImage {
  const cell = size * scale + 2;
  const width = cols * cell;
  const height = 2 * cell;
  const data = new Uint8Array(width * height * 3).fill(255);
  const toByte = (v: number): number => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
  [originals, reconstructions].forEach((src, r) => {
    for (let k = 0; k < cols && (k + 1) * size * size * 3 <= src.length; k++) {
      for (let y = 0; y < size * scale; y++) {
        for (let x = 0; x < size * scale; x++) {
          const from = ((k * size + Math.floor(y / scale)) * size + Math.floor(x / scale)) * 3;
          const to = ((r * cell + 1 + y) * width + k * cell + 1 + x) * 3;
          for (let c = 0; c < 3; c++) data[to + c] = toByte(src[from + c]!);
        }
      }
    }
  });
  return { width, height, channels: 3, data };
}
