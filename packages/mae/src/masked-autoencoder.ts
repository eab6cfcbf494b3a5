import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { LayerNorm, Linear, Module, ModuleList, sincos2dPosEmbed } from '@patchwork/layers';
import type { PatchEmbed } from '@patchwork/layers';
import { Block, VisionTransformer } from '@patchwork/vit';
import { parseMaeConfig } from './config.js';
import type { MaeConfig, MaeConfigInput } from './config.js';
import { gatherTokens, randomMasking } from './masking.js';
import { patchify, unpatchify } from './patchify.js';

/** Construction options that are not part of the architecture. */
export interface MaeOptions {
  /** Generator for the initial weights and for masking noise when none is given; default the global one. */
  rng?: Rng;
}

/** What {@link MaskedAutoencoderViT.forwardEncoder} returns; the caller disposes every tensor. */
export interface EncoderOutput {
  /** `[B, 1 + lenKeep, D]` after the final norm; token 0 is the class token. */
  latent: tf.Tensor3D;
  /** `[B, L]` float32: 0 = kept (visible), 1 = removed (masked), original patch order. */
  mask: tf.Tensor2D;
  /** `[B, L]` int32. */
  idsRestore: tf.Tensor2D;
  /** `[B, lenKeep]` int32: original indices of the visible patches. */
  idsKeep: tf.Tensor2D;
}

/** What {@link MaskedAutoencoderViT.forward} returns; the caller disposes every tensor. */
export interface MaeOutput extends EncoderOutput {
  /** Mean squared error over the masked patches. */
  loss: tf.Scalar;
  /** `[B, L, p·p·C]` predicted patches. */
  pred: tf.Tensor3D;
}

/** Options of {@link MaskedAutoencoderViT.forward} / {@link MaskedAutoencoderViT.forwardEncoder}. */
export interface MaskingOptions {
  /** Fraction of patches removed (default 0.75); `int(L·(1 − ratio))` stay visible. */
  maskRatio?: number;
  /** `[B, L]` uniform noise deciding the shuffle (small = kept); default drawn from the model's Rng. */
  noise?: tf.Tensor;
}

/**
 * Masked Autoencoder (He et al., 2022) as the official `models_mae.MaskedAutoencoderViT`, on NHWC images.
 *
 * The encoder is a {@link VisionTransformer} (no class token, position embedding or head of its
 * own): its patch embedding, blocks and final norm are registered here under MAE's names, with
 * MAE's class token and fixed 2-D sin-cos position embedding around them. Encoder: patch embed →
 * + pos (without cls) → random masking → prepend cls + its pos → blocks → norm. Decoder:
 * `decoder_embed` → mask tokens → un-shuffle → + fixed `decoder_pos_embed` → blocks →
 * `decoder_norm` → `decoder_pred` → drop cls. Loss: per-patch MSE on masked patches only.
 *
 * State dict: exactly the official names (`patch_embed.proj.*`, `cls_token`, `pos_embed`,
 * `blocks.N.*`, `norm.*`, `decoder_embed.*`, `mask_token`, `decoder_pos_embed`,
 * `decoder_blocks.N.*`, `decoder_norm.*`, `decoder_pred.*`). `pos_embed` and `decoder_pos_embed`
 * are buffers here (the official `nn.Parameter(requires_grad=False)`), so {@link numParameters}
 * counts trainable parameters only; {@link numParametersTorch} gives PyTorch's count.
 */
