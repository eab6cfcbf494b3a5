import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Linear, Module, ModuleList, ropeTables } from '@patchwork/layers';
import type { RopeTables } from '@patchwork/layers';
import type { MmditParams } from './config.js';
import { DoubleStreamBlock, LastLayer } from './mmdit-block.js';
import { patchify, unpatchify } from './patchify.js';

/** Width of the sinusoidal timestep features fed to `time_in` (official: 256). */
export const TIME_EMBED_DIM = 256;

/**
 * Flux's `timestep_embedding(t, dim)`: `[cos(1000·t·f), sin(1000·t·f)]` (cos first) with
 * `f_j = exp(−ln(10000)·j/(dim/2))`. The frequencies are rounded step by step as float32 torch
 * computes them, so angles near 1000 rad agree with the official ones. `t`: `[B]` → `[B, dim]`;
 * caller disposes.
 */
export function timestepEmbedding(t: tf.Tensor, dim = TIME_EMBED_DIM, maxPeriod = 10_000, timeFactor = 1000): tf.Tensor2D {
  const half = Math.floor(dim / 2);
  const c = Math.fround(-Math.log(maxPeriod));
  const freqs = Float32Array.from({ length: half }, (_, j) => Math.exp(Math.fround(Math.fround(c * j) / half)));
  return tf.tidy(() => {
    // [B] -> [B, 1] · [1, half] -> [B, half]
    const args = tf.mul(tf.reshape(tf.mul(t, timeFactor), [-1, 1]), tf.tensor2d(freqs, [1, half]));
    const emb = tf.concat([tf.cos(args), tf.sin(args)], 1);
    return (dim % 2 === 1 ? tf.pad(emb, [[0, 0], [0, 1]]) : emb) as tf.Tensor2D;
  });
}

/** Flux `MLPEmbedder`: `out_layer(SiLU(in_layer(x)))`. */
export class MLPEmbedder extends Module {
  readonly inLayer: Linear;
  readonly outLayer: Linear;

  constructor(inDim: number, hiddenDim: number, rng: Rng = defaultRng()) {
    super();
    this.inLayer = this.addModule('in_layer', new Linear(inDim, hiddenDim, { rng }));
    this.outLayer = this.addModule('out_layer', new Linear(hiddenDim, hiddenDim, { rng }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.inLayer.forward(x);
      return this.outLayer.forward(tf.mul(h, tf.sigmoid(h)));
    });
  }
}

/** Options for {@link MMDiT.forward}. */
export interface MmditForwardOptions {
  /** Streams to compute outputs for; an unread stream's last updates are skipped. Default both. */
  outputs?: 'both' | 'img' | 'txt';
}

/** What {@link MMDiT.forward} returns; a stream not asked for is null. Caller disposes. */
export interface MmditOutputs {
  /** `[B, H, W, 3]` (patch tokens read out and unpatchified). */
  img: tf.Tensor4D | null;
  /** `[B, L, contextDim]`. */
  txt: tf.Tensor3D | null;
}

/**
 * The official FlowMo transformer (a Flux-style MMDiT of double-stream blocks, `models.Flux`):
 * patchified image tokens (`img_in`) and latent tokens (`txt_in`) go through `double_blocks`
 * with joint attention and 3-axis RoPE — image tokens at (0, row, col), latent token `i` at
 * (i, i, i) — conditioned on the time embedding `time_in` when timesteps are given; each stream
 * is read out by its `LastLayer`. State-dict names are the official ones
 * (`double_blocks.0.img_attn.qkv.weight`, …).
 *
 * The image grid and latent length are fixed at construction: the RoPE tables for them are
 * computed once (non-persistent buffers, not in the state dict).
 */
export class MMDiT extends Module {
  readonly timeIn: MLPEmbedder;
  readonly imgIn: Linear;
  readonly txtIn: Linear;
  readonly doubleBlocks: ModuleList<DoubleStreamBlock>;
  readonly finalLayerImg: LastLayer;
  readonly finalLayerTxt: LastLayer;
  private readonly pe: RopeTables;

