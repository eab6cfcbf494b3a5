import { tf } from '@patchwork/tensor-core';

/** StyleGAN2 `bias_act` activations MAT uses. */
export type Activation = 'linear' | 'lrelu';

/** `bias_act`'s default gain per activation: √2 for lrelu keeps the signal variance, 1 for linear. */
export const DEFAULT_GAIN: Record<Activation, number> = { linear: 1, lrelu: Math.SQRT2 };

const SLOPE = 0.2;

/**
 * StyleGAN2's `bias_act(x, b, act, gain)`: `act(x + b) · gain` with `b` broadcast over the last
 * (channel) axis. `gain` defaults to the activation's {@link DEFAULT_GAIN}.
 *
 * lrelu is written as `0.6·x + 0.4·|x|` (= leaky_relu(x, 0.2)) instead of `tf.leakyRelu`:
 * tfjs's LeakyRelu gradient builds a `greater` mask, which has no gradient itself, so a
 * second derivative (the R1 penalty differentiates the discriminator's input gradient) would
 * throw; `abs` is differentiable twice. Caller disposes the result.
 */
export function biasAct(x: tf.Tensor, bias: tf.Tensor | null, act: Activation, gain: number = DEFAULT_GAIN[act]): tf.Tensor {
  return tf.tidy(() => {
    const y = bias === null ? x : tf.add(x, bias);
    // Always a new tensor, so the caller may dispose the result without freeing `x`.
    if (act === 'linear') return gain === 1 && bias !== null ? y : tf.mul(y, gain);
    return tf.add(tf.mul(y, ((1 + SLOPE) / 2) * gain), tf.mul(tf.abs(y), ((1 - SLOPE) / 2) * gain));
  });
}
