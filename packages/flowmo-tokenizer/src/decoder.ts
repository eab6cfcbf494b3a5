import type { tf } from '@patchwork/tensor-core';
import { MMDiT } from './mmdit.js';

/**
 * FlowMo's decoder d_θ(x_t, c, t): an {@link MMDiT} over the noised image and the code tokens,
 * AdaLN-conditioned on t in every block. It predicts the rectified-flow velocity `z₁ − x` (t = 1 is
 * pure noise). The code input has one channel more than the code: an all-ones "present" flag,
 * zeroed together with the code for classifier-free guidance.
 */
export class FlowmoDecoder extends MMDiT {
  /**
   * `xt` `[B, H, W, 3]`, `code` `[B, codeLength, contextDim + 1]` (code and presence flag), `t`
   * `[B]` → velocity `[B, H, W, 3]` (the official `FlowMo.decode`). Caller disposes.
   */
  velocity(xt: tf.Tensor, code: tf.Tensor, t: tf.Tensor): tf.Tensor4D {
    return this.forward(xt, code, t, { outputs: 'img' }).img!;
  }
}
