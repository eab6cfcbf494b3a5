import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module, ModuleList } from '@patchwork/layers';
import { Conv2dLayer } from './layers/conv2d-layer.js';
import { FullyConnectedLayer } from './layers/fully-connected.js';
import { StyleConv, ToRGB } from './style/modulated-conv.js';
import type { NoiseOptions } from './style/modulated-conv.js';
import type { FeaturesAndImage } from './tail.js';

/** Encoder features by log2 of their resolution (the official `E_features` dict). */
export type EncoderFeatures = Map<number, tf.Tensor4D>;

/** Channel count at a resolution (`nf` in the official code). */
export type ChannelMap = (res: number) => number;

/** Lowest resolution of the Conv-U-Net (its bottleneck; official: 16×16 for every input size). */
export const UNET_BOTTOM = 16;

/** First encoder block (official `EncFromRGB`): 1×1 conv then 3×3 conv, both lrelu. State dict: `conv0`, `conv1`. */
class EncFromRGB extends Module {
  readonly conv0: Conv2dLayer;
  readonly conv1: Conv2dLayer;

  constructor(inChannels: number, outChannels: number, rng: Rng) {
    super();
    this.conv0 = this.addModule('conv0', new Conv2dLayer(inChannels, outChannels, 1, { activation: 'lrelu', rng }));
    this.conv1 = this.addModule('conv1', new Conv2dLayer(outChannels, outChannels, 3, { activation: 'lrelu', rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.conv1.forward(this.conv0.forward(x)));
  }
}

/** Downsampling encoder block (official `ConvBlockDown`): 3×3 stride-2 conv then 3×3 conv, both lrelu. */
class ConvBlockDown extends Module {
  readonly conv0: Conv2dLayer;
  readonly conv1: Conv2dLayer;

  constructor(inChannels: number, outChannels: number, rng: Rng) {
    super();
    this.conv0 = this.addModule('conv0', new Conv2dLayer(inChannels, outChannels, 3, { activation: 'lrelu', down: 2, rng }));
    this.conv1 = this.addModule('conv1', new Conv2dLayer(outChannels, outChannels, 3, { activation: 'lrelu', rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.conv1.forward(this.conv0.forward(x)));
  }
}

/**
 * Conv-U-Net encoder (official `Encoder`): from the input size down to 16×16, channels from the
 * channel map (64 at 512 doubling per halving, capped at 512). Blocks are named
 * `EncConv_Block_<r>x<r>` as in the official state dict.
 */
export class UNetEncoder extends Module {
  private readonly blocks: [number, EncFromRGB | ConvBlockDown][] = [];

  constructor(resolution: number, imgChannels: number, nf: ChannelMap, rng: Rng = defaultRng()) {
    super();
    for (let res = resolution; res >= UNET_BOTTOM; res /= 2) {
      const block = res === resolution ? new EncFromRGB(imgChannels * 2 + 1, nf(res), rng) : new ConvBlockDown(nf(res * 2), nf(res), rng);
      this.blocks.push([Math.log2(res), this.addModule(`EncConv_Block_${res}x${res}`, block)]);
    }
  }

  /** `[B, H, W, 2C + 1]` → the feature map after every block, by log2 of its native resolution. Caller disposes the maps. */
  forward(x: tf.Tensor4D): EncoderFeatures {
    const out: EncoderFeatures = new Map();
    let h = x;
    for (const [resLog2, block] of this.blocks) {
      h = block.forward(h);
      out.set(resLog2, h);
    }
    return out;
  }
}

/**
 * Image-conditional global style of the second stage (official `ToStyle`): three 3×3 stride-2
 * convs, global average pool, FC (lrelu). State dict: `conv.0`–`conv.2`, `fc`.
 */
export class ToStyle extends Module {
  readonly conv: ModuleList<Conv2dLayer>;
  readonly fc: FullyConnectedLayer;

  constructor(inChannels: number, outChannels: number, rng: Rng = defaultRng()) {
    super();
    this.conv = this.addModule('conv', new ModuleList<Conv2dLayer>());
    for (let i = 0; i < 3; i++) this.conv.push(new Conv2dLayer(inChannels, inChannels, 3, { activation: 'lrelu', down: 2, rng }));
    this.fc = this.addModule('fc', new FullyConnectedLayer(inChannels, outChannels, { activation: 'lrelu', rng }));
  }

  /** `[B, H, W, in]` → `[B, out]`. Caller disposes. */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (const conv of this.conv) h = conv.forward(h);
      return this.fc.forward(tf.mean(h, [1, 2])) as tf.Tensor2D;
    });
  }
}

/** `[ws[:, i], gs]`: the per-layer style of the second stage (official `get_style_code`). */
function styleCode(ws: tf.Tensor3D, i: number, gs: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, , d] = ws.shape;
    return tf.concat([tf.reshape(tf.slice(ws, [0, i, 0], [b, 1, d]), [b, d]), gs], 1) as tf.Tensor2D;
  });
}

interface DecoderBlockOptions {
  styleDim: number;
  useNoise: boolean;
  demodulate: boolean;
  imgChannels: number;
  rng: Rng;
}

