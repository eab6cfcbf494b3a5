import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { MatDiscriminator } from './discriminator.js';
import { MatGenerator } from './generator.js';
import { MAT_PERCEPTUAL_WEIGHTS, PerceptualLoss, Vgg19Features, discriminatorLoss, generatorAdversarialLoss, r1Penalty } from './losses.js';
import { MatTrainer, emaDecay } from './trainer.js';
import { MICRO, batch } from './__fixtures__/micro.js';

const softplus = (x: number): number => Math.log1p(Math.exp(x));

describe('MAT losses', () => {
  it('non-saturating G and logistic D losses over both discriminators', () => {
    const fake = { logits: tf.tensor2d([[0.5], [-1]]), logitsStg1: tf.tensor2d([[2], [0]]) };
    const real = { logits: tf.tensor2d([[1], [3]]), logitsStg1: tf.tensor2d([[-2], [0.25]]) };
    const g = generatorAdversarialLoss(fake).dataSync()[0]!;
    expect(g).toBeCloseTo((softplus(-0.5) + softplus(-2) + softplus(1) + softplus(0)) / 2, 5);
    const d = discriminatorLoss(fake, real).dataSync()[0]!;
    const dFake = (softplus(0.5) + softplus(2) + softplus(-1) + softplus(0)) / 2;
    const dReal = (softplus(-1) + softplus(2) + softplus(-3) + softplus(-0.25)) / 2;
    expect(d).toBeCloseTo(dFake + dReal, 5);
    tf.dispose([fake.logits, fake.logitsStg1, real.logits, real.logitsStg1]);
  });

  it('R1 is γ/2·‖∇D‖² per discriminator and has finite gradients for D (a second derivative)', () => {
    const D = new MatDiscriminator(MICRO, { rng: new Rng(3) });
    const { images, masks } = batch(4, 32, 32);
    const pen = r1Penalty(D, images, masks, 10).dataSync()[0]!;
    const manual = tf.tidy(() => {
      const [g] = tf.grads((x: tf.Tensor) => tf.sum(D.forward(x as tf.Tensor4D, masks, images).logits))([images]);
      const [g1] = tf.grads((x: tf.Tensor) => tf.sum(D.forward(images, masks, x as tf.Tensor4D).logitsStg1))([images]);
      return tf.mul(tf.mean(tf.add(tf.sum(tf.square(g!), [1, 2, 3]), tf.sum(tf.square(g1!), [1, 2, 3]))), 5).dataSync()[0]!;
    });
    expect(pen).toBeCloseTo(manual, 4);
    const { value, grads } = tf.variableGrads(() => r1Penalty(D, images, masks), D.parameters());
    const norms = Object.values(grads).map((g) => tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!));
    expect(norms.every(Number.isFinite)).toBe(true);
    expect(norms.some((n) => n > 0)).toBe(true);
    tf.dispose([value, ...Object.values(grads), images, masks]);
    D.dispose();
  });

  it('perceptual loss: Σ w·mean|φ(x) − φ(gt)| on [0, 1] images, any feature network', () => {
    const x = tf.tensor4d([-1, 0, 1, 1], [1, 2, 2, 1]);
    const gt = tf.tensor4d([1, 0, 1, -1], [1, 2, 2, 1]);
    const identity = new PerceptualLoss({ features: (t) => ({ pixels: tf.clone(t) }) }, { pixels: 2 });
    // |x − gt| in [0, 1] units: 1, 0, 0, 1 → mean 0.5, × 2.
    expect(identity.forward(x, gt).dataSync()[0]).toBeCloseTo(1, 6);
    expect(() => new PerceptualLoss({ features: (t) => ({ other: tf.clone(t) }) }).forward(x, gt)).toThrow(/no 'conv4_4'/);
    tf.dispose([x, gt]);
  });

  it('VGG-19 extractor has torchvision names and returns pre-ReLU conv4_4 / conv5_4', () => {
    const vgg = new Vgg19Features({ rng: new Rng(0) });
    const convIdx = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34];
    expect(Object.keys(vgg.stateDict()).sort()).toEqual(convIdx.flatMap((i) => [`features.${i}.bias`, `features.${i}.weight`]).sort());
    const f = vgg.features(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D);
    expect(f['conv4_4']!.shape).toEqual([1, 4, 4, 512]);
    expect(f['conv5_4']!.shape).toEqual([1, 2, 2, 512]);
    expect(Object.keys(MAT_PERCEPTUAL_WEIGHTS)).toEqual(['conv4_4', 'conv5_4']);
    tf.dispose(Object.values(f));
    vgg.dispose();
  });
});