export class MaskedAutoencoderViT extends Module {
  readonly config: MaeConfig;
  /** The ViT encoder whose `patchEmbed`, `blocks` and `norm` this model registers and trains. */
  readonly encoder: VisionTransformer;
  readonly patchEmbed: PatchEmbed;
  readonly clsToken: tf.Variable;
  /** Fixed sin-cos `[1, 1 + L, D]`, row 0 (cls) zeros. */
  readonly posEmbed: tf.Variable;
  readonly blocks: ModuleList<Block>;
  readonly norm: LayerNorm;
  readonly decoderEmbed: Linear;
  readonly maskToken: tf.Variable;
  /** Fixed sin-cos `[1, 1 + L, decoderEmbedDim]`. */
  readonly decoderPosEmbed: tf.Variable;
  readonly decoderBlocks: ModuleList<Block>;
  readonly decoderNorm: LayerNorm;
  readonly decoderPred: Linear;
  /** Patches per image, L. */
  readonly numPatches: number;
  private readonly rng: Rng;

  constructor(config: MaeConfigInput = {}, { rng = defaultRng() }: MaeOptions = {}) {
    super();
    const c = parseMaeConfig(config);
    this.config = c;
    this.rng = rng;
    const grid = c.imgSize / c.patchSize;
    this.numPatches = grid * grid;

    // MAE encoder specifics
    this.encoder = new VisionTransformer(
      {
        imgSize: c.imgSize,
        patchSize: c.patchSize,
        inChans: c.inChans,
        embedDim: c.embedDim,
        depth: c.depth,
        numHeads: c.numHeads,
        mlpRatio: c.mlpRatio,
        qkvBias: true,
        classToken: false,
        posEmbed: 'none',
        globalPool: '',
        numClasses: 0,
        normEps: c.normEps,
      },
      { rng },
    );
    this.patchEmbed = this.addModule('patch_embed', this.encoder.patchEmbed);
    this.clsToken = this.addParameter('cls_token', rng.normal([1, 1, c.embedDim], 0, 0.02));
    this.posEmbed = this.addBuffer('pos_embed', tf.tidy(() => tf.expandDims(sincos2dPosEmbed(c.embedDim, grid, { clsToken: true }), 0)));
    this.blocks = this.addModule('blocks', this.encoder.blocks);
    this.norm = this.addModule('norm', this.encoder.norm!);

    // MAE decoder specifics
    this.decoderEmbed = this.addModule('decoder_embed', new Linear(c.embedDim, c.decoderEmbedDim, { rng }));
    this.maskToken = this.addParameter('mask_token', rng.normal([1, 1, c.decoderEmbedDim], 0, 0.02));
    this.decoderPosEmbed = this.addBuffer(
      'decoder_pos_embed',
      tf.tidy(() => tf.expandDims(sincos2dPosEmbed(c.decoderEmbedDim, grid, { clsToken: true }), 0)),
    );
    this.decoderBlocks = this.addModule('decoder_blocks', new ModuleList<Block>());
    for (let i = 0; i < c.decoderDepth; i++) {
      this.decoderBlocks.push(new Block(c.decoderEmbedDim, { numHeads: c.decoderNumHeads, mlpRatio: c.mlpRatio, qkvBias: true, normEps: c.normEps, rng }));
    }
    this.decoderNorm = this.addModule('decoder_norm', new LayerNorm(c.decoderEmbedDim, { eps: c.normEps }));
    this.decoderPred = this.addModule('decoder_pred', new Linear(c.decoderEmbedDim, c.patchSize ** 2 * c.inChans, { rng }));
    this.initializeWeights();
  }

  /**
   * The official `initialize_weights`: the patch projection as a Linear (xavier_uniform on its
   * flattened `[D, C·p·p]` weight), every Linear xavier_uniform with zero bias, LayerNorms 1/0,
   * tokens N(0, 0.02) (drawn in the constructor), sin-cos tables fixed.
   */
  private initializeWeights(): void {
    const xavier = (w: tf.Variable, fanIn: number, fanOut: number): void => {
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      tf.tidy(() => w.assign(this.rng.uniform(w.shape, -bound, bound)));
    };
    const proj = this.patchEmbed.proj;
    xavier(proj.weight, proj.inChannels * proj.kernelSize[0] * proj.kernelSize[1], proj.outChannels);
    for (const [, m] of this.namedModules()) {
      if (!(m instanceof Linear)) continue;
      xavier(m.weight, m.inFeatures, m.outFeatures);
      if (m.bias !== null) tf.tidy(() => m.bias!.assign(tf.zerosLike(m.bias!)));
    }
  }

