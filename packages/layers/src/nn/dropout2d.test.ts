import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Dropout2d } from './dropout2d.js';

// torch draws its masks from its own generator, so this tests nn.Dropout2d's semantics: whole
// channels of a sample are zeroed or scaled by 1/(1−p) in training, identity in eval.
describe('Dropout2d', () => {
  it('zeroes whole (sample, channel) planes with probability p and scales the rest', async () => {
    const x = tf.add(tf.randomUniform([40, 3, 2, 25]), 1);
    const drop = new Dropout2d(0.4, { rng: new Rng(2) });
    const y = drop.forward(x);
    const [xs, ys] = [x.arraySync() as number[][][][], y.arraySync() as number[][][][]];
    let dropped = 0;
    for (let n = 0; n < 40; n++) {
      for (let c = 0; c < 25; c++) {
        const plane = [0, 1, 2].flatMap((i) => [0, 1].map((j) => ys[n]![i]![j]![c]!));
        if (plane.every((v) => v === 0)) dropped++;
        else [0, 1, 2].forEach((i) => [0, 1].forEach((j) => expect(ys[n]![i]![j]![c]).toBeCloseTo(xs[n]![i]![j]![c]! / 0.6, 5)));
      }
    }
    expect(dropped / 1000).toBeGreaterThan(0.35);
    expect(dropped / 1000).toBeLessThan(0.45);
    drop.eval();
    const same = drop.forward(x);
    expect(Array.from(same.dataSync())).toEqual(Array.from(x.dataSync()));
    await expectNoLeaks(() => drop.train().forward(x).dispose());
    tf.dispose([x, y, same]);
  });

  it('is seeded, passes the mask as gradient and validates its input', () => {
    const x = tf.ones([2, 2, 2, 8]);
    const [a, b] = [new Dropout2d(0.5, { rng: new Rng(9) }), new Dropout2d(0.5, { rng: new Rng(9) })];
    const ya = a.forward(x);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(b.forward(xx)))(x);
    expect(Array.from(dx.dataSync())).toEqual(Array.from(ya.dataSync()));
    expect(() => new Dropout2d(-0.1)).toThrow(/\[0, 1\]/);
    const flat = tf.ones([4, 8]);
    expect(() => a.forward(flat)).toThrow(/expected input \[N, H, W, C\]/);
    tf.dispose([x, ya, dx, flat]);
  });
});