describe('MatTrainer', () => {
  const setup = (seed = 0): { G: MatGenerator; D: MatDiscriminator; trainer: MatTrainer } => {
    const G = new MatGenerator(MICRO, { rng: new Rng(seed + 1) });
    const D = new MatDiscriminator(MICRO, { rng: new Rng(seed + 2) });
    const trainer = new MatTrainer(G, D, null, { batchSize: 4, lr: 2e-3, r1Interval: 2, seed });
    return { G, D, trainer };
  };

  it('loss decreases: D steps on a fixed batch separate reals from fakes, then G steps fool the fixed D', () => {
    const { G, D, trainer } = setup();
    const { images, masks } = batch(4, 32, 32);
    // Replay the same z, mixing maps and noise every step, so each phase optimises a fixed objective.
    const draws = trainer.rng.getState();
    const d = Array.from({ length: 5 }, () => {
      trainer.rng.setState(draws);
      return trainer.discriminatorStep(images, masks).dLoss;
    });
    expect(d[4]!).toBeLessThan(d[0]! - 0.05);
    const g = Array.from({ length: 5 }, () => {
      trainer.rng.setState(draws);
      return trainer.generatorStep(images, masks).gAdv;
    });
    expect(g[4]!).toBeLessThan(g[0]! - 0.05);
    trainer.dispose();
    tf.dispose([images, masks]);
    G.dispose();
    D.dispose();
  });

  it('a full step (G, D, lazy R1, EMA) leaks nothing once Adam has state, and resumes exactly from its state', async () => {
    const a = setup(5);
    const { images, masks } = batch(4, 32, 32, 1);
    const first = a.trainer.trainStep(images, masks);
    expect(first.r1).not.toBeNull(); // step 0 is an R1 step
    expect(Number.isFinite(first.gAdv) && Number.isFinite(first.dLoss)).toBe(true);
    await expectNoLeaks(() => a.trainer.trainStep(images, masks));
    const saved = a.trainer.state();
    const next = a.trainer.trainStep(images, masks);

    const b = setup(99);
    b.trainer.loadState(saved);
    expect(b.trainer.step).toBe(2);
    const resumed = b.trainer.trainStep(images, masks);
    expect(resumed.gAdv).toBeCloseTo(next.gAdv, 5);
    expect(resumed.dLoss).toBeCloseTo(next.dLoss, 5);
    expect(resumed.r1).toBeCloseTo(next.r1!, 5);

    // The EMA copy: averaged parameters, G's buffers copied.
    const ema = a.trainer.copyEmaTo(new MatGenerator(MICRO));
    const wAvg = (g: MatGenerator): number[] => Array.from(g.mapping.wAvg!.dataSync());
    expect(wAvg(ema)).toEqual(wAvg(a.G));
    expect(emaDecay(32, 10)).toBeCloseTo(0.5 ** (32 / 10000), 12);

    tf.dispose([...Object.values(saved.weights), ...Object.values(saved.optimizer.state), images, masks]);
    for (const s of [a, b]) {
      s.trainer.dispose();
      s.G.dispose();
      s.D.dispose();
    }
    ema.dispose();
  });

  it('rejects batches it cannot train on', () => {
    const { G, D, trainer } = setup();
    const wrongSize = batch(4, 64, 64);
    expect(() => trainer.trainStep(wrongSize.images, wrongSize.masks)).toThrow(/must be 32×32/);
    const wrongBatch = batch(2, 32, 32);
    expect(() => trainer.trainStep(wrongBatch.images, wrongBatch.masks)).toThrow(/batch of 2, configured batchSize 4/);
    expect(() => new MatTrainer(G, new MatDiscriminator({ ...MICRO, channelMax: 8 }), null, { batchSize: 4 })).toThrow(/different configs/);
    expect(() => new MatTrainer(G, D, null, { batchSize: 4, r1gamma: 1 } as never)).toThrow(/r1gamma/);
    tf.dispose([wrongSize.images, wrongSize.masks, wrongBatch.images, wrongBatch.masks]);
    trainer.dispose();
    G.dispose();
    D.dispose();
  });
});
