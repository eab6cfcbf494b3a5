import { BatchNorm2d, Linear, Module } from '@patchwork/layers';
import { ShapeError, defaultRng, tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import type { VisionTransformer } from '@patchwork/vit';

/**
 * MAE's linear-probe head, `nn.Sequential(nn.BatchNorm1d(D, affine=False, eps=1e-6), nn.Linear(D, K))`
 * with the same state-dict names (`0.running_mean`, `0.running_var`, `0.num_batches_tracked`,
 * `1.weight`, `1.bias`). The parameter-free BatchNorm standardises the frozen features (MAE
 * features vary widely in scale), so one learning rate suits any encoder.
 */
export class ProbeHead extends Module {
  readonly norm: BatchNorm2d;
  readonly fc: Linear;

  constructor(
    readonly inFeatures: number,
    readonly numClasses: number,
    { rng = defaultRng() }: { rng?: Rng } = {},
  ) {
    super();
    // BatchNorm1d over [B, D] is BatchNorm2d over [B, 1, 1, D]: same statistics, same state dict.
    this.norm = this.addModule(0, new BatchNorm2d(inFeatures, { affine: false, eps: 1e-6 }));
    this.fc = this.addModule(1, new Linear(inFeatures, numClasses, { rng }));
    // MoCo v3 / MAE: trunc_normal_(head.weight, std=0.01) (bounds ±2 absolute, i.e. ±200 std), zero bias.
    tf.tidy(() => {
      this.fc.weight.assign(rng.truncatedNormal(this.fc.weight.shape, 0, 0.01, -200, 200));
      this.fc.bias!.assign(tf.zerosLike(this.fc.bias!));
    });
  }

  /** Features `[B, D]` → logits `[B, K]`. In training mode the BatchNorm uses (and tracks) batch statistics. */
  forward(features: tf.Tensor): tf.Tensor {
    if (features.rank !== 2 || features.shape[1] !== this.inFeatures) {
      throw new ShapeError(`ProbeHead: expected features [B, ${this.inFeatures}], got [${features.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const b = features.shape[0];
      const normed = tf.reshape(this.norm.forward(tf.reshape(features, [b, 1, 1, this.inFeatures])), [b, this.inFeatures]);
      return this.fc.forward(normed);
    });
  }
}

/**
 * A linear probe: a frozen {@link VisionTransformer} encoder (every parameter marked
 * non-trainable, so optimizers and `trainStep` never touch it) and a trainable {@link ProbeHead}
 * on its pooled features — the class token after the final norm, or the mean patch token after
 * `fc_norm`, as the encoder's `globalPool` says. State dict: `encoder.*`, `head.*`.
 */
export class LinearProbe extends Module {
  readonly head: ProbeHead;

  constructor(
    readonly encoder: VisionTransformer,
    numClasses: number,
    { rng = defaultRng() }: { rng?: Rng } = {},
  ) {
    super();
    this.addModule('encoder', encoder);
    for (const v of encoder.parameters()) v.trainable = false;
    this.head = this.addModule('head', new ProbeHead(encoder.embedDim, numClasses, { rng }));
  }

  /** Encoder features of NHWC images `[B, H, W, C]` → `[B, D]` (the encoder runs in eval mode: no dropout or drop path). */
  features(x: tf.Tensor): tf.Tensor2D {
    const wasTraining = this.encoder.training;
    this.encoder.eval();
    try {
      return tf.tidy(() => this.encoder.forwardHead(this.encoder.forwardFeatures(x), { preLogits: true }) as tf.Tensor2D);
    } finally {
      this.encoder.train(wasTraining);
    }
  }

  /** Images → logits `[B, K]`. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.head.forward(this.features(x)));
  }
}
