import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { TINY, poolFeatures, smoothImages } from '../__fixtures__/tiny.js';
import { FlowmoTokenizer } from '../tokenizer.js';
import { featureMseLoss, lpipsDistance } from './perceptual.js';
import { Stage1aTrainer } from './stage-1a.js';
import { Stage1bTrainer, randomChainTimesteps, sampleChain, sampleChainGradients } from './stage-1b.js';

const perceptual = lpipsDistance(poolFeatures);

function decoderVariables(model: FlowmoTokenizer): tf.Variable[] {
  return model
    .namedParameters()
    .filter(([n]) => n.startsWith('decoder.'))
    .map(([, p]) => p.variable);
}

describe('Stage 1B (mode seeking)', () => {
  it('draws random chain times from 1 down to 0', () => {
    const ts = randomChainTimesteps(3, 8, new Rng(1));
    expect(ts).toHaveLength(3);
    for (const row of ts) {
      expect(row).toHaveLength(9);
      expect(row[0]).toBe(1);
      expect(row[8]).toBe(0);
      row.slice(1).forEach((t, i) => expect(t).toBeLessThan(row[i]!));
    }
    expect(ts[0]).not.toEqual(ts[1]);
  });

  it('checkpointed chain gradients equal plain backpropagation through the whole chain', async () => {
    const model = new FlowmoTokenizer(TINY, { rng: new Rng(3) });
    const images = smoothImages(2, 16, 7);
    const vars = decoderVariables(model);
    const [code, noise] = tf.tidy(() => [model.decoderCode(model.quantize(model.encodeLatent(images), { losses: false }).quantized), new Rng(4).normal([2, 16, 16, 3])]);
    const ts = randomChainTimesteps(2, 3, new Rng(5));
    const loss = (s: tf.Tensor4D): tf.Scalar => perceptual(s, images);
    await expectNoLeaks(() => {
      const r = sampleChainGradients(model, code!, noise!, ts, loss, vars);
      tf.dispose([r.sample, ...Object.values(r.grads)]);
    });
    const ours = sampleChainGradients(model, code!, noise!, ts, loss, vars);
    const direct = tf.variableGrads(() => loss(sampleChain(model, code!, noise!, ts)), vars);
    expect(ours.loss).toBeCloseTo(direct.value.dataSync()[0]!, 5);
    // The latent-stream readout of the last block never reaches the image: no gradient, as in PyTorch.
    expect(Object.keys(ours.grads).sort()).toEqual(Object.keys(direct.grads).sort());
    for (const [name, g] of Object.entries(direct.grads)) {
      const scale = tf.max(tf.abs(g)).dataSync()[0]! + 1e-8;
      expect(tf.max(tf.abs(tf.sub(ours.grads[name]!, g))).dataSync()[0]! / scale, name).toBeLessThan(1e-3);
    }
    tf.dispose([images, code!, noise!, ours.sample, direct.value, ...Object.values(ours.grads), ...Object.values(direct.grads)]);
    model.dispose();
  });

  it('lowers the loss of the differentiated sample on a tiny problem, training only the decoder', async () => {
    const model = new FlowmoTokenizer(TINY, { rng: new Rng(6) });
    const images = smoothImages(4, 16, 8);
    // A short Stage 1A first, as in the official recipe.
    const pre = new Stage1aTrainer(model, { lr: 3e-3, seed: 1 });
    for (let i = 0; i < 15; i++) pre.trainStep(images);
    pre.dispose();
    // Pixel MSE as the "perceptual" network: the clearest signal for a 20-step test.
    const mse = featureMseLoss((x) => [x]);
    const trainer = new Stage1bTrainer(model, { lr: 4e-3, sampleSteps: 3, sampleWeight: 1, perceptual: mse, seed: 2 });
    const [code, noise] = tf.tidy(() => [model.decoderCode(model.quantize(model.encodeLatent(images), { losses: false }).quantized), new Rng(9).normal([4, 16, 16, 3])]);
    const ts = randomChainTimesteps(4, 3, new Rng(10));
    const sampleLoss = (): number => tf.tidy(() => mse(sampleChain(model, code!, noise!, ts), images).dataSync()[0]!);
    const encoderBefore = tf.clone(model.encoder.imgIn.weight);
    const before = sampleLoss();
    const first = trainer.trainStep(images);
    expect(Object.keys(first).sort()).toEqual(['diffusion', 'loss', 'quantizer', 'sample']);
    await expectNoLeaks(() => trainer.trainStep(images));
    for (let i = 0; i < 30; i++) trainer.trainStep(images);
    const after = sampleLoss();
    expect(after).toBeLessThan(0.8 * before);
    expect(tf.max(tf.abs(tf.sub(encoderBefore, model.encoder.imgIn.weight))).dataSync()[0]).toBe(0);
    expect(() => new Stage1bTrainer(model, {} as never)).toThrow(/needs a perceptual loss/);
    tf.dispose([images, code!, noise!, encoderBefore]);
    trainer.dispose();
    model.dispose();
  });
});
