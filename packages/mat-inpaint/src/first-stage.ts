import { PatchworkError, ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module, ModuleList } from '@patchwork/layers';
import { TransformerStage, mapToTokens, tokensToMap } from './body/stage.js';
import { Conv2dLayer } from './layers/conv2d-layer.js';
import { FullyConnectedLayer } from './layers/fully-connected.js';
import { checkArg } from './layers/checks.js';
import { tidy } from './ops/tidy.js';
import { Conv2dLayerPartial } from './partial-conv.js';
import { SQUARE_SIDE, bernoulliMixMap, noiseToTokens, stochasticMix } from './style/token-mixing.js';
import type { NoiseMode } from './style/modulated-conv.js';
import { DecStyleBlock } from './tail.js';

/** Sizes of the coarse stage; see {@link MatConfig}'s `firstStage` for what each means. */
export interface FirstStageOptions {
  imgChannels: number;
  imgResolution: number;
  wDim: number;
  dim: number;
  tokenResolution: number;
  depths: readonly number[];
  windowSizes: readonly number[];
  numHeads: number;
  mlpRatio: number;
  /** Noise inputs in the tail (MAT's generator builds the first stage without them). */
  useNoise?: boolean;
  demodulate?: boolean;
  rng?: Rng;
}

/** Per-call options of {@link FirstStage.forward}. */
export interface FirstStageCallOptions {
  noiseMode?: NoiseMode;
  /** Draws the token-mixing map (and noise, if any); required unless `mixMap` is given and there is no random noise. */
  rng?: Rng;
  /** Replay a recorded token-mixing map `[B, L, dim]` of {0, 1} instead of drawing one (parity with the official `F.dropout`). */
  mixMap?: tf.Tensor;
}

/** Output of {@link FirstStage.forwardWithIntermediates}: the composited coarse image and named intermediates (official layouts: tokens `[B, L, C]`, maps NHWC). */
export interface FirstStageOutput {
  img: tf.Tensor4D;
  intermediates: Record<string, tf.Tensor>;
}

const STAGE_SCALES = [1, 0.5, 0.25, 0.5, 1];

/**
 * MAT's first (coarse) stage, official `FirstStage`:
 * - **conv head**: `x = [mask − ½, image·mask]` → a 3×3 partial conv to `dim` channels, then
 *   stride-2 partial convs down to the token grid (64×64 at 512² and 256²), the mask dilating as
 *   it goes;
 * - **transformer body**: five {@link TransformerStage}s on grids ×1, ×½, ×¼, ×½, ×1 with U-Net
 *   token skips (stage 1 → 5, 2 → 4); the mask steers attention in stages 1–2, the later stages
 *   treat every token as valid;
 * - **style manipulation** at the bottleneck: stochastic token mixing with a noise map from w,
 *   then the image-conditional global style (4× stride-2 conv + average pool + FC) concatenated
 *   with the noise style `ws_style(w)`;
 * - **reconstruction tail**: {@link DecStyleBlock}s back to the input size with the head's maps
 *   as skips, accumulating RGB; the result is composited with the known pixels.
 *
 * State dict (official names): `conv_first`, `enc_conv.<i>`, `tran.<i>`, `down_conv.<i>`,
 * `to_style`, `ws_style`, `to_square`, `dec_conv.<i>`.
 */
export class FirstStage extends Module {
  readonly convFirst: Conv2dLayerPartial;
  readonly encConv: ModuleList<Conv2dLayerPartial>;
  readonly tran: ModuleList<TransformerStage>;
  readonly downConv: ModuleList<Conv2dLayer>;
  readonly toStyle: FullyConnectedLayer;
  readonly wsStyle: FullyConnectedLayer;
  readonly toSquare: FullyConnectedLayer;
  readonly decConv: ModuleList<DecStyleBlock>;
  readonly imgChannels: number;
  readonly dim: number;

