import { Rng, tf } from '@patchwork/tensor-core';
import { AdamW, trainStep, weightDecayGroups } from '@patchwork/layers';
import { describe, expect, it } from 'vitest';
import { VisionTransformer } from './vision-transformer.js';

/** 8 fixed 16×16 images: class 0 has horizontal stripes, class 1 vertical ones, plus noise. */
function stripes(): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const rng = new Rng(5);
  const data = new Float32Array(8 * 16 * 16 * 3);
  const labels: number[] = [];
  for (let n = 0; n < 8; n++) {
    const vertical = n % 2;
    labels.push(vertical);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        const on = ((vertical ? j : i) >> 1) % 2;
        for (let c = 0; c < 3; c++) data[((n * 16 + i) * 16 + j) * 3 + c] = on + 0.3 * rng.nextNormal();
      }
    }
  }
  return { x: tf.tensor4d(data, [8, 16, 16, 3]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 2) as tf.Tensor2D };
}

describe('training a tiny ViT', () => {
  it('cross-entropy decreases over 15 AdamW steps (dropout and drop-path active)', () => {
    const model = new VisionTransformer(
      { imgSize: 16, patchSize: 4, embedDim: 32, depth: 2, numHeads: 2, numClasses: 2, dropPathRate: 0.1, dropRate: 0.1 },
      { rng: new Rng(0) },
    ).train();
    const { x, y } = stripes();
    const optimizer = new AdamW(weightDecayGroups(model, { weightDecay: 0.05, noWeightDecay: ['pos_embed', 'cls_token'] }), { lr: 2e-3 });
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) {
      losses.push(trainStep({ module: model, optimizer, lossFn: () => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar }));
    }
    // Optimizer state is created on the first step; afterwards a step allocates nothing that survives.
    const afterFirst = tf.memory().numTensors;
    trainStep({ module: model, optimizer, lossFn: () => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar });
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(afterFirst - before).toBe(2 * model.parameters().length);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-3))).toBeLessThan(0.6 * mean(losses.slice(0, 3)));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('with dynamicImgSize the position embedding gets gradients through the resampling', () => {
    const model = new VisionTransformer({ imgSize: 16, patchSize: 4, embedDim: 16, depth: 1, numHeads: 2, numClasses: 2, dynamicImgSize: true }, { rng: new Rng(0) });
    const x = new Rng(1).normal([2, 24, 20, 3]);
    const { value, grads } = tf.variableGrads(() => tf.sum(model.forward(x)) as tf.Scalar, [model.posEmbed!, model.clsToken!]);
    const g = grads[model.posEmbed!.name]!;
    expect(g.shape).toEqual([1, 17, 16]);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, value, ...Object.values(grads)]);
    model.dispose();
  });
});
