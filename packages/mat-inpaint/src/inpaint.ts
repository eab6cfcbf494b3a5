import { PatchworkError, Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { sizeMultiple } from './config.js';
import type { MatGenerator } from './generator.js';
import { validateImagesAndMasks } from './inputs.js';
import type { NoiseMode } from './style/modulated-conv.js';

/** Options for {@link inpaint}. */
export interface InpaintOptions {
  /** Seeds z, the token-mixing maps and the noise: different seeds give different plausible fills. Default 0. */
  seed?: number;
  /** Truncation ψ toward the mean style (`truncation_psi`; 1 = none, smaller = more conservative fills). Default 1. */
  truncation?: number;
  /**
   * Noise of the second-stage decoder. Default: `const` (the stored noise) when the padded image
   * is exactly the native resolution, else `random` — what the official `generate_image.py` does.
   */
  noiseMode?: NoiseMode;
  /** Also return the first-stage (coarse transformer) result. */
  returnStage1?: boolean;
}

/** {@link inpaint}'s output when `returnStage1` is set. */
export interface InpaintResult {
  image: tf.Tensor;
  stage1: tf.Tensor;
}

/**
 * Fill the holes of an image of ANY size with a MAT generator (set to eval mode here).
 *
 * - `image`: `[H, W, C]` or `[B, H, W, C]` float in [−1, 1];
 * - `mask`: `[H, W]`, `[H, W, 1]` or `[B, H, W, 1]`, **1 = known pixel, 0 = hole**, nothing else.
 *
 * The official network only takes sides that are multiples of {@link sizeMultiple} (512 for the
 * 512 model), so the image is zero-padded at the bottom/right to the next multiple with the padding
 * marked as hole (MAT's README: pad the mask with 0), completed, and cropped back. Known pixels are
 * copied through exactly. Returns the completed image in the input's layout (or both stages with
 * `returnStage1`); the caller disposes it.
 */
export function inpaint(generator: MatGenerator, image: tf.Tensor, mask: tf.Tensor, options: InpaintOptions & { returnStage1: true }): InpaintResult;
export function inpaint(generator: MatGenerator, image: tf.Tensor, mask: tf.Tensor, options?: InpaintOptions): tf.Tensor;
export function inpaint(generator: MatGenerator, image: tf.Tensor, mask: tf.Tensor, { seed = 0, truncation = 1, noiseMode, returnStage1 = false }: InpaintOptions = {}): tf.Tensor | InpaintResult {
  const cfg = generator.config;
  if (image.rank !== 3 && image.rank !== 4) throw new ShapeError(`inpaint: image must be [H, W, ${cfg.imgChannels}] or [B, H, W, ${cfg.imgChannels}], got [${image.shape.join(', ')}]`);
  if (!(truncation >= 0 && truncation <= 1)) throw new PatchworkError('E_ARGUMENT', `inpaint: truncation must be in [0, 1], got ${truncation}`);
  const batched = image.rank === 4;
  const images = (batched ? image : tf.expandDims(image, 0)) as tf.Tensor4D;
  const [b, h, w] = images.shape;
  const masks = tf.tidy(() => {
    if (batched) return mask;
    if (mask.rank === 2) return tf.reshape(mask, [1, mask.shape[0]!, mask.shape[1]!, 1]);
    if (mask.rank === 3) return tf.expandDims(mask, 0);
    return mask;
  }) as tf.Tensor4D;
  try {
    validateImagesAndMasks(images, masks, cfg.imgChannels, 'inpaint');
    const m = sizeMultiple(cfg);
    const ph = Math.ceil(h / m) * m;
    const pw = Math.ceil(w / m) * m;
    const mode: NoiseMode = noiseMode ?? (ph === cfg.imgResolution && pw === cfg.imgResolution && cfg.useNoise ? 'const' : 'random');
    const rng = new Rng(seed);
    generator.eval();
    return tf.tidy(() => {
      const pad: [number, number][] = [[0, 0], [0, ph - h], [0, pw - w], [0, 0]];
      const z = rng.normal([b, cfg.zDim]) as tf.Tensor2D;
      const out = generator.forward(tf.pad(images, pad), tf.pad(masks, pad), z, { truncationPsi: truncation, noiseMode: mode, rng });
      // Copy known pixels bit-exactly (the network's own composite is exact too, unless it overflowed).
      const known = tf.cast(masks, 'bool');
      const finish = (t: tf.Tensor4D): tf.Tensor => {
        const cropped = tf.where(known, images, tf.slice(t, [0, 0, 0, 0], [b, h, w, cfg.imgChannels]));
        return batched ? cropped : tf.squeeze(cropped, [0]);
      };
      const result = finish(out.img);
      return returnStage1 ? { image: result, stage1: finish(out.imgStg1) } : result;
    }) as tf.Tensor | InpaintResult;
  } finally {
    if (images !== image) images.dispose();
    if (masks !== mask) masks.dispose();
  }
}
