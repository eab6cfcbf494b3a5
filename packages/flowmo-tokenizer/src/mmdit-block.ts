import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { GELU, LayerNorm, Linear, Module, ModuleList, RMSNorm, applyRope } from '@patchwork/layers';
import type { Layer, RopeTables } from '@patchwork/layers';

/** `nn.SiLU`: `x·σ(x)`; no parameters (a slot in `adaLN_modulation`, as in the official `nn.Sequential`). */
export class SiLU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
  }
}

/** AdaLN shift/scale/gate, each `[B, 1, D]` so they broadcast over tokens; `null` = the identity (encoder). */
export interface ModulationOut {
  shift: tf.Tensor;
  scale: tf.Tensor;
  gate: tf.Tensor;
}

/**
 * Flux `Modulation(dim, double=True)`: `lin(SiLU(vec))` split into (shift, scale, gate) for the
 * attention half and for the MLP half of a block. The gate rows start at zero, as in the official
 * code, so every block starts as the identity.
 */
export class Modulation extends Module {
  readonly lin: Linear;

  constructor(
    readonly dim: number,
    rng: Rng = defaultRng(),
  ) {
    super();
    this.lin = this.addModule('lin', new Linear(dim, 6 * dim, { rng }));
    // Output chunks 2 and 5 are the gates; torch rows dim·2..dim·3 and dim·5..dim·6 are columns here.
    tf.tidy(() => {
      const keep = tf.tensor1d(Array.from({ length: 6 * dim }, (_, i) => (Math.floor(i / dim) % 3 === 2 ? 0 : 1)));
      this.lin.weight.assign(tf.mul(this.lin.weight, keep));
      this.lin.bias!.assign(tf.mul(this.lin.bias!, keep));
    });
  }

  /** `vec`: `[B, D]` → the two modulations of a double block. Caller disposes. */
  forward(vec: tf.Tensor): [ModulationOut, ModulationOut] {
    const chunks = tf.tidy(() => {
      const [b] = vec.shape as [number, number];
      // [B, 6D] -> [B, 1, 6D] -> 6 × [B, 1, D]
      return tf.split(tf.reshape(this.lin.forward(tf.mul(vec, tf.sigmoid(vec))), [b, 1, 6 * this.dim]), 6, 2);
    });
    const [shift1, scale1, gate1, shift2, scale2, gate2] = chunks as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    return [
      { shift: shift1, scale: scale1, gate: gate1 },
      { shift: shift2, scale: scale2, gate: gate2 },
    ];
  }
}

/** Flux `QKNorm`: learnable per-head RMSNorm (eps 1e-6, parameter `scale`) of queries and keys. */
export class QKNorm extends Module {
  readonly queryNorm: RMSNorm;
  readonly keyNorm: RMSNorm;

  constructor(headDim: number) {
    super();
    this.queryNorm = this.addModule('query_norm', new RMSNorm(headDim, { eps: 1e-6, paramName: 'scale' }));
    this.keyNorm = this.addModule('key_norm', new RMSNorm(headDim, { eps: 1e-6, paramName: 'scale' }));
  }
}

/**
 * The weights of one stream's attention (Flux `SelfAttention`): fused `qkv`, per-head `norm`, and
 * `proj`. The attention itself is joint over both streams and lives in {@link DoubleStreamBlock}.
 */
export class StreamAttention extends Module {
  readonly qkv: Linear;
  readonly norm: QKNorm;
  readonly proj: Linear;

  constructor(dim: number, numHeads: number, qkvBias: boolean, rng: Rng) {
    super();
    this.qkv = this.addModule('qkv', new Linear(dim, 3 * dim, { bias: qkvBias, rng }));
    this.norm = this.addModule('norm', new QKNorm(dim / numHeads));
    this.proj = this.addModule('proj', new Linear(dim, dim, { rng }));
  }
}

/** `LayerNorm` without affine parameters, eps 1e-6 (every norm in Flux's blocks and last layers). */
function plainNorm(dim: number): LayerNorm {
  return new LayerNorm(dim, { eps: 1e-6, elementwiseAffine: false });
}

/** `(1 + scale)·x + shift`, or `x` when there is no modulation (the encoder). */
function modulate(x: tf.Tensor, mod: ModulationOut | null): tf.Tensor {
  return mod === null ? x : tf.add(tf.mul(x, tf.add(mod.scale, 1)), mod.shift);
}

/** `x + gate·y`, or `x + y` without modulation. */
function gatedAdd(x: tf.Tensor, y: tf.Tensor, mod: ModulationOut | null): tf.Tensor {
  return tf.add(x, mod === null ? y : tf.mul(mod.gate, y));
}

