import { PatchworkError, ShapeError, parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';
import { checkNumClasses, readLabels, shapeOf } from './validate.js';
import type { LabelsLike } from './validate.js';

/** Per-class pixel counts, mmsegmentation's `intersect_and_union` output. */
export interface SegmentationAreas {
  intersect: Float64Array;
  union: Float64Array;
  pred: Float64Array;
  label: Float64Array;
}

/** Dataset-level segmentation scores as fractions (mmseg prints them ×100, rounded to 2 decimals). */
export interface SegmentationScores {
  /** Overall pixel accuracy: Σ intersect / Σ label. */
  aAcc: number;
  /** Mean of the per-class IoU over classes where it is defined (NaN entries skipped, like `np.nanmean`). */
  mIoU: number;
  /** Mean of the per-class accuracy over classes present in the labels. */
  mAcc: number;
  /** Per-class intersect / union; NaN for classes absent from both prediction and labels. */
  iou: Float64Array;
  /** Per-class intersect / label area; NaN for classes absent from the labels. */
  acc: Float64Array;
}

/**
 * mmsegmentation's `intersect_and_union` for one prediction/label pair: pixels whose label is
 * `ignoreIndex` are dropped, then per-class histograms of the intersection, prediction and
 * label give union = pred + label − intersect. Inputs may mix tensors and flat arrays but must
 * hold the same number of pixels. Unlike mmseg, which silently drops values
 * outside 0..C−1 through `histc`, out-of-range values are an error here.
 */
export function intersectAndUnion(pred: LabelsLike, label: LabelsLike, numClasses: number, ignoreIndex = 255): SegmentationAreas {
  checkNumClasses(numClasses, 'intersectAndUnion');
  const p = readLabels(pred, 'intersectAndUnion prediction', numClasses);
  const l = readLabels(label, 'intersectAndUnion label', numClasses, ignoreIndex);
  if (p.length !== l.length) {
    throw new ShapeError(`intersectAndUnion: prediction [${shapeOf(pred).join(', ')}] and label [${shapeOf(label).join(', ')}] differ in size`);
  }
  const areas: SegmentationAreas = {
    intersect: new Float64Array(numClasses),
    union: new Float64Array(numClasses),
    pred: new Float64Array(numClasses),
    label: new Float64Array(numClasses),
  };
  for (let i = 0; i < l.length; i++) {
    const t = l[i]!;
    if (t === ignoreIndex) continue;
    const q = p[i]!;
    areas.pred[q]!++;
    areas.label[t]!++;
    if (q === t) areas.intersect[t]!++;
  }
  for (let c = 0; c < numClasses; c++) areas.union[c] = areas.pred[c]! + areas.label[c]! - areas.intersect[c]!;
  return areas;
}

function nanMean(values: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  return count === 0 ? Number.NaN : sum / count;
}

/** mmseg's `total_area_to_metrics` for mIoU/mAcc/aAcc from summed areas. */
export function segmentationScores(areas: SegmentationAreas): SegmentationScores {
  const n = areas.intersect.length;
  const iou = new Float64Array(n);
  const acc = new Float64Array(n);
  let intersect = 0;
  let label = 0;
  for (let c = 0; c < n; c++) {
    // 0 / 0 is NaN, which is what marks a class as absent.
    iou[c] = areas.intersect[c]! / areas.union[c]!;
    acc[c] = areas.intersect[c]! / areas.label[c]!;
    intersect += areas.intersect[c]!;
    label += areas.label[c]!;
  }
  return { aAcc: intersect / label, mIoU: nanMean(iou), mAcc: nanMean(acc), iou, acc };
}

const FORMAT = 'patchwork.segmentation-metric';
const countsSchema = z.array(z.number().int().nonnegative());
const segmentationJsonSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  numClasses: z.number().int().positive(),
  ignoreIndex: z.number().int(),
  count: z.number().int().nonnegative(),
  areas: z.strictObject({ intersect: countsSchema, union: countsSchema, pred: countsSchema, label: countsSchema }),
});

/** The JSON state of a {@link SegmentationMetric} (pixel counts per class, exact). */
export type SegmentationMetricJson = z.output<typeof segmentationJsonSchema>;

/**
 * Accumulates segmentation areas over a whole dataset, as mmseg's `IoUMetric` does: counts
 * are summed across images first and divided per class at the end, so the result is not a
 * mean of per-image IoUs.
 *
 * @example
 * const metric = new SegmentationMetric({ numClasses: 150 });
 * for (const { pred, label } of results) metric.update(pred, label);
 * const { mIoU, mAcc, aAcc } = metric.compute();
 */
export class SegmentationMetric {
  readonly numClasses: number;
  readonly ignoreIndex: number;
  private totals: SegmentationAreas;
  private images = 0;

  constructor({ numClasses, ignoreIndex = 255 }: { numClasses: number; ignoreIndex?: number }) {
    checkNumClasses(numClasses, 'SegmentationMetric');
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.totals = this.empty();
  }

  /** Add one prediction/label pair: label maps of class indices with the same number of pixels (tensors or flat arrays; tensors are read, not disposed). */
  update(pred: LabelsLike, label: LabelsLike): void {
    const a = intersectAndUnion(pred, label, this.numClasses, this.ignoreIndex);
    for (const key of ['intersect', 'union', 'pred', 'label'] as const) {
      for (let c = 0; c < this.numClasses; c++) this.totals[key][c]! += a[key][c]!;
    }
    this.images++;
  }

  /** Number of `update` calls since construction or `reset`. */
  get count(): number {
    return this.images;
  }

  /** Summed areas so far (copies). */
  areas(): SegmentationAreas {
    return { intersect: this.totals.intersect.slice(), union: this.totals.union.slice(), pred: this.totals.pred.slice(), label: this.totals.label.slice() };
  }

  compute(): SegmentationScores {
    return segmentationScores(this.totals);
  }

  reset(): void {
    this.totals = this.empty();
    this.images = 0;
  }

  /** The exact state as JSON (`JSON.stringify(metric)` uses it); memory is 4·numClasses counts whatever the dataset size. */
  toJSON(): SegmentationMetricJson {
    const areas = this.areas();
    return {
      format: FORMAT,
      version: 1,
      numClasses: this.numClasses,
      ignoreIndex: this.ignoreIndex,
      count: this.images,
      areas: { intersect: Array.from(areas.intersect), union: Array.from(areas.union), pred: Array.from(areas.pred), label: Array.from(areas.label) },
    };
  }

  /** Resume from {@link toJSON} output; array lengths must equal `numClasses`. */
  static fromJSON(json: unknown): SegmentationMetric {
    const j = parseConfig(segmentationJsonSchema, json, 'SegmentationMetric JSON');
    const metric = new SegmentationMetric({ numClasses: j.numClasses, ignoreIndex: j.ignoreIndex });
    for (const key of ['intersect', 'union', 'pred', 'label'] as const) {
      if (j.areas[key].length !== j.numClasses) {
        throw new PatchworkError('E_FORMAT', `SegmentationMetric JSON: areas.${key} has ${j.areas[key].length} entries for ${j.numClasses} classes`);
      }
      metric.totals[key].set(j.areas[key]);
    }
    metric.images = j.count;
    return metric;
  }

  private empty(): SegmentationAreas {
    const zeros = (): Float64Array => new Float64Array(this.numClasses);
    return { intersect: zeros(), union: zeros(), pred: zeros(), label: zeros() };
  }
}
