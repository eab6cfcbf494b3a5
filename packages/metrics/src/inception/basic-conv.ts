import { tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { BatchNorm2d, Conv2d, Module } from '@patchwork/layers';
import type { Pair } from '@patchwork/layers';

/**
 * torchvision's `BasicConv2d`: bias-free convolution, `BatchNorm2d(eps=0.001)`, ReLU. State dict
 * `conv.weight`, `bn.{weight,bias,running_mean,running_var,num_batches_tracked}`.
 */
export class BasicConv2d extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, { stride = 1, padding = 0, rng }: { stride?: Pair; padding?: Pair; rng: Rng }) {
    super();
    this.conv = this.addModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, bias: false, rng }));
    this.bn = this.addModule('bn', new BatchNorm2d(outChannels, { eps: 0.001 }));
  }

  /** NHWC `[N, H, W, in]` → `[N, H', W', out]`. Caller disposes. */
  forward(x: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => tf.relu(this.bn.forward(this.conv.forward(x))));
  }
}
