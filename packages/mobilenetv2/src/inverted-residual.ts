import { BatchNorm2d, Conv2d, Module, ModuleList, ReLU6 } from '@patchwork/layers';
import type { Layer } from '@patchwork/layers';
import { tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import type { BlockPlan } from './architecture.js';

/**
 * Re-draw a conv weight as torchvision's MobileNetV2 does: `kaiming_normal_(mode='fan_out')`,
 * i.e. N(0, 2 / (out_channels · kh · kw)); PyTorch's fan_out ignores groups, so a depthwise
 * 3×3 over C channels uses fan_out = 9C.
 */
function initConv(conv: Conv2d, rng: Rng): Conv2d {
  const [kh, kw] = conv.kernelSize;
  const std = Math.sqrt(2 / (conv.outChannels * kh * kw));
  tf.tidy(() => conv.weight.assign(rng.normal(conv.weight.shape, 0, std)));
  return conv;
}

/** Options for {@link ConvBNReLU6}. */
export interface ConvBNReLU6Options {
  stride?: 1 | 2;
  dilation?: number;
  /** `groups == channels` makes the conv depthwise. */
  groups?: number;
  /** Draws the conv weight. */
  rng: Rng;
}

/**
 * torchvision's `Conv2dNormActivation(…, norm_layer=BatchNorm2d, activation_layer=ReLU6)`: a
 * bias-free k×k conv with symmetric padding `dilation·(k−1)/2` (not TF's asymmetric "same"),
 * BatchNorm (eps 1e-5, momentum 0.1), ReLU6. Children `0`, `1`, `2` as in the `nn.Sequential`.
 */
export class ConvBNReLU6 extends ModuleList<Layer> {
  constructor(inChannels: number, outChannels: number, kernelSize: 1 | 3, { stride = 1, dilation = 1, groups = 1, rng }: ConvBNReLU6Options) {
    super([
      initConv(new Conv2d(inChannels, outChannels, kernelSize, { stride, padding: (dilation * (kernelSize - 1)) / 2, dilation, groups, bias: false, rng }), rng),
      new BatchNorm2d(outChannels),
      new ReLU6(),
    ]);
  }

  /** `[N, H, W, in]` → `[N, H/stride, W/stride, out]` (rounded up). */
  forward(x: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => runSequential(this, x) as tf.Tensor4D);
  }
}

/**
 * The inverted residual with linear bottleneck (paper §3.3, torchvision `InvertedResidual`):
 * 1×1 expansion to `round(in·t)` channels → BN → ReLU6 (omitted when t = 1), 3×3 depthwise with
 * the block's stride → BN → ReLU6, 1×1 linear projection → BN with no activation, since ReLU on
 * the narrow bottleneck would destroy information. The shortcut adds the input only when the
 * stride is 1 and the channel counts match. State dict: `conv.0.0`, `conv.0.1`, `conv.1.0`, …
 */
export class InvertedResidual extends Module {
  /** The torchvision `nn.Sequential` named `conv`. */
  readonly conv: ModuleList<Layer>;

  constructor(
    readonly plan: BlockPlan,
    rng: Rng,
  ) {
    super();
    const { inChannels, hiddenChannels, outChannels, expandRatio, stride, dilation } = plan;
    const layers: Layer[] = [];
    if (expandRatio !== 1) layers.push(new ConvBNReLU6(inChannels, hiddenChannels, 1, { rng }));
    layers.push(
      new ConvBNReLU6(hiddenChannels, hiddenChannels, 3, { stride, dilation, groups: hiddenChannels, rng }),
      initConv(new Conv2d(hiddenChannels, outChannels, 1, { bias: false, rng }), rng),
      new BatchNorm2d(outChannels),
    );
    this.conv = this.addModule('conv', new ModuleList<Layer>(layers));
  }

  /** `[N, H, W, in]` → `[N, H/stride, W/stride, out]`. */
  forward(x: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      const y = runSequential(this.conv, x) as tf.Tensor4D;
      return this.plan.residual ? tf.add(x, y) : y;
    });
  }
}

/** Apply each module in order, as `nn.Sequential.forward` does. Call inside `tf.tidy`. */
export function runSequential(layers: Iterable<Layer>, x: tf.Tensor): tf.Tensor {
  let y = x;
  for (const layer of layers) y = layer.forward(y);
  return y;
}
