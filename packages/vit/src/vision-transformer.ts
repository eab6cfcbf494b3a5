import { PatchworkError, ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Dropout, LayerNorm, Linear, Module, ModuleList, PatchEmbed, initPosEmbed, resamplePosEmbed } from '@patchwork/layers';
import { Block } from './block.js';
import { parseVitConfig, toPair } from './config.js';
import type { VitConfig, VitConfigInput } from './config.js';
import { ModuleSlot } from './head-slot.js';

/** Construction options that are not part of the architecture. */
export interface VitOptions {
  /** Generator for the initial weights and for dropout / drop-path masks; default the global one. */
  rng?: Rng;
}

/** Options for {@link VisionTransformer.forwardIntermediates}; defaults as timm's `forward_intermediates`. */
export interface ForwardIntermediatesOptions {
  /** Last `n` blocks if a number, those block indices if a list (negative = from the end); default all. */
  indices?: number | readonly number[];
  /** Apply the final norm to every intermediate. */
  norm?: boolean;
  /** Skip the blocks after the last requested one (then `features` is null). */
  stopEarly?: boolean;
  /** `NHWC`: patch tokens as feature maps `[B, H/p, W/p, D]` (timm's NCHW, in our layout); `NLC`: `[B, N, D]`. */
  outputFmt?: 'NHWC' | 'NLC';
  /** Also return each intermediate's prefix (class / register) tokens `[B, prefix, D]`. */
  returnPrefixTokens?: boolean;
}

/** What {@link VisionTransformer.forwardIntermediates} returns; the caller disposes every tensor. */
export interface Intermediates {
  /** `forwardFeatures` output `[B, T, D]`, or null with `stopEarly`. */
  features: tf.Tensor3D | null;
  /** One per requested block, in block order (patch tokens only). */
  intermediates: tf.Tensor[];
  /** Prefix tokens per requested block with `returnPrefixTokens` and prefix tokens present, else null. */
  prefixTokens: tf.Tensor3D[] | null;
}

/**
 * The Vision Transformer (Dosovitskiy et al., 2021) as timm's `VisionTransformer`, on NHWC images.
 *
 * `image → patch_embed → [cls_token, reg_token] + pos_embed → norm_pre → blocks → norm →
 * pool → fc_norm → head`. State-dict names and layouts are timm's (`patch_embed.proj.weight`,
 * `cls_token`, `pos_embed`, `blocks.N.attn.qkv.weight`, …, `norm.*`, `fc_norm.*`, `head.*`), so timm
 * checkpoints load with {@link Module.loadStateDict} unchanged.
 *
 * Every forward method returns new tensors that the caller disposes.
 */
export class VisionTransformer extends Module {
  readonly config: VitConfig;
  readonly patchEmbed: PatchEmbed;
  readonly clsToken: tf.Variable | null;
  readonly regToken: tf.Variable | null;
  readonly posEmbed: tf.Variable | null;
  readonly posDrop: Dropout;
  readonly normPre: LayerNorm | null;
  readonly blocks: ModuleList<Block>;
  /** Final norm before pooling; null (timm's Identity) when `fcNorm` is used or `finalNorm` is off. */
  readonly norm: LayerNorm | null;
  /** Norm after pooling; null unless `fcNorm` (by default: avg/max pooling). */
  readonly fcNorm: LayerNorm | null;
  readonly headDrop: Dropout;
  private readonly headSlot: ModuleSlot<Linear>;
  /** Class token (1) plus register tokens. */
  readonly numPrefixTokens: number;
  /** Token width D. */
  readonly embedDim: number;
  /** Patch grid of `config.imgSize`, the grid the position embedding is laid out on. */
  readonly gridSize: [number, number];
  private globalPoolType: VitConfig['globalPool'];
  private readonly rng: Rng;

