import { tf } from '@patchwork/tensor-core';
import type { Rng } from '@patchwork/tensor-core';
import { Module } from '@patchwork/layers';
import { BasicConv2d } from './basic-conv.js';
import { avgPool3x3, maxPool3x3, maxPool3x3Stride2 } from './pool.js';

// torchvision's Inception blocks with pytorch-fid's patches (FIDInceptionA/C/E_1/E_2): member
// names and order are torchvision's, so the state dict is `Mixed_5b.branch1x1.conv.weight`, …
// Every forward takes and returns NHWC; branches are concatenated along channels in torchvision's order.

/** `FIDInceptionA`: 1×1, 5×5, double 3×3 and a TF-style 3×3 average-pool branch. Out: 224 + pool_features channels. */
export class InceptionA extends Module {
  private readonly branch1x1: BasicConv2d;
  private readonly branch5x5_1: BasicConv2d;
  private readonly branch5x5_2: BasicConv2d;
  private readonly branch3x3dbl_1: BasicConv2d;
  private readonly branch3x3dbl_2: BasicConv2d;
  private readonly branch3x3dbl_3: BasicConv2d;
  private readonly branch_pool: BasicConv2d;

  constructor(inChannels: number, poolFeatures: number, rng: Rng) {
    super();
    this.branch1x1 = this.addModule('branch1x1', new BasicConv2d(inChannels, 64, 1, { rng }));
    this.branch5x5_1 = this.addModule('branch5x5_1', new BasicConv2d(inChannels, 48, 1, { rng }));
    this.branch5x5_2 = this.addModule('branch5x5_2', new BasicConv2d(48, 64, 5, { padding: 2, rng }));
    this.branch3x3dbl_1 = this.addModule('branch3x3dbl_1', new BasicConv2d(inChannels, 64, 1, { rng }));
    this.branch3x3dbl_2 = this.addModule('branch3x3dbl_2', new BasicConv2d(64, 96, 3, { padding: 1, rng }));
    this.branch3x3dbl_3 = this.addModule('branch3x3dbl_3', new BasicConv2d(96, 96, 3, { padding: 1, rng }));
    this.branch_pool = this.addModule('branch_pool', new BasicConv2d(inChannels, poolFeatures, 1, { rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() =>
      tf.concat(
        [
          this.branch1x1.forward(x),
          this.branch5x5_2.forward(this.branch5x5_1.forward(x)),
          this.branch3x3dbl_3.forward(this.branch3x3dbl_2.forward(this.branch3x3dbl_1.forward(x))),
          this.branch_pool.forward(avgPool3x3(x)),
        ],
        3,
      ),
    );
  }
}

/** torchvision `InceptionB` (Mixed_6a, unpatched): stride-2 grid reduction. Out: 384 + 96 + in channels. */
export class InceptionB extends Module {
  private readonly branch3x3: BasicConv2d;
  private readonly branch3x3dbl_1: BasicConv2d;
  private readonly branch3x3dbl_2: BasicConv2d;
  private readonly branch3x3dbl_3: BasicConv2d;

  constructor(inChannels: number, rng: Rng) {
    super();
    this.branch3x3 = this.addModule('branch3x3', new BasicConv2d(inChannels, 384, 3, { stride: 2, rng }));
    this.branch3x3dbl_1 = this.addModule('branch3x3dbl_1', new BasicConv2d(inChannels, 64, 1, { rng }));
    this.branch3x3dbl_2 = this.addModule('branch3x3dbl_2', new BasicConv2d(64, 96, 3, { padding: 1, rng }));
    this.branch3x3dbl_3 = this.addModule('branch3x3dbl_3', new BasicConv2d(96, 96, 3, { stride: 2, rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() =>
      tf.concat(
        [
          this.branch3x3.forward(x),
          this.branch3x3dbl_3.forward(this.branch3x3dbl_2.forward(this.branch3x3dbl_1.forward(x))),
          maxPool3x3Stride2(x),
        ],
        3,
      ),
    );
  }
}

/** `FIDInceptionC`: factorised 1×7 / 7×1 branches and a TF-style average-pool branch. Out: 768 channels. */
export class InceptionC extends Module {
  private readonly branch1x1: BasicConv2d;
  private readonly branch7x7_1: BasicConv2d;
  private readonly branch7x7_2: BasicConv2d;
  private readonly branch7x7_3: BasicConv2d;
  private readonly branch7x7dbl_1: BasicConv2d;
  private readonly branch7x7dbl_2: BasicConv2d;
  private readonly branch7x7dbl_3: BasicConv2d;
  private readonly branch7x7dbl_4: BasicConv2d;
  private readonly branch7x7dbl_5: BasicConv2d;
  private readonly branch_pool: BasicConv2d;

  constructor(inChannels: number, channels7x7: number, rng: Rng) {
    super();
    const c7 = channels7x7;
    const row = { padding: [0, 3] as const, rng };
    const col = { padding: [3, 0] as const, rng };
    this.branch1x1 = this.addModule('branch1x1', new BasicConv2d(inChannels, 192, 1, { rng }));
    this.branch7x7_1 = this.addModule('branch7x7_1', new BasicConv2d(inChannels, c7, 1, { rng }));
    this.branch7x7_2 = this.addModule('branch7x7_2', new BasicConv2d(c7, c7, [1, 7], row));
    this.branch7x7_3 = this.addModule('branch7x7_3', new BasicConv2d(c7, 192, [7, 1], col));
    this.branch7x7dbl_1 = this.addModule('branch7x7dbl_1', new BasicConv2d(inChannels, c7, 1, { rng }));
    this.branch7x7dbl_2 = this.addModule('branch7x7dbl_2', new BasicConv2d(c7, c7, [7, 1], col));
    this.branch7x7dbl_3 = this.addModule('branch7x7dbl_3', new BasicConv2d(c7, c7, [1, 7], row));
    this.branch7x7dbl_4 = this.addModule('branch7x7dbl_4', new BasicConv2d(c7, c7, [7, 1], col));
    this.branch7x7dbl_5 = this.addModule('branch7x7dbl_5', new BasicConv2d(c7, 192, [1, 7], row));
    this.branch_pool = this.addModule('branch_pool', new BasicConv2d(inChannels, 192, 1, { rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const b7 = this.branch7x7_3.forward(this.branch7x7_2.forward(this.branch7x7_1.forward(x)));
      let dbl = this.branch7x7dbl_1.forward(x);
      for (const conv of [this.branch7x7dbl_2, this.branch7x7dbl_3, this.branch7x7dbl_4, this.branch7x7dbl_5]) dbl = conv.forward(dbl);
      return tf.concat([this.branch1x1.forward(x), b7, dbl, this.branch_pool.forward(avgPool3x3(x))], 3);
    });
  }
}

/** torchvision `InceptionD` (Mixed_7a, unpatched): stride-2 grid reduction. Out: 320 + 192 + in channels. */
export class InceptionD extends Module {
  private readonly branch3x3_1: BasicConv2d;
  private readonly branch3x3_2: BasicConv2d;
  private readonly branch7x7x3_1: BasicConv2d;
  private readonly branch7x7x3_2: BasicConv2d;
  private readonly branch7x7x3_3: BasicConv2d;
  private readonly branch7x7x3_4: BasicConv2d;

  constructor(inChannels: number, rng: Rng) {
    super();
    this.branch3x3_1 = this.addModule('branch3x3_1', new BasicConv2d(inChannels, 192, 1, { rng }));
    this.branch3x3_2 = this.addModule('branch3x3_2', new BasicConv2d(192, 320, 3, { stride: 2, rng }));
    this.branch7x7x3_1 = this.addModule('branch7x7x3_1', new BasicConv2d(inChannels, 192, 1, { rng }));
    this.branch7x7x3_2 = this.addModule('branch7x7x3_2', new BasicConv2d(192, 192, [1, 7], { padding: [0, 3], rng }));
    this.branch7x7x3_3 = this.addModule('branch7x7x3_3', new BasicConv2d(192, 192, [7, 1], { padding: [3, 0], rng }));
    this.branch7x7x3_4 = this.addModule('branch7x7x3_4', new BasicConv2d(192, 192, 3, { stride: 2, rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const b3 = this.branch3x3_2.forward(this.branch3x3_1.forward(x));
      let b7 = this.branch7x7x3_1.forward(x);
      for (const conv of [this.branch7x7x3_2, this.branch7x7x3_3, this.branch7x7x3_4]) b7 = conv.forward(b7);
      return tf.concat([b3, b7, maxPool3x3Stride2(x)], 3);
    });
  }
}

/**
 * `FIDInceptionE_1` (`pool: 'avg'`, TF-style average) and `FIDInceptionE_2` (`pool: 'max'`: the TF
 * graph pools with max here, which pytorch-fid reproduces). Out: 2048 channels.
 */
export class InceptionE extends Module {
  private readonly branch1x1: BasicConv2d;
  private readonly branch3x3_1: BasicConv2d;
  private readonly branch3x3_2a: BasicConv2d;
  private readonly branch3x3_2b: BasicConv2d;
  private readonly branch3x3dbl_1: BasicConv2d;
  private readonly branch3x3dbl_2: BasicConv2d;
  private readonly branch3x3dbl_3a: BasicConv2d;
  private readonly branch3x3dbl_3b: BasicConv2d;
  private readonly branch_pool: BasicConv2d;

  constructor(
    inChannels: number,
    readonly pool: 'avg' | 'max',
    rng: Rng,
  ) {
    super();
    const row = { padding: [0, 1] as const, rng };
    const col = { padding: [1, 0] as const, rng };
    this.branch1x1 = this.addModule('branch1x1', new BasicConv2d(inChannels, 320, 1, { rng }));
    this.branch3x3_1 = this.addModule('branch3x3_1', new BasicConv2d(inChannels, 384, 1, { rng }));
    this.branch3x3_2a = this.addModule('branch3x3_2a', new BasicConv2d(384, 384, [1, 3], row));
    this.branch3x3_2b = this.addModule('branch3x3_2b', new BasicConv2d(384, 384, [3, 1], col));
    this.branch3x3dbl_1 = this.addModule('branch3x3dbl_1', new BasicConv2d(inChannels, 448, 1, { rng }));
    this.branch3x3dbl_2 = this.addModule('branch3x3dbl_2', new BasicConv2d(448, 384, 3, { padding: 1, rng }));
    this.branch3x3dbl_3a = this.addModule('branch3x3dbl_3a', new BasicConv2d(384, 384, [1, 3], row));
    this.branch3x3dbl_3b = this.addModule('branch3x3dbl_3b', new BasicConv2d(384, 384, [3, 1], col));
    this.branch_pool = this.addModule('branch_pool', new BasicConv2d(inChannels, 192, 1, { rng }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const b3 = this.branch3x3_1.forward(x);
      const dbl = this.branch3x3dbl_2.forward(this.branch3x3dbl_1.forward(x));
      const pooled = this.pool === 'avg' ? avgPool3x3(x) : maxPool3x3(x);
      return tf.concat(
        [
          this.branch1x1.forward(x),
          this.branch3x3_2a.forward(b3),
          this.branch3x3_2b.forward(b3),
          this.branch3x3dbl_3a.forward(dbl),
          this.branch3x3dbl_3b.forward(dbl),
          this.branch_pool.forward(pooled),
        ],
        3,
      );
    });
  }
}
