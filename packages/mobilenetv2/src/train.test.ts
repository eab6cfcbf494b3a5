import { AdamW, SGD, trainStep } from '@patchwork/layers';
import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { MobileNetV2 } from './mobilenetv2.js';
import type { MobileNetV2ConfigInput } from './config.js';

/** A handful of random images with fixed random labels: memorisable in a few steps if every layer trains. */
function tinyProblem(rng: Rng, [n, size, chans]: [number, number, number], classes: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const x = rng.normal([n, size, size, chans]) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % classes), 'int32');
  const y = tf.oneHot(labels, classes) as tf.Tensor2D;
  labels.dispose();
  return { x, y };
}

async function train(config: MobileNetV2ConfigInput, shape: [number, number, number], optimizer: 'adamw' | 'sgd', steps: number): Promise<number[]> {
  const rng = new Rng(3);
  const model = new MobileNetV2(config, { rng });
  const { x, y } = tinyProblem(rng, shape, model.config.numClasses);
  const opt = optimizer === 'adamw' ? new AdamW(model, { lr: 3e-3, weightDecay: 0.01 }) : new SGD(model, { lr: 0.1, momentum: 0.9 });
  const lossFn = () => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar;
  const losses = [trainStep({ module: model, optimizer: opt, lossFn })];
  // After the first step (which allocates the optimizer state) a step must not grow the tensor count.
  for (let i = 1; i < steps; i++) losses.push(await expectNoLeaks(() => trainStep({ module: model, optimizer: opt, lossFn })));
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return losses;
}

describe('training', () => {
  it('every parameter gets a finite, non-zero gradient through BN, ReLU6, depthwise and residual paths', () => {
    const rng = new Rng(2);
    const model = new MobileNetV2({ widthMult: 0.35, numClasses: 4 }, { rng });
    const { x, y } = tinyProblem(rng, [4, 32, 3], 4);
    const params = model.namedParameters();
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, model.parameters());
    for (const [name, p] of params) {
      const g = grads[p.variable.name];
      expect(g, name).toBeDefined();
      const norm = tf.tidy(() => tf.norm(g!).dataSync()[0]!);
      expect(Number.isFinite(norm) && norm > 0, `${name}: |grad| = ${norm}`).toBe(true);
    }
    tf.dispose([value, x, y, ...Object.values(grads)]);
    model.dispose();
  });

  it('loss decreases: width 0.35, 32 px, 10 AdamW steps', async () => {
    const losses = await train({ widthMult: 0.35, numClasses: 4 }, [8, 32, 3], 'adamw', 10);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
  });

  it('loss decreases on 1-channel 28×28 input (Fashion-MNIST shape, stemStride 1) with SGD', async () => {
    const losses = await train({ widthMult: 0.35, numClasses: 10, inChans: 1, stemStride: 1 }, [10, 28, 1], 'sgd', 8);
    expect(losses.every(Number.isFinite)).toBe(true);
    // SGD with momentum on 10 samples is bumpy step to step (train-mode BN), so compare the last three on average.
    const lastThree = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
    expect(lastThree).toBeLessThan(0.7 * losses[0]!);
  });
});