  constructor(o: FirstStageOptions) {
    super();
    const rng = o.rng ?? defaultRng();
    const downTimes = Math.log2(o.imgResolution / o.tokenResolution);
    checkArg(Number.isInteger(downTimes) && downTimes >= 1, `FirstStage: imgResolution ${o.imgResolution} must be the token grid ${o.tokenResolution} times a power of two ≥ 2`);
    checkArg(o.depths.length === 5 && o.windowSizes.length === 5, 'FirstStage: depths and windowSizes need one entry per stage (5)');
    checkArg(o.tokenResolution % 4 === 0, `FirstStage: the token grid ${o.tokenResolution} must be divisible by 4 (two merges)`);
    this.imgChannels = o.imgChannels;
    this.dim = o.dim;
    const act = { activation: 'lrelu' as const, rng };
    this.convFirst = this.addModule('conv_first', new Conv2dLayerPartial(o.imgChannels + 1, o.dim, 3, act));
    this.encConv = this.addModule('enc_conv', new ModuleList<Conv2dLayerPartial>());
    for (let i = 0; i < downTimes; i++) this.encConv.push(new Conv2dLayerPartial(o.dim, o.dim, 3, { ...act, down: 2 }));

    this.tran = this.addModule('tran', new ModuleList<TransformerStage>());
    for (let i = 0; i < 5; i++) {
      const res = o.tokenResolution * STAGE_SCALES[i]!;
      const prev = i === 0 ? res : o.tokenResolution * STAGE_SCALES[i - 1]!;
      const resample = res < prev ? 'down' : res > prev ? 'up' : null;
      this.tran.push(
        new TransformerStage(o.dim, [res, res], { depth: o.depths[i]!, numHeads: o.numHeads, windowSize: o.windowSizes[i]!, mlpRatio: o.mlpRatio, resample, rng }),
      );
    }
    // Global style: halve the bottleneck grid down to 1×1 (4 convs for the official 16×16), then average-pool.
    this.downConv = this.addModule('down_conv', new ModuleList<Conv2dLayer>());
    for (let i = 0; i < Math.log2(o.tokenResolution / 4); i++) this.downConv.push(new Conv2dLayer(o.dim, o.dim, 3, { ...act, down: 2 }));
    this.toStyle = this.addModule('to_style', new FullyConnectedLayer(o.dim, o.dim * 2, act));
    this.wsStyle = this.addModule('ws_style', new FullyConnectedLayer(o.wDim, o.dim, act));
    this.toSquare = this.addModule('to_square', new FullyConnectedLayer(o.dim, SQUARE_SIDE * SQUARE_SIDE, act));
    this.decConv = this.addModule('dec_conv', new ModuleList<DecStyleBlock>());
    let res = Math.log2(o.tokenResolution);
    for (let i = 0; i < downTimes; i++) {
      res += 1;
      this.decConv.push(new DecStyleBlock(res, o.dim, o.dim, o.dim * 3, { useNoise: o.useNoise ?? false, demodulate: o.demodulate ?? true, imgChannels: o.imgChannels, rng }));
    }
  }

  /**
   * `images` NHWC `[B, H, W, C]` in [−1, 1], `masks` `[B, H, W, 1]` (1 = known), `ws`
   * `[B, numWs, wDim]` (the last w is used) → the coarse completion `[B, H, W, C]`, known pixels
   * copied from `images`. Caller disposes.
   */
  forward(images: tf.Tensor4D, masks: tf.Tensor4D, ws: tf.Tensor3D, options: FirstStageCallOptions = {}): tf.Tensor4D {
    return tidy(() => this.run(images, masks, ws, options, null));
  }

  /**
   * {@link forward} plus the official intermediates: `conv_first_mask_out` (NHWC),
   * `tran<i>_out` (tokens; stage 2 before the mixing, stages 3–4 before their skip is added) and
   * `tran<i>_mask_out` for the masked stages 0–1. Caller disposes everything.
   */
  forwardWithIntermediates(images: tf.Tensor4D, masks: tf.Tensor4D, ws: tf.Tensor3D, options: FirstStageCallOptions = {}): FirstStageOutput {
    return tidy(() => {
      const intermediates: Record<string, tf.Tensor> = {};
      const img = this.run(images, masks, ws, options, intermediates);
      return { img, intermediates };
    });
  }

