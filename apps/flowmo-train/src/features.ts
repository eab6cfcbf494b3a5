import { Rng, tf } from '@patchwork/tensor-core';
import type { FeatureExtractor } from '@patchwork/flowmo-tokenizer';

/**
 * The trainer's stand-in perceptual network: a fixed, untrained three-stage conv net
 * (3×3 conv → ReLU → 2×2 average pool; He-normal weights from a seed). The official recipe uses
 * ImageNet-trained VGG-16 (LPIPS) and ResNet-50; no pretrained weights are available offline
 * here, and random conv features still respond to edges, texture and colour at several scales
 * (LPIPS' random-network baselines), which is what the losses and the FD need. Numbers computed
 * with it are comparable only with each other, not with LPIPS or FID values in papers.
 */
export class RandomConvFeatures {
  private readonly filters: tf.Tensor4D[];

  constructor(seed: number, readonly channels: readonly number[] = [32, 64, 96]) {
    const rng = new Rng(seed);
    let cin = 3;
    this.filters = channels.map((cout) => {
      const f = rng.normal([3, 3, cin, cout], 0, Math.sqrt(2 / (9 * cin))) as tf.Tensor4D;
      cin = cout;
      return f;
    });
  }

  /** Feature maps of every stage, `[B, h, w, c]`, shallow to deep (a {@link FeatureExtractor}). */
  readonly extract: FeatureExtractor = (images) =>
    tf.tidy(() => {
      const out: tf.Tensor[] = [];
      let x: tf.Tensor4D = images;
      this.filters.forEach((f, i) => {
        x = tf.relu(tf.conv2d(x, f, 1, 'same'));
        out.push(x);
        if (i < this.filters.length - 1) x = tf.avgPool(x, 2, 2, 'valid');
      });
      return out;
    });

  /** Global-average-pooled deepest features `[B, c]` (the embedding the FD is computed on). Caller disposes. */
  embed(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.mean(this.extract(images).at(-1)!, [1, 2]) as tf.Tensor2D);
  }

  dispose(): void {
    tf.dispose(this.filters);
  }
}
