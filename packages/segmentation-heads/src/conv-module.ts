import { BatchNorm2d, Conv2d, Module } from '@patchwork/layers';
import { defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';

/** Options for {@link ConvModule}; defaults as mmcv's `ConvModule` with `norm_cfg=dict(type='BN')`, ReLU. */
export interface ConvModuleOptions {
  padding?: number;
  dilation?: number;
  /** BatchNorm after the conv (then the conv has no bias, mmcv's `bias='auto'`). Default true. */
  norm?: boolean;
  /** ReLU after the norm. Default true. */
  relu?: boolean;
  rng?: Rng;
}

/**
 * mmcv's `ConvModule` as mmsegmentation's heads use it: `conv` → `bn` → ReLU on NHWC maps, with
 * the state-dict names `conv.weight` (`conv.bias` without norm) and `bn.*`. SyncBN in the
 * official configs is BatchNorm on one process. Weights start as mmcv initialises them:
 * kaiming-normal conv (fan_out, ReLU gain), zero bias, BN γ = 1, β = 0.
 */
export class ConvModule extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d | null;
  readonly relu: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number,
    { padding = 0, dilation = 1, norm = true, relu = true, rng = defaultRng() }: ConvModuleOptions = {},
  ) {
    super();
    this.conv = this.addModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { padding, dilation, bias: !norm, rng }));
    // mmcv kaiming_init(mode='fan_out', nonlinearity='relu', distribution='normal'): std = √2 / √(out·k·k).
    const std = Math.SQRT2 / Math.sqrt(outChannels * kernelSize * kernelSize);
    tf.tidy(() => {
      this.conv.weight.assign(rng.normal(this.conv.weight.shape, 0, std));
      this.conv.bias?.assign(tf.zerosLike(this.conv.bias));
    });
    this.bn = norm ? this.addModule('bn', new BatchNorm2d(outChannels)) : null;
    this.relu = relu;
  }

  /** `x`: `[N, H, W, inChannels]` → `[N, H', W', outChannels]`. */
  forward(x: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      let y: tf.Tensor4D = this.conv.forward(x);
      if (this.bn !== null) y = this.bn.forward(y);
      return this.relu ? tf.relu(y) : y;
    });
  }
}
