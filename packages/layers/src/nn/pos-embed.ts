import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { checkArg, pair } from './common.js';
import type { Pair } from './common.js';
import { interpolate } from './interpolate.js';
import type { InterpolationMode } from './interpolate.js';

/**
 * Initial value of a learned position embedding `[1, numTokens, dim]`, as timm's ViT:
 * `trunc_normal_(std=0.02)` with timm's absolute bounds ±2. Pass it to `addParameter`.
 */
export function initPosEmbed(numTokens: number, dim: number, { std = 0.02, rng = defaultRng() }: { std?: number; rng?: Rng } = {}): tf.Tensor {
  return rng.truncatedNormal([1, numTokens, dim], 0, std, -2 / std, 2 / std);
}

/**
 * Fixed 2-D sin-cos position embedding `[(1 +) gh·gw, embedDim]`, exactly MAE's
 * `get_2d_sincos_pos_embed(embed_dim, grid_size, cls_token)` (square `gridSize`), generalised to
 * `[gh, gw]` grids. Tokens are row-major; MAE's `np.meshgrid(grid_w, grid_h)` makes the first
 * half of each vector encode the column and the second half the row; each half is
 * `[sin(p·ω), cos(p·ω)]` with ω_k = 10000^(−k/(D/4)). With `clsToken` row 0 is zeros.
 * Computed in float64, returned as float32. Caller disposes.
 */
export function sincos2dPosEmbed(embedDim: number, gridSize: Pair, { clsToken = false }: { clsToken?: boolean } = {}): tf.Tensor2D {
  checkArg(Number.isInteger(embedDim) && embedDim > 0 && embedDim % 4 === 0, `sincos2dPosEmbed: embedDim must be a multiple of 4, got ${embedDim}`);
  const [gh, gw] = pair(gridSize, 'sincos2dPosEmbed gridSize');
  const quarter = embedDim / 4;
  const omega = Array.from({ length: quarter }, (_, k) => 1 / 10000 ** (k / quarter));
  const prefix = clsToken ? 1 : 0;
  const out = new Float32Array((prefix + gh * gw) * embedDim);
  for (let r = 0; r < gh; r++) {
    for (let c = 0; c < gw; c++) {
      const base = (prefix + r * gw + c) * embedDim;
      for (let k = 0; k < quarter; k++) {
        out[base + k] = Math.sin(c * omega[k]!);
        out[base + quarter + k] = Math.cos(c * omega[k]!);
        out[base + 2 * quarter + k] = Math.sin(r * omega[k]!);
        out[base + 3 * quarter + k] = Math.cos(r * omega[k]!);
      }
    }
  }
  return tf.tensor2d(out, [prefix + gh * gw, embedDim]);
}

/** Options for {@link resamplePosEmbed}; defaults as timm's `resample_abs_pos_embed`. */
export interface ResamplePosEmbedOptions {
  /** Grid of the token input; default the square root of the token count. */
  oldSize?: Pair;
  /** Leading tokens (class, register, …) passed through unchanged; token input only. */
  numPrefixTokens?: number;
  interpolation?: InterpolationMode;
  antialias?: boolean;
}

/**
 * timm's `resample_abs_pos_embed`: resize a position embedding to a new patch grid, for dynamic
 * image sizes or fine-tuning at another resolution. Takes tokens `[B, prefix + gh·gw, D]`
 * (row-major grid after `numPrefixTokens` prefix rows, which pass through) or an NHWC grid
 * `[B, gh, gw, D]` (as `resample_abs_pos_embed_nhwc`), and returns the same form. Differentiable,
 * so a learned embedding keeps training through it. Caller disposes.
 */
export function resamplePosEmbed(
  posEmbed: tf.Tensor,
  newSize: Pair,
  { oldSize, numPrefixTokens = 1, interpolation = 'bicubic', antialias = true }: ResamplePosEmbedOptions = {},
): tf.Tensor {
  const [nh, nw] = pair(newSize, 'resamplePosEmbed newSize');
  if (posEmbed.rank === 4) return interpolate(posEmbed, [nh, nw], { mode: interpolation, antialias });
  if (posEmbed.rank !== 3) {
    throw new ShapeError(`resamplePosEmbed: expected tokens [B, N, D] or a grid [B, H, W, D], got [${posEmbed.shape.join(', ')}]`);
  }
  const [b, n, d] = posEmbed.shape as [number, number, number];
  const side = n > numPrefixTokens ? Math.round(Math.sqrt(n - numPrefixTokens)) : 0;
  const [gh, gw] = oldSize === undefined ? [side, side] : pair(oldSize, 'resamplePosEmbed oldSize');
  if (gh * gw + numPrefixTokens !== n) {
    throw new ShapeError(
      `resamplePosEmbed: ${n} tokens do not hold ${numPrefixTokens} prefix tokens plus a ${gh}×${gw} grid (input [${posEmbed.shape.join(', ')}])`,
    );
  }
  return tf.tidy(() => {
    const grid = tf.reshape(tf.slice(posEmbed, [0, numPrefixTokens, 0], [b, gh * gw, d]), [b, gh, gw, d]);
    const resized = tf.reshape(interpolate(grid, [nh, nw], { mode: interpolation, antialias }), [b, nh * nw, d]);
    if (numPrefixTokens === 0) return resized;
    return tf.concat([tf.slice(posEmbed, [0, 0, 0], [b, numPrefixTokens, d]), resized], 1);
  });
}