/** 16×16 decoder block (official `DecBlockFirstV2`): conv (lrelu) + the encoder skip, a modulated conv, toRGB. */
class DecBlockFirst extends Module {
  readonly conv0: Conv2dLayer;
  readonly conv1: StyleConv;
  readonly toRGB: ToRGB;

  constructor(channels: number, o: DecoderBlockOptions) {
    super();
    this.conv0 = this.addModule('conv0', new Conv2dLayer(channels, channels, 3, { activation: 'lrelu', rng: o.rng }));
    this.conv1 = this.addModule('conv1', new StyleConv(channels, channels, o.styleDim, UNET_BOTTOM, { useNoise: o.useNoise, demodulate: o.demodulate, rng: o.rng }));
    this.toRGB = this.addModule('toRGB', new ToRGB(channels, o.imgChannels, o.styleDim, o.rng));
  }

  forward(x: tf.Tensor4D, ws: tf.Tensor3D, gs: tf.Tensor2D, skip: tf.Tensor4D, noise: NoiseOptions): FeaturesAndImage {
    return tf.tidy(() => {
      let h = tf.add(this.conv0.forward(x), skip) as tf.Tensor4D;
      h = this.conv1.forward(h, styleCode(ws, 0, gs), noise);
      return { x: h, img: this.toRGB.forward(h, styleCode(ws, 1, gs)) };
    });
  }
}

/** Upsampling decoder block (official `DecBlock`): up-2 modulated conv, + skip, modulated conv, toRGB onto the upsampled image. */
class DecBlockUp extends Module {
  readonly conv0: StyleConv;
  readonly conv1: StyleConv;
  readonly toRGB: ToRGB;

  constructor(readonly resLog2: number, inChannels: number, outChannels: number, o: DecoderBlockOptions) {
    super();
    const resolution = 2 ** resLog2;
    const opts = { useNoise: o.useNoise, demodulate: o.demodulate, rng: o.rng };
    this.conv0 = this.addModule('conv0', new StyleConv(inChannels, outChannels, o.styleDim, resolution, { ...opts, up: 2 }));
    this.conv1 = this.addModule('conv1', new StyleConv(outChannels, outChannels, o.styleDim, resolution, opts));
    this.toRGB = this.addModule('toRGB', new ToRGB(outChannels, o.imgChannels, o.styleDim, o.rng));
  }

  forward(x: tf.Tensor4D, img: tf.Tensor4D, ws: tf.Tensor3D, gs: tf.Tensor2D, skip: tf.Tensor4D, noise: NoiseOptions): FeaturesAndImage {
    const r = this.resLog2;
    return tf.tidy(() => {
      let h = this.conv0.forward(x, styleCode(ws, 2 * r - 9, gs), noise);
      h = tf.add(h, skip) as tf.Tensor4D;
      h = this.conv1.forward(h, styleCode(ws, 2 * r - 8, gs), noise);
      return { x: h, img: this.toRGB.forward(h, styleCode(ws, 2 * r - 7, gs), img) };
    });
  }
}

/** Options for {@link UNetDecoder}. */
export interface UNetDecoderOptions {
  styleDim: number;
  useNoise?: boolean;
  demodulate?: boolean;
  imgChannels?: number;
  rng?: Rng;
}

/**
 * Conv-U-Net decoder (official `Decoder`): `Dec_16x16` then `Dec_<r>x<r>` up to the output size;
 * every conv modulated by `[w_i, global style]`, with the encoder feature of each resolution as a
 * shortcut and StyleGAN2 toRGB accumulation.
 */
export class UNetDecoder extends Module {
  private readonly first: DecBlockFirst;
  private readonly ups: DecBlockUp[] = [];

  constructor(resolution: number, nf: ChannelMap, { styleDim, useNoise = true, demodulate = true, imgChannels = 3, rng = defaultRng() }: UNetDecoderOptions) {
    super();
    const o = { styleDim, useNoise, demodulate, imgChannels, rng };
    this.first = this.addModule(`Dec_${UNET_BOTTOM}x${UNET_BOTTOM}`, new DecBlockFirst(nf(UNET_BOTTOM), o));
    for (let res = UNET_BOTTOM * 2; res <= resolution; res *= 2) {
      this.ups.push(this.addModule(`Dec_${res}x${res}`, new DecBlockUp(Math.log2(res), nf(res / 2), nf(res), o)));
    }
  }

  /** Bottleneck `x`, ws `[B, numWs, wDim]`, global style `gs`, encoder features → the RGB image. Caller disposes. */
  forward(x: tf.Tensor4D, ws: tf.Tensor3D, gs: tf.Tensor2D, features: EncoderFeatures, noise: NoiseOptions = {}): tf.Tensor4D {
    const skip = (resLog2: number): tf.Tensor4D => {
      const f = features.get(resLog2);
      if (f === undefined) throw new ShapeError(`UNetDecoder: no encoder feature at ${2 ** resLog2}×${2 ** resLog2}`);
      return f;
    };
    return tf.tidy(() => {
      let out = this.first.forward(x, ws, gs, skip(Math.log2(UNET_BOTTOM)), noise);
      for (const block of this.ups) out = block.forward(out.x, out.img, ws, gs, skip(block.resLog2), noise);
      return out.img;
    });
  }
}