  constructor(config: VitConfigInput = {}, { rng = defaultRng() }: VitOptions = {}) {
    super();
    const c = parseVitConfig(config);
    this.config = c;
    this.rng = rng;
    this.embedDim = c.embedDim;
    this.globalPoolType = c.globalPool;
    const useFcNorm = c.fcNorm ?? ['avg', 'max', 'avgmax'].includes(c.globalPool);
    const norm = (): LayerNorm => new LayerNorm(c.embedDim, { eps: c.normEps });

    this.patchEmbed = this.addModule(
      'patch_embed',
      new PatchEmbed({
        imgSize: toPair(c.imgSize),
        patchSize: toPair(c.patchSize),
        inChans: c.inChans,
        embedDim: c.embedDim,
        bias: !c.preNorm,
        strictImgSize: !c.dynamicImgSize,
        rng,
      }),
    );
    this.gridSize = this.patchEmbed.gridSize!;
    this.numPrefixTokens = (c.classToken ? 1 : 0) + c.regTokens;
    this.clsToken = c.classToken ? this.addParameter('cls_token', rng.normal([1, 1, c.embedDim], 0, 1e-6)) : null;
    this.regToken = c.regTokens > 0 ? this.addParameter('reg_token', rng.normal([1, c.regTokens, c.embedDim], 0, 1e-6)) : null;
    const numPatches = this.gridSize[0] * this.gridSize[1];
    const embedLen = c.noEmbedClass ? numPatches : numPatches + this.numPrefixTokens;
    this.posEmbed = c.posEmbed === 'learn' ? this.addParameter('pos_embed', initPosEmbed(embedLen, c.embedDim, { rng })) : null;
    this.posDrop = this.addModule('pos_drop', new Dropout(c.posDropRate, { rng }));
    this.normPre = c.preNorm ? this.addModule('norm_pre', norm()) : null;

    this.blocks = this.addModule('blocks', new ModuleList<Block>());
    for (let i = 0; i < c.depth; i++) {
      // Stochastic depth grows linearly over the blocks (timm's calculate_drop_path_rates).
      const dropPath = c.depth > 1 ? (c.dropPathRate * i) / (c.depth - 1) : 0;
      this.blocks.push(
        new Block(c.embedDim, {
          numHeads: c.numHeads,
          mlpRatio: c.mlpRatio,
          qkvBias: c.qkvBias,
          qkNorm: c.qkNorm,
          projBias: c.projBias,
          projDrop: c.projDropRate,
          attnDrop: c.attnDropRate,
          initValues: c.initValues,
          dropPath,
          normEps: c.normEps,
          rng,
        }),
      );
    }
    this.norm = c.finalNorm && !useFcNorm ? this.addModule('norm', norm()) : null;
    this.fcNorm = c.finalNorm && useFcNorm ? this.addModule('fc_norm', norm()) : null;
    this.headDrop = this.addModule('head_drop', new Dropout(c.dropRate, { rng }));
    this.headSlot = this.addModule('head', new ModuleSlot<Linear>(null));
    this.headSlot.set(this.newHead(c.numClasses, false));
    // timm's default init ('' mode): every Linear trunc_normal(std .02) with zero bias.
    for (const [, m] of this.namedModules()) if (m instanceof Linear) initLinearTimm(m, rng);
  }

  /** The classifier, or null when `numClasses` is 0 (timm's Identity). */
  get head(): Linear | null {
    return this.headSlot.module;
  }

  /** Current number of classes (0 = no head). */
  get numClasses(): number {
    return this.head?.outFeatures ?? 0;
  }

  /** Current pooling. */
  get globalPool(): VitConfig['globalPool'] {
    return this.globalPoolType;
  }