  constructor(
    readonly params: MmditParams,
    /** Patch grid `[H/p, W/p]`. */
    readonly gridSize: readonly [number, number],
    /** Number of latent tokens. */
    readonly codeLength: number,
    rng: Rng = defaultRng(),
  ) {
    super();
    const d = params.hiddenSize;
    this.timeIn = this.addModule('time_in', new MLPEmbedder(TIME_EMBED_DIM, d, rng));
    this.imgIn = this.addModule('img_in', new Linear(params.inChannels, d, { rng }));
    this.txtIn = this.addModule('txt_in', new Linear(params.contextDim, d, { rng }));
    this.doubleBlocks = this.addModule(
      'double_blocks',
      new ModuleList(Array.from({ length: params.depth }, () => new DoubleStreamBlock(d, params.numHeads, params.mlpRatio, params.qkvBias, params.attentionScale, rng))),
    );
    this.finalLayerImg = this.addModule('final_layer_img', new LastLayer(d, params.inChannels, rng));
    this.finalLayerTxt = this.addModule('final_layer_txt', new LastLayer(d, params.contextDim, rng));

    // Official `prepare_idxs`: latent tokens first (the joint sequence is [txt; img]).
    const [gh, gw] = gridSize;
    const ids: number[][] = [];
    for (let i = 0; i < codeLength; i++) ids.push([i, i, i]);
    for (let r = 0; r < gh; r++) for (let c = 0; c < gw; c++) ids.push([0, r, c]);
    const tables = ropeTables(ids, params.axesDim, params.theta);
    this.pe = {
      cos: this.addBuffer('rope_cos', tables.cos, { persistent: false }) as tf.Variable<tf.Rank.R2>,
      sin: this.addBuffer('rope_sin', tables.sin, { persistent: false }) as tf.Variable<tf.Rank.R2>,
    };
  }

  /** Image size `[H, W]` this transformer runs at. */
  get imageSize(): [number, number] {
    return [this.gridSize[0] * this.params.patchSize, this.gridSize[1] * this.params.patchSize];
  }

  /**
   * `images` `[B, H, W, 3]`, latent tokens `txt` `[B, L, contextDim]`, `timesteps` `[B]` (or null:
   * no time conditioning, as the official encoder runs). Caller disposes the outputs.
   */
  forward(images: tf.Tensor, txt: tf.Tensor, timesteps: tf.Tensor | null, { outputs = 'both' }: MmditForwardOptions = {}): MmditOutputs {
    const [h, w] = this.imageSize;
    const b = images.shape[0]!;
    const { contextDim, patchSize } = this.params;
    if (images.rank !== 4 || images.shape[1] !== h || images.shape[2] !== w || images.shape[3] !== 3) {
      throw new ShapeError(`MMDiT: expected images [B, ${h}, ${w}, 3] (NHWC), got [${images.shape.join(', ')}]`);
    }
    if (txt.rank !== 3 || txt.shape[0] !== b || txt.shape[1] !== this.codeLength || txt.shape[2] !== contextDim) {
      throw new ShapeError(`MMDiT: expected latent tokens [${b}, ${this.codeLength}, ${contextDim}], got [${txt.shape.join(', ')}]`);
    }
    if (timesteps !== null && (timesteps.rank !== 1 || timesteps.shape[0] !== b)) {
      throw new ShapeError(`MMDiT: expected timesteps [${b}], got [${timesteps.shape.join(', ')}]`);
    }
    const computed = tf.tidy(() => {
      let img: tf.Tensor | null = this.imgIn.forward(patchify(images, patchSize));
      let lat: tf.Tensor | null = this.txtIn.forward(txt);
      const vec = timesteps === null ? null : this.timeIn.forward(timestepEmbedding(timesteps));
      const depth = this.doubleBlocks.length;
      for (let i = 0; i < depth; i++) {
        const out = this.doubleBlocks.at(i).forward(img!, lat!, vec, this.pe, { outputs: i === depth - 1 ? outputs : 'both' });
        [img, lat] = [out.img, out.txt];
      }
      // tf.tidy cannot return nulls: return only the streams asked for.
      const result: tf.Tensor[] = [];
      if (img !== null) result.push(unpatchify(this.finalLayerImg.forward(img, vec), patchSize, this.gridSize, 3));
      if (lat !== null) result.push(this.finalLayerTxt.forward(lat, vec));
      return result;
    });
    return {
      img: outputs === 'txt' ? null : (computed[0] as tf.Tensor4D),
      txt: outputs === 'img' ? null : (computed[outputs === 'txt' ? 0 : 1] as tf.Tensor3D),
    };
  }
}
