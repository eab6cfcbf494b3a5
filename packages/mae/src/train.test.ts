import { Rng, tf } from '@patchwork/tensor-core';
import { AdamW, trainStep, weightDecayGroups } from '@patchwork/layers';
import { describe, expect, it } from 'vitest';
import { MaskedAutoencoderViT } from './masked-autoencoder.js';

/** 4 fixed 16×16 RGB images: smooth gradients, so masked patches are predictable from visible ones. */
function fixedImages(): tf.Tensor4D {
  const data = new Float32Array(4 * 16 * 16 * 3);
  for (let n = 0; n < 4; n++) {
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        for (let c = 0; c < 3; c++) {
          data[((n * 16 + i) * 16 + j) * 3 + c] = Math.sin((i * (n + 1)) / 5 + c) * Math.cos((j * (4 - n)) / 6);
        }
      }
    }
  }
  return tf.tensor4d(data, [4, 16, 16, 3]);
}

describe('MAE pre-training on a tiny problem', () => {
  // Raw pixels drop to ~0.3× the start within 20 steps. Normalised targets have unit variance per
  // patch, so a tiny model first learns the per-patch mean (loss ≈ 1 from ≈ 1.6) in that budget.
  it.each([
    [false, 0.5],
    [true, 0.85],
  ])('masked-patch loss decreases over 20 AdamW steps with a fresh mask each step (normPixLoss %s)', (normPixLoss, factor) => {
    const model = new MaskedAutoencoderViT(
      { imgSize: 16, patchSize: 4, embedDim: 32, depth: 2, numHeads: 2, decoderEmbedDim: 32, decoderDepth: 1, decoderNumHeads: 2, normPixLoss },
      { rng: new Rng(0) },
    );
    const x = fixedImages();
    const noiseRng = new Rng(1);
    const optimizer = new AdamW(weightDecayGroups(model, { weightDecay: 0.05 }), { lr: 3e-3, betas: [0.9, 0.95] });
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      const noise = noiseRng.uniform([4, 16]);
      losses.push(trainStep({ module: model, optimizer, lossFn: () => model.forward(x, { maskRatio: 0.75, noise }).loss }));
      noise.dispose();
    }
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-4))).toBeLessThan(factor * mean(losses.slice(0, 4)));
    // The gradient reached the mask token through the un-shuffling gather.
    const state = optimizer.stateDict().tensors;
    expect(tf.max(tf.abs(state['state.mask_token.exp_avg']!)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, ...Object.values(state)]);
    model.dispose();
  });
});