  /** PyTorch's `sum(p.numel() for p in model.parameters())`: trainable parameters plus the two frozen sin-cos tables. */
  numParametersTorch(): number {
    return this.numParameters() + this.posEmbed.size + this.decoderPosEmbed.size;
  }

  /** {@link patchify} with this model's patch size: NHWC `[B, H, W, C]` → `[B, L, p·p·C]`. */
  patchify(imgs: tf.Tensor): tf.Tensor3D {
    return patchify(imgs, this.config.patchSize);
  }

  /** {@link unpatchify} with this model's patch size: `[B, L, p·p·C]` → NHWC `[B, H, W, C]`. */
  unpatchify(x: tf.Tensor): tf.Tensor4D {
    return unpatchify(x, this.config.patchSize);
  }

  /**
   * Encoder on the visible patches. `imgs`: NHWC `[B, imgSize, imgSize, inChans]`. Without
   * `noise` the shuffle is drawn from the model's Rng.
   */
  forwardEncoder(imgs: tf.Tensor, { maskRatio = 0.75, noise }: MaskingOptions = {}): EncoderOutput {
    this.checkImages(imgs);
    const b = imgs.shape[0]!;
    const d = this.config.embedDim;
    const ownNoise = noise === undefined ? this.rng.uniform([b, this.numPatches]) : null;
    try {
      return tf.tidy(() => {
        const tokens = this.patchEmbed.forward(imgs); // [B, L, D]
        const pos = tf.slice(this.posEmbed, [0, 1, 0], [1, this.numPatches, d]); // [1, L, D], without cls
        const masked = randomMasking(tf.add(tokens, pos), maskRatio, noise ?? ownNoise!);
        const cls = tf.add(this.clsToken, tf.slice(this.posEmbed, [0, 0, 0], [1, 1, d])); // [1, 1, D]
        const x = tf.concat([tf.tile(cls, [b, 1, 1]), masked.xMasked], 1); // [B, 1 + lenKeep, D]
        return { latent: this.encoder.forwardTokens(x), mask: masked.mask, idsRestore: masked.idsRestore, idsKeep: masked.idsKeep };
      });
    } finally {
      ownNoise?.dispose();
    }
  }

  /** Decoder: `latent` `[B, 1 + lenKeep, D]` and `idsRestore` `[B, L]` → predicted patches `[B, L, p·p·C]`. */
  forwardDecoder(latent: tf.Tensor, idsRestore: tf.Tensor): tf.Tensor3D {
    const l = this.numPatches;
    if (latent.rank !== 3 || latent.shape[2] !== this.config.embedDim || latent.shape[1]! < 1 || latent.shape[1]! > l + 1) {
      throw new ShapeError(`forwardDecoder: expected latent [B, 1 + lenKeep, ${this.config.embedDim}], got [${latent.shape.join(', ')}]`);
    }
    const [b, n] = latent.shape as [number, number, number];
    if (idsRestore.rank !== 2 || idsRestore.shape[0] !== b || idsRestore.shape[1] !== l) {
      throw new ShapeError(`forwardDecoder: expected idsRestore [${b}, ${l}], got [${idsRestore.shape.join(', ')}]`);
    }
    const dd = this.config.decoderEmbedDim;
    return tf.tidy(() => {
      const x = this.decoderEmbed.forward(latent); // [B, 1 + K, Dd]
      const maskTokens = tf.tile(this.maskToken, [b, l + 1 - n, 1]); // [B, L − K, Dd]
      const visible = tf.slice(x, [0, 1, 0], [b, n - 1, dd]); // [B, K, Dd], no cls
      const unshuffled = gatherTokens(tf.concat([visible, maskTokens], 1), tf.cast(idsRestore, 'int32')); // [B, L, Dd]
      let y = tf.add(tf.concat([tf.slice(x, [0, 0, 0], [b, 1, dd]), unshuffled], 1), this.decoderPosEmbed); // [B, 1 + L, Dd]
      for (const blk of this.decoderBlocks) y = blk.forward(y);
      const pred = this.decoderPred.forward(this.decoderNorm.forward(y)); // [B, 1 + L, p·p·C]
      return tf.slice(pred, [0, 1, 0], [b, l, pred.shape[2]!]) as tf.Tensor3D; // drop cls
    });
  }

