import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { checkArg, checkInput } from './common.js';

/**
 * `nn.Dropout2d(p)` (channel dropout) on NHWC activations: in training mode each channel of each
 * sample is zeroed with probability `p` as a whole, and kept channels are scaled by 1/(1−p);
 * identity in eval mode. The `[N, 1, 1, C]` mask comes from the module's seeded {@link Rng} on the
 * host and enters the graph as a constant, so no comparison op is differentiated.
 * (mmsegmentation applies it before every decode head's classifier.)
 */
export class Dropout2d extends Module {
  private readonly rng: Rng;

  constructor(
    readonly p = 0.5,
    { rng = defaultRng() }: { rng?: Rng } = {},
  ) {
    super();
    checkArg(p >= 0 && p <= 1, `Dropout2d p must be in [0, 1], got ${p}`);
    this.rng = rng;
  }

  /** `x`: `[N, H, W, C]` → same shape. Always returns a new tensor. */
  forward(x: tf.Tensor): tf.Tensor4D {
    checkInput('Dropout2d', x, ['N', 'H', 'W', 'C'], 'NHWC');
    if (!this.training || this.p === 0) return tf.clone(x) as tf.Tensor4D;
    const [n, , , c] = x.shape as [number, number, number, number];
    const keep = this.p === 1 ? 0 : 1 / (1 - this.p);
    const mask = Float32Array.from(this.rng.uniformArray(n * c), (u) => (u < this.p ? 0 : keep));
    return tf.tidy(() => tf.mul(x, tf.tensor4d(mask, [n, 1, 1, c])) as tf.Tensor4D);
  }
}
