import { Rng, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { sampleTimesteps } from './rectified-flow.js';
import { edmToFlow, guidanceMask, parseSamplerOptions, rfSample, samplingSchedule } from './sampler.js';

describe('rectified-flow sampler', () => {
  it('builds the ρ-shifted schedule: ρ = 1 is linear, ρ = 4 the official pow_0.25', () => {
    const lin = samplingSchedule(4, 1);
    expect(lin.ts).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(lin.dts).toEqual([0.25, 0.25, 0.25, 0.25]);
    const shifted = samplingSchedule(4, 4);
    expect(shifted.ts.map((t) => +t.toFixed(4))).toEqual([1, 0.3164, 0.0625, 0.0039, 0]);
    expect(shifted.dts[0]).toBeCloseTo(0.6836, 4);
    // Guidance only inside the EDM interval (0.17, 1.02) → t ∈ [0.1453, 0.5050].
    expect(edmToFlow(0.17)).toBeCloseTo(0.1453, 4);
    expect(guidanceMask(shifted.ts, 1.5, [0.17, 1.02])).toEqual([false, true, false, false]);
    expect(guidanceMask(shifted.ts, 1, [0.17, 1.02])).toEqual([false, false, false, false]);
    expect(guidanceMask(shifted.ts, 2, null)).toEqual([true, true, true, true]);
  });

  it('lands exactly on the data for the exact velocity, for any schedule and guidance', async () => {
    // For the straight path z_t = (1 − t)x + t·z₁ the velocity is (z − x)/t; Euler is then exact.
    const x = tf.tidy(() => tf.tanh(new Rng(1).normal([2, 4, 4, 3])));
    const noise = new Rng(2).normal([2, 4, 4, 3]);
    const code = tf.zeros([2, 1, 1]);
    const velocity = (z: tf.Tensor, t: tf.Tensor): tf.Tensor => tf.div(tf.sub(z, x), tf.reshape(t, [-1, 1, 1, 1]));
    for (const rho of [1, 4]) {
      const { settings } = parseSamplerOptions({ steps: 5, rho, cfg: 1.5, keepChain: true });
      const out = await expectNoLeaks(() => rfSample(velocity, code, noise, settings), 6);
      expect(tf.max(tf.abs(tf.sub(out.image, x))).dataSync()[0]).toBeLessThan(1e-5);
      expect(out.chain).toHaveLength(5);
      tf.dispose([out.image, ...out.chain]);
    }
    tf.dispose([x, noise, code]);
  });

  it('draws thick-tailed logit-normal training times with a 10 % uniform share', () => {
    const t = sampleTimesteps(20_000, new Rng(3));
    const high = t.filter((v) => v > 0.95).length / t.length;
    const plain = sampleTimesteps(20_000, new Rng(3), 'lognormal').filter((v) => v > 0.95).length / 20_000;
    // σ(N(0,1)) puts ~0.2 % of its mass above 0.95; the uniform tail adds ~0.1 × 5 %.
    expect(plain).toBeLessThan(0.005);
    expect(high).toBeGreaterThan(0.004);
    expect(high).toBeLessThan(0.01);
    expect(Array.from(sampleTimesteps(3, new Rng(0), 0.3))).toEqual([0.3, 0.3, 0.3].map(Math.fround));
    expect(() => sampleTimesteps(2, new Rng(0), 1.5)).toThrow(/\[0, 1\]/);
  });
});
