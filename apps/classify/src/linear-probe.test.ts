import { AdamW, trainStep, weightDecayGroups } from '@patchwork/layers';
import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { createVit } from '@patchwork/vit';
import { describe, expect, it } from 'vitest';
import { LinearProbe, ProbeHead } from './linear-probe.js';

const images = (n: number, seed = 0): tf.Tensor4D => new Rng(seed).normal([n, 28, 28, 1]) as tf.Tensor4D;

describe('ProbeHead', () => {
  it("has MAE's BatchNorm1d(affine=False, eps=1e-6) + Linear names and standardises each feature by batch statistics", () => {
    const head = new ProbeHead(8, 3, { rng: new Rng(0) });
    expect(Object.keys(head.stateDict()).sort()).toEqual(['0.num_batches_tracked', '0.running_mean', '0.running_var', '1.bias', '1.weight']);
    expect(head.namedParameters().map(([n]) => n)).toEqual(['1.weight', '1.bias']);
    expect(head.norm.eps).toBe(1e-6);
    const w = Array.from(head.fc.weight.dataSync());
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.005);
    expect(std).toBeLessThan(0.02);
    expect(Array.from(head.fc.bias!.dataSync())).toEqual([0, 0, 0]);

    // Features with wildly different scales give the same logits once standardised.
    const x = new Rng(1).normal([16, 8]);
    const scaled = tf.add(tf.mul(x, 1000), 7);
    const [a, b] = [head.forward(x), head.forward(scaled)];
    expect(Math.max(...tf.abs(tf.sub(a, b)).dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, scaled, a, b]);
    expect(() => head.forward(tf.zeros([4, 9]))).toThrow(/ProbeHead: expected features \[B, 8\], got \[4, 9\]/);
    head.dispose();
  });
});

describe('LinearProbe', () => {
  it('reads the class token after the final norm, or the mean patch token after fc_norm', async () => {
    for (const globalPool of ['token', 'avg'] as const) {
      const vit = createVit('vit_micro_patch4_28', { numClasses: 0, globalPool }, { rng: new Rng(2) });
      const probe = new LinearProbe(vit, 10, { rng: new Rng(0) });
      const x = images(3);
      const feats = await expectNoLeaks(() => probe.features(x), 1);
      const tokens = vit.forwardFeatures(x); // [3, 50, 64]
      const want =
        globalPool === 'token' ? tf.reshape(tf.slice(tokens, [0, 0, 0], [3, 1, 64]), [3, 64]) : vit.fcNorm!.forward(tf.mean(tf.slice(tokens, [0, 1, 0], [3, 49, 64]), 1));
      expect(feats.shape).toEqual([3, 64]);
      expect(Math.max(...tf.abs(tf.sub(feats, want)).dataSync())).toBeLessThan(1e-5);
      const logits = await expectNoLeaks(() => probe.forward(x), 1);
      expect(logits.shape).toEqual([3, 10]);
      tf.dispose([x, feats, tokens, want, logits]);
      probe.dispose();
    }
  });

  it('trains only the head: every encoder parameter stays bit-identical', () => {
    const vit = createVit('vit_micro_patch4_28', { numClasses: 0 }, { rng: new Rng(2) });
    const probe = new LinearProbe(vit, 10, { rng: new Rng(0) });
    const snapshot = (m: LinearProbe): Record<string, number[]> => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync()) as number[]]));
    const before = snapshot(probe);
    const groups = weightDecayGroups(probe, { weightDecay: 0 });
    expect(groups.flatMap((g) => g.names).sort()).toEqual(['head.1.bias', 'head.1.weight']);
    const optimizer = new AdamW(groups, { lr: 0.05, weightDecay: 0 });
    const x = images(8);
    const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10), 'float32');
    const losses: number[] = [];
    probe.train();
    for (let i = 0; i < 5; i++) losses.push(trainStep({ module: probe, optimizer, lossFn: () => tf.losses.softmaxCrossEntropy(y, probe.forward(x)) as tf.Scalar }));
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const after = snapshot(probe);
    for (const k of Object.keys(before).filter((n) => n.startsWith('encoder.'))) expect(after[k], k).toEqual(before[k]);
    expect(after['head.1.weight']).not.toEqual(before['head.1.weight']);
    expect(after['head.0.running_mean']).not.toEqual(before['head.0.running_mean']);
    tf.dispose([x, y]);
    optimizer.dispose();
    probe.dispose();
  });
});
