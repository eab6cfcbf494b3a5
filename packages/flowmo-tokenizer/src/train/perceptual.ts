import { ShapeError, tf } from '@patchwork/tensor-core';

/**
 * A perceptual distance: predictions and targets `[B, H, W, 3]` in [−1, 1] → a scalar (mean
 * over the batch), differentiable in `pred`. Stage 1A applies it to the one-step denoised
 * prediction (official: LPIPS-VGG, weight 0.1), Stage 1B to an n-step sample (official: MSE of
 * ResNet-50 logits, weight 0.01).
 */
export type PerceptualLoss = (pred: tf.Tensor4D, target: tf.Tensor4D) => tf.Scalar;

/**
 * A frozen feature network: images `[B, H, W, 3]` in [−1, 1] → its feature maps `[B, h, w, c]`
 * (or pooled `[B, c]` vectors), shallow to deep. It must not create variables per call.
 */
export type FeatureExtractor = (images: tf.Tensor4D) => tf.Tensor[];

/** LPIPS' `normalize_tensor`: divide by the channel-wise L2 norm (+1e-10). */
function unitChannels(f: tf.Tensor): tf.Tensor {
  return tf.div(f, tf.add(tf.sqrt(tf.sum(tf.square(f), -1, true)), 1e-10));
}

/**
 * The LPIPS distance (Zhang et al., 2018) on any feature network, in its uncalibrated form
 * (`lpips=False`: channel sum instead of the learned 1×1 weights): per layer, unit-normalise the
 * features along channels, square the difference, sum over channels and average over space; sum
 * over layers; average over the batch. With VGG-16 features and the learned weights this is what
 * the official Stage 1A uses; any frozen {@link FeatureExtractor} can stand in.
 */
export function lpipsDistance(features: FeatureExtractor): PerceptualLoss {
  return (pred, target) =>
    tf.tidy(() => {
      checkPair(pred, target);
      const [fp, ft] = [features(pred), features(target)];
      const perLayer = fp.map((a, i) => {
        const d = tf.sum(tf.square(tf.sub(unitChannels(a), unitChannels(ft[i]!))), -1);
        // [B, h, w] -> [B] (or [B] already for pooled features)
        return d.rank > 1 ? tf.mean(tf.reshape(d, [d.shape[0]!, -1]), 1) : d;
      });
      return tf.mean(tf.addN(perLayer)) as tf.Scalar;
    });
}

/**
 * Mean squared error between the deepest outputs of a network (the official Stage 1B loss: MSE of
 * ResNet-50 logits after resizing to 224 and ImageNet normalisation, done by the extractor).
 */
export function featureMseLoss(features: FeatureExtractor): PerceptualLoss {
  return (pred, target) =>
    tf.tidy(() => {
      checkPair(pred, target);
      const [fp, ft] = [features(pred), features(target)];
      return tf.mean(tf.squaredDifference(fp.at(-1)!, ft.at(-1)!)) as tf.Scalar;
    });
}

function checkPair(pred: tf.Tensor, target: tf.Tensor): void {
  if (pred.rank !== 4 || pred.shape.join(',') !== target.shape.join(',')) {
    throw new ShapeError(`perceptual loss: expected two [B, H, W, 3] batches of the same shape, got [${pred.shape.join(', ')}] and [${target.shape.join(', ')}]`);
  }
}
