import fs from 'node:fs';
import path from 'node:path';
import { Rng, tf } from '@patchwork/tensor-core';
import { loadCheckpoint } from '@patchwork/tensor-core/node';
import { MatDiscriminator, MatGenerator, MatTrainer, inpaint, matPresetConfig } from '@patchwork/mat-inpaint';
import { psnrPerImage, ssimPerImage } from '@patchwork/metrics';
import type { MatTrainConfig } from './config.js';
import { diffusionFill, meanFill, nearestFill } from './baselines.js';
import { heldOutBatch, loadPhotos } from './data.js';
import { imageGrid } from './grid.js';
import { heldOutFiles } from './held-out.js';
import { RandomVggDistance } from './perceptual.js';

/** Scores of one fill method on the held-out crops: means over images. */
export interface FillScores {
  /** Whole image, [−1, 1] data range 2 (known pixels are exact, so only the holes differ). */
  psnr: number;
  ssim: number;
  /** {@link RandomVggDistance} of the whole image (lower is better). */
  perceptual: number;
  /** PSNR of the hole pixels alone (MSE over hole pixels and channels). */
  holePsnr: number;
  /** Mean |error| of the hole pixels on [0, 1]. */
  holeL1: number;
}

/** A per-image distance between two NHWC batches in [−1, 1] (lower is closer), e.g. {@link RandomVggDistance}. */
export interface ImageDistance {
  perImage(a: tf.Tensor4D, b: tf.Tensor4D): number[];
}

/** Per-image scores of `filled` against `truth` (both `[N, H, W, 3]` in [−1, 1]); `masks` 1 = known. */
export function scoreFills(filled: tf.Tensor4D, truth: tf.Tensor4D, masks: tf.Tensor4D, perceptual: ImageDistance): Record<keyof FillScores, number[]> {
  const psnr = psnrPerImage(filled, truth, { dataRange: 2 });
  const ssim = ssimPerImage(filled, truth, { dataRange: 2 });
  const dist = perceptual.perImage(filled, truth);
  const [n, h, w, c] = filled.shape;
  const a = filled.dataSync();
  const b = truth.dataSync();
  const m = masks.dataSync();
  const holePsnr: number[] = [];
  const holeL1: number[] = [];
  for (let i = 0; i < n; i++) {
    let se = 0;
    let ae = 0;
    let count = 0;
    for (let p = 0; p < h * w; p++) {
      if (m[i * h * w + p] !== 0) continue;
      for (let k = 0; k < c; k++) {
        const d = a[(i * h * w + p) * c + k]! - b[(i * h * w + p) * c + k]!;
        se += d * d;
        ae += Math.abs(d);
        count += 1;
      }
    }
    holePsnr.push(10 * Math.log10(4 / (se / count)));
    holeL1.push(ae / count / 2);
  }
  return { psnr, ssim, perceptual: dist, holePsnr, holeL1 };
}

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

/** One row of the benchmark table. */
export interface MethodResult {
  name: string;
  scores: FillScores;
  /** For MAT: the seeds' lowest and highest mean of each metric. */
  spread?: { min: FillScores; max: FillScores };
  /** Mean whole-image PSNR per hole-ratio bucket (see {@link HOLE_BUCKETS}). */
  psnrByHoles: number[];
}

/** Hole-ratio buckets of the per-bucket PSNR column. */
export const HOLE_BUCKETS: readonly [number, number][] = [
  [0, 0.3],
  [0.3, 0.45],
  [0.45, 1],
];

/** What {@link runBenchmark} measured. */
export interface BenchmarkResult {
  step: number;
  images: number;
  photos: string[];
  holeRatios: number[];
  methods: MethodResult[];
  seconds: number;
  reportPath: string;
}

/** The MAT seeds the benchmark averages (each seed is a different plausible fill). */
export const BENCHMARK_SEEDS = [0, 1, 2];

/**
 * Score the EMA generator of `cfg.runDir`'s latest checkpoint against mean, nearest and diffusion
 * fill on `cfg.testImages` crops of the held-out photos `cfg.testData` (checked by
 * {@link heldOutFiles}), with free-form masks in `cfg.holeRange`, crops and masks drawn from
 * `new Rng(cfg.testSeed)`. MAT runs with truncation 1 for each of {@link BENCHMARK_SEEDS}; its row
 * is the mean over seeds. Writes `benchmark/benchmark.md`, `benchmark.json` and `samples.png`
 * under `cfg.runDir`. `perceptual` replaces the {@link RandomVggDistance} (seed 0) the reports use.
 */