  /**
   * Replace the classifier with a fresh `[D → numClasses]` Linear (0 = none), as timm's
   * `reset_classifier`; optionally change the pooling. The new head has PyTorch's default Linear
   * init, or zeros with `zeroInit` (the ViT paper's fine-tuning head). The old head is disposed.
   */
  resetClassifier(numClasses: number, { globalPool, zeroInit = false }: { globalPool?: VitConfig['globalPool']; zeroInit?: boolean } = {}): void {
    if (!Number.isInteger(numClasses) || numClasses < 0) throw new PatchworkError('E_ARGUMENT', `resetClassifier: numClasses must be an integer ≥ 0, got ${numClasses}`);
    if (globalPool !== undefined) {
      if (globalPool === 'token' && this.clsToken === null) throw new PatchworkError('E_ARGUMENT', "resetClassifier: globalPool 'token' needs a class token");
      this.globalPoolType = globalPool;
    }
    this.headSlot.set(this.newHead(numClasses, zeroInit));
  }

  private newHead(numClasses: number, zeroInit: boolean): Linear | null {
    if (numClasses === 0) return null;
    const head = new Linear(this.embedDim, numClasses, { rng: this.rng });
    if (zeroInit) {
      tf.tidy(() => {
        head.weight.assign(tf.zerosLike(head.weight));
        head.bias?.assign(tf.zerosLike(head.bias));
      });
    }
    return head;
  }

  /**
   * Patch embedding plus prefix tokens and position embedding (timm `patch_embed` + `_pos_embed` +
   * `norm_pre`): NHWC images `[B, H, W, C]` → tokens `[B, prefix + N, D]`.
   */
  embed(x: tf.Tensor): tf.Tensor3D {
    const [gh, gw] = this.checkImages(x);
    return tf.tidy(() => {
      const tokens = this.patchEmbed.forward(x) as tf.Tensor3D; // [B, N, D]
      const b = tokens.shape[0];
      const prefix: tf.Tensor[] = [];
      if (this.clsToken !== null) prefix.push(tf.tile(this.clsToken, [b, 1, 1])); // [B, 1, D]
      if (this.regToken !== null) prefix.push(tf.tile(this.regToken, [b, 1, 1])); // [B, R, D]
      let y: tf.Tensor;
      if (this.posEmbed === null) {
        y = tf.concat([...prefix, tokens], 1);
      } else {
        const pos = this.positionEmbedding(gh, gw);
        // no_embed_class (DeiT-3, big_vision): add to the patches, then prepend; else prepend, then add.
        y = this.config.noEmbedClass ? tf.concat([...prefix, tf.add(tokens, pos)], 1) : tf.add(tf.concat([...prefix, tokens], 1), pos);
      }
      y = this.posDrop.forward(y);
      return (this.normPre === null ? y : this.normPre.forward(y)) as tf.Tensor3D;
    });
  }

  /**
   * The position embedding for a `gh × gw` patch grid: the parameter itself on the training grid,
   * otherwise resampled as timm's `_pos_embed` does with `dynamic_img_size` (bicubic, antialiased,
   * prefix rows untouched). Differentiable, so it trains through the resampling.
   */
  positionEmbedding(gh: number, gw: number): tf.Tensor3D {
    if (this.posEmbed === null) throw new PatchworkError('E_ARGUMENT', "positionEmbedding: this model has posEmbed: 'none'");
    const prefix = this.config.noEmbedClass ? 0 : this.numPrefixTokens;
    const sameGrid = gh === this.gridSize[0] && gw === this.gridSize[1];
    // timm's resample_abs_pos_embed also returns its input whenever the token count matches and
    // the new grid is square (even when the old grid was not); mirrored for identical numerics.
    if (sameGrid || (gh * gw + prefix === this.posEmbed.shape[1] && gh === gw)) return tf.clone(this.posEmbed) as tf.Tensor3D;
    return resamplePosEmbed(this.posEmbed, [gh, gw], { oldSize: this.gridSize, numPrefixTokens: prefix }) as tf.Tensor3D;
  }

