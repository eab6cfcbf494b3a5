import { ShapeError, tf } from '@patchwork/tensor-core';
import { toTensor } from '../transforms/color.js';
import type { TransformPipeline } from '../transforms/pipeline.js';
import type { ClassificationExample, SegmentationExample } from '../types.js';
import type { Collate } from './data-loader.js';

/** A classification batch: float32 `[N, H, W, C]` images and int32 `[N]` labels. */
export interface ClassificationBatch extends tf.TensorContainerObject {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
}

/** A segmentation batch: float32 `[N, H, W, C]` images and int32 `[N, H, W]` label maps. */
export interface SegmentationBatch extends tf.TensorContainerObject {
  images: tf.Tensor4D;
  labels: tf.Tensor3D;
}

function stackSameSize(tensors: tf.Tensor[], what: string): tf.Tensor {
  const first = tensors[0]!.shape.join('×');
  const odd = tensors.find((t) => t.shape.join('×') !== first);
  if (odd !== undefined) {
    throw new ShapeError(`collate: ${what} of different sizes in one batch (${first} and ${odd.shape.join('×')}); add a resize or crop step`);
  }
  return tf.stack(tensors);
}

/**
 * Collate for classification: `toTensor` ([0, 1] floats), then `pipeline` per example with the
 * step's generator, then stack.
 */
export function collateClassification(pipeline?: TransformPipeline): Collate<ClassificationExample, ClassificationBatch> {
  return (examples, { rng }) =>
    tf.tidy(() => {
      const images = examples.map((e) => {
        const x = toTensor(e.image);
        return pipeline === undefined ? x : pipeline.apply(x, rng);
      });
      return {
        images: stackSameSize(images, 'images') as tf.Tensor4D,
        labels: tf.tensor1d(examples.map((e) => e.label), 'int32'),
      };
    });
}

/** Collate for segmentation: like {@link collateClassification} but transforms image and labels jointly. */
export function collateSegmentation(pipeline?: TransformPipeline): Collate<SegmentationExample, SegmentationBatch> {
  return (examples, { rng }) =>
    tf.tidy(() => {
      const pairs = examples.map((e) => {
        const pair = { image: toTensor(e.image), label: tf.tensor2d(e.label.data, [e.label.height, e.label.width], 'int32') };
        return pipeline === undefined ? pair : pipeline.applyJoint(pair, rng);
      });
      return {
        images: stackSameSize(pairs.map((p) => p.image), 'images') as tf.Tensor4D,
        labels: stackSameSize(pairs.map((p) => p.label), 'label maps') as tf.Tensor3D,
      };
    });
}
