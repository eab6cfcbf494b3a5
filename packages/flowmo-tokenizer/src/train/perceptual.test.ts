import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { Linear, Module } from '@patchwork/layers';
import { describe, expect, it } from 'vitest';
import { poolFeatures, smoothImages } from '../__fixtures__/tiny.js';
import { featureMseLoss, lpipsDistance } from './perceptual.js';
import { ForcedWeightNorm } from './weight-norm.js';

describe('perceptual losses', () => {
  it('are zero for equal images, positive otherwise, differentiable, and free their intermediates', async () => {
    const [a, b] = [smoothImages(2, 16, 1), smoothImages(2, 16, 2)];
    for (const loss of [lpipsDistance(poolFeatures), featureMseLoss(poolFeatures)]) {
      expect(loss(a, a).dataSync()[0]).toBeCloseTo(0, 6);
      const d = await expectNoLeaks(() => loss(a, b), 1);
      expect(d.dataSync()[0]).toBeGreaterThan(0);
      const g = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor4D, b))(a);
      expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
      tf.dispose([d, g]);
      expect(() => loss(a, tf.zeros([2, 8, 8, 3]) as tf.Tensor4D)).toThrow(ShapeError);
    }
    tf.dispose([a, b]);
  });
});

class Blocks extends Module {
  readonly fc: Linear;
  constructor() {
    super();
    const inner = new (class extends Module {
      readonly lin = this.addModule('lin', new Linear(3, 2));
    })();
    this.addModule('double_blocks', inner);
    this.fc = this.addModule('fc', new Linear(3, 2));
  }
}

describe('ForcedWeightNorm', () => {
  it('restores the initial norm of block matrices only, and leaves zero rows free in channel mode', () => {
    const m = new Blocks();
    const lin = m.namedModules().find(([n]) => n === 'double_blocks.lin')![1] as Linear;
    lin.weight.assign(tf.tensor2d([[1, 0], [2, 0], [2, 0]]));
    const l2 = new ForcedWeightNorm(m, 'l2');
    const channel = new ForcedWeightNorm(m, 'channel');
    expect([l2.size, channel.size]).toEqual([1, 1]);
    lin.weight.assign(tf.tensor2d([[2, 1], [4, 0], [4, 0]]));
    m.fc.weight.assign(tf.fill([3, 2], 5));
    channel.apply();
    // Column 0 (torch row 0) back to norm 3; column 1 started at zero and stays as it is.
    expect(Array.from(lin.weight.dataSync())).toEqual([1, 1, 2, 0, 2, 0]);
    l2.apply();
    expect(tf.norm(lin.weight).dataSync()[0]).toBeCloseTo(3, 5);
    expect(Array.from(m.fc.weight.dataSync())).toEqual([5, 5, 5, 5, 5, 5]);
    [l2, channel].forEach((w) => w.dispose());
    m.dispose();
  });
});
