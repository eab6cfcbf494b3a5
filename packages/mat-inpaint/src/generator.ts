import { PatchworkError, ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { channelsAt, numWs, parseMatConfig } from './config.js';
import type { MatConfig, MatConfigInput } from './config.js';
import { ToStyle, UNET_BOTTOM, UNetDecoder, UNetEncoder } from './conv-unet.js';
import { FirstStage } from './first-stage.js';
import { FullyConnectedLayer } from './layers/fully-connected.js';
import { tidy } from './ops/tidy.js';
import { MappingNetwork } from './style/mapping-network.js';
import type { TruncationOptions } from './style/mapping-network.js';
import type { NoiseMode } from './style/modulated-conv.js';
import { SQUARE_SIDE, bernoulliMixMap, noiseToMap, stochasticMix } from './style/token-mixing.js';

/** Per-call options of the synthesis network. */
export interface SynthesisOptions {
  /** `random` (default) draws noise from `rng`; `const` uses the stored noise (native size only); `none` disables it. */
  noiseMode?: NoiseMode;
  /** Draws the stochastic token-mixing maps and the noise. Required unless both maps are given and noise is not random. */
  rng?: Rng;
  /** Replay recorded mixing maps: first stage `[B, L, dim]`, second stage `[B, h16, w16, nf(16)]` ({0, 1}). */
  mixMaps?: { firstStage?: tf.Tensor; secondStage?: tf.Tensor };
}

/** Both stages' outputs, each composited with the known pixels. */
export interface SynthesisOutput {
  img: tf.Tensor4D;
  imgStg1: tf.Tensor4D;
}

/**
 * MAT's synthesis network (official `SynthesisNet`): the transformer {@link FirstStage} produces a
 * coarse completion; the Conv-U-Net refines it — its encoder sees `[mask − ½, composite, image·mask]`,
 * the 16×16 bottleneck gets stochastic mixing with a noise map from `w_0`, a global style from
 * {@link ToStyle}, and the decoder is modulated by `[w_i, global style]`. State dict:
 * `first_stage`, `enc`, `to_square`, `to_style`, `dec`.
 */
export class SynthesisNetwork extends Module {
  readonly firstStage: FirstStage;
  readonly enc: UNetEncoder;
  readonly toSquare: FullyConnectedLayer;
  readonly toStyle: ToStyle;
  readonly dec: UNetDecoder;

  constructor(readonly config: MatConfig, rng: Rng = defaultRng()) {
    super();
    const c = config;
    const nf = (res: number): number => channelsAt(c, res);
    this.firstStage = this.addModule('first_stage', new FirstStage({ ...c.firstStage, imgChannels: c.imgChannels, imgResolution: c.imgResolution, wDim: c.wDim, useNoise: false, demodulate: c.demodulate, rng }));
    this.enc = this.addModule('enc', new UNetEncoder(c.imgResolution, c.imgChannels, nf, rng));
    this.toSquare = this.addModule('to_square', new FullyConnectedLayer(c.wDim, SQUARE_SIDE * SQUARE_SIDE, { activation: 'lrelu', rng }));
    this.toStyle = this.addModule('to_style', new ToStyle(nf(UNET_BOTTOM), nf(4) * 2, rng));
    this.dec = this.addModule('dec', new UNetDecoder(c.imgResolution, nf, { styleDim: c.wDim + nf(4) * 2, useNoise: c.useNoise, demodulate: c.demodulate, imgChannels: c.imgChannels, rng }));
  }

  /**
   * `images` NHWC `[B, H, W, C]` in [−1, 1], `masks` `[B, H, W, 1]` (1 = known), ws
   * `[B, numWs, wDim]` → final and first-stage images, both composited with the known pixels.
   * H and W must be multiples of {@link sizeMultiple}. Caller disposes.
   */
  forward(images: tf.Tensor4D, masks: tf.Tensor4D, ws: tf.Tensor3D, { noiseMode = 'random', rng, mixMaps = {} }: SynthesisOptions = {}): SynthesisOutput {
    const want = numWs(this.config);
    if (ws.rank !== 3 || ws.shape[1] !== want) throw new ShapeError(`SynthesisNetwork: ws must be [B, ${want}, ${this.config.wDim}], got [${ws.shape.join(', ')}]`);
    const noise = { noiseMode, rng };
    return tidy(() => {
      const imgStg1 = this.firstStage.forward(images, masks, ws, { ...noise, mixMap: mixMaps.firstStage });
      const known = tf.mul(images, masks);
      const composite = tf.add(known, tf.mul(imgStg1, tf.sub(1, masks)));
      const features = this.enc.forward(tf.concat([tf.sub(masks, 0.5), composite, known], 3) as tf.Tensor4D);
      const bottom = Math.log2(UNET_BOTTOM);
      const fea = features.get(bottom)!;
      const [b, h, w] = fea.shape;
      const w0 = tf.reshape(tf.slice(ws, [0, 0, 0], [b, 1, ws.shape[2]]), [b, ws.shape[2]]);
      const addN = noiseToMap(this.toSquare.forward(w0) as tf.Tensor2D, h, w);
      const map = mixMaps.secondStage ?? (rng === undefined ? missingRng() : bernoulliMixMap(fea.shape, rng));
      const mixed = stochasticMix(fea, addN, map) as tf.Tensor4D;
      features.set(bottom, mixed);
      const gs = this.toStyle.forward(mixed);
      const img = this.dec.forward(mixed, ws, gs, features, noise);
      return { img: tf.add(tf.mul(img, tf.sub(1, masks)), known) as tf.Tensor4D, imgStg1 };
    });
  }
}

function missingRng(): never {
  throw new PatchworkError('E_ARGUMENT', 'SynthesisNetwork: token mixing draws random maps; pass an rng (or recorded mixMaps)');
}

/** Options of {@link MatGenerator.forward}. */
export interface GenerateOptions extends SynthesisOptions, Omit<TruncationOptions, 'skipWAvgUpdate'> {}

/**
 * The MAT generator (official `networks/mat.py Generator`): a {@link MappingNetwork} (`mapping`,
 * z → w, broadcast to `numWs`) and the two-stage {@link SynthesisNetwork} (`synthesis`). Build it
 * from a config ({@link parseMatConfig}; the defaults are the official 512 model) or a preset.
 * Mask convention: **1 = known pixel, 0 = hole**.
 */
export class MatGenerator extends Module {
  readonly config: MatConfig;
  readonly synthesis: SynthesisNetwork;
  readonly mapping: MappingNetwork;

  constructor(config: MatConfigInput | MatConfig = {}, { rng = defaultRng() }: { rng?: Rng } = {}) {
    super();
    this.config = parseMatConfig(config);
    const c = this.config;
    this.synthesis = this.addModule('synthesis', new SynthesisNetwork(c, rng));
    this.mapping = this.addModule(
      'mapping',
      new MappingNetwork({ zDim: c.zDim, wDim: c.wDim, numWs: numWs(c), numLayers: c.mapping.numLayers, lrMultiplier: c.mapping.lrMultiplier, wAvgBeta: c.mapping.wAvgBeta, rng }),
    );
  }

  /**
   * `images` NHWC `[B, H, W, C]` in [−1, 1], `masks` `[B, H, W, 1]` (1 = known), `z`
   * `[B, zDim]` → final and first-stage images. Caller disposes.
   */
  forward(images: tf.Tensor4D, masks: tf.Tensor4D, z: tf.Tensor2D, { truncationPsi = 1, truncationCutoff = null, ...synthesis }: GenerateOptions = {}): SynthesisOutput {
    return tidy(() => {
      const ws = this.mapping.forward(z, { truncationPsi, truncationCutoff }) as tf.Tensor3D;
      return this.synthesis.forward(images, masks, ws, synthesis);
    });
  }
}
