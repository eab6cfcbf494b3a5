import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { checkArg } from '../layers/checks.js';
import { tidy } from '../ops/tidy.js';
import { keyMaskBias, windowMaskUpdate } from './mask-update.js';

/**
 * Split NHWC `[B, H, W, C]` into non-overlapping `ws × ws` windows → `[B·nW, ws·ws, C]`, windows
 * ordered (batch, window row, window column) and tokens row-major inside a window, as the
 * official `window_partition`. Two rank-4 transposes instead of one rank-6 (tfjs is ~100× slower
 * on high-rank transposes). Caller disposes.
 */
export function windowPartition(x: tf.Tensor4D, ws: number): tf.Tensor3D {
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => {
    const rows = tf.reshape(x, [b * (h / ws), ws, w / ws, ws * c]); // [B·H/ws, ws(row in window), W/ws, ws·C]
    const grouped = tf.transpose(rows, [0, 2, 1, 3]); // [B·H/ws, W/ws, ws, ws·C]
    return tf.reshape(grouped, [(b * h * w) / (ws * ws), ws * ws, c]) as tf.Tensor3D;
  });
}

/** Inverse of {@link windowPartition}: `[B·nW, ws·ws, C]` → `[B, H, W, C]`. Caller disposes. */
export function windowReverse(windows: tf.Tensor, ws: number, h: number, w: number): tf.Tensor4D {
  const c = windows.shape[windows.rank - 1]!;
  const b = windows.size / (h * w * c);
  return tf.tidy(() => {
    const grouped = tf.reshape(windows, [b * (h / ws), w / ws, ws, ws * c]);
    return tf.reshape(tf.transpose(grouped, [0, 2, 1, 3]), [b, h, w, c]) as tf.Tensor4D;
  });
}

/** `torch.roll(x, shifts=(s, s), dims=(1, 2))` on NHWC (slices and concats, which have gradients). Caller disposes. */
export function roll2d(x: tf.Tensor4D, shift: number): tf.Tensor4D {
  return tf.tidy(() => rollAxis(rollAxis(x, shift, 1), shift, 2));
}

function rollAxis(x: tf.Tensor4D, shift: number, axis: 1 | 2): tf.Tensor4D {
  const n = x.shape[axis];
  const s = ((shift % n) + n) % n;
  if (s === 0) return tf.clone(x);
  const [head, tail] = tf.split(x, [n - s, s], axis);
  return tf.concat([tail!, head!], axis) as tf.Tensor4D;
}

/**
 * The shifted-window attention mask (`SwinTransformerBlock.calculate_mask`) for an `h × w` map:
 * after the cyclic shift, a window mixes up to four regions of the original map; tokens may only
 * attend within their region. `[nW, N, N]` of 0 (same region) / −100, nW = (h/ws)·(w/ws), N = ws².
 */
export function shiftWindowMask(h: number, w: number, ws: number, shift: number): Float32Array {
  const region = (i: number, size: number): number => (i < size - ws ? 0 : i < size - shift ? 1 : 2);
  const n = ws * ws;
  const nW = (h / ws) * (w / ws);
  const out = new Float32Array(nW * n * n);
  const labels = new Int32Array(n);
  for (let wr = 0; wr < h / ws; wr++) {
    for (let wc = 0; wc < w / ws; wc++) {
      for (let t = 0; t < n; t++) {
        const r = wr * ws + Math.floor(t / ws);
        const c = wc * ws + (t % ws);
        labels[t] = region(r, h) * 3 + region(c, w);
      }
      const base = (wr * (w / ws) + wc) * n * n;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[base + i * n + j] = labels[i] === labels[j] ? 0 : -100;
    }
  }
  return out;
}

/** Options for {@link WindowAttention}. */
export interface WindowAttentionOptions {
  /** Overrides the `head_dim^-0.5` logit scale (the official `qk_scale`). */
  qkScale?: number | null;
  rng?: Rng;
}

/** Attention output with the updated window mask (null when no mask was given). */
export interface AttentionResult {
  x: tf.Tensor3D;
  maskWindows: tf.Tensor3D | null;
}

/**
 * Multi-Head Contextual Attention inside windows (MAT `WindowAttention`). Differences from Swin:
 * q and k are computed from the L2-normalised input (normalised over the FULL channel dim before
 * the head split), v from the raw input; hole keys get −100 added to the logits; and the window
 * mask is updated (a window with any valid token becomes valid). No relative position bias.
 * State dict: `q`, `k`, `v`, `proj` (equalised-LR FCs, `dim → dim`).
 */
