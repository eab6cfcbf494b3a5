import { IMAGENET_MEAN, IMAGENET_STD, ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Conv2d, Module } from '@patchwork/layers';
import type { MatDiscriminator } from './discriminator.js';

/** Logits of MAT's two discriminators (`[B, 1]` each). */
export interface DiscriminatorLogits {
  logits: tf.Tensor2D;
  logitsStg1: tf.Tensor2D;
}

/**
 * Non-saturating generator loss on both discriminators (official `TwoStageLoss`, Gmain):
 * `mean(softplus(−D(G)) + softplus(−D_stg1(G_stg1)))`. Caller disposes.
 */
export function generatorAdversarialLoss(fake: DiscriminatorLogits): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.add(tf.softplus(tf.neg(fake.logits)), tf.softplus(tf.neg(fake.logitsStg1)))) as tf.Scalar);
}

/**
 * Logistic discriminator loss on both discriminators (Dmain): fakes pushed down, reals up,
 * `mean(softplus(D(fake)) + softplus(D_stg1(fake_stg1))) + mean(softplus(−D(real)) + softplus(−D_stg1(real)))`.
 * Caller disposes.
 */
export function discriminatorLoss(fake: DiscriminatorLogits, real: DiscriminatorLogits): tf.Scalar {
  return tf.tidy(() => {
    const f = tf.mean(tf.add(tf.softplus(fake.logits), tf.softplus(fake.logitsStg1)));
    const r = tf.mean(tf.add(tf.softplus(tf.neg(real.logits)), tf.softplus(tf.neg(real.logitsStg1))));
    return tf.add(f, r) as tf.Scalar;
  });
}

/**
 * R1 penalty (Dreg): `γ/2 · mean_b(‖∇_x D(x)‖² + ‖∇_x D_stg1(x)‖²)` on real images, the
 * gradient taken separately for each discriminator's input (the official code feeds the same real
 * image through two tensors). Differentiable with respect to the discriminator's weights (a
 * second derivative). γ = 10 in MAT. Caller disposes.
 */
export function r1Penalty(discriminator: MatDiscriminator, real: tf.Tensor4D, masks: tf.Tensor4D, gamma = 10): tf.Scalar {
  return tf.tidy(() => {
    const logitSum = (x: tf.Tensor, xStg1: tf.Tensor): tf.Scalar => {
      const d = discriminator.forward(x as tf.Tensor4D, masks, xStg1 as tf.Tensor4D);
      return tf.add(tf.sum(d.logits), tf.sum(d.logitsStg1)) as tf.Scalar;
    };
    // Two distinct tensors: with the same one twice, tfjs would sum both discriminators' gradients into each.
    const [g, gStg1] = tf.grads(logitSum)([real, tf.clone(real)]);
    const perSample = tf.add(tf.sum(tf.square(g!), [1, 2, 3]), tf.sum(tf.square(gStg1!), [1, 2, 3]));
    return tf.mul(tf.mean(perSample), gamma / 2) as tf.Scalar;
  });
}

/**
 * A frozen feature network for the perceptual loss: NHWC images in [0, 1] → named feature maps.
 * {@link Vgg19Features} is MAT's choice; any network (or a function) fits.
 */
export interface FeatureExtractor {
  features(x: tf.Tensor4D): Record<string, tf.Tensor>;
}

/**
 * MAT's perceptual loss (official `losses/pcp.py`, BasicSR's): images in [−1, 1] are mapped to
 * [0, 1], both go through the feature network, and the loss is `Σ_l w_l · mean|φ_l(x) − φ_l(gt)|`
 * (L1). MAT weights VGG-19 `conv4_4` by 1/4 and `conv5_4` by 1/2 ({@link MAT_PERCEPTUAL_WEIGHTS})
 * and scales the sum by `pcp_ratio` (0.1 in the README command). Gradients flow to `x` only.
 */
export class PerceptualLoss {
  constructor(
    readonly network: FeatureExtractor,
    readonly layerWeights: Readonly<Record<string, number>> = MAT_PERCEPTUAL_WEIGHTS,
  ) {}

