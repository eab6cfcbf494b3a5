import { PatchworkError, Rng, ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { FlowmoCodes } from './codes.js';
import { bitsPerPixel, mmditSizes, parseFlowmoConfig } from './config.js';
import type { FlowmoConfig, FlowmoConfigInput } from './config.js';
import { FlowmoDecoder } from './decoder.js';
import { FlowmoEncoder } from './encoder.js';
import { FSQ } from './quantize/fsq.js';
import { LFQ, signSte } from './quantize/lfq.js';
import type { LfqLosses } from './quantize/lfq.js';
import { parseSamplerOptions, rfSample } from './sampler.js';
import type { SampleResult, SamplerOptions } from './sampler.js';

/** Options for the {@link FlowmoTokenizer} constructor. */
export interface FlowmoTokenizerOptions {
  /** Generator for the initial weights; default the process-wide one. */
  rng?: Rng;
}

/** What {@link FlowmoTokenizer.quantize} returns; caller disposes the tensors. */
export interface QuantizeOutput {
  /** Quantised code `[B, L, C]` (LFQ ±1, FSQ in [−1, 1]) with the straight-through gradient. */
  quantized: tf.Tensor3D;
  /** `entropyLossWeight·entropyAuxLoss + commitLossWeight·commitment` (0 without losses or for FSQ). */
  loss: tf.Scalar;
  /** The LFQ loss terms when losses were computed, else null. */
  breakdown: LfqLosses | null;
}

/** Largest deviation outside [−1, 1] accepted from float rounding in image inputs. */
const RANGE_SLACK = 1e-4;

/**
 * FlowMo: a diffusion-autoencoder image tokenizer (Sargent et al., 2025). The MMDiT
 * {@link FlowmoEncoder} turns an image into `codeLength` latent tokens, LFQ (or FSQ) makes them
 * discrete, and the MMDiT {@link FlowmoDecoder} — a rectified flow conditioned on the code —
 * reconstructs the image by integrating from noise (t = 1) to data (t = 0) with the ρ-shifted
 * sampler and classifier-free guidance.
 *
 * Images are NHWC in [−1, 1] at exactly `imageSize`. The state dict has the official names
 * (`encoder.double_blocks.0.img_attn.qkv.weight`, …); the quantizer has no parameters.
 */
export class FlowmoTokenizer extends Module {
  readonly config: FlowmoConfig;
  readonly encoder: FlowmoEncoder;
  readonly decoder: FlowmoDecoder;
  readonly quantizer: LFQ | FSQ;

  constructor(config: FlowmoConfigInput = {}, { rng = defaultRng() }: FlowmoTokenizerOptions = {}) {
    super();
    this.config = parseFlowmoConfig(config);
    const { encoder, decoder } = mmditSizes(this.config);
    const grid = this.config.imageSize / this.config.patchSize;
    this.encoder = this.addModule('encoder', new FlowmoEncoder(encoder, [grid, grid], this.config.codeLength, rng));
    this.decoder = this.addModule('decoder', new FlowmoDecoder(decoder, [grid, grid], this.config.codeLength, rng));
    this.quantizer = this.addModule('quantizer', this.config.quantizer === 'lfq' ? new LFQ(this.config.codebookSizeForEntropy) : new FSQ(this.config.fsqLevels!));
  }

  /** Bits per pixel of the code: `codeLength · log2(V) / imageSize²`. */
  bitsPerPixel(): number {
    return bitsPerPixel(this.config);
  }

  /**
   * Throw a `ShapeError` unless `images` is `[B, imageSize, imageSize, 3]`; with `checkRange`,
   * also unless every value is in [−1, 1] (one small device read).
   */
  checkImages(images: tf.Tensor, where: string, { checkRange = true } = {}): void {
    const s = this.config.imageSize;
    if (images.rank !== 4 || images.shape[1] !== s || images.shape[2] !== s || images.shape[3] !== 3) {
      throw new ShapeError(`${where}: expected images [B, ${s}, ${s}, 3] (NHWC, this tokenizer's imageSize), got [${images.shape.join(', ')}]`);
    }
    if (checkRange) {
      const [lo, hi] = tf.tidy(() => [tf.min(images), tf.max(images)]).map((t) => {
        const v = t.dataSync()[0]!;
        t.dispose();
        return v;
      }) as [number, number];
      if (!(lo >= -1 - RANGE_SLACK && hi <= 1 + RANGE_SLACK)) {
        throw new PatchworkError('E_ARGUMENT', `${where}: images must be scaled to [-1, 1] (x/127.5 − 1 for 8-bit pixels), got values in [${lo}, ${hi}]`);
      }
    }
  }

  /** Pre-quantisation latents `[B, codeLength, contextDim]` (the official `FlowMo.encode`). Caller disposes. */
  encodeLatent(images: tf.Tensor): tf.Tensor3D {
    this.checkImages(images, 'FlowmoTokenizer.encodeLatent', { checkRange: false });
    return this.encoder.encode(images);
  }

  /**
   * Quantise latents `[B, L, C]` (the official `FlowMo._quantize`). With `losses` (default: in
   * training mode) LFQ also returns its entropy and commitment losses; the entropy loss sees each
   * token's bits as `C / codebookSizeForEntropy` sub-codes (`b t (fg fh) -> b (t fh) fg`).
   * Caller disposes.
   */
  quantize(latent: tf.Tensor, { losses = this.training }: { losses?: boolean } = {}): QuantizeOutput {
    const { codeLength, contextDim, codebookSizeForEntropy: fg, entropyLossWeight, commitLossWeight } = this.config;
    if (latent.rank !== 3 || latent.shape[1] !== codeLength || latent.shape[2] !== contextDim) {
      throw new ShapeError(`FlowmoTokenizer.quantize: expected latents [B, ${codeLength}, ${contextDim}], got [${latent.shape.join(', ')}]`);
    }
    const q = this.quantizer;
    if (q instanceof FSQ) return { quantized: q.quantize(latent) as tf.Tensor3D, loss: tf.scalar(0), breakdown: null };
    // Binarisation is elementwise, so it runs on the token layout; only the entropy loss needs sub-codes.
    const quantized = signSte(latent) as tf.Tensor3D;
    if (!losses) return { quantized, loss: tf.scalar(0), breakdown: null };
    const subcodes = this.lfqSubcodes(latent, fg);
    const breakdown = q.losses(subcodes);
    subcodes.dispose();
    const loss = tf.tidy(() => tf.add(tf.mul(breakdown.entropyAuxLoss, entropyLossWeight), tf.mul(breakdown.commitment, commitLossWeight)) as tf.Scalar);
    return { quantized, loss, breakdown };
  }

  /** `[B, T, fg·fh]` → `[B, T·fh, fg]`: sub-code h of token t reads channels h, h + fh, … (official strided grouping). */
  private lfqSubcodes(latent: tf.Tensor, fg: number): tf.Tensor {
    const [b, t, f] = latent.shape as [number, number, number];
    const fh = f / fg;
    // [B, T, fg·fh] -> [B, T, fg, fh] -> [B, T, fh, fg] -> [B, T·fh, fg]
    return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(latent, [b, t, fg, fh]), [0, 1, 3, 2]), [b, t * fh, fg]));
  }

  /** Official `lfq_indices` / FSQ token indices of quantised latents; see {@link FlowmoCodes}. */
  tokenIndices(codes: FlowmoCodes): Int32Array | number[] {
    return codes.quantizer === 'lfq' ? codes.lfqIndices(this.config.codebookSizeForEntropy) : codes.fsqIndices();
  }

  /**
   * The decoder's code input: the code with its all-ones presence channel appended,
   * `[B, L, C]` → `[B, L, C + 1]`; `present` `[B]` (1 = keep, 0 = drop for CFG) zeroes whole
   * samples, flag included. Caller disposes.
   */
  decoderCode(quantized: tf.Tensor, present?: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, l] = quantized.shape as [number, number, number];
      const code = tf.concat([quantized, tf.ones([b, l, 1])], 2);
      // present [B] -> [B, 1, 1], broadcast over tokens and channels
      return (present === undefined ? code : tf.mul(code, tf.reshape(present, [b, 1, 1]))) as tf.Tensor3D;
    });
  }

  /** Decoder velocity `v(x_t, code, t)` (the official `FlowMo.decode`); `code` from {@link decoderCode}. Caller disposes. */
  velocity(xt: tf.Tensor, code: tf.Tensor, t: tf.Tensor): tf.Tensor4D {
    return this.decoder.velocity(xt, code, t);
  }

  /** Encode images `[B, H, W, 3]` in [−1, 1] to discrete codes (no tensors to dispose). */
  encode(images: tf.Tensor): FlowmoCodes {
    this.checkImages(images, 'FlowmoTokenizer.encode');
    const latent = this.encoder.encode(images);
    try {
      if (this.quantizer instanceof LFQ) return FlowmoCodes.fromLfq(latent);
      const indices = this.quantizer.levelIndices(latent);
      try {
        return FlowmoCodes.fromLevelIndices(indices, this.quantizer.levels);
      } finally {
        indices.dispose();
      }
    } finally {
      latent.dispose();
    }
  }

  /**
   * Sample images for quantised codes `[B, L, C]` (a tensor, e.g. from {@link quantize}) and
   * return the whole {@link SampleResult}: the official `reconstruct` given a code. Caller disposes.
   */
  sample(quantized: tf.Tensor, options: SamplerOptions = {}): SampleResult {
    const { settings, noise } = parseSamplerOptions(options);
    const { codeLength, contextDim, imageSize } = this.config;
    if (quantized.rank !== 3 || quantized.shape[1] !== codeLength || quantized.shape[2] !== contextDim) {
      throw new ShapeError(`FlowmoTokenizer.sample: expected codes [B, ${codeLength}, ${contextDim}], got [${quantized.shape.join(', ')}]`);
    }
    const b = quantized.shape[0]!;
    if (noise !== undefined && noise.shape.join(',') !== [b, imageSize, imageSize, 3].join(',')) {
      throw new ShapeError(`FlowmoTokenizer.sample: noise must be [${b}, ${imageSize}, ${imageSize}, 3], got [${noise.shape.join(', ')}]`);
    }
    const z1 = noise ?? new Rng(settings.seed).normal([b, imageSize, imageSize, 3]);
    const code = this.decoderCode(quantized);
    try {
      return rfSample((z, t, c) => this.decoder.velocity(z, c, t), code, z1, settings);
    } finally {
      code.dispose();
      if (noise === undefined) z1.dispose();
    }
  }

  /** Decode codes to images `[B, H, W, 3]` in [−1, 1] (`steps`, `rho`, `cfg`, `seed`/`noise`, …). Caller disposes. */
  decode(codes: FlowmoCodes, options: SamplerOptions = {}): tf.Tensor4D {
    const { codeLength, contextDim, quantizer } = this.config;
    if (codes.quantizer !== quantizer || codes.codeLength !== codeLength || codes.channels !== contextDim) {
      throw new ShapeError(
        `FlowmoTokenizer.decode: codes are ${codes.quantizer} [${codes.batch}, ${codes.codeLength}, ${codes.channels}], this tokenizer decodes ${quantizer} [B, ${codeLength}, ${contextDim}]`,
      );
    }
    if (this.quantizer instanceof FSQ && codes.levels.some((l, i) => l !== this.config.fsqLevels![i])) {
      throw new ShapeError(`FlowmoTokenizer.decode: FSQ levels [${codes.levels.join(', ')}] differ from this tokenizer's [${this.config.fsqLevels!.join(', ')}]`);
    }
    const values = codes.toTensor();
    try {
      return this.finalImage(this.sample(values, { ...options, keepChain: false }));
    } finally {
      values.dispose();
    }
  }

  /** Encode, quantise and decode: the official `FlowMo.reconstruct`. Caller disposes. */
  reconstruct(images: tf.Tensor, options: SamplerOptions = {}): tf.Tensor4D {
    this.checkImages(images, 'FlowmoTokenizer.reconstruct');
    const { quantized, loss } = tf.tidy(() => {
      const latent = this.encoder.encode(images);
      const out = this.quantize(latent, { losses: false });
      return { quantized: out.quantized, loss: out.loss };
    });
    loss.dispose();
    try {
      return this.finalImage(this.sample(quantized, { ...options, keepChain: false }));
    } finally {
      quantized.dispose();
    }
  }

  private finalImage(result: SampleResult): tf.Tensor4D {
    tf.dispose(result.chain);
    return result.image;
  }
}
