import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module, ModuleList } from '@patchwork/layers';
import { tidy } from '../ops/tidy.js';
import { Conv2dLayerPartial } from '../partial-conv.js';
import { FusionBlock } from './fusion-block.js';

/** Tokens of a map, the map size and the token mask (null = all valid). */
export interface StageTokens {
  x: tf.Tensor3D;
  xSize: [number, number];
  mask: tf.Tensor3D | null;
}

/** `[B, H·W, C]` tokens → NHWC `[B, H, W, C]` (the official `token2feature`, a plain reshape in NHWC). */
export function tokensToMap(x: tf.Tensor, [h, w]: readonly [number, number]): tf.Tensor4D {
  const [b, l, c] = x.shape as [number, number, number];
  if (l !== h * w) throw new ShapeError(`${l} tokens cannot form a ${h}×${w} map`);
  return tf.reshape(x, [b, h, w, c]) as tf.Tensor4D;
}

/** NHWC `[B, H, W, C]` → row-major tokens `[B, H·W, C]` (the official `feature2token`). */
export function mapToTokens(x: tf.Tensor4D): tf.Tensor3D {
  const [b, h, w, c] = x.shape;
  return tf.reshape(x, [b, h * w, c]);
}

/**
 * Stage transition on tokens (official `PatchMerging` / `PatchUpsampling`): a 3×3 partial
 * convolution with lrelu that halves (`down = 2`) or doubles (`up = 2`) the map and updates the
 * mask. State dict: `conv.conv.*`.
 */
export class PatchResample extends Module {
  readonly conv: Conv2dLayerPartial;

  constructor(inChannels: number, outChannels: number, readonly mode: 'down' | 'up', rng: Rng = defaultRng()) {
    super();
    const factor = mode === 'down' ? { down: 2 } : { up: 2 };
    this.conv = this.addModule('conv', new Conv2dLayerPartial(inChannels, outChannels, 3, { activation: 'lrelu', ...factor, rng }));
  }

  /** Tokens of an `xSize` map (+ mask) → tokens of the resampled map. Caller disposes. */
  forward(x: tf.Tensor3D, xSize: readonly [number, number], mask: tf.Tensor3D | null = null): StageTokens {
    const [h, w] = xSize;
    const size: [number, number] = this.mode === 'down' ? [Math.trunc(h / 2), Math.trunc(w / 2)] : [h * 2, w * 2];
    return tidy(() => {
      const out = this.conv.forward(tokensToMap(x, xSize), mask === null ? null : tokensToMap(mask, xSize));
      return { x: mapToTokens(out.x), xSize: size, mask: out.mask === null ? null : mapToTokens(out.mask) };
    });
  }
}

/** Options for {@link TransformerStage}. */
export interface TransformerStageOptions {
  depth: number;
  numHeads: number;
  windowSize: number;
  mlpRatio?: number;
  qkScale?: number | null;
  /** Resample the incoming tokens first (official `downsample=PatchMerging/PatchUpsampling`). */
  resample?: 'down' | 'up' | null;
  rng?: Rng;
}

/**
 * One of the five transformer stages (official `BasicLayer`): optional patch merging/upsampling,
 * `depth` adjusted blocks alternating unshifted and shifted (window/2) windows, then a 3×3
 * partial convolution (lrelu) with a global residual from the stage input — the only residual
 * in the body. `inputResolution` is the map size the blocks see (after resampling).
 * State dict: `downsample.conv.conv.*`, `blocks.<i>.*`, `conv.conv.*`.
 */
export class TransformerStage extends Module {
  readonly downsample: PatchResample | null;
  readonly blocks: ModuleList<FusionBlock>;
  readonly conv: Conv2dLayerPartial;

  constructor(
    readonly dim: number,
    readonly inputResolution: readonly [number, number],
    { depth, numHeads, windowSize, mlpRatio = 2, qkScale = null, resample = null, rng = defaultRng() }: TransformerStageOptions,
  ) {
    super();
    this.downsample = resample === null ? null : this.addModule('downsample', new PatchResample(dim, dim, resample, rng));
    this.blocks = this.addModule('blocks', new ModuleList<FusionBlock>());
    for (let i = 0; i < depth; i++) {
      const shiftSize = i % 2 === 0 ? 0 : Math.floor(windowSize / 2);
      this.blocks.push(new FusionBlock(dim, inputResolution, numHeads, { windowSize, shiftSize, mlpRatio, qkScale, rng }));
    }
    this.conv = this.addModule('conv', new Conv2dLayerPartial(dim, dim, 3, { activation: 'lrelu', rng }));
  }

  /** Tokens `[B, H·W, C]` of an `xSize` map (+ mask `[B, H·W, 1]`) → the stage output. Caller disposes. */
  forward(x: tf.Tensor3D, xSize: readonly [number, number], mask: tf.Tensor3D | null = null): StageTokens {
    return tidy(() => {
      let cur: StageTokens = { x, xSize: [xSize[0], xSize[1]], mask };
      if (this.downsample !== null) cur = this.downsample.forward(x, xSize, mask);
      const identity = cur.x;
      let t = { x: cur.x, mask: cur.mask };
      for (const block of this.blocks) t = block.forward(t.x, cur.xSize, t.mask);
      const out = this.conv.forward(tokensToMap(t.x, cur.xSize), t.mask === null ? null : tokensToMap(t.mask, cur.xSize));
      return {
        x: tf.add(mapToTokens(out.x), identity) as tf.Tensor3D,
        xSize: cur.xSize,
        mask: out.mask === null ? null : mapToTokens(out.mask),
      };
    });
  }
}