export async function runBenchmark(cfg: MatTrainConfig, { perceptual: distance }: { perceptual?: ImageDistance } = {}): Promise<BenchmarkResult> {
  const t0 = performance.now();
  const files = heldOutFiles(cfg);
  const config = matPresetConfig(cfg.preset);
  const size = config.imgResolution;
  const photos = await loadPhotos(cfg.testData, cfg.photoSide);
  const test = heldOutBatch(photos, cfg.testImages, size, new Rng(cfg.testSeed), cfg.cropScale, cfg.holeRange);
  photos.dispose();
  const G = new MatGenerator(config, { rng: new Rng(cfg.seed) });
  const D = new MatDiscriminator(config, { rng: new Rng(cfg.seed + 1) });
  const gEma = new MatGenerator(config, { rng: new Rng(cfg.seed) });
  const trainer = new MatTrainer(G, D, null, { batchSize: cfg.batchSize, seed: cfg.seed + 2 });
  const own = distance === undefined ? new RandomVggDistance(0) : null;
  const perceptual = distance ?? own!;
  const fills: Record<string, tf.Tensor4D> = {};
  try {
    const ck = loadCheckpoint(path.join(cfg.runDir, 'checkpoints'), { expectModel: { name: `mat-train/${cfg.preset}`, config } });
    try {
      trainer.loadState({ weights: ck.weights, step: ck.step });
    } finally {
      ck.dispose();
    }
    trainer.copyEmaTo(gEma);
    for (const seed of BENCHMARK_SEEDS) fills[`MAT seed ${seed}`] = inpaintInBatches(gEma, test.images, test.masks, seed);
    fills['diffusion fill'] = diffusionFill(test.images, test.masks);
    fills['nearest fill'] = nearestFill(test.images, test.masks);
    fills['mean fill'] = meanFill(test.images, test.masks);

    const perImage = Object.fromEntries(Object.entries(fills).map(([name, t]) => [name, scoreFills(t, test.images, test.masks, perceptual)]));
    const summarize = (s: Record<keyof FillScores, number[]>): FillScores => ({ psnr: mean(s.psnr), ssim: mean(s.ssim), perceptual: mean(s.perceptual), holePsnr: mean(s.holePsnr), holeL1: mean(s.holeL1) });
    const byHoles = (psnr: number[]): number[] => HOLE_BUCKETS.map(([lo, hi]) => mean(psnr.filter((_, i) => test.holeRatios[i]! >= lo && test.holeRatios[i]! < hi)));
    const matKeys = BENCHMARK_SEEDS.map((s) => `MAT seed ${s}`);
    const matSeeds = matKeys.map((k) => summarize(perImage[k]!));
    const keys = Object.keys(matSeeds[0]!) as (keyof FillScores)[];
    const pick = (f: (v: number[]) => number): FillScores => Object.fromEntries(keys.map((k) => [k, f(matSeeds.map((s) => s[k]))])) as unknown as FillScores;
    const methods: MethodResult[] = [
      {
        name: `MAT (EMA G, step ${trainer.step}, mean of seeds ${BENCHMARK_SEEDS.join('/')})`,
        scores: pick(mean),
        spread: { min: pick((v) => Math.min(...v)), max: pick((v) => Math.max(...v)) },
        psnrByHoles: byHoles(matKeys.map((k) => perImage[k]!.psnr).reduce((acc, v) => acc.map((x, i) => x + v[i]! / matKeys.length), new Array<number>(cfg.testImages).fill(0))),
      },
      ...['diffusion fill', 'nearest fill', 'mean fill'].map((name) => ({ name, scores: summarize(perImage[name]!), psnrByHoles: byHoles(perImage[name]!.psnr) })),
    ];
    const dir = path.join(cfg.runDir, 'benchmark');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'samples.png'), benchmarkSheet(test, fills, photos.files.length));
    const result = { step: trainer.step, images: cfg.testImages, photos: files.map((f) => path.basename(f)), holeRatios: test.holeRatios, methods, seconds: (performance.now() - t0) / 1000, reportPath: path.join(dir, 'benchmark.md') };
    fs.writeFileSync(path.join(dir, 'benchmark.json'), `${JSON.stringify({ ...result, config: cfg }, null, 2)}\n`);
    fs.writeFileSync(result.reportPath, benchmarkMarkdown(result, cfg));
    return result;
  } finally {
    tf.dispose([test.images, test.masks, ...Object.values(fills)]);
    own?.dispose();
    trainer.dispose();
    for (const m of [G, D, gEma]) m.dispose();
  }
}