  /** `x`, `gt` NHWC `[B, H, W, 3]` in [−1, 1] → scalar loss. Caller disposes. */
  forward(x: tf.Tensor4D, gt: tf.Tensor4D): tf.Scalar {
    if (x.shape.join(',') !== gt.shape.join(',')) throw new ShapeError(`PerceptualLoss: x [${x.shape.join(', ')}] and gt [${gt.shape.join(', ')}] differ`);
    return tf.tidy(() => {
      const fx = this.network.features(tf.mul(tf.add(x, 1), 0.5) as tf.Tensor4D);
      const fg = this.network.features(tf.mul(tf.add(gt, 1), 0.5) as tf.Tensor4D);
      let loss: tf.Tensor = tf.scalar(0);
      for (const [name, weight] of Object.entries(this.layerWeights)) {
        const a = fx[name];
        const b = fg[name];
        if (a === undefined || b === undefined) throw new ShapeError(`PerceptualLoss: the feature network returned no '${name}' (it returned ${Object.keys(fx).join(', ')})`);
        loss = tf.add(loss, tf.mul(tf.mean(tf.abs(tf.sub(a, b))), weight));
      }
      return loss as tf.Scalar;
    });
  }
}

/** MAT's layer weights: VGG-19 `conv4_4` × 1/4, `conv5_4` × 1/2. */
export const MAT_PERCEPTUAL_WEIGHTS: Readonly<Record<string, number>> = { conv4_4: 1 / 4, conv5_4: 1 / 2 };

const VGG19_CFG: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512];

/** An `nn.Sequential` whose parameter-free members (ReLU, pooling) leave gaps in the indices. */
class SparseSequential extends Module {
  set<M extends Module>(index: number, module: M): M {
    return this.addModule(index, module);
  }
}

/**
 * torchvision's VGG-19 `features` trunk (state dict `features.<i>.weight/bias`, the indices of
 * `torchvision.models.vgg19`), up to `conv5_4`, as a {@link FeatureExtractor}: inputs in [0, 1]
 * are normalised with the ImageNet mean/std, and each `conv<b>_<i>` output is reported **before**
 * its ReLU (BasicSR's naming, which MAT uses). Load real weights with
 * `tooling/scripts/torch-to-safetensors.py` from a torchvision VGG-19 checkpoint; untrained
 * weights give only a weak random-feature loss.
 */
export class Vgg19Features extends Module implements FeatureExtractor {
  private readonly steps: ({ name: string; conv: Conv2d } | 'pool')[] = [];

  constructor({ rng = defaultRng() }: { rng?: Rng } = {}) {
    super();
    const features = this.addModule('features', new SparseSequential());
    let index = 0;
    let inChannels = 3;
    let block = 1;
    let inBlock = 0;
    for (const item of VGG19_CFG) {
      if (item === 'M') {
        this.steps.push('pool');
        index += 1;
        block += 1;
        inBlock = 0;
        continue;
      }
      inBlock += 1;
      const conv = features.set(index, new Conv2d(inChannels, item, 3, { padding: 1, rng }));
      this.steps.push({ name: `conv${block}_${inBlock}`, conv });
      inChannels = item;
      index += 2; // conv, ReLU
    }
  }

  /** NHWC `[B, H, W, 3]` in [0, 1] → `conv1_1` … `conv5_4` (pre-ReLU). H and W must be multiples of 16. Caller disposes. */
  features(x: tf.Tensor4D): Record<string, tf.Tensor> {
    return tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      let h = tf.div(tf.sub(x, tf.tensor1d([...IMAGENET_MEAN])), tf.tensor1d([...IMAGENET_STD])) as tf.Tensor4D;
      for (const step of this.steps) {
        if (step === 'pool') {
          h = tf.maxPool(h, 2, 2, 'valid');
          continue;
        }
        const y = step.conv.forward(h);
        out[step.name] = y;
        h = tf.relu(y);
      }
      return out;
    });
  }
}
