import fs from 'node:fs';
import path from 'node:path';
import type { tf } from '@patchwork/tensor-core';
import { encodePng, linePlot, writeReportMarkdown } from '@patchwork/train';
import type { RasterImage } from '@patchwork/train';
import type { MaePretrainConfig } from './config.js';
import type { Reconstructions } from '@patchwork/mae';

/** Everything the report shows. */
export interface ReportData {
  config: MaePretrainConfig;
  backend: string;
  threads: number;
  params: number;
  paramsTorch: number;
  losses: [number, number][];
  testLosses: [number, number][];
  probe: { before: { cls: number; avg: number }; after: { cls: number; avg: number } };
  trainSeconds: number;
  imagesPerSecond: number;
  figures: Reconstructions;
}

/** Write `report.md`, `loss.png` and `reconstructions.png` into `dir`; returns the report path. */
export function writeReport(dir: string, r: ReportData): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'loss.png'), encodePng(linePlot([{ points: r.losses }, { points: r.testLosses }])));
  fs.writeFileSync(path.join(dir, 'reconstructions.png'), encodePng(grid([r.figures.original, r.figures.masked, r.figures.reconstruction, r.figures.pasted])));
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  const c = r.config;
  const md = `# MAE pre-training report

Preset \`${c.preset}\` on Fashion-MNIST (\`${c.data}\`), ${c.steps} steps × ${c.batchSize}, mask ratio ${c.maskRatio},
${c.normPixLoss ? 'normalised-pixel' : 'raw-pixel'} targets, AdamW (β = 0.9, 0.95) lr ${c.lr} with ${c.warmup} warmup steps and cosine decay,
weight decay ${c.weightDecay}, seed ${c.seed}. Backend ${r.backend} (${r.threads} threads).

| | |
|---|---|
| trainable parameters | ${r.params.toLocaleString('en-US')} (PyTorch \`parameters()\` count: ${r.paramsTorch.toLocaleString('en-US')}) |
| train loss (first → last step) | ${r.losses[0]?.[1].toFixed(4)} → ${r.losses.at(-1)?.[1].toFixed(4)} |
| test masked-patch loss (fixed masks) | ${r.testLosses.map(([s, l]) => `${l.toFixed(4)} @${s}`).join(', ')} |
| linear probe, class token (ridge, test top-1${c.probeImages === undefined ? '' : `, first ${c.probeImages} images of each split`}) | ${pct(r.probe.before.cls)} at init → **${pct(r.probe.after.cls)}** |
| linear probe, mean patch token | ${pct(r.probe.before.avg)} at init → **${pct(r.probe.after.avg)}** |
| training time | ${r.trainSeconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} img/s) |

![loss](loss.png)

Blue: training loss per step; orange: test masked-patch loss.

![reconstructions](reconstructions.png)

Rows: test images; masked input (grey = removed patches); reconstruction; reconstruction with the
visible patches pasted back.
`;
  return writeReportMarkdown(dir, md);
}

/** Rows of NHWC images in [0, 1] → one grey (or RGB) image, each tile upscaled 3× with 2 px gaps. */
export function grid(rows: tf.Tensor4D[], scale = 3, gap = 2): RasterImage {
  const [n, h, w, c] = rows[0]!.shape;
  const tileH = h * scale;
  const tileW = w * scale;
  const width = n * tileW + (n + 1) * gap;
  const height = rows.length * tileH + (rows.length + 1) * gap;
  const data = new Uint8Array(width * height * c).fill(255);
  rows.forEach((t, r) => {
    const pixels = t.dataSync();
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < tileH; y++) {
        for (let x = 0; x < tileW; x++) {
          const src = ((i * h + Math.floor(y / scale)) * w + Math.floor(x / scale)) * c;
          const dst = ((gap + r * (tileH + gap) + y) * width + gap + i * (tileW + gap) + x) * c;
          for (let k = 0; k < c; k++) data[dst + k] = Math.round(255 * Math.min(1, Math.max(0, pixels[src + k]!)));
        }
      }
    }
  });
  return { width, height, channels: c as 1 | 3, data };
}
