// Image tensor helpers: pixel bytes ↔ [0, 1] floats, and per-channel normalisation. Pixel tensors
// are channels-last (HWC / NHWC) as tfjs produces them (`tf.browser.fromPixels` gives int32).
import { PatchworkError, ShapeError } from './errors.js';
import { tf } from './tf.js';

/** ImageNet per-channel RGB mean, for images scaled to [0, 1]. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/** ImageNet per-channel RGB standard deviation, for images scaled to [0, 1]. */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** Shared option: check the input for NaN (one GPU→CPU sync) and throw an E_NAN error. */
export interface ImageCheckOptions {
  checkNaN?: boolean;
}

/** Options for {@link normalize} and {@link denormalize}. */
export interface NormalizeOptions extends ImageCheckOptions {
  /** Where the channel axis is: `last` (HWC/NHWC, default) or `first` (CHW/NCHW, PyTorch style). */
  channels?: 'last' | 'first';
}

/**
 * Pixel values 0..255 (int32, or float32 holding that range) in HWC or NHWC → float32 in [0, 1].
 * Throws {@link ShapeError} for other ranks or a channel count outside 1–4. Caller disposes.
 */
export function toFloatImage(x: tf.Tensor, options: ImageCheckOptions = {}): tf.Tensor {
  expectPixelImage(x, 'toFloatImage');
  if (options.checkNaN === true) assertNoNaN(x, 'toFloatImage');
  return tf.tidy(() => tf.div(tf.cast(x, 'float32'), 255));
}

/**
 * Float image in [0, 1] (HWC or NHWC) → int32 pixel values 0..255: clipped, scaled and rounded.
 * Throws {@link ShapeError} for bad shapes. Caller disposes.
 */
export function toUint8Image(x: tf.Tensor, options: ImageCheckOptions = {}): tf.Tensor {
  expectPixelImage(x, 'toUint8Image');
  expectFloat(x, 'toUint8Image');
  if (options.checkNaN === true) assertNoNaN(x, 'toUint8Image');
  return tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(x, 0, 1), 255)), 'int32'));
}

/**
 * `(x − mean) / std` per channel. `mean`/`std` are one number or one value per channel; `x` is a
 * float32 image (rank 3 or 4) with channels last unless `channels: 'first'`. Caller disposes.
 */
export function normalize(x: tf.Tensor, mean: number | readonly number[], std: number | readonly number[], options: NormalizeOptions = {}): tf.Tensor {
  const [m, s] = channelStats(x, mean, std, options, 'normalize');
  return tf.tidy(() => tf.div(tf.sub(x, m), s));
}

/** Inverse of {@link normalize}: `x · std + mean` per channel. Caller disposes. */
export function denormalize(x: tf.Tensor, mean: number | readonly number[], std: number | readonly number[], options: NormalizeOptions = {}): tf.Tensor {
  const [m, s] = channelStats(x, mean, std, options, 'denormalize');
  return tf.tidy(() => tf.add(tf.mul(x, s), m));
}

// Validates the call and returns mean/std as plain arrays shaped to broadcast against x.
function channelStats(
  x: tf.Tensor,
  mean: number | readonly number[],
  std: number | readonly number[],
  options: NormalizeOptions,
  fn: string,
): [tf.TensorLike, tf.TensorLike] {
  if (x.rank !== 3 && x.rank !== 4) throw new ShapeError(`${fn}: expected a rank-3 or rank-4 image, got shape [${x.shape.join(', ')}]`);
  expectFloat(x, fn);
  const first = options.channels === 'first';
  const c = x.shape[first ? x.rank - 3 : x.rank - 1]!;
  const m = perChannel(mean, c, 'mean', fn);
  const s = perChannel(std, c, 'std', fn);
  if (s.some((v) => !(v > 0))) throw new PatchworkError('E_ARGUMENT', `${fn}: std must be positive, got [${s.join(', ')}]`);
  if (options.checkNaN === true) assertNoNaN(x, fn);
  // Channels-first needs the stats as [C, 1, 1] to broadcast over H and W.
  return first ? [m.map((v) => [[v]]), s.map((v) => [[v]])] : [m, s];
}

function perChannel(v: number | readonly number[], c: number, what: string, fn: string): number[] {
  if (typeof v === 'number') return new Array<number>(c).fill(v);
  if (v.length !== c) throw new ShapeError(`${fn}: ${what} has ${v.length} values but the image has ${c} channels`);
  return [...v];
}

function expectPixelImage(x: tf.Tensor, fn: string): void {
  const c = x.shape[x.rank - 1];
  if ((x.rank !== 3 && x.rank !== 4) || c === undefined || c < 1 || c > 4) {
    throw new ShapeError(`${fn}: expected an HWC or NHWC image with 1–4 channels, got shape [${x.shape.join(', ')}]`);
  }
}

function expectFloat(x: tf.Tensor, fn: string): void {
  if (x.dtype !== 'float32') throw new PatchworkError('E_DTYPE', `${fn}: expected a float32 image in [0, 1] (see toFloatImage), got ${x.dtype}`);
}

function assertNoNaN(x: tf.Tensor, fn: string): void {
  const bad = tf.tidy(() => tf.any(tf.isNaN(x)));
  const found = bad.dataSync()[0] === 1;
  bad.dispose();
  if (found) throw new PatchworkError('E_NAN', `${fn}: the image contains NaN`);
}