/** Options for {@link DoubleStreamBlock.forward}. */
export interface DoubleStreamOptions {
  /**
   * Which streams the caller reads afterwards. After the joint attention the streams no longer
   * interact, so the last block skips the residual/MLP updates of an unread stream (the encoder
   * reads only the latent stream, the decoder only the image stream). Default both.
   */
  outputs?: 'both' | 'img' | 'txt';
}

/**
 * Flux/MMDiT `DoubleStreamBlock`: separate weights for the image stream (`img_*`) and the latent
 * stream (`txt_*`), joint attention over `[latent tokens; image tokens]` with per-head QK
 * RMSNorm, 3-axis RoPE and the μP logit scale, then gated residual attention and MLP updates
 * modulated by AdaLN from the time embedding. State-dict names are the official ones.
 */
export class DoubleStreamBlock extends Module {
  readonly imgMod: Modulation;
  readonly imgNorm1: LayerNorm;
  readonly imgAttn: StreamAttention;
  readonly imgNorm2: LayerNorm;
  readonly imgMlp: ModuleList<Layer>;
  readonly txtMod: Modulation;
  readonly txtNorm1: LayerNorm;
  readonly txtAttn: StreamAttention;
  readonly txtNorm2: LayerNorm;
  readonly txtMlp: ModuleList<Layer>;
  readonly headDim: number;

  constructor(
    readonly hiddenSize: number,
    readonly numHeads: number,
    mlpRatio: number,
    qkvBias: boolean,
    /** Multiplies q·kᵀ before the softmax: `8 / head_dim` under μP. */
    readonly attentionScale: number,
    rng: Rng = defaultRng(),
  ) {
    super();
    this.headDim = hiddenSize / numHeads;
    const mlpHidden = Math.floor(hiddenSize * mlpRatio);
    // nn.Sequential(Linear, GELU(tanh), Linear): state-dict slots 0 and 2.
    const mlp = (): ModuleList<Layer> => new ModuleList<Layer>([new Linear(hiddenSize, mlpHidden, { rng }), new GELU('tanh'), new Linear(mlpHidden, hiddenSize, { rng })]);
    this.imgMod = this.addModule('img_mod', new Modulation(hiddenSize, rng));
    this.imgNorm1 = this.addModule('img_norm1', plainNorm(hiddenSize));
    this.imgAttn = this.addModule('img_attn', new StreamAttention(hiddenSize, numHeads, qkvBias, rng));
    this.imgNorm2 = this.addModule('img_norm2', plainNorm(hiddenSize));
    this.imgMlp = this.addModule('img_mlp', mlp());
    this.txtMod = this.addModule('txt_mod', new Modulation(hiddenSize, rng));
    this.txtNorm1 = this.addModule('txt_norm1', plainNorm(hiddenSize));
    this.txtAttn = this.addModule('txt_attn', new StreamAttention(hiddenSize, numHeads, qkvBias, rng));
    this.txtNorm2 = this.addModule('txt_norm2', plainNorm(hiddenSize));
    this.txtMlp = this.addModule('txt_mlp', mlp());
  }