  private run(images: tf.Tensor4D, masks: tf.Tensor4D, ws: tf.Tensor3D, { noiseMode = 'random', rng, mixMap }: FirstStageCallOptions, record: Record<string, tf.Tensor> | null): tf.Tensor4D {
    const [b, h, w, c] = images.shape;
    if (c !== this.imgChannels) throw new ShapeError(`FirstStage: images must have ${this.imgChannels} channels, got [${images.shape.join(', ')}]`);
    if (masks.shape.join(',') !== [b, h, w, 1].join(',')) throw new ShapeError(`FirstStage: masks must be [${b}, ${h}, ${w}, 1], got [${masks.shape.join(', ')}]`);
    if (ws.rank !== 3 || ws.shape[0] !== b || ws.shape[2] !== this.wsStyle.inFeatures) {
      throw new ShapeError(`FirstStage: ws must be [${b}, numWs, ${this.wsStyle.inFeatures}], got [${ws.shape.join(', ')}]`);
    }
    const x0 = tf.concat([tf.sub(masks, 0.5), tf.mul(images, masks)], 3);
    const head = this.convFirst.forward(x0, masks);
    if (record !== null) record['conv_first_mask_out'] = head.mask!;
    const mapSkips: tf.Tensor4D[] = [head.x];
    let x = head.x;
    let mask = head.mask;
    [...this.encConv].forEach((conv, i, all) => {
      const out = conv.forward(x, mask);
      x = out.x;
      mask = out.mask;
      if (i !== all.length - 1) mapSkips.push(x);
    });

    let xSize: [number, number] = [x.shape[1], x.shape[2]];
    let tokens = mapToTokens(x);
    let tokenMask: tf.Tensor3D | null = mapToTokens(mask!);
    const tokenSkips: tf.Tensor3D[] = [];
    let style: tf.Tensor | null = null;
    const mid = 2;
    for (let i = 0; i < 5; i++) {
      const out = this.tran.at(i).forward(tokens, xSize, i < mid ? tokenMask : null);
      tokens = out.x;
      xSize = out.xSize;
      if (record !== null) record[`tran${i}_out`] = tokens;
      if (i < mid) {
        tokenMask = out.mask;
        if (record !== null) record[`tran${i}_mask_out`] = tokenMask!;
        tokenSkips.push(tokens);
      } else if (i > mid) {
        tokens = tf.add(tokens, tokenSkips[tokenSkips.length - (i - mid)]!) as tf.Tensor3D;
      } else {
        const wsLast = tf.squeeze(tf.slice(ws, [0, ws.shape[1] - 1, 0], [b, 1, ws.shape[2]]), [1]);
        const wsStyle = this.wsStyle.forward(wsLast); // noise style [B, dim]
        const addN = noiseToTokens(this.toSquare.forward(wsStyle) as tf.Tensor2D, tokens.shape[1]); // [B, L, 1]
        const map = mixMap ?? (rng === undefined ? missingRng() : bernoulliMixMap(tokens.shape, rng));
        tokens = stochasticMix(tokens, addN, map) as tf.Tensor3D;
        let g: tf.Tensor4D = tokensToMap(tokens, xSize);
        for (const conv of this.downConv) g = conv.forward(g);
        const gs = this.toStyle.forward(tf.mean(g, [1, 2])); // image-conditional global style [B, 2·dim]
        style = tf.concat([gs, wsStyle], 1);
      }
    }

    let feat = tokensToMap(tokens, xSize);
    let img: tf.Tensor4D | null = null;
    const dec = [...this.decConv];
    dec.forEach((block, i) => {
      const out = block.forward(feat, img, style!, mapSkips[dec.length - i - 1]!, { noiseMode, rng });
      feat = out.x;
      img = out.img;
    });
    return tf.add(tf.mul(img!, tf.sub(1, masks)), tf.mul(images, masks)) as tf.Tensor4D;
  }
}

function missingRng(): never {
  throw new PatchworkError('E_ARGUMENT', 'FirstStage: token mixing draws a random map; pass an rng (or a recorded mixMap)');
}
