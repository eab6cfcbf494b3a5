import { tf } from '@patchwork/tensor-core';
import { Module } from '../module.js';

/** `'none'`: exact GELU with erf; `'tanh'`: the tanh approximation (PyTorch's `approximate` argument). */
export type GeluApproximation = 'none' | 'tanh';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU as `F.gelu(x, approximate)`. Caller disposes. */
export function gelu(x: tf.Tensor, approximate: GeluApproximation = 'none'): tf.Tensor {
  return tf.tidy(() => {
    const inner =
      approximate === 'tanh'
        ? tf.tanh(tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI))
        : tf.erf(tf.mul(x, Math.SQRT1_2));
    return tf.mul(tf.mul(x, 0.5), tf.add(inner, 1));
  });
}

/** `nn.GELU(approximate)`; no parameters. */
export class GELU extends Module {
  constructor(readonly approximate: GeluApproximation = 'none') {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x, this.approximate);
  }
}

// PyTorch's hardtanh backward passes no gradient at the kinks x = 0 and x = 6; tfjs' Relu6 grad
// passes it at x = 6. Same forward, torch's gradient (comparisons are fine inside a gradFunc).
const relu6TorchGrad = tf.customGrad((x, save) => {
  const input = x as tf.Tensor;
  (save as tf.GradSaveFunc)([input]);
  return {
    value: tf.relu6(input),
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, tf.cast(tf.logicalAnd(tf.greater(saved!, 0), tf.less(saved!, 6)), 'float32')),
  };
});

/** `nn.ReLU6`: min(max(x, 0), 6); no parameters. */
export class ReLU6 extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return relu6TorchGrad(x);
  }
}
