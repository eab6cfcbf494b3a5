import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { checkSize, spatialSize } from './layout.js';
import { resize } from './resize.js';
import type { Interpolation } from './resize.js';

/** A crop window in pixels. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Cut `box` out of an HWC or NHWC tensor (a new tensor). */
export function crop(x: tf.Tensor, box: CropBox): tf.Tensor {
  const [h, w] = spatialSize(x, 'crop');
  const { top, left, height, width } = box;
  const ok = [top, left, height, width].every(Number.isInteger) && top >= 0 && left >= 0 && height > 0 && width > 0;
  if (!ok || top + height > h || left + width > w) {
    throw new ShapeError(`crop: box ${JSON.stringify(box)} does not fit inside a ${h}×${w} image`);
  }
  const begin = x.rank === 4 ? [0, top, left, 0] : [top, left, 0];
  const size = x.rank === 4 ? [-1, height, width, -1] : [height, width, -1];
  return tf.slice(x, begin, size);
}

/** Python's `round` (half to even), which torchvision's crop arithmetic uses. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The centred `[height, width]` window, rounded as torchvision's `center_crop`. */
export function centerCropBox(height: number, width: number, size: readonly [number, number]): CropBox {
  checkSize(size, 'centerCrop');
  const [ch, cw] = size;
  if (ch > height || cw > width) throw new ShapeError(`centerCrop: ${ch}×${cw} is larger than the ${height}×${width} image`);
  return { top: roundHalfEven((height - ch) / 2), left: roundHalfEven((width - cw) / 2), height: ch, width: cw };
}

/** Centre crop of an HWC or NHWC tensor. */
export function centerCrop(x: tf.Tensor, size: readonly [number, number]): tf.Tensor {
  const [h, w] = spatialSize(x, 'centerCrop');
  return crop(x, centerCropBox(h, w, size));
}

/** Options for {@link randomResizedCrop}; defaults are torchvision's. */
export interface RandomResizedCropOptions {
  /** Output `[height, width]`. */
  size: readonly [number, number];
  /** Range of the crop's area as a fraction of the image. Default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio (width / height), sampled log-uniformly. Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  interpolation?: Interpolation;
}

/**
 * torchvision `RandomResizedCrop.get_params`: up to 10 tries of (area ~ U(scale)·H·W,
 * log-ratio ~ U(log ratio)); the first window that fits wins, placed uniformly. If none fits,
 * fall back to a centre crop whose ratio is clamped into `ratio`.
 */
export function randomResizedCropBox(height: number, width: number, rng: Rng, scale: readonly [number, number] = [0.08, 1], ratio: readonly [number, number] = [3 / 4, 4 / 3]): CropBox {
  if (!(scale[0] > 0 && scale[0] <= scale[1]) || !(ratio[0] > 0 && ratio[0] <= ratio[1])) {
    throw new PatchworkError('E_ARGUMENT', `randomResizedCrop: scale [${scale.join(', ')}] and ratio [${ratio.join(', ')}] must be positive, increasing ranges`);
  }
  const area = height * width;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniformScalar(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniformScalar(logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = roundHalfEven(w / ratio[0]);
  else if (inRatio > ratio[1]) w = roundHalfEven(h * ratio[1]);
  return { top: Math.trunc((height - h) / 2), left: Math.trunc((width - w) / 2), height: h, width: w };
}

/** Random resized crop (torchvision semantics; one window for the whole batch if NHWC). */
export function randomResizedCrop(x: tf.Tensor, rng: Rng, { size, scale, ratio, interpolation = 'bilinear' }: RandomResizedCropOptions): tf.Tensor {
  const [h, w] = spatialSize(x, 'randomResizedCrop');
  const box = randomResizedCropBox(h, w, rng, scale, ratio);
  return tf.tidy(() => resize(crop(x, box), size, interpolation));
}