  /** Transformer blocks then the final norm: tokens `[B, T, D]` → `[B, T, D]`. */
  forwardTokens(tokens: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      let x = tokens;
      for (const blk of this.blocks) x = blk.forward(x);
      return (this.norm === null ? x : this.norm.forward(x)) as tf.Tensor3D;
    });
  }

  /** timm `forward_features`: NHWC images `[B, H, W, C]` → normalised tokens `[B, prefix + N, D]`. */
  forwardFeatures(x: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => this.forwardTokens(this.embed(x)));
  }

  /** Pooling as timm's `global_pool_nlc`: `[B, T, D]` → `[B, D]` (`[B, T, D]` for `''`). */
  pool(x: tf.Tensor): tf.Tensor {
    this.checkTokens('pool', x);
    const [b, t, d] = x.shape as [number, number, number];
    return tf.tidy(() => {
      switch (this.globalPoolType) {
        case '':
          return tf.clone(x);
        case 'token':
          return tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, d]), [b, d]);
        default: {
          const skip = this.config.poolIncludePrefix ? 0 : this.numPrefixTokens;
          const patches = tf.slice(x, [0, skip, 0], [b, t - skip, d]); // [B, N, D]
          if (this.globalPoolType === 'avg') return tf.mean(patches, 1);
          if (this.globalPoolType === 'max') return tf.max(patches, 1);
          return tf.mul(tf.add(tf.max(patches, 1), tf.mean(patches, 1)), 0.5);
        }
      }
    });
  }

  /**
   * timm `forward_head`: pool → `fc_norm` → head dropout → head. `features` `[B, T, D]` →
   * logits `[B, numClasses]`, or the pooled features `[B, D]` with `preLogits` (or without a head).
   */
  forwardHead(features: tf.Tensor, { preLogits = false }: { preLogits?: boolean } = {}): tf.Tensor {
    return tf.tidy(() => {
      let y = this.pool(features);
      if (this.fcNorm !== null) y = this.fcNorm.forward(y);
      y = this.headDrop.forward(y);
      return preLogits || this.head === null ? y : this.head.forward(y);
    });
  }

  /** Images `[B, H, W, C]` → logits `[B, numClasses]` (timm `forward`). */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.forwardHead(this.forwardFeatures(x)));
  }

  /**
   * timm `forward_intermediates`: the outputs of selected blocks, as feature maps
   * `[B, H/p, W/p, D]` (default; what segmentation necks take) or tokens `[B, N, D]`, plus the
   * final features. Prefix tokens are split off.
   */
  forwardIntermediates(
    x: tf.Tensor,
    { indices, norm = false, stopEarly = false, outputFmt = 'NHWC', returnPrefixTokens = false }: ForwardIntermediatesOptions = {},
  ): Intermediates {
    const take = takeIndices(this.blocks.length, indices);
    const last = Math.max(...take);
    const [gh, gw] = this.checkImages(x);
    const out = tf.tidy(() => {
      const intermediates: tf.Tensor[] = [];
      const prefixTokens: tf.Tensor3D[] = [];
      let h: tf.Tensor3D = this.embed(x);
      const n = stopEarly ? last + 1 : this.blocks.length;
      for (let i = 0; i < n; i++) {
        h = this.blocks.at(i).forward(h) as tf.Tensor3D;
        if (!take.includes(i)) continue;
        const y = norm && this.norm !== null ? this.norm.forward(h) : h;
        const [b, t, d] = y.shape as [number, number, number];
        if (returnPrefixTokens && this.numPrefixTokens > 0) prefixTokens.push(tf.slice(y as tf.Tensor3D, [0, 0, 0], [b, this.numPrefixTokens, d]));
        const patches = tf.slice(y, [0, this.numPrefixTokens, 0], [b, t - this.numPrefixTokens, d]); // [B, N, D]
        intermediates.push(outputFmt === 'NHWC' ? tf.reshape(patches, [b, gh, gw, d]) : patches); // [B, gh, gw, D]
      }
      // tidy results cannot hold null, so "no features" travels as undefined.
      const features = stopEarly ? undefined : ((this.norm === null ? h : this.norm.forward(h)) as tf.Tensor3D);
      return { features, intermediates, prefixTokens };
    });
    return {
      features: out.features ?? null,
      intermediates: out.intermediates,
      prefixTokens: out.prefixTokens.length > 0 ? out.prefixTokens : null,
    };
  }

  /** Check NHWC images against the config; returns the patch grid they make. */
  private checkImages(x: tf.Tensor): [number, number] {
    const c = this.config;
    const [ih, iw] = toPair(c.imgSize);
    const want = c.dynamicImgSize ? `[B, H, W, ${c.inChans}]` : `[B, ${ih}, ${iw}, ${c.inChans}]`;
    if (x.rank !== 4 || x.shape[3] !== c.inChans) {
      throw new ShapeError(`VisionTransformer: expected NHWC images ${want}, got [${x.shape.join(', ')}]`);
    }
    const [, h, w] = x.shape as [number, number, number, number];
    if (!c.dynamicImgSize) {
      if (h !== ih || w !== iw) {
        throw new ShapeError(
          `VisionTransformer: expected NHWC images ${want}, got [${x.shape.join(', ')}]; build with dynamicImgSize: true for other sizes, ` +
            'or build at the new size and load the checkpoint through adaptTimmStateDict (resamples pos_embed)',
        );
      }
      // As timm: a training size that is not a multiple of the patch loses its last partial patches.
      return this.gridSize;
    }
    const [ph, pw] = this.patchEmbed.patchSize;
    if (h % ph !== 0 || w % pw !== 0 || h < ph || w < pw) {
      throw new ShapeError(`VisionTransformer: image size ${h}×${w} is not a positive multiple of the patch size ${ph}×${pw} (input [${x.shape.join(', ')}])`);
    }
    return [h / ph, w / pw];
  }

  private checkTokens(where: string, x: tf.Tensor): void {
    if (x.rank !== 3 || x.shape[2] !== this.embedDim || x.shape[1]! <= (this.globalPoolType === 'token' ? 0 : this.numPrefixTokens)) {
      throw new ShapeError(`VisionTransformer.${where}: expected features [B, T, ${this.embedDim}], got [${x.shape.join(', ')}]`);
    }
  }
}

