import { PatchworkError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { checkArg, checkNhwc } from '../layers/checks.js';
import { biasAct } from '../ops/activation.js';
import type { Activation } from '../ops/activation.js';
import { conv2dResample, resampleFilter, upsample2d } from '../ops/resample.js';

/** Options for {@link ModulatedConv2d}. */
export interface ModulatedConvOptions {
  demodulate?: boolean;
  /** 1 or 2. */
  up?: number;
  rng?: Rng;
}

/**
 * StyleGAN2's modulated convolution (MAT `ModulatedConv2d`): per-sample weights
 * `w'[b, o, i] = w[o, i] · s[b, i]` with the style `s = affine(style)` (an FC with bias init 1),
 * optionally demodulated `w'' = w' · rsqrt(Σ_{i,kh,kw} w'² + 1e-8)`, then a (resampled)
 * convolution. Computed as StyleGAN2's non-fused form — scale the input channels by `s`,
 * convolve with the shared weight, scale the output channels by the demodulation factor — which
 * is the same arithmetic as the official grouped convolution but one batched tfjs conv.
 * State dict: `weight` `[1, O, I, k, k]` (the official 5-D raw weight), `affine.*`, `resample_filter`.
 */
export class ModulatedConv2d extends Module {
  readonly weight: tf.Variable;
  readonly affine: FullyConnectedLayer;
  readonly demodulate: boolean;
  readonly up: number;
  private readonly weightGain: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly styleDim: number,
    { demodulate = true, up = 1, rng = defaultRng() }: ModulatedConvOptions = {},
  ) {
    super();
    checkArg(kernelSize % 2 === 1, `ModulatedConv2d: kernel size must be odd, got ${kernelSize}`);
    checkArg(up === 1 || up === 2, `ModulatedConv2d: up must be 1 or 2, got ${up}`);
    this.demodulate = demodulate;
    this.up = up;
    this.weight = this.addParameter('weight', rng.normal([1, outChannels, inChannels, kernelSize, kernelSize]));
    this.weightGain = 1 / Math.sqrt(inChannels * kernelSize * kernelSize);
    this.addBuffer('resample_filter', resampleFilter());
    this.affine = this.addModule('affine', new FullyConnectedLayer(styleDim, inChannels, { biasInit: 1, rng }));
  }

  /** `x` NHWC `[B, H, W, I]`, `style` `[B, styleDim]` → `[B, H·up, W·up, O]`. Caller disposes. */
  forward(x: tf.Tensor, style: tf.Tensor): tf.Tensor4D {
    checkNhwc('ModulatedConv2d', x, this.inChannels);
    const b = x.shape[0];
    if (style.rank !== 2 || style.shape[0] !== b || style.shape[1] !== this.styleDim) {
      throw new PatchworkError('E_SHAPE', `ModulatedConv2d: style must be [${b}, ${this.styleDim}], got [${style.shape.join(', ')}]`);
    }
    const { inChannels: i, outChannels: o, kernelSize: k } = this;
    return tf.tidy(() => {
      const s = this.affine.forward(style); // [B, I]
      // [1, O, I, k, k] → HWIO [k, k, I, O]
      const w = tf.mul(tf.transpose(tf.reshape(this.weight, [o, i, k, k]), [2, 3, 1, 0]), this.weightGain) as tf.Tensor4D;
      const y = conv2dResample(tf.mul(x, tf.reshape(s, [b, 1, 1, i])) as tf.Tensor4D, w, { up: this.up });
      if (!this.demodulate) return y;
      const wSq = tf.sum(tf.reshape(tf.square(w), [k * k, i, o]), 0); // [I, O]: Σ_kh,kw w²
      const dcoefs = tf.rsqrt(tf.add(tf.matMul(tf.square(s), wSq), 1e-8)); // [B, O]
      return tf.mul(y, tf.reshape(dcoefs, [b, 1, 1, o])) as tf.Tensor4D;
    });
  }
}

/** How a {@link StyleConv} with noise inputs draws its noise. */
export type NoiseMode = 'random' | 'const' | 'none';

/** Per-call noise settings: `random` draws from `rng` (required then). */
export interface NoiseOptions {
  noiseMode?: NoiseMode;
  rng?: Rng;
}