export class WindowAttention extends Module {
  readonly q: FullyConnectedLayer;
  readonly k: FullyConnectedLayer;
  readonly v: FullyConnectedLayer;
  readonly proj: FullyConnectedLayer;
  readonly headDim: number;
  readonly scale: number;

  constructor(
    readonly dim: number,
    readonly numHeads: number,
    { qkScale = null, rng = defaultRng() }: WindowAttentionOptions = {},
  ) {
    super();
    checkArg(Number.isInteger(numHeads) && numHeads > 0 && dim % numHeads === 0, `WindowAttention: dim ${dim} is not divisible by ${numHeads} heads`);
    this.headDim = dim / numHeads;
    this.scale = qkScale ?? this.headDim ** -0.5;
    this.q = this.addModule('q', new FullyConnectedLayer(dim, dim, { rng }));
    this.k = this.addModule('k', new FullyConnectedLayer(dim, dim, { rng }));
    this.v = this.addModule('v', new FullyConnectedLayer(dim, dim, { rng }));
    this.proj = this.addModule('proj', new FullyConnectedLayer(dim, dim, { rng }));
  }

  /**
   * `x` `[B·nW, N, C]` windows; `maskWindows` `[B·nW, N, 1]` {0, 1} or null; `shiftMask`
   * `[nW, N, N]` (0/−100, see {@link shiftWindowMask}) or null. Returns the attended windows and
   * the updated window mask. Caller disposes.
   */
  forward(x: tf.Tensor3D, maskWindows: tf.Tensor3D | null = null, shiftMask: tf.Tensor3D | null = null): AttentionResult {
    const [bw, n, c] = x.shape;
    checkArg(c === this.dim, `WindowAttention: expected [windows, N, ${this.dim}], got [${x.shape.join(', ')}]`);
    checkArg(maskWindows === null || (maskWindows.shape[0] === bw && maskWindows.shape[1] === n && maskWindows.shape[2] === 1), 'WindowAttention: maskWindows must be [windows, N, 1]');
    checkArg(shiftMask === null || (bw % shiftMask.shape[0] === 0 && shiftMask.shape[1] === n && shiftMask.shape[2] === n), 'WindowAttention: shift mask must be [nW, N, N] with nW dividing the window count');
    const h = this.numHeads;
    const hd = this.headDim;
    return tidy(() => {
      // F.normalize(x, dim=-1) as x·rsqrt(Σx² + ε²): equal to x/max(‖x‖, 1e-12) for any non-negligible
      // norm, and its gradient stays finite on the all-zero tokens partial convolutions produce in holes.
      const normX = tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-24)));
      const q = tf.reshape(tf.transpose(tf.reshape(this.q.forward(normX), [bw, n, h, hd]), [0, 2, 1, 3]), [bw * h, n, hd]);
      const k = tf.reshape(tf.transpose(tf.reshape(this.k.forward(normX), [bw, n, h, hd]), [0, 2, 3, 1]), [bw * h, hd, n]);
      const v = tf.reshape(tf.transpose(tf.reshape(this.v.forward(x), [bw, n, h, hd]), [0, 2, 1, 3]), [bw * h, n, hd]);
      let attn = tf.reshape(tf.mul(tf.matMul(q, k), this.scale), [bw, h, n, n]);
      if (shiftMask !== null) {
        const nW = shiftMask.shape[0];
        const tiled = tf.tile(tf.reshape(shiftMask, [1, nW, n, n]), [bw / nW, 1, 1, 1]); // window i uses mask i mod nW
        attn = tf.add(attn, tf.reshape(tiled, [bw, 1, n, n]));
      }
      let maskOut: tf.Tensor3D | null = null;
      if (maskWindows !== null) {
        attn = tf.add(attn, keyMaskBias(maskWindows));
        maskOut = windowMaskUpdate(maskWindows);
      }
      const probs = tf.reshape(tf.softmax(attn), [bw * h, n, n]);
      const out = tf.reshape(tf.transpose(tf.reshape(tf.matMul(probs, v), [bw, h, n, hd]), [0, 2, 1, 3]), [bw, n, c]);
      return { x: this.proj.forward(out) as tf.Tensor3D, maskWindows: maskOut };
    });
  }
}
