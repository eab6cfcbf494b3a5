import { Rng, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Linear } from '../nn/linear.js';
import { AdamW } from '../optim/adamw.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { GradAccumulator } from './grad-accumulator.js';
import { trainStep } from './step.js';

/** y = x·W* + b* + small noise, 32 samples of 4 features. */
function regressionData(seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rng = new Rng(seed);
  return tf.tidy(() => {
    const x = rng.normal([32, 4]) as tf.Tensor2D;
    const w = tf.tensor2d([[1.5], [-2], [0.5], [3]]);
    const y = tf.add(tf.add(tf.matMul(x, w), 0.7), tf.mul(rng.normal([32, 1]), 0.01)) as tf.Tensor2D;
    return { x, y };
  });
}

const mse = (net: Linear, x: tf.Tensor, y: tf.Tensor) => () => tf.mean(tf.square(tf.sub(net.forward(x), y))) as tf.Scalar;

describe('trainStep', () => {
  const optimizers: [string, (net: Linear) => Optimizer][] = [
    ['AdamW', (net) => new AdamW(net, { lr: 0.05, weightDecay: 1e-4 })],
    ['SGD', (net) => new SGD(net, { lr: 0.05, momentum: 0.9 })],
  ];
  for (const [kind, make] of optimizers) {
    it(`decreases the loss on a tiny regression (${kind})`, () => {
      const { x, y } = regressionData(1);
      const net = new Linear(4, 1, { rng: new Rng(2) });
      const optimizer = make(net);
      const losses = Array.from({ length: 150 }, () => trainStep({ module: net, lossFn: mse(net, x, y), optimizer }));
      expect(losses[0]!).toBeGreaterThan(1);
      expect(losses.at(-1)!).toBeLessThan(1e-2 * losses[0]!);
      optimizer.dispose();
      net.dispose();
      tf.dispose([x, y]);
    });
  }

  it('leaks nothing over 100 steps, with clipping and accumulation', async () => {
    const { x, y } = regressionData(3);
    const net = new Linear(4, 1);
    await expectNoLeaks(() => {
      const optimizer = new AdamW(net, { lr: 1e-2 });
      const accumulate = new GradAccumulator(2);
      trainStep({ module: net, lossFn: mse(net, x, y), optimizer, clipNorm: 1, accumulate });
      trainStep({ module: net, lossFn: mse(net, x, y), optimizer, clipNorm: 1, accumulate });
      const settled = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) trainStep({ module: net, lossFn: mse(net, x, y), optimizer, clipNorm: 1, accumulate });
      expect(tf.memory().numTensors).toBe(settled);
      optimizer.dispose();
    });
    net.dispose();
    tf.dispose([x, y]);
  });

  it('accumulating two half batches equals one step on the whole batch', () => {
    const { x, y } = regressionData(4);
    const [a, b] = [new Linear(4, 1, { rng: new Rng(5) }), new Linear(4, 1, { rng: new Rng(5) })];
    const [optA, optB] = [new SGD(a, { lr: 0.1 }), new SGD(b, { lr: 0.1 })];
    trainStep({ module: a, lossFn: mse(a, x, y), optimizer: optA });
    const halves = [tf.split(x, 2), tf.split(y, 2)] as const;
    const accumulate = new GradAccumulator(2);
    for (let i = 0; i < 2; i++) trainStep({ module: b, lossFn: mse(b, halves[0][i]!, halves[1][i]!), optimizer: optB, accumulate });
    assertAllClose(b.weight, a.weight, { atol: 1e-6 });
    assertAllClose(b.bias!, a.bias!, { atol: 1e-6 });
    tf.dispose([x, y, ...halves[0], ...halves[1]]);
    a.dispose();
    b.dispose();
  });

  it('clips the gradients to clipNorm before stepping', () => {
    const { x, y } = regressionData(6);
    const [a, b] = [new Linear(4, 1, { rng: new Rng(7) }), new Linear(4, 1, { rng: new Rng(7) })];
    const [optA, optB] = [new SGD(a, { lr: 0.1 }), new SGD(b, { lr: 0.1 })];
    trainStep({ module: a, lossFn: mse(a, x, y), optimizer: optA, clipNorm: 0.5 });
    const { value, grads } = tf.variableGrads(mse(b, x, y), b.parameters());
    const { grads: clipped, totalNorm } = clipGradNorm(grads, 0.5);
    expect(totalNorm).toBeGreaterThan(0.5);
    optB.step(clipped);
    assertAllClose(a.weight, b.weight, { atol: 1e-7 });
    tf.dispose([value, ...Object.values(grads), ...Object.values(clipped)]);
    a.dispose();
    b.dispose();
    tf.dispose([x, y]);
  });

  it('differentiates exactly the trainable variables it is given', () => {
    const { x, y } = regressionData(8);
    const net = new Linear(4, 1);
    const outside = tf.variable(tf.scalar(2));
    net.bias!.trainable = false;
    const bias = Array.from(net.bias!.dataSync());
    const weight = Array.from(net.weight.dataSync());
    const optimizer = new SGD(net, { lr: 0.1 });
    trainStep({ module: net, lossFn: () => tf.mul(mse(net, x, y)(), outside) as tf.Scalar, optimizer });
    expect(Array.from(net.bias!.dataSync())).toEqual(bias);
    expect(Array.from(net.weight.dataSync())).not.toEqual(weight);
    expect(outside.dataSync()[0]).toBe(2);

    trainStep({ variables: [net.weight], lossFn: mse(net, x, y), optimizer });
    expect(() => trainStep({ module: net, variables: [net.weight], lossFn: mse(net, x, y), optimizer } as never)).toThrow(/either module or variables/);
    expect(() => trainStep({ module: net, lossFn: mse(net, x, y), optimizer, clipNorm: 0 })).toThrow(/clipNorm/);
    net.weight.trainable = false;
    expect(() => trainStep({ module: net, lossFn: mse(net, x, y), optimizer })).toThrow(/no trainable variables/);
    net.dispose();
    tf.dispose([x, y, outside]);
  });
});