/** Options for {@link StyleConv}. */
export interface StyleConvOptions {
  kernelSize?: number;
  up?: number;
  useNoise?: boolean;
  activation?: Activation;
  demodulate?: boolean;
  rng?: Rng;
}

/**
 * MAT `StyleConv`: a {@link ModulatedConv2d} (state dict under `conv.`), optional per-pixel noise
 * scaled by the learned `noise_strength` (`noise_const` `[res, res]` is the fixed noise of
 * `noiseMode: 'const'`), plus `bias` and the activation (lrelu·√2).
 */
export class StyleConv extends Module {
  readonly conv: ModulatedConv2d;
  readonly bias: tf.Variable;
  readonly noiseStrength: tf.Variable | null;
  readonly noiseConst: tf.Variable | null;
  readonly activation: Activation;

  constructor(
    inChannels: number,
    readonly outChannels: number,
    styleDim: number,
    readonly resolution: number,
    { kernelSize = 3, up = 1, useNoise = true, activation = 'lrelu', demodulate = true, rng = defaultRng() }: StyleConvOptions = {},
  ) {
    super();
    this.conv = this.addModule('conv', new ModulatedConv2d(inChannels, outChannels, kernelSize, styleDim, { demodulate, up, rng }));
    this.activation = activation;
    if (useNoise) {
      this.noiseConst = this.addBuffer('noise_const', rng.normal([resolution, resolution]));
      this.noiseStrength = this.addParameter('noise_strength', tf.zeros([]));
    } else {
      this.noiseConst = null;
      this.noiseStrength = null;
    }
    this.bias = this.addParameter('bias', tf.zeros([outChannels]));
  }

  /** `x` `[B, H, W, I]`, `style` `[B, styleDim]` → `[B, H·up, W·up, O]`. Caller disposes. */
  forward(x: tf.Tensor, style: tf.Tensor, { noiseMode = 'random', rng }: NoiseOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      let y: tf.Tensor = this.conv.forward(x, style);
      if (this.noiseStrength !== null && noiseMode !== 'none') {
        const [b, h, w] = y.shape as [number, number, number, number];
        let noise: tf.Tensor;
        if (noiseMode === 'const') {
          checkArg(h === this.resolution && w === this.resolution, `StyleConv: noiseMode 'const' needs the native ${this.resolution}×${this.resolution} map, got ${h}×${w} (use 'random')`);
          noise = tf.reshape(this.noiseConst!, [1, h, w, 1]);
        } else {
          if (rng === undefined) throw new PatchworkError('E_ARGUMENT', "StyleConv: noiseMode 'random' needs an rng");
          noise = rng.normal([b, h, w, 1]);
        }
        y = tf.add(y, tf.mul(noise, this.noiseStrength));
      }
      return biasAct(y, this.bias, this.activation) as tf.Tensor4D;
    });
  }
}

/**
 * MAT `ToRGB`: a 1×1 modulated convolution without demodulation plus `bias`; when the running
 * image `skip` is given it is upsampled ×2 (if smaller) and added — StyleGAN2's skip-generator
 * output accumulation. State dict: `conv.*`, `bias`, `resample_filter`.
 */
export class ToRGB extends Module {
  readonly conv: ModulatedConv2d;
  readonly bias: tf.Variable;

  constructor(inChannels: number, readonly outChannels: number, styleDim: number, rng: Rng = defaultRng()) {
    super();
    this.conv = this.addModule('conv', new ModulatedConv2d(inChannels, outChannels, 1, styleDim, { demodulate: false, rng }));
    this.bias = this.addParameter('bias', tf.zeros([outChannels]));
    this.addBuffer('resample_filter', resampleFilter());
  }

  /** `x` `[B, H, W, I]` → image `[B, H, W, C]` (+ `skip`, `[B, H/2, W/2, C]` or `[B, H, W, C]`). Caller disposes. */
  forward(x: tf.Tensor, style: tf.Tensor, skip: tf.Tensor4D | null = null): tf.Tensor4D {
    return tf.tidy(() => {
      const out = biasAct(this.conv.forward(x, style), this.bias, 'linear') as tf.Tensor4D;
      if (skip === null) return out;
      const same = skip.shape.join(',') === out.shape.join(',');
      return tf.add(out, same ? skip : upsample2d(skip)) as tf.Tensor4D;
    });
  }
}
