import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { tidy } from '../ops/tidy.js';
import { checkArg } from '../layers/checks.js';
import { WindowAttention, roll2d, shiftWindowMask, windowPartition, windowReverse } from './window-attention.js';

/** MAT's `Mlp`: `fc1` (lrelu·√2) then `fc2` (linear). The `act_layer` argument of the official class is ignored there too. */
export class Mlp extends Module {
  readonly fc1: FullyConnectedLayer;
  readonly fc2: FullyConnectedLayer;

  constructor(inFeatures: number, hiddenFeatures: number, rng: Rng = defaultRng()) {
    super();
    this.fc1 = this.addModule('fc1', new FullyConnectedLayer(inFeatures, hiddenFeatures, { activation: 'lrelu', rng }));
    this.fc2 = this.addModule('fc2', new FullyConnectedLayer(hiddenFeatures, inFeatures, { rng }));
  }

  /** `[..., C]` → `[..., C]`. Caller disposes. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc2.forward(this.fc1.forward(x)));
  }
}

/** Options for {@link FusionBlock}. */
export interface FusionBlockOptions {
  /** Requested window size (clamped to the map, see the class doc). */
  windowSize: number;
  /** Cyclic shift (0 or windowSize/2). */
  shiftSize?: number;
  mlpRatio?: number;
  qkScale?: number | null;
  rng?: Rng;
}

/** Tokens with their validity mask (null once every token is treated as valid). */
export interface MaskedTokens {
  x: tf.Tensor3D;
  mask: tf.Tensor3D | null;
}

/**
 * MAT's adjusted transformer block (`SwinTransformerBlock` in the official code):
 * ```
 * a  = window-attention(shift(x), shift(mask))          // MCA, with the dynamic mask update
 * x' = lrelu(FC_fuse([x, unshift(a)]))                  // fusion by concatenation, 2C → C
 * y  = FC2(lrelu(FC1(x')))                              // MLP, no residual
 * ```
 * No LayerNorm anywhere and no residual connection: with most tokens invalid at the start, LN
 * would amplify the near-zero hole tokens, and residual learning pushes toward high frequencies
 * without a low-frequency basis (paper §3.2).
 *
 * Windows: if the map built for (`inputResolution`) is no larger than the window, the window is
 * the whole map and there is no shift, as in the official constructor. At run time the map may be
 * any multiple of the window; the shift mask is recomputed for the actual size (the official
 * forward always does so too). State dict: `attn.{q,k,v,proj}`, `fuse`, `mlp.{fc1,fc2}` and, for
 * shifted blocks, the `attn_mask` buffer (the shift mask at `inputResolution`; stored for the
 * official names, never read, exactly like the official forward).
 */
export class FusionBlock extends Module {
  readonly attn: WindowAttention;
  readonly fuse: FullyConnectedLayer;
  readonly mlp: Mlp;
  readonly windowSize: number;
  readonly shiftSize: number;

  constructor(
    readonly dim: number,
    readonly inputResolution: readonly [number, number],
    readonly numHeads: number,
    { windowSize, shiftSize = 0, mlpRatio = 2, qkScale = null, rng = defaultRng() }: FusionBlockOptions,
  ) {
    super();
    let ws = windowSize;
    let shift = shiftSize;
    if (Math.min(...inputResolution) <= ws) {
      shift = 0;
      ws = Math.min(...inputResolution);
    }
    checkArg(shift >= 0 && shift < ws, `FusionBlock: shift size must be in [0, window size ${ws}), got ${shift}`);
    this.windowSize = ws;
    this.shiftSize = shift;
    this.attn = this.addModule('attn', new WindowAttention(dim, numHeads, { qkScale, rng }));
    this.fuse = this.addModule('fuse', new FullyConnectedLayer(dim * 2, dim, { activation: 'lrelu', rng }));
    this.mlp = this.addModule('mlp', new Mlp(dim, Math.trunc(dim * mlpRatio), rng));
    if (shift > 0) {
      const [h, w] = inputResolution;
      checkArg(h % ws === 0 && w % ws === 0, `FusionBlock: input resolution ${h}×${w} is not a multiple of the window size ${ws}`);
      this.addBuffer('attn_mask', tf.tensor3d(shiftWindowMask(h, w, ws, shift), [(h / ws) * (w / ws), ws * ws, ws * ws]));
    }
  }

  /**
   * `x` `[B, H·W, C]` row-major tokens of an `xSize = [H, W]` map, `mask` `[B, H·W, 1]` or null.
   * H and W must be multiples of the window size. Caller disposes.
   */
  forward(x: tf.Tensor3D, xSize: readonly [number, number], mask: tf.Tensor3D | null = null): MaskedTokens {
    const [h, w] = xSize;
    const [b, l, c] = x.shape;
    const ws = this.windowSize;
    if (l !== h * w || c !== this.dim) throw new ShapeError(`FusionBlock: tokens [${x.shape.join(', ')}] do not match a ${h}×${w} map with ${this.dim} channels`);
    if (h % ws !== 0 || w % ws !== 0) throw new ShapeError(`FusionBlock: a ${h}×${w} token map is not a multiple of the window size ${ws}`);
    if (mask !== null && mask.shape.join(',') !== [b, l, 1].join(',')) throw new ShapeError(`FusionBlock: mask must be [${b}, ${l}, 1], got [${mask.shape.join(', ')}]`);
    return tidy(() => {
      // Rebuilt per call (a few ms on the host) rather than cached, so the module owns no hidden tensors.
      const shiftMask = this.shiftSize > 0 ? tf.tensor3d(shiftWindowMask(h, w, ws, this.shiftSize), [(h / ws) * (w / ws), ws * ws, ws * ws]) : null;
      const toWindows = (t: tf.Tensor3D, channels: number): tf.Tensor3D => {
        const map = tf.reshape(t, [b, h, w, channels]) as tf.Tensor4D;
        return windowPartition(this.shiftSize > 0 ? roll2d(map, -this.shiftSize) : map, ws);
      };
      const fromWindows = (t: tf.Tensor3D, channels: number): tf.Tensor3D => {
        const map = windowReverse(t, ws, h, w);
        return tf.reshape(this.shiftSize > 0 ? roll2d(map, this.shiftSize) : map, [b, l, channels]) as tf.Tensor3D;
      };
      const attended = this.attn.forward(toWindows(x, c), mask === null ? null : toWindows(mask, 1), shiftMask);
      const fused = this.fuse.forward(tf.concat([x, fromWindows(attended.x, c)], -1));
      return {
        x: this.mlp.forward(fused) as tf.Tensor3D,
        mask: attended.maskWindows === null ? null : fromWindows(attended.maskWindows, 1),
      };
    });
  }
}