function inpaintInBatches(generator: MatGenerator, images: tf.Tensor4D, masks: tf.Tensor4D, seed: number, batch = 16): tf.Tensor4D {
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (let i = 0; i < images.shape[0]; i += batch) {
      const n = Math.min(batch, images.shape[0] - i);
      // Each batch draws its z and noise from its own seed, derived from the MAT seed.
      parts.push(inpaint(generator, tf.slice(images, [i, 0, 0, 0], [n, -1, -1, -1]), tf.slice(masks, [i, 0, 0, 0], [n, -1, -1, -1]), { seed: seed * 1000 + i / batch }));
    }
    return tf.concat(parts) as tf.Tensor4D;
  });
}

/** One row per held-out photo: masked input · mask · MAT seeds · diffusion · nearest · mean · original. */
function benchmarkSheet(test: { images: tf.Tensor4D; masks: tf.Tensor4D }, fills: Record<string, tf.Tensor4D>, rows: number): Buffer {
  const n = Math.min(rows, test.images.shape[0]);
  const columns = tf.tidy(() => {
    const take = (t: tf.Tensor4D): tf.Tensor => tf.slice(t, [0, 0, 0, 0], [n, -1, -1, -1]);
    const masks = take(test.masks);
    const images = take(test.images);
    return [
      tf.add(tf.mul(images, masks), tf.mul(tf.sub(1, masks), 0.2)),
      tf.tile(tf.sub(tf.mul(masks, 2), 1), [1, 1, 1, 3]),
      ...BENCHMARK_SEEDS.map((s) => take(fills[`MAT seed ${s}`]!)),
      take(fills['diffusion fill']!),
      take(fills['nearest fill']!),
      take(fills['mean fill']!),
      images,
    ];
  });
  const pixels = columns.map((t) => t.dataSync());
  tf.dispose(columns);
  return imageGrid(pixels, n, test.images.shape[1]);
}

function benchmarkMarkdown(r: Omit<BenchmarkResult, 'reportPath'>, cfg: MatTrainConfig): string {
  const f = (v: number, d: number): string => v.toFixed(d);
  const rows = r.methods.map((m) => {
    const s = m.scores;
    const range = (k: keyof FillScores, d: number): string => (m.spread === undefined ? '' : ` (${f(m.spread.min[k], d)}–${f(m.spread.max[k], d)})`);
    return `| ${m.name} | ${f(s.psnr, 2)}${range('psnr', 2)} | ${f(s.ssim, 4)}${range('ssim', 4)} | ${f(s.perceptual, 4)}${range('perceptual', 4)} | ${f(s.holePsnr, 2)} | ${f(s.holeL1, 4)} |`;
  });
  const bucketRows = r.methods.map((m) => `| ${m.name} | ${m.psnrByHoles.map((v) => f(v, 2)).join(' | ')} |`);
  const counts = HOLE_BUCKETS.map(([lo, hi]) => r.holeRatios.filter((h) => h >= lo && h < hi).length);
  return `# MAT vs simple fills on held-out photos

${r.images} crops (${cfg.preset.replace('mat-tiny-', '')}² px) of the held-out photos ${r.photos.join(', ')} — never trained on —
with MAT free-form masks (hole ratio ${cfg.holeRange.join('–')}, mean ${f(mean(r.holeRatios), 3)}), crops and masks
from seed ${cfg.testSeed}. Checkpoint: step ${r.step} of \`${cfg.runDir}\`. Benchmark time ${r.seconds.toFixed(0)} s.

| method | PSNR ↑ (dB) | SSIM ↑ | perceptual ↓ | hole PSNR ↑ (dB) | hole L1 ↓ |
|---|---|---|---|---|---|
${rows.join('\n')}

PSNR/SSIM/perceptual are whole-image means over crops (known pixels are exact in every method);
MAT's row is the mean over seeds, with the seeds' range in brackets. Perceptual: LPIPS' formula
without learned heads on a seeded random He-initialised VGG-19 (see \`src/perceptual.ts\`), so
comparable only within this table.

## Whole-image PSNR (dB) by hole ratio

| method | ${HOLE_BUCKETS.map(([lo, hi], i) => `${lo}–${Math.min(hi, 1)} (${counts[i]} crops)`).join(' | ')} |
|---|${HOLE_BUCKETS.map(() => '---|').join('')}
${bucketRows.join('\n')}

## Samples (first crop of each held-out photo)

Columns: masked input (holes grey) · mask (white = known) · MAT seeds ${BENCHMARK_SEEDS.join(', ')} · diffusion fill · nearest fill · mean fill · original.

![samples](samples.png)
`;
}
