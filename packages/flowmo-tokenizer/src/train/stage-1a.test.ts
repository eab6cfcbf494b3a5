import { ConfigError, Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { TINY, poolFeatures, smoothImages } from '../__fixtures__/tiny.js';
import { FlowmoTokenizer } from '../tokenizer.js';
import { lpipsDistance } from './perceptual.js';
import { Stage1aTrainer, rfLoss } from './stage-1a.js';

/** The Stage 1A objective on fixed t, noise and no dropout: a noise-free measure of progress. */
function fixedLoss(model: FlowmoTokenizer, images: tf.Tensor4D): number {
  return tf.tidy(() => {
    const b = images.shape[0];
    const rng = new Rng(99);
    const t = tf.tensor1d(Array.from({ length: 4 * b }, (_, i) => [0.15, 0.4, 0.65, 0.9][i % 4]!));
    const x = tf.concat([images, images, images, images]);
    const z1 = rng.normal(x.shape);
    return rfLoss(model, { images: x, t, z1 }, { quantizerLosses: false }).total.dataSync()[0]!;
  });
}

describe('Stage 1A (mode matching)', () => {
  it('lowers the flow-matching loss on a tiny problem, with perceptual and LFQ losses on', async () => {
    const model = new FlowmoTokenizer(TINY, { rng: new Rng(1) });
    const images = smoothImages(4, 16, 5);
    const trainer = new Stage1aTrainer(model, { lr: 3e-3, perceptual: lpipsDistance(poolFeatures), emaDecay: 0.9, seed: 3 });
    const before = fixedLoss(model, images);
    const first = trainer.trainStep(images);
    expect(Object.keys(first).sort()).toEqual(['commitment', 'diffusion', 'entropy', 'loss', 'perceptual', 'quantizer']);
    // After the first step (which creates the Adam state) a step leaves no tensor behind.
    await expectNoLeaks(() => trainer.trainStep(images));
    for (let i = 0; i < 40; i++) trainer.trainStep(images);
    const after = fixedLoss(model, images);
    expect(trainer.step).toBe(42);
    expect(after).toBeLessThan(0.7 * before);
    trainer.dispose();
    tf.dispose(images);
    model.dispose();
  });

  it('keeps block weights at their initial norms, freezes the encoder on schedule, and round-trips its state', () => {
    const model = new FlowmoTokenizer(TINY, { rng: new Rng(2) });
    const images = smoothImages(2, 16, 6);
    const trainer = new Stage1aTrainer(model, { lr: 1e-2, freezeEncoderAfter: 1, seed: 4 });
    const w = model.decoder.doubleBlocks.at(0).imgAttn.qkv.weight;
    const norm0 = tf.norm(w).dataSync()[0]!;
    const encoderWeight = model.encoder.imgIn.weight;
    trainer.trainStep(images);
    const enc1 = tf.clone(encoderWeight);
    trainer.trainStep(images);
    expect(trainer.encoderTrains).toBe(false);
    expect(tf.norm(w).dataSync()[0]).toBeCloseTo(norm0, 4);
    expect(tf.max(tf.abs(tf.sub(enc1, encoderWeight))).dataSync()[0]).toBe(0);
    // encoder and decoder × 1 block × 2 streams × (mod.lin, qkv, proj, mlp.0, mlp.2)
    expect(trainer.weightNorm!.size).toBe(2 * 2 * 5);

    const state = trainer.stateDict();
    const other = new Stage1aTrainer(model, { lr: 1e-2, seed: 5 });
    other.loadStateDict(state);
    expect(other.step).toBe(2);
    expect(other.rng.getState()).toEqual(trainer.rng.getState());
    expect(() => other.loadStateDict({ ...state, meta: { ...state.meta, stage: '1b' } })).toThrow(/not a Stage 1A trainer state/);
    tf.dispose([enc1, images, ...Object.values(state.optimizer), ...Object.values(state.ema)]);
    [trainer, other].forEach((t) => t.dispose());
    model.dispose();
  });

  it('validates its options and batches', () => {
    const model = new FlowmoTokenizer(TINY);
    expect(() => new Stage1aTrainer(model, { lr: -1 })).toThrow(ConfigError);
    expect(() => new Stage1aTrainer(model, { betas: [0.9, 0.95], learningRate: 1 } as never)).toThrow(/learningRate/);
    const trainer = new Stage1aTrainer(model);
    const bad = tf.fill([2, 16, 16, 3], 3);
    expect(() => trainer.trainStep(bad as tf.Tensor4D)).toThrow(/\[-1, 1\]/);
    tf.dispose(bad);
    trainer.dispose();
    model.dispose();
  });
});
