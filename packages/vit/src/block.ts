import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Attention, DropPath, LayerNorm, Mlp, Module } from '@patchwork/layers';

/** timm's `LayerScale`: `x · gamma` with a learned per-channel `gamma` (init `initValues`). */
export class LayerScale extends Module {
  readonly gamma: tf.Variable;

  constructor(
    readonly dim: number,
    initValues: number,
  ) {
    super();
    this.gamma = this.addParameter('gamma', tf.fill([dim], initValues));
  }

  /** `x`: `[..., dim]` → same shape. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.gamma);
  }
}

/** Options for {@link Block}; defaults as timm's `Block` inside a `VisionTransformer`. */
export interface BlockOptions {
  numHeads: number;
  mlpRatio?: number;
  qkvBias?: boolean;
  qkNorm?: boolean;
  projBias?: boolean;
  projDrop?: number;
  attnDrop?: number;
  /** LayerScale init; `null` = no LayerScale. */
  initValues?: number | null;
  dropPath?: number;
  /** LayerNorm epsilon of `norm1`, `norm2` (and q/k norms). */
  normEps?: number;
  rng?: Rng;
}

/**
 * timm's pre-norm transformer `Block`, shared by the ViT encoder and the MAE decoder:
 * `x + dropPath(ls1(attn(norm1(x))))`, then `x + dropPath(ls2(mlp(norm2(x))))`.
 * State dict `norm1.*`, `attn.qkv.*`, `attn.proj.*`, `ls1.gamma`, `norm2.*`, `mlp.fc1.*`,
 * `mlp.fc2.*`, `ls2.gamma`.
 */
export class Block extends Module {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly ls1: LayerScale | null;
  readonly dropPath1: DropPath | null;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  readonly ls2: LayerScale | null;
  readonly dropPath2: DropPath | null;

  constructor(
    readonly dim: number,
    {
      numHeads,
      mlpRatio = 4,
      qkvBias = false,
      qkNorm = false,
      projBias = true,
      projDrop = 0,
      attnDrop = 0,
      initValues = null,
      dropPath = 0,
      normEps = 1e-6,
      rng = defaultRng(),
    }: BlockOptions,
  ) {
    super();
    const norm = (d: number): LayerNorm => new LayerNorm(d, { eps: normEps });
    // Registration order is timm's, so state dicts list keys in the same order.
    this.norm1 = this.addModule('norm1', norm(dim));
    this.attn = this.addModule('attn', new Attention(dim, { numHeads, qkvBias, qkNorm, projBias, attnDrop, projDrop, normLayer: norm, rng }));
    this.ls1 = initValues === null ? null : this.addModule('ls1', new LayerScale(dim, initValues));
    this.dropPath1 = dropPath > 0 ? this.addModule('drop_path1', new DropPath(dropPath, { rng })) : null;
    this.norm2 = this.addModule('norm2', norm(dim));
    this.mlp = this.addModule('mlp', new Mlp(dim, { hiddenFeatures: Math.floor(dim * mlpRatio), bias: projBias, drop: projDrop, rng }));
    this.ls2 = initValues === null ? null : this.addModule('ls2', new LayerScale(dim, initValues));
    this.dropPath2 = dropPath > 0 ? this.addModule('drop_path2', new DropPath(dropPath, { rng })) : null;
  }

  /** `x`: `[B, N, dim]` → `[B, N, dim]`. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.add(x, this.branch(this.attn.forward(this.norm1.forward(x)), this.ls1, this.dropPath1));
      return tf.add(h, this.branch(this.mlp.forward(this.norm2.forward(h)), this.ls2, this.dropPath2));
    });
  }

  private branch(y: tf.Tensor, ls: LayerScale | null, dropPath: DropPath | null): tf.Tensor {
    const scaled = ls === null ? y : ls.forward(y);
    return dropPath === null ? scaled : dropPath.forward(scaled);
  }
}
