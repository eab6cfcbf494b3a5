import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import type { RawImage } from '../types.js';
import { onBatch } from './layout.js';

/** ImageNet channel means (RGB, on [0, 1] pixels), as in torchvision and timm. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
/** ImageNet channel standard deviations (RGB, on [0, 1] pixels). */
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** 8-bit HWC image → float32 HWC tensor on [0, 1] (torchvision `ToTensor`, but channels stay last). */
export function toTensor(image: RawImage): tf.Tensor3D {
  const { data, height, width, channels } = image;
  if (data.length !== height * width * channels) {
    throw new ShapeError(`toTensor: ${data.length} bytes do not make a ${height}×${width}×${channels} image`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! / 255;
  return tf.tensor3d(out, [height, width, channels], 'float32');
}

/** `(x − mean) / std` per channel (last axis) of an HWC or NHWC tensor. Defaults: ImageNet. */
export function normalize(x: tf.Tensor, mean: readonly number[] = IMAGENET_MEAN, std: readonly number[] = IMAGENET_STD): tf.Tensor {
  const c = x.shape[x.rank - 1];
  if (mean.length !== c || std.length !== c) {
    throw new ShapeError(`normalize: ${mean.length} means and ${std.length} stds for ${c} channels`);
  }
  if (std.some((s) => !(s > 0))) throw new PatchworkError('E_ARGUMENT', `normalize: std must be positive, got [${std.join(', ')}]`);
  return onBatch(x, 'normalize', (x4) => tf.tidy(() => tf.div(tf.sub(x4, tf.tensor1d([...mean])), tf.tensor1d([...std]))));
}

/** torchvision's luma weights for `rgb_to_grayscale`. */
const LUMA = [0.2989, 0.587, 0.114];

function grayscale(x4: tf.Tensor4D): tf.Tensor4D {
  if (x4.shape[3] === 1) return x4;
  return tf.sum(tf.mul(x4, tf.tensor1d(LUMA)), 3, true) as tf.Tensor4D;
}

/** torchvision `_blend`: `f·img + (1 − f)·other`, clamped to [0, 1]. */
function blend(img: tf.Tensor4D, other: tf.Tensor, f: number): tf.Tensor4D {
  return tf.clipByValue(tf.add(tf.mul(img, f), tf.mul(other, 1 - f)), 0, 1) as tf.Tensor4D;
}

function checkColour(x: tf.Tensor, name: string): void {
  const c = x.shape[x.rank - 1];
  if (c !== 1 && c !== 3) throw new ShapeError(`${name}: expected 1 or 3 channels, got ${c}`);
}

/** Scale brightness by `factor` on a [0, 1] image (torchvision `adjust_brightness`). */
export function adjustBrightness(x: tf.Tensor, factor: number): tf.Tensor {
  checkColour(x, 'adjustBrightness');
  return onBatch(x, 'adjustBrightness', (x4) => tf.tidy(() => tf.clipByValue(tf.mul(x4, factor), 0, 1) as tf.Tensor4D));
}

/** Blend each image with the mean of its greyscale version (torchvision `adjust_contrast`). */
export function adjustContrast(x: tf.Tensor, factor: number): tf.Tensor {
  checkColour(x, 'adjustContrast');
  return onBatch(x, 'adjustContrast', (x4) => tf.tidy(() => blend(x4, grayscale(x4).mean([1, 2, 3], true), factor)));
}

/** Blend each pixel with its grey value (torchvision `adjust_saturation`; grey images are returned unchanged). */
export function adjustSaturation(x: tf.Tensor, factor: number): tf.Tensor {
  checkColour(x, 'adjustSaturation');
  return onBatch(x, 'adjustSaturation', (x4) => tf.tidy(() => (x4.shape[3] === 1 ? x4.clone() : blend(x4, grayscale(x4), factor))));
}

/** A jitter strength `s` (factor drawn from [max(0, 1 − s), 1 + s]) or an explicit `[min, max]` range. */
export type JitterRange = number | readonly [number, number];

/** Options for {@link colorJitter}; omitted or 0 means "leave alone". */
export interface ColorJitterOptions {
  brightness?: JitterRange;
  contrast?: JitterRange;
  saturation?: JitterRange;
}

function factorRange(v: JitterRange | undefined, name: string): [number, number] | null {
  if (v === undefined) return null;
  const [lo, hi] = typeof v === 'number' ? [Math.max(0, 1 - v), 1 + v] : v;
  if (!(lo >= 0 && lo <= hi)) throw new PatchworkError('E_ARGUMENT', `colorJitter: ${name} must be ≥ 0 or a [min, max] range with 0 ≤ min ≤ max`);
  return lo === 1 && hi === 1 ? null : [lo, hi];
}

/**
 * torchvision `ColorJitter` without hue: the three adjustments run in a random order, each
 * with a factor drawn uniformly from its range. On an NHWC batch one draw serves the whole
 * batch, as in torchvision; jitter examples one by one for per-example factors.
 */
export function colorJitter(x: tf.Tensor, rng: Rng, options: ColorJitterOptions): tf.Tensor {
  const ranges = [factorRange(options.brightness, 'brightness'), factorRange(options.contrast, 'contrast'), factorRange(options.saturation, 'saturation')];
  const ops = [adjustBrightness, adjustContrast, adjustSaturation];
  // Same draw order as torchvision: the permutation first, then one factor per enabled adjustment.
  const order = rng.permutation(3);
  const factors = ranges.map((r) => (r === null ? null : rng.uniformScalar(r[0], r[1])));
  return tf.tidy(() => {
    let y = x.clone();
    for (const i of order) {
      const f = factors[i];
      if (f !== null && f !== undefined) y = ops[i]!(y, f);
    }
    return y;
  });
}
