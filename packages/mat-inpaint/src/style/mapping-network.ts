import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { checkArg, checkLast } from '../layers/checks.js';

/** `x · rsqrt(mean(x², dim=1) + 1e-8)`: puts every z on the sphere of radius √z_dim. Caller disposes. */
export function normalize2ndMoment(x: tf.Tensor2D, eps = 1e-8): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), 1, true), eps))) as tf.Tensor2D);
}

/** Options for {@link MappingNetwork}. */
export interface MappingNetworkOptions {
  zDim: number;
  wDim: number;
  /** Copies of w to broadcast to (`[B, numWs, wDim]`); null returns `[B, wDim]`. */
  numWs: number | null;
  numLayers?: number;
  /** Width of the hidden layers (default wDim). */
  layerFeatures?: number;
  lrMultiplier?: number;
  /** Decay of the tracked mean w (`w_avg`, used by truncation); null disables tracking and truncation. */
  wAvgBeta?: number | null;
  rng?: Rng;
}

/** Truncation settings for {@link MappingNetwork.forward}. */
export interface TruncationOptions {
  /** ψ: `w ← w_avg + ψ·(w − w_avg)`; 1 = none. */
  truncationPsi?: number;
  /** Only truncate the first `cutoff` ws (default all). */
  truncationCutoff?: number | null;
  /** In training mode, leave `w_avg` alone (style-mixing's second draw). */
  skipWAvgUpdate?: boolean;
}

/**
 * StyleGAN2's mapping network as MAT uses it (`MappingNet`, 8 equalised-LR FC layers with lrelu
 * and learning-rate multiplier 0.01): z is normalised by its second moment, mapped to w, the mean
 * w is tracked (`w_avg`, β = 0.995) in training mode, w is broadcast to `numWs` copies (one per
 * style input of the generator) and optionally truncated toward `w_avg`. Label conditioning
 * (`c_dim > 0`) is not part of MAT and not supported. State dict: `fc0`…`fc{n−1}`, `w_avg`.
 */
export class MappingNetwork extends Module {
  readonly zDim: number;
  readonly wDim: number;
  readonly numWs: number | null;
  readonly wAvgBeta: number | null;
  readonly layers: FullyConnectedLayer[] = [];
  readonly wAvg: tf.Variable | null;

  constructor({ zDim, wDim, numWs, numLayers = 8, layerFeatures = wDim, lrMultiplier = 0.01, wAvgBeta = 0.995, rng = defaultRng() }: MappingNetworkOptions) {
    super();
    checkArg(zDim > 0 && numLayers >= 1, `MappingNetwork: needs zDim > 0 and at least one layer, got zDim=${zDim}, numLayers=${numLayers}`);
    this.zDim = zDim;
    this.wDim = wDim;
    this.numWs = numWs;
    this.wAvgBeta = wAvgBeta;
    const features = [zDim, ...Array<number>(numLayers - 1).fill(layerFeatures), wDim];
    for (let i = 0; i < numLayers; i++) {
      this.layers.push(this.addModule(`fc${i}`, new FullyConnectedLayer(features[i]!, features[i + 1]!, { activation: 'lrelu', lrMultiplier, rng })));
    }
    this.wAvg = numWs !== null && wAvgBeta !== null ? this.addBuffer('w_avg', tf.zeros([wDim])) : null;
  }

  /**
   * `z` `[B, zDim]` → ws `[B, numWs, wDim]` (or `[B, wDim]` when numWs is null). In training
   * mode `w_avg` moves toward the batch mean of w. Caller disposes.
   */
  forward(z: tf.Tensor, { truncationPsi = 1, truncationCutoff = null, skipWAvgUpdate = false }: TruncationOptions = {}): tf.Tensor {
    checkArg(z.rank === 2, `MappingNetwork: z must be [B, ${this.zDim}], got [${z.shape.join(', ')}]`);
    checkLast('MappingNetwork', z, this.zDim);
    checkArg(truncationPsi === 1 || this.wAvg !== null, 'MappingNetwork: truncation needs the tracked w_avg (numWs and wAvgBeta set)');
    const w = tf.tidy(() => {
      let x: tf.Tensor = normalize2ndMoment(z as tf.Tensor2D);
      for (const layer of this.layers) x = layer.forward(x);
      return x;
    });
    if (this.wAvg !== null && this.training && !skipWAvgUpdate) {
      const beta = this.wAvgBeta!;
      const avg = this.wAvg;
      // w_avg ← lerp(mean(w), w_avg, β)
      tf.tidy(() => avg.assign(tf.add(tf.mean(w, 0), tf.mul(tf.sub(avg, tf.mean(w, 0)), beta))));
    }
    if (this.numWs === null) return w;
    const numWs = this.numWs;
    const out = tf.tidy(() => {
      const ws = tf.tile(tf.expandDims(w, 1), [1, numWs, 1]); // [B, numWs, wDim]
      if (truncationPsi === 1) return ws;
      const truncated = tf.add(this.wAvg!, tf.mul(tf.sub(ws, this.wAvg!), truncationPsi));
      const cutoff = truncationCutoff ?? numWs;
      if (cutoff >= numWs) return truncated;
      if (cutoff <= 0) return ws;
      const [head] = tf.split(truncated, [cutoff, numWs - cutoff], 1);
      const [, tail] = tf.split(ws, [cutoff, numWs - cutoff], 1);
      return tf.concat([head!, tail!], 1);
    });
    w.dispose();
    return out;
  }
}