  /**
   * `img` `[B, N, D]`, `txt` `[B, L, D]`, `vec` `[B, D]` (null: no modulation, as the encoder
   * runs), `pe` RoPE tables for the `L + N` joint sequence. Returns the updated streams (a skipped
   * stream is returned as null); caller disposes.
   */
  forward(img: tf.Tensor, txt: tf.Tensor, vec: tf.Tensor | null, pe: RopeTables, { outputs = 'both' }: DoubleStreamOptions = {}): { img: tf.Tensor | null; txt: tf.Tensor | null } {
    const computed = tf.tidy(() => {
      const [imgMod1, imgMod2] = vec === null ? [null, null] : this.imgMod.forward(vec);
      const [txtMod1, txtMod2] = vec === null ? [null, null] : this.txtMod.forward(vec);
      const [b, l] = txt.shape as [number, number, number];
      const n = img.shape[1]!;

      // Each stream: [B, S, D] -> q, k, v [B, H, S, hd] (q and k RMS-normed per head).
      const heads = (x: tf.Tensor, norm: LayerNorm, attn: StreamAttention, mod: ModulationOut | null): [tf.Tensor, tf.Tensor, tf.Tensor] => {
        const s = x.shape[1]!;
        const [q, k, v] = tf.split(attn.qkv.forward(modulate(norm.forward(x), mod)), 3, 2) as [tf.Tensor, tf.Tensor, tf.Tensor];
        // "B L (K H D) -> K B H L D" without a rank-5 transpose: K is split off above, then
        // [B, S, H·hd] -> [B, S, H, hd] (RMSNorm over hd) -> [B, H, S, hd].
        const split = (t: tf.Tensor): tf.Tensor => tf.reshape(t, [b, s, this.numHeads, this.headDim]);
        const toHeads = (t: tf.Tensor): tf.Tensor => tf.transpose(t, [0, 2, 1, 3]);
        return [toHeads(attn.norm.queryNorm.forward(split(q))), toHeads(attn.norm.keyNorm.forward(split(k))), toHeads(split(v))];
      };
      const [imgQ, imgK, imgV] = heads(img, this.imgNorm1, this.imgAttn, imgMod1);
      const [txtQ, txtK, txtV] = heads(txt, this.txtNorm1, this.txtAttn, txtMod1);

      // Joint attention over [txt; img]: [B, H, L+N, hd].
      const q = applyRope(tf.concat([txtQ, imgQ], 2), pe);
      const k = applyRope(tf.concat([txtK, imgK], 2), pe);
      const v = tf.concat([txtV, imgV], 2);
      const attn = tf.softmax(tf.matMul(tf.mul(q, this.attentionScale), k, false, true), -1);
      // [B, H, L+N, hd] -> [B, L+N, H, hd] -> [B, L+N, D]
      const joint = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, l + n, this.hiddenSize]);
      const [txtAttn, imgAttn] = tf.split(joint, [l, n], 1) as [tf.Tensor, tf.Tensor];

      const update = (x: tf.Tensor, a: tf.Tensor, attnW: StreamAttention, norm2: LayerNorm, mlp: ModuleList<Layer>, mod1: ModulationOut | null, mod2: ModulationOut | null): tf.Tensor => {
        const h = gatedAdd(x, attnW.proj.forward(a), mod1);
        let y = modulate(norm2.forward(h), mod2);
        for (const layer of mlp) y = layer.forward(y);
        return gatedAdd(h, y, mod2);
      };
      // tf.tidy cannot return nulls: return only the streams asked for.
      const out: tf.Tensor[] = [];
      if (outputs !== 'txt') out.push(update(img, imgAttn, this.imgAttn, this.imgNorm2, this.imgMlp, imgMod1, imgMod2));
      if (outputs !== 'img') out.push(update(txt, txtAttn, this.txtAttn, this.txtNorm2, this.txtMlp, txtMod1, txtMod2));
      return out;
    });
    return {
      img: outputs === 'txt' ? null : computed[0]!,
      txt: outputs === 'img' ? null : computed[outputs === 'txt' ? 0 : 1]!,
    };
  }
}

/**
 * Flux `LastLayer`: non-affine LayerNorm, AdaLN `(1 + scale)·LN(x) + shift` from `vec`, then —
 * an official quirk kept for parity — the same LayerNorm **again**, and the μP readout `linear`
 * (`MuReadout` with width multiplier 1, i.e. a Linear). Without `vec` only one LayerNorm runs.
 */
export class LastLayer extends Module {
  readonly normFinal: LayerNorm;
  readonly linear: Linear;
  readonly adaLNModulation: ModuleList<Layer>;

  constructor(
    readonly hiddenSize: number,
    readonly outChannels: number,
    rng: Rng = defaultRng(),
  ) {
    super();
    this.normFinal = this.addModule('norm_final', plainNorm(hiddenSize));
    this.linear = this.addModule('linear', new Linear(hiddenSize, outChannels, { rng }));
    // nn.Sequential(SiLU, Linear): state-dict slot 1.
    this.adaLNModulation = this.addModule('adaLN_modulation', new ModuleList<Layer>([new SiLU(), new Linear(hiddenSize, 2 * hiddenSize, { rng })]));
  }

  /** `x` `[B, S, D]`, `vec` `[B, D]` or null → `[B, S, outChannels]`. Caller disposes. */
  forward(x: tf.Tensor, vec: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      if (vec !== null) {
        const [b] = vec.shape as [number, number];
        let m = vec;
        for (const layer of this.adaLNModulation) m = layer.forward(m);
        // [B, 2D] -> [B, 1, 2D] -> shift, scale [B, 1, D]
        const [shift, scale] = tf.split(tf.reshape(m, [b, 1, 2 * this.hiddenSize]), 2, 2) as [tf.Tensor, tf.Tensor];
        h = tf.add(tf.mul(tf.add(scale, 1), this.normFinal.forward(h)), shift);
      }
      return this.linear.forward(this.normFinal.forward(h));
    });
  }
}
