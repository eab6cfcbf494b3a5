import type { Optimizer } from '@patchwork/layers';
import { PatchworkError } from '@patchwork/tensor-core';
import type { tf } from '@patchwork/tensor-core';
import type { Classifier } from './models.js';

/** A training batch: inputs (images or encoder features) and one-hot labels `[B, K]`. */
export interface TaskBatch {
  x: tf.Tensor;
  y: tf.Tensor2D;
}

/** What one mode of the trainer hands to the shared loop in `runClassify`. */
export interface TrainingTask {
  /** Checkpoint identity: resuming from a checkpoint of another name or config is refused. */
  modelName: string;
  modelConfig: Record<string, unknown>;
  /** The whole classifier (what is checkpointed and counted). */
  model: Classifier;
  optimizer: Optimizer;
  batches(startStep: number): Iterator<TaskBatch>;
  loss(batch: TaskBatch): tf.Scalar;
  /** Predicted class of every test image; the loop puts the model in eval mode first. */
  predictTest(): Int32Array;
  /** Extra report rows (`[label, value]`). */
  facts: [string, string][];
  /** Free the model, the optimizer and anything cached. */
  dispose(): void;
}

/** Refuse data the encoder was not built for, naming both shapes. */
export function checkImageShape(what: string, want: { imgSize: number; inChans: number }, images: tf.Tensor4D): void {
  const [, h, w, c] = images.shape;
  if (h !== want.imgSize || w !== want.imgSize || c !== want.inChans) {
    throw new PatchworkError('E_ARGUMENT', `${what} takes ${want.imgSize}×${want.imgSize}×${want.inChans} images, the data is ${h}×${w}×${c}`);
  }
}
