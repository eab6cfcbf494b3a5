import { ShapeError, tf } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';

// Comparisons have no gradient in tfjs and throw inside differentiated code, so the two uses of
// sign(x) are custom-gradient ops: the comparison runs in the forward only.

/** `where(x > 0, 1, −1)` with the straight-through gradient `dq/dx = 1` (LFQ's `x + sg(q − x)`). */
export const signSte = tf.customGrad((x) => ({
  value: tf.tidy(() => tf.where(tf.greater(x as tf.Tensor, 0), tf.onesLike(x as tf.Tensor), tf.fill((x as tf.Tensor).shape, -1))),
  gradFunc: (dy: tf.Tensor) => dy,
})) as (x: tf.Tensor) => tf.Tensor;

/** `where(x > 0, 1, −1)` treated as a constant (`sg(q)` in the commitment loss). */
const signDetached = tf.customGrad((x) => ({
  value: tf.tidy(() => tf.where(tf.greater(x as tf.Tensor, 0), tf.onesLike(x as tf.Tensor), tf.fill((x as tf.Tensor).shape, -1))),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

/** LFQ's loss terms (the official `LossBreakdown` plus the combined entropy term), scalars; caller disposes. */
export interface LfqLosses {
  /** Mean over tokens of the entropy of each token's code distribution (to minimise: confident codes). */
  perSampleEntropy: tf.Scalar;
  /** Entropy of the batch-averaged code distribution (to maximise: codebook usage). */
  codebookEntropy: tf.Scalar;
  /** `perSampleEntropy − codebookEntropy` (with the official weights 1 and 1). */
  entropyAuxLoss: tf.Scalar;
  /** `mean((x − sg(q))²)`. */
  commitment: tf.Scalar;
}

/** Options for {@link LFQ}. */
export interface LfqOptions {
  /** Softmax temperature on the code logits (official: 0.1). */
  temperature?: number;
  /** Added inside the codebook-entropy log (official: 1e-5). */
  eps?: number;
}

/**
 * Lookup-free quantisation (MAGVIT-v2; FlowMo's `lookup_free_quantize.LFQ` with one codebook and
 * no token factorisation). Each channel is binarised to ±1 with a straight-through gradient; a
 * token of `d` bits has index `Σᵢ bitᵢ·2ⁱ` (little-endian, bit = x > 0) into the implicit codebook
 * of all `2^d` sign vectors. The entropy loss uses logits `2·x·codebookᵀ`, temperature 0.1.
 *
 * Tokens are channels-last, `[..., d]` (the official module takes `[b, d, n]` and moves `d` last).
 * No parameters; the codebook is a non-persistent buffer.
 */
export class LFQ extends Module {
  /** `[2^d, d]`: row j holds the bits of j as ±1 (bit i = (j >> i) & 1). */
  readonly codebook: tf.Variable;
  readonly temperature: number;
  readonly eps: number;

  constructor(
    /** Bits per token d. */
    readonly codebookDim: number,
    { temperature = 0.1, eps = 1e-5 }: LfqOptions = {},
  ) {
    super();
    if (!Number.isInteger(codebookDim) || codebookDim < 1 || codebookDim > 24) {
      throw new ShapeError(`LFQ: bits per token must be an integer in [1, 24] (the entropy loss enumerates 2^d codes), got ${codebookDim}`);
    }
    this.temperature = temperature;
    this.eps = eps;
    const size = 2 ** codebookDim;
    const rows = new Float32Array(size * codebookDim);
    for (let j = 0; j < size; j++) for (let i = 0; i < codebookDim; i++) rows[j * codebookDim + i] = (j >> i) & 1 ? 1 : -1;
    this.codebook = this.addBuffer('codebook', tf.tensor2d(rows, [size, codebookDim]), { persistent: false });
  }

  private check(x: tf.Tensor, name: string): void {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.codebookDim) {
      throw new ShapeError(`LFQ.${name}: expected tokens [..., ${this.codebookDim}], got [${x.shape.join(', ')}]`);
    }
  }

  /** ±1 codes with the straight-through gradient; same shape as `x`. Caller disposes. */
  quantize(x: tf.Tensor): tf.Tensor {
    this.check(x, 'quantize');
    return signSte(x);
  }

  /** Code index of every token, flattened in row-major token order (int32, `[numTokens]`). Caller disposes. */
  indices(x: tf.Tensor): tf.Tensor1D {
    this.check(x, 'indices');
    return tf.tidy(() => {
      const powers = tf.tensor1d(Array.from({ length: this.codebookDim }, (_, i) => 2 ** i), 'int32');
      // [..., d] -> [tokens, d] bits -> [tokens]
      const bits = tf.cast(tf.greater(tf.reshape(x, [-1, this.codebookDim]), 0), 'int32');
      return tf.sum(tf.mul(bits, powers), 1) as tf.Tensor1D;
    });
  }

  /**
   * The official training-mode losses for tokens `x` `[..., d]`: the entropy terms over all
   * tokens (logits `2·x·codebookᵀ / temperature`; `log_softmax` as the official one, whose `+eps`
   * on the logits cancels) and the commitment MSE. Differentiable in `x`. Caller disposes.
   */
  losses(x: tf.Tensor): LfqLosses {
    this.check(x, 'losses');
    const [perSampleEntropy, codebookEntropy, entropyAuxLoss, commitment] = tf.tidy(() => {
      // [..., d] -> [tokens, d]; logits [tokens, d] · [d, 2^d] -> [tokens, 2^d]
      const flat = tf.reshape(x, [-1, this.codebookDim]);
      const logits = tf.div(tf.mul(tf.matMul(flat, this.codebook, false, true), 2), this.temperature);
      const probs = tf.softmax(logits);
      const sample = tf.mean(tf.neg(tf.sum(tf.mul(probs, tf.logSoftmax(logits)), 1)));
      const avg = tf.mean(probs, 0);
      const codebook = tf.neg(tf.sum(tf.mul(avg, tf.log(tf.add(avg, this.eps)))));
      const commit = tf.mean(tf.squaredDifference(flat, signDetached(flat)));
      return [sample, codebook, tf.sub(sample, codebook), commit] as tf.Scalar[];
    });
    return { perSampleEntropy: perSampleEntropy!, codebookEntropy: codebookEntropy!, entropyAuxLoss: entropyAuxLoss!, commitment: commitment! };
  }
}
