import { toTensor } from '@patchwork/datasets';
import type { LabelMap, RawImage, SegmentationExample } from '@patchwork/datasets';
import { SegmentationMetric } from '@patchwork/metrics';
import type { SegmentationScores } from '@patchwork/metrics';
import type { InferenceOptions, SegmentationModel } from '@patchwork/segmentation-heads';
import { Rng, tf } from '@patchwork/tensor-core';
import { testBatch, testPipeline } from './data.js';

/** One evaluated test image, kept for the overlay figure. */
export interface Sample {
  image: RawImage;
  label: LabelMap;
  /** Predicted class per pixel, at the label's size. */
  pred: Int32Array;
}

/** Dataset-level scores (mmseg's IoUMetric protocol) and the first few predictions. */
export interface Evaluation {
  scores: SegmentationScores;
  samples: Sample[];
}

/** What {@link evaluate} needs to know about the run. */
export interface EvalSpec {
  imageSize: number;
  batchSize: number;
  numClasses: number;
  inference: InferenceOptions;
  /** Variable-size test images (folders): run one by one and resize the logits back to each label's size. */
  variableSize: boolean;
  /** How many predictions to keep in `samples`. */
  keep: number;
}

/**
 * Score `model` (put in eval mode here) on `test` with mmseg's metric: intersections and unions
 * summed over the whole split, then mIoU / mAcc / aAcc. Frees every tensor it creates.
 */
export function evaluate(model: SegmentationModel, test: readonly SegmentationExample[], spec: EvalSpec): Evaluation {
  model.eval();
  const metric = new SegmentationMetric({ numClasses: spec.numClasses });
  const samples: Sample[] = [];
  const pipeline = testPipeline(spec.imageSize);
  // The test pipeline draws nothing; apply() still takes a generator.
  const noRandomness = new Rng(0);
  const keep = (e: SegmentationExample, pred: Int32Array): void => {
    if (samples.length < spec.keep) samples.push({ image: e.image, label: e.label, pred });
  };
  if (spec.variableSize) {
    for (const e of test) {
      const image = tf.tidy(() => tf.expandDims(pipeline.apply(toTensor(e.image), noRandomness), 0));
      const pred = model.predict(image, { ...spec.inference, outputSize: [e.label.height, e.label.width] }); // [1, H, W] at the label's size
      const values = pred.dataSync() as Int32Array;
      metric.update(values, e.label.data);
      keep(e, values);
      tf.dispose([image, pred]);
    }
  } else {
    for (let start = 0; start < test.length; start += spec.batchSize) {
      const size = Math.min(spec.batchSize, test.length - start);
      const batch = testBatch(test, pipeline, start, size);
      const pred = model.predict(batch.images, spec.inference); // [B, S, S]
      metric.update(pred, batch.labels);
      const values = pred.dataSync() as Int32Array;
      const pixels = values.length / size;
      for (let i = 0; i < size; i++) keep(test[start + i]!, values.slice(i * pixels, (i + 1) * pixels));
      tf.dispose([batch.images, batch.labels, pred]);
    }
  }
  return { scores: metric.compute(), samples };
}
