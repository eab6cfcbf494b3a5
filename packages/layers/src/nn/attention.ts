import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg, checkInput } from './common.js';
import type { Layer } from './common.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layernorm.js';
import { Linear } from './linear.js';

/** Options for {@link Attention}; defaults as timm's `Attention`. */
export interface AttentionOptions {
  numHeads?: number;
  qkvBias?: boolean;
  /** Normalise q and k per head (`q_norm`, `k_norm`) with `normLayer(headDim)`. */
  qkNorm?: boolean;
  projBias?: boolean;
  attnDrop?: number;
  projDrop?: number;
  /** Norm used by `qkNorm`; default `nn.LayerNorm` (eps 1e-5). */
  normLayer?: (dim: number) => Layer;
  rng?: Rng;
}

/**
 * Multi-head self-attention as timm's `Attention`: fused `qkv` Linear, optional per-head q/k norm,
 * `softmax(q·kᵀ·head_dim^−½) v`, `proj`. State dict `qkv.weight`, `qkv.bias`, `q_norm.*`,
 * `k_norm.*`, `proj.weight`, `proj.bias`.
 *
 * q, k and v are split off the last axis and moved to `[B, heads, N, head_dim]` with rank-4
 * transposes; timm's single rank-5 permute is ~100× slower on wasm.
 */
export class Attention extends Module {
  readonly qkv: Linear;
  readonly qNorm: Layer | null;
  readonly kNorm: Layer | null;
  readonly attnDrop: Dropout;
  readonly proj: Linear;
  readonly projDrop: Dropout;
  readonly numHeads: number;
  readonly headDim: number;
  readonly scale: number;

  constructor(
    readonly dim: number,
    {
      numHeads = 8,
      qkvBias = false,
      qkNorm = false,
      projBias = true,
      attnDrop = 0,
      projDrop = 0,
      normLayer = (d: number) => new LayerNorm(d),
      rng = defaultRng(),
    }: AttentionOptions = {},
  ) {
    super();
    checkArg(Number.isInteger(numHeads) && numHeads > 0 && dim % numHeads === 0, `Attention: dim (${dim}) should be divisible by numHeads (${numHeads})`);
    this.numHeads = numHeads;
    this.headDim = dim / numHeads;
    this.scale = this.headDim ** -0.5;
    this.qkv = this.addModule('qkv', new Linear(dim, dim * 3, { bias: qkvBias, rng }));
    this.qNorm = qkNorm ? this.addModule('q_norm', normLayer(this.headDim)) : null;
    this.kNorm = qkNorm ? this.addModule('k_norm', normLayer(this.headDim)) : null;
    this.attnDrop = this.addModule('attn_drop', new Dropout(attnDrop, { rng }));
    this.proj = this.addModule('proj', new Linear(dim, dim, { bias: projBias, rng }));
    this.projDrop = this.addModule('proj_drop', new Dropout(projDrop, { rng }));
  }

  /**
   * `x`: `[B, N, dim]` → `[B, N, dim]`. `attnMask` is added to the attention logits before the
   * softmax and must broadcast to `[B, heads, N, N]` (use large negatives to mask).
   */
  forward(x: tf.Tensor, attnMask?: tf.Tensor): tf.Tensor {
    checkInput('Attention', x, ['B', 'N', this.dim]);
    const [b, n] = x.shape as [number, number, number];
    if (attnMask !== undefined) checkBroadcast(attnMask, [b, this.numHeads, n, n]);
    return tf.tidy(() => {
      const heads = (t: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(t, [b, n, this.numHeads, this.headDim]), [0, 2, 1, 3]);
      const [qf, kf, vf] = tf.split(this.qkv.forward(x), 3, 2) as [tf.Tensor, tf.Tensor, tf.Tensor];
      let [q, k] = [heads(qf), heads(kf)];
      if (this.qNorm !== null) q = this.qNorm.forward(q);
      if (this.kNorm !== null) k = this.kNorm.forward(k);
      let logits = tf.matMul(tf.mul(q, this.scale), k, false, true);
      if (attnMask !== undefined) logits = tf.add(logits, attnMask);
      const attn = this.attnDrop.forward(tf.softmax(logits, -1));
      const out = tf.reshape(tf.transpose(tf.matMul(attn, heads(vf)), [0, 2, 1, 3]), [b, n, this.dim]);
      return this.projDrop.forward(this.proj.forward(out));
    });
  }
}

function checkBroadcast(mask: tf.Tensor, target: number[]): void {
  const offset = target.length - mask.rank;
  const ok = offset >= 0 && mask.shape.every((d, i) => d === 1 || d === target[i + offset]);
  if (!ok) throw new ShapeError(`Attention: attnMask [${mask.shape.join(', ')}] does not broadcast to [${target.join(', ')}]`);
}
