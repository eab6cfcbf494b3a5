import { tf } from '@patchwork/tensor-core';
import { MMDiT } from './mmdit.js';

/**
 * FlowMo's encoder e_θ: an {@link MMDiT} run on the image and an all-zero initial latent
 * `c₀`, without time conditioning (the official `FlowMo.encode`; its `time_in`, `*_mod` and
 * `adaLN_modulation` weights exist in the state dict but are never used). Its latent-stream
 * output is the pre-quantisation code.
 */
export class FlowmoEncoder extends MMDiT {
  /** `images` `[B, H, W, 3]` in [−1, 1] → pre-quantisation latents `[B, codeLength, contextDim]`. Caller disposes. */
  encode(images: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      const c0 = tf.zeros([images.shape[0]!, this.codeLength, this.params.contextDim]);
      return this.forward(images, c0, null, { outputs: 'txt' }).txt!;
    });
  }
}
