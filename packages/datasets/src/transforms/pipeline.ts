import { parseConfig, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { z } from 'zod';
import { IMAGENET_MEAN, IMAGENET_STD, colorJitter, normalize } from './color.js';
import { centerCrop, centerCropBox, crop, randomResizedCrop, randomResizedCropBox } from './crop.js';
import { horizontalFlip } from './flip.js';
import { jointResize } from './joint.js';
import type { ImageLabelPair } from './joint.js';
import { checkLabel, spatialSize } from './layout.js';
import { resize, shortSideSize } from './resize.js';

const positiveInt = z.number().int().positive();
const size = z.tuple([positiveInt, positiveInt]);
const increasing = z
  .tuple([z.number().positive(), z.number().positive()])
  .refine(([lo, hi]) => lo <= hi, { message: 'range must be [min, max] with min ≤ max' });
const interpolation = z.enum(['nearest', 'bilinear', 'bicubic']);
const jitter = z.union([z.number().min(0), z.tuple([z.number().min(0), z.number().min(0)])]);

/** One step of a transform pipeline (see {@link TransformPipeline} for what each does). */
export const transformStepSchema = z.discriminatedUnion('type', [
  /** `size`: `[h, w]`, or one number = the shorter side (torchvision `Resize(int)`). */
  z.strictObject({ type: z.literal('resize'), size: z.union([positiveInt, size]), interpolation: interpolation.default('bilinear') }),
  z.strictObject({ type: z.literal('centerCrop'), size }),
  z.strictObject({
    type: z.literal('randomResizedCrop'),
    size,
    scale: increasing.default([0.08, 1]),
    ratio: increasing.default([3 / 4, 4 / 3]),
    interpolation: interpolation.default('bilinear'),
  }),
  z.strictObject({ type: z.literal('horizontalFlip'), p: z.number().min(0).max(1).default(0.5) }),
  z.strictObject({ type: z.literal('colorJitter'), brightness: jitter.optional(), contrast: jitter.optional(), saturation: jitter.optional() }),
  z.strictObject({ type: z.literal('normalize'), mean: z.array(z.number()).min(1).default([...IMAGENET_MEAN]), std: z.array(z.number().positive()).min(1).default([...IMAGENET_STD]) }),
]);

/** Schema of a whole pipeline: steps applied in order to a float32 HWC image on [0, 1]. */
export const transformPipelineSchema = z.array(transformStepSchema);

/** A pipeline config as written by users (defaults may be omitted). */
export type TransformPipelineConfig = z.input<typeof transformPipelineSchema>;
/** A validated step with every default filled in. */
export type TransformStep = z.output<typeof transformStepSchema>;

function targetSize(step: Extract<TransformStep, { type: 'resize' }>, h: number, w: number): [number, number] {
  return typeof step.size === 'number' ? shortSideSize(h, w, step.size) : step.size;
}

/**
 * A validated, seeded augmentation pipeline. `apply` transforms an image (HWC or NHWC; one
 * random draw per step for a whole batch); `applyJoint` transforms an image with its `[H, W]`
 * label map, applying every geometric step to both (labels always with nearest) and the
 * photometric steps (`colorJitter`, `normalize`) to the image only. Both return new tensors.
 */
export class TransformPipeline {
  readonly steps: readonly TransformStep[];

  /** @throws ConfigError listing every invalid field. */
  constructor(config: TransformPipelineConfig) {
    this.steps = parseConfig(transformPipelineSchema, config, 'transform pipeline');
  }

  apply(image: tf.Tensor, rng: Rng): tf.Tensor {
    return tf.tidy(() => {
      let x = image;
      for (const step of this.steps) x = this.imageStep(step, x, rng);
      return x === image ? image.clone() : x;
    });
  }

  applyJoint(pair: ImageLabelPair, rng: Rng): ImageLabelPair {
    checkLabel(pair.image, pair.label, 'TransformPipeline.applyJoint');
    return tf.tidy(() => {
      let cur = pair;
      for (const step of this.steps) cur = this.jointStep(step, cur, rng);
      return { image: cur.image === pair.image ? pair.image.clone() : cur.image, label: cur.label === pair.label ? pair.label.clone() : cur.label };
    });
  }

  private imageStep(step: TransformStep, x: tf.Tensor, rng: Rng): tf.Tensor {
    switch (step.type) {
      case 'resize': {
        const [h, w] = spatialSize(x, 'resize');
        return resize(x, targetSize(step, h, w), step.interpolation);
      }
      case 'centerCrop':
        return centerCrop(x, step.size);
      case 'randomResizedCrop':
        return randomResizedCrop(x, rng, step);
      case 'horizontalFlip':
        return rng.next() < step.p ? horizontalFlip(x) : x;
      case 'colorJitter':
        return colorJitter(x, rng, step);
      case 'normalize':
        return normalize(x, step.mean, step.std);
    }
  }

  private jointStep(step: TransformStep, pair: ImageLabelPair, rng: Rng): ImageLabelPair {
    const { image, label } = pair;
    const labelCrop = (box: ReturnType<typeof centerCropBox>): tf.Tensor => tf.squeeze(crop(tf.expandDims(label, 2), box), [2]);
    switch (step.type) {
      case 'resize': {
        const [h, w] = spatialSize(image, 'resize');
        return jointResize(pair, targetSize(step, h, w), step.interpolation);
      }
      case 'centerCrop': {
        const [h, w] = spatialSize(image, 'centerCrop');
        const box = centerCropBox(h, w, step.size);
        return { image: crop(image, box), label: labelCrop(box) };
      }
      case 'randomResizedCrop': {
        const [h, w] = spatialSize(image, 'randomResizedCrop');
        const box = randomResizedCropBox(h, w, rng, step.scale, step.ratio);
        return jointResize({ image: crop(image, box), label: labelCrop(box) }, step.size, step.interpolation);
      }
      case 'horizontalFlip':
        return rng.next() < step.p ? { image: horizontalFlip(image), label: tf.reverse(label, 1) } : pair;
      case 'colorJitter':
      case 'normalize':
        return { image: this.imageStep(step, image, rng), label };
    }
  }
}