  /**
   * The reconstruction target `[B, L, p·p·C]`: patchified pixels, or with `normPixLoss` each patch
   * normalised as `(t − mean) / √(var + 1e-6)` with the unbiased variance (`torch.var` default).
   */
  lossTarget(imgs: tf.Tensor): tf.Tensor3D {
    this.checkImages(imgs);
    return tf.tidy(() => {
      const target = this.patchify(imgs);
      if (!this.config.normPixLoss) return target;
      const n = target.shape[2];
      const mean = tf.mean(target, -1, true);
      const centered = tf.sub(target, mean);
      const variance = tf.div(tf.sum(tf.square(centered), -1, true), n - 1);
      return tf.div(centered, tf.sqrt(tf.add(variance, 1e-6))) as tf.Tensor3D;
    });
  }

  /** `forward_loss`: per-patch MSE between `pred` and {@link lossTarget}, averaged over masked patches (`mask` = 1). */
  forwardLoss(imgs: tf.Tensor, pred: tf.Tensor, mask: tf.Tensor): tf.Scalar {
    const want = [imgs.shape[0]!, this.numPatches];
    if (mask.rank !== 2 || mask.shape[0] !== want[0] || mask.shape[1] !== want[1]) {
      throw new ShapeError(`forwardLoss: expected mask [${want.join(', ')}], got [${mask.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const target = this.lossTarget(imgs);
      if (pred.shape.join(',') !== target.shape.join(',')) {
        throw new ShapeError(`forwardLoss: pred [${pred.shape.join(', ')}] does not match the target [${target.shape.join(', ')}]`);
      }
      const perPatch = tf.mean(tf.square(tf.sub(pred, target)), -1); // [B, L]
      return tf.div(tf.sum(tf.mul(perPatch, mask)), tf.sum(mask)) as tf.Scalar;
    });
  }

  /** Full pre-training step forward: encoder, decoder and loss (`model(imgs, mask_ratio)`). */
  forward(imgs: tf.Tensor, options: MaskingOptions = {}): MaeOutput {
    return tf.tidy(() => {
      const enc = this.forwardEncoder(imgs, options);
      const pred = this.forwardDecoder(enc.latent, enc.idsRestore);
      return { ...enc, pred, loss: this.forwardLoss(imgs, pred, enc.mask) };
    });
  }

  /**
   * The encoder weights in the official encoder-only checkpoint layout (`mae_pretrain_vit_*.pth`:
   * `cls_token`, `pos_embed`, `patch_embed.*`, `blocks.*`, `norm.*`), ready for
   * `loadMaeEncoder` into a classification {@link VisionTransformer}. New tensors; caller disposes.
   */
  encoderStateDict(): Record<string, tf.Tensor> {
    const all = this.stateDict();
    const encoder: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(all)) {
      if (k.startsWith('decoder_') || k === 'mask_token') v.dispose();
      else encoder[k] = v;
    }
    return encoder;
  }

  private checkImages(imgs: tf.Tensor): void {
    const { imgSize, inChans } = this.config;
    if (imgs.rank !== 4 || imgs.shape[1] !== imgSize || imgs.shape[2] !== imgSize || imgs.shape[3] !== inChans) {
      throw new ShapeError(`MaskedAutoencoderViT: expected NHWC images [B, ${imgSize}, ${imgSize}, ${inChans}], got [${imgs.shape.join(', ')}]`);
    }
  }
}
