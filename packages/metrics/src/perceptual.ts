import { PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';
import { Conv2d, Dropout, Module, Sequential } from '@patchwork/layers';

/**
 * A frozen feature network for {@link PerceptualDistance}: NHWC images → its feature maps
 * `[N, h, w, c]` (or pooled `[N, c]` vectors), shallow to deep, e.g. the ReLU outputs of
 * AlexNet/VGG-16's conv stages as LPIPS uses them. It does its own input preprocessing
 * ({@link lpipsScaling} for LPIPS' backbones), must not create variables per call, and should be
 * differentiable when the distance is used as a loss. Returned tensors are owned by the caller.
 */
export type FeatureNetwork = (images: tf.Tensor4D) => tf.Tensor[];

/** Options of {@link PerceptualDistance}. */
export interface PerceptualDistanceOptions {
  /**
   * Channels of each feature map. Given: one learned 1×1 weight per channel and layer (LPIPS'
   * `lin0`, `lin1`, … `NetLinLayer`s, state dict `lin<k>.model.1.weight` `[1, C, 1, 1]`), initialised
   * to 1 (= the plain channel sum) until LPIPS weights are loaded. Omitted: the uncalibrated
   * distance (LPIPS' `lpips=False`, channels summed).
   */
  channels?: readonly number[];
  /** Added to the channel norm before dividing (LPIPS' `normalize_tensor` eps). */
  eps?: number;
}

/** LPIPS' ScalingLayer constants: inputs in [−1, 1] become `(x − shift) / scale` before the backbone. */
export const LPIPS_SHIFT: readonly number[] = [-0.03, -0.088, -0.188];
export const LPIPS_SCALE: readonly number[] = [0.458, 0.448, 0.45];

/** LPIPS' ScalingLayer on NHWC images in [−1, 1] (for a backbone trained with ImageNet normalisation). Caller disposes. */
export function lpipsScaling(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(images, tf.tensor1d([...LPIPS_SHIFT])), tf.tensor1d([...LPIPS_SCALE])) as tf.Tensor4D);
}

/**
 * An LPIPS-style perceptual distance (Zhang et al. 2018, `lpips.LPIPS.forward`) on any feature
 * network: for each layer, unit-normalise both feature maps along channels
 * (`f / (‖f‖₂ + eps)`), square their difference, weight the channels (learned 1×1 weights, or a
 * plain sum), average over space; then sum over layers. Returns one distance per image, and is
 * differentiable in both inputs, so it serves as a training loss as well as a metric.
 *
 * With LPIPS' AlexNet/VGG trunk as the network, {@link lpipsScaling} in front and the official
 * `lin` weights loaded (`loadStateDict` of the converted `weights/v0.1/alex.pth`), this is LPIPS
 * v0.1; any other network gives a distance comparable only with itself.
 */
export class PerceptualDistance extends Module {
  readonly eps: number;
  private readonly heads: LinLayer[] | null;

  constructor(
    readonly network: FeatureNetwork,
    { channels, eps = 1e-10 }: PerceptualDistanceOptions = {},
  ) {
    super();
    this.eps = eps;
    channels?.forEach((c, k) => {
      if (!Number.isInteger(c) || c < 1) throw new PatchworkError('E_ARGUMENT', `PerceptualDistance: channels[${k}] must be a positive integer, got ${c}`);
    });
    this.heads = channels === undefined ? null : channels.map((c, k) => this.addModule(`lin${k}`, new LinLayer(c)));
    // Evaluation mode: LPIPS' dropout is only for training its linear heads.
    this.eval();
  }

  /** Distances `[N]` between two image batches of the same shape (whatever range the network expects). Caller disposes. */
  forward(x: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor1D {
    if (x.rank !== 4 || x.shape.join(',') !== y.shape.join(',')) {
      throw new ShapeError(`PerceptualDistance: expected two [N, H, W, C] batches of the same shape, got [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const fx = this.network(x);
      const fy = this.network(y);
      if (fx.length === 0 || fx.length !== fy.length) throw new ShapeError(`PerceptualDistance: the network returned ${fx.length} and ${fy.length} feature maps`);
      if (this.heads !== null && this.heads.length !== fx.length) {
        throw new ShapeError(`PerceptualDistance: ${this.heads.length} linear heads for ${fx.length} feature maps`);
      }
      const perLayer = fx.map((a, k) => {
        const b = fy[k]!;
        const channels = a.shape[a.rank - 1]!;
        if ((a.rank !== 4 && a.rank !== 2) || a.shape.join(',') !== b.shape.join(',')) {
          throw new ShapeError(`PerceptualDistance: feature map ${k} must be [N, h, w, c] or [N, c] and equal for both inputs, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
        }
        const head = this.heads?.[k];
        if (head !== undefined && head.conv.inChannels !== channels) {
          throw new ShapeError(`PerceptualDistance: feature map ${k} has ${channels} channels, its linear head expects ${head.conv.inChannels}`);
        }
        const diff = tf.square(tf.sub(this.unitChannels(a), this.unitChannels(b)));
        const spatial = (diff.rank === 2 ? tf.reshape(diff, [diff.shape[0]!, 1, 1, channels]) : diff) as tf.Tensor4D;
        const weighted = head === undefined ? tf.sum(spatial, 3) : tf.squeeze(head.forward(spatial), [3]);
        return tf.mean(weighted, [1, 2]);
      });
      return tf.addN(perLayer) as tf.Tensor1D;
    });
  }

  /**
   * LPIPS' `normalize_tensor`: divide by the channel L2 norm plus eps. The squared norm is floored
   * at 1e-30 before the square root: that changes no value (eps dominates) but keeps the gradient
   * at an all-zero feature vector (common after a ReLU) at 0, where √ alone would give 0·∞ = NaN.
   */
  private unitChannels(f: tf.Tensor): tf.Tensor {
    return tf.div(f, tf.add(tf.sqrt(tf.maximum(tf.sum(tf.square(f), -1, true), 1e-30)), this.eps));
  }
}

/** LPIPS' `NetLinLayer`: `model = Sequential(Dropout(), Conv2d(c, 1, 1, bias=False))`, so the weight is `lin<k>.model.1.weight`. */
class LinLayer extends Module {
  readonly conv: Conv2d;
  private readonly model: Sequential;

  constructor(channels: number) {
    super();
    this.conv = new Conv2d(channels, 1, 1, { bias: false });
    tf.tidy(() => this.conv.weight.assign(tf.ones(this.conv.weight.shape))); // 1 = plain channel sum until weights are loaded
    this.model = this.addModule('model', new Sequential([new Dropout(), this.conv]));
  }

  /** `[N, h, w, c]` → `[N, h, w, 1]`. */
  forward(x: tf.Tensor): tf.Tensor {
    return this.model.forward(x);
  }
}