/** timm `feature_take_indices`: absolute block indices from "last n" or a list (negatives from the end). */
function takeIndices(numBlocks: number, indices: number | readonly number[] | undefined): number[] {
  if (numBlocks === 0) throw new PatchworkError('E_ARGUMENT', 'forwardIntermediates: the model has no blocks');
  const n = indices ?? numBlocks;
  if (typeof n === 'number') {
    if (!Number.isInteger(n) || n < 1 || n > numBlocks) throw new PatchworkError('E_ARGUMENT', `forwardIntermediates: last-n (${n}) is out of range (1 to ${numBlocks})`);
    return Array.from({ length: n }, (_, i) => numBlocks - n + i);
  }
  if (n.length === 0) throw new PatchworkError('E_ARGUMENT', 'forwardIntermediates: indices is empty');
  return n.map((i) => {
    const idx = i < 0 ? numBlocks + i : i;
    if (!Number.isInteger(idx) || idx < 0 || idx >= numBlocks) {
      throw new PatchworkError('E_ARGUMENT', `forwardIntermediates: block index ${i} is out of range (0 to ${numBlocks - 1})`);
    }
    return idx;
  });
}

/** timm `init_weights_vit_timm` for a Linear: weight trunc_normal(std .02, bounds ±2), bias 0. */
function initLinearTimm(linear: Linear, rng: Rng): void {
  tf.tidy(() => {
    linear.weight.assign(rng.truncatedNormal(linear.weight.shape, 0, 0.02, -2 / 0.02, 2 / 0.02));
    linear.bias?.assign(tf.zerosLike(linear.bias));
  });
}
