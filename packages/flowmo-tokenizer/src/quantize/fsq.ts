import { ShapeError, tf } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';

/** `round(x)` with the straight-through gradient (rounding runs in the forward only). */
const roundSte = tf.customGrad((x) => ({
  value: tf.round(x as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => dy,
})) as (x: tf.Tensor) => tf.Tensor;

/**
 * Finite scalar quantisation (Mentzer et al., 2023), the alternative to LFQ that the FlowMo paper
 * ablates (better training loss and pairwise metrics, worse rFID). Channel `c` is squashed to
 * `L_c` levels — `tanh(z + shift)·h − offset` with `h = (L_c − 1)(1 − ε)/2` and a half-step offset
 * for even `L_c` — rounded with a straight-through gradient, and rescaled to [−1, 1] by
 * `⌊L_c/2⌋`. The shift is `atanh(offset/h)` so that z = 0 maps to 0 (the paper's listing writes
 * `tan`, which differs slightly). The per-token vocabulary is `Π L_c`. No parameters, no
 * auxiliary losses.
 */
export class FSQ extends Module {
  readonly eps: number;
  private readonly halfL: Float32Array;
  private readonly offset: Float32Array;
  private readonly shift: Float32Array;
  private readonly halfWidth: Float32Array;

  constructor(
    readonly levels: readonly number[],
    { eps = 1e-3 }: { eps?: number } = {},
  ) {
    super();
    if (levels.length === 0 || levels.some((l) => !Number.isInteger(l) || l < 2 || l > 256)) {
      throw new ShapeError(`FSQ: levels must be integers in [2, 256], got [${levels.join(', ')}]`);
    }
    this.eps = eps;
    this.halfL = Float32Array.from(levels, (l) => ((l - 1) * (1 - eps)) / 2);
    this.offset = Float32Array.from(levels, (l) => (l % 2 === 1 ? 0 : 0.5));
    this.shift = Float32Array.from(levels, (_, i) => Math.atanh(this.offset[i]! / this.halfL[i]!));
    this.halfWidth = Float32Array.from(levels, (l) => Math.floor(l / 2));
  }

  /** Code channels d. */
  get dim(): number {
    return this.levels.length;
  }

  private check(z: tf.Tensor, name: string): void {
    if (z.rank < 2 || z.shape[z.rank - 1] !== this.dim) throw new ShapeError(`FSQ.${name}: expected tokens [..., ${this.dim}], got [${z.shape.join(', ')}]`);
  }

  /** The rounded integer level offsets `[..., d]` before rescaling (differentiable, straight-through). */
  private rounded(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const bounded = tf.sub(tf.mul(tf.tanh(tf.add(z, tf.tensor1d(this.shift))), tf.tensor1d(this.halfL)), tf.tensor1d(this.offset));
      return roundSte(bounded);
    });
  }

  /** Quantised values in [−1, 1] with the straight-through gradient; same shape as `z`. Caller disposes. */
  quantize(z: tf.Tensor): tf.Tensor {
    this.check(z, 'quantize');
    return tf.tidy(() => tf.div(this.rounded(z), tf.tensor1d(this.halfWidth)));
  }

  /** Level index `0 … L_c − 1` of every channel, `[..., d]` int32. Caller disposes. */
  levelIndices(z: tf.Tensor): tf.Tensor {
    this.check(z, 'levelIndices');
    return tf.tidy(() => tf.cast(tf.add(this.rounded(z), tf.tensor1d(this.halfWidth)), 'int32'));
  }
}
