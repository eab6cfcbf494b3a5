import { tf } from '@patchwork/tensor-core';
import { Module } from '../module.js';
import { BatchNorm2d } from '../nn/batchnorm.js';
import { Conv2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import type { Rng } from '@patchwork/tensor-core';

/** Options for {@link SmallConvNet}. */
export interface SmallConvNetOptions {
  inChannels: number;
  numClasses: number;
  width?: number;
  rng?: Rng;
}

/**
 * The reference small classifier used by the quick start, the trainer tests and the browser demo
 * (so their checkpoints are interchangeable): two conv–BN–ReLU–pool stages and a linear head
 * (`conv1`, `bn1`, `conv2`, `bn2`, `fc` in the state dict). About 20k parameters at width 32.
 */
export class SmallConvNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly fc: Linear;

  constructor({ inChannels, numClasses, width = 32, rng }: SmallConvNetOptions) {
    super();
    this.conv1 = this.addModule('conv1', new Conv2d(inChannels, width, 3, { padding: 1, bias: false, rng }));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(width));
    this.conv2 = this.addModule('conv2', new Conv2d(width, 2 * width, 3, { padding: 1, bias: false, rng }));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(2 * width));
    this.fc = this.addModule('fc', new Linear(2 * width, numClasses, { rng }));
  }

  /** `x`: `[B, H, W, C]` → logits `[B, numClasses]`. */
  forward(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.forward(this.conv1.forward(x)));
      h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'); // [B, H/2, W/2, w]
      h = tf.relu(this.bn2.forward(this.conv2.forward(h)));
      h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'); // [B, H/4, W/4, 2w]
      return this.fc.forward(tf.mean(h, [1, 2])) as tf.Tensor2D; // global average pool → [B, classes]
    });
  }
}
