import { Rng, ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { DropPath, Dropout } from './dropout.js';

// torch draws its masks from its own generator, so these test the semantics of nn.Dropout and
// timm's DropPath (identity in eval, zero-or-scaled in training, per-sample for DropPath) rather
// than reproduce torch's random numbers.
describe('Dropout', () => {
  it('zeroes about p of the elements and scales the rest by 1/(1−p) in training; identity in eval', async () => {
    const x = tf.add(tf.randomUniform([50, 40]), 1);
    const drop = new Dropout(0.3, { rng: new Rng(1) });
    const y = drop.forward(x);
    const [xs, ys] = [x.dataSync(), y.dataSync()];
    let zeros = 0;
    for (let i = 0; i < xs.length; i++) {
      if (ys[i] === 0) zeros++;
      else expect(ys[i]).toBeCloseTo(xs[i]! / 0.7, 5);
    }
    expect(zeros / xs.length).toBeGreaterThan(0.26);
    expect(zeros / xs.length).toBeLessThan(0.34);
    drop.eval();
    const same = drop.forward(x);
    expect(Array.from(same.dataSync())).toEqual(Array.from(xs));
    await expectNoLeaks(() => drop.train().forward(x).dispose());
    tf.dispose([x, y, same]);
  });

  it('is reproducible from the seed, drops everything at p = 1 and passes the mask as gradient', () => {
    const x = tf.ones([64]);
    const [a, b] = [new Dropout(0.5, { rng: new Rng(7) }), new Dropout(0.5, { rng: new Rng(7) })];
    const [ya, yb] = [a.forward(x), b.forward(x)];
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    const all = new Dropout(1).forward(x);
    expect(Math.max(...all.dataSync())).toBe(0);
    // Same seed again: the gradient of sum(dropout(x)) is the mask that forward used.
    const c = new Dropout(0.5, { rng: new Rng(7) });
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(c.forward(xx)))(x);
    expect(Array.from(dx.dataSync())).toEqual(Array.from(ya.dataSync()));
    expect(() => new Dropout(1.5)).toThrow(/\[0, 1\]/);
    tf.dispose([x, ya, yb, all, dx]);
  });
});

describe('DropPath', () => {
  it('drops whole samples with probability p and scales kept ones by 1/keep', async () => {
    const x = tf.add(tf.randomUniform([400, 3, 2]), 1);
    const dp = new DropPath(0.25, { rng: new Rng(3) });
    const y = dp.forward(x);
    const [xs, ys] = [x.arraySync() as number[][][], y.arraySync() as number[][][]];
    let dropped = 0;
    xs.forEach((sample, b) => {
      const out = ys[b]!.flat();
      if (out.every((v) => v === 0)) dropped++;
      else sample.flat().forEach((v, i) => expect(out[i]).toBeCloseTo(v / 0.75, 5));
    });
    expect(dropped / 400).toBeGreaterThan(0.19);
    expect(dropped / 400).toBeLessThan(0.31);
    await expectNoLeaks(() => dp.forward(x).dispose());
    tf.dispose([x, y]);
  });

  it('is the identity in eval mode or at p = 0; scaleByKeep=false keeps values; rejects scalars', () => {
    const x = tf.randomNormal([8, 4]);
    const evalOut = new DropPath(0.5).eval().forward(x);
    const zeroOut = new DropPath(0).forward(x);
    expect(Array.from(evalOut.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from(zeroOut.dataSync())).toEqual(Array.from(x.dataSync()));
    const unscaled = new DropPath(0.5, { scaleByKeep: false, rng: new Rng(5) }).forward(x);
    const [xs, us] = [x.dataSync(), unscaled.dataSync()];
    for (let i = 0; i < xs.length; i++) expect(us[i] === 0 || us[i] === xs[i]).toBe(true);
    const scalar = tf.scalar(1);
    expect(() => new DropPath(0.1).forward(scalar)).toThrow(ShapeError);
    tf.dispose([x, evalOut, zeroOut, unscaled, scalar]);
  });
});
