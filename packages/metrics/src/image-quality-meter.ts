import { PatchworkError, parseConfig, tf } from '@patchwork/tensor-core';
import { z } from 'zod';
import { perImageMean, psnrPerImage } from './image-quality.js';
import { ssimPerImage } from './ssim.js';

const FORMAT = 'patchwork.image-quality-meter';
const METRICS = ['psnr', 'ssim', 'l1', 'l2'] as const;

/** A per-image metric the meter can average. */
export type ImageQualityMetricName = (typeof METRICS)[number];

const meterOptionsSchema = z.strictObject({
  /** As for {@link psnr}/{@link ssim}: 1 for [0, 1] images, 255 for 0–255, 2 for [−1, 1]. */
  dataRange: z.number().positive().finite(),
  /** Which metrics to compute (all four by default; SSIM is the expensive one). */
  metrics: z.array(z.enum(METRICS)).min(1).default([...METRICS]),
});

/** Options of {@link ImageQualityMeter}. */
export type ImageQualityMeterOptions = z.input<typeof meterOptionsSchema>;

const stateSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  dataRange: z.number().positive().finite(),
  metrics: z.array(z.enum(METRICS)).min(1),
  count: z.number().int().nonnegative(),
  /** Sums of the per-image values; for PSNR only the finite ones. */
  sums: z.strictObject({ psnr: z.number(), ssim: z.number(), l1: z.number(), l2: z.number() }),
  /** Pairs of identical images, whose PSNR is infinite. */
  identicalPairs: z.number().int().nonnegative(),
});

/** The JSON state of an {@link ImageQualityMeter}. */
export type ImageQualityMeterJson = z.output<typeof stateSchema>;

/** Dataset-level means of the per-image metrics; metrics that were not requested are absent. */
export interface ImageQualityResult {
  count: number;
  /** Mean PSNR in dB; `Infinity` if any pair was identical (as {@link psnr} of the whole set would be). */
  psnr?: number;
  ssim?: number;
  /** Mean of the per-image mean |a − b|. */
  l1?: number;
  /** Mean of the per-image mean (a − b)². */
  l2?: number;
}

/**
 * Streaming PSNR / SSIM / L1 / L2 over a dataset: each {@link update} computes the per-image
 * values of a batch (scikit-image conventions, see {@link psnrPerImage} and {@link ssimPerImage})
 * and adds them to float64 sums, so memory does not grow with the dataset. Results are means over
 * images, how MAT and FlowMo report them. The state serialises to JSON (`JSON.stringify(meter)`)
 * and resumes with {@link ImageQualityMeter.fromJSON}.
 */
export class ImageQualityMeter {
  readonly dataRange: number;
  readonly metrics: readonly ImageQualityMetricName[];
  private state: { count: number; sums: Record<ImageQualityMetricName, number>; identicalPairs: number };

  constructor(options: ImageQualityMeterOptions) {
    const { dataRange, metrics } = parseConfig(meterOptionsSchema, options, 'ImageQualityMeter options');
    this.dataRange = dataRange;
    this.metrics = [...new Set(metrics)];
    this.state = ImageQualityMeter.emptyState();
  }

  /** Add a batch of image pairs (HWC or NHWC tensors of equal shape; read, not disposed). */
  update(a: tf.Tensor, b: tf.Tensor): this {
    const options = { dataRange: this.dataRange };
    const values: Partial<Record<ImageQualityMetricName, ArrayLike<number>>> = {};
    // Compute everything before touching the sums, so a failing batch changes nothing.
    for (const m of this.metrics) {
      if (m === 'psnr') values.psnr = psnrPerImage(a, b, options);
      else if (m === 'ssim') values.ssim = ssimPerImage(a, b, options);
      else if (m === 'l1') values.l1 = perImageMean(a, b, 'ImageQualityMeter l1', (x, y) => tf.abs(tf.sub(x, y)));
      else values.l2 = perImageMean(a, b, 'ImageQualityMeter l2', (x, y) => tf.squaredDifference(x, y));
    }
    const n = a.rank === 3 ? 1 : a.shape[0]!;
    for (const [m, v] of Object.entries(values) as [ImageQualityMetricName, ArrayLike<number>][]) {
      for (let i = 0; i < v.length; i++) {
        if (m === 'psnr' && v[i] === Infinity) this.state.identicalPairs++;
        else this.state.sums[m] += v[i]!;
      }
    }
    this.state.count += n;
    return this;
  }

  /** Number of image pairs added. */
  get count(): number {
    return this.state.count;
  }

  /** Means over all pairs so far (NaN before the first update). */
  compute(): ImageQualityResult {
    const { count, sums, identicalPairs } = this.state;
    const out: ImageQualityResult = { count };
    for (const m of this.metrics) {
      out[m] = m === 'psnr' && identicalPairs > 0 ? Infinity : sums[m] / count;
    }
    return out;
  }

  reset(): void {
    this.state = ImageQualityMeter.emptyState();
  }

  /** The exact state as JSON. */
  toJSON(): ImageQualityMeterJson {
    return { format: FORMAT, version: 1, dataRange: this.dataRange, metrics: [...this.metrics], count: this.state.count, sums: { ...this.state.sums }, identicalPairs: this.state.identicalPairs };
  }

  /** Resume from {@link toJSON} output. */
  static fromJSON(json: unknown): ImageQualityMeter {
    const s = parseConfig(stateSchema, json, 'ImageQualityMeter JSON');
    if (s.identicalPairs > s.count) throw new PatchworkError('E_FORMAT', `ImageQualityMeter JSON: ${s.identicalPairs} identical pairs out of ${s.count}`);
    const meter = new ImageQualityMeter({ dataRange: s.dataRange, metrics: s.metrics });
    meter.state = { count: s.count, sums: { ...s.sums }, identicalPairs: s.identicalPairs };
    return meter;
  }

  private static emptyState(): { count: number; sums: Record<ImageQualityMetricName, number>; identicalPairs: number } {
    return { count: 0, sums: { psnr: 0, ssim: 0, l1: 0, l2: 0 }, identicalPairs: 0 };
  }
}
