import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { tf } from './tf.js';
import { expectNoLeaks } from './testing/index.js';

describe('Rng', () => {
  it('same seed gives the same stream, different seeds differ', () => {
    const a = new Rng(42).uniformArray(8);
    const b = new Rng(42).uniformArray(8);
    const c = new Rng(43).uniformArray(8);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('resumes exactly from a saved state', () => {
    const r = new Rng(7);
    r.normalArray(5);
    const state = r.getState();
    const next = r.normalArray(3);
    expect(Array.from(new Rng(state).normalArray(3))).toEqual(Array.from(next));
  });

  it('has the right moments and bounds', () => {
    const r = new Rng(1);
    const n = 20000;
    const u = r.uniformArray(n);
    const z = r.normalArray(n, 2, 3);
    const t = r.truncatedNormalArray(n, 0, 1, -2, 2);
    const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;
    const std = (x: Float32Array) => Math.sqrt(mean(x.map((v) => (v - mean(x)) ** 2)));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 1);
    expect(mean(z)).toBeCloseTo(2, 1);
    expect(std(z)).toBeCloseTo(3, 1);
    expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(2);
  });

  it('permutation is a permutation', () => {
    const p = Array.from(new Rng(3).permutation(100));
    expect([...p].sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
    expect(p).not.toEqual([...Array(100).keys()]);
  });

  it('rejects bad seeds and states', () => {
    expect(() => new Rng(Number.NaN)).toThrow(/finite/);
    expect(() => new Rng([0, 0, 0, 0])).toThrow(/all zero/);
  });

  it('tensor draws do not leak beyond the returned tensor', async () => {
    const r = new Rng(5);
    const t = await expectNoLeaks(() => r.normal([2, 3]), 1);
    expect(t.shape).toEqual([2, 3]);
    t.dispose();
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });
});

describe('Rng.fork', () => {
  it('gives an independent, reproducible stream', () => {
    const a = new Rng(11).fork();
    const b = new Rng(11).fork();
    expect(Array.from(a.uniformArray(4))).toEqual(Array.from(b.uniformArray(4)));
    const parent = new Rng(11);
    const child = parent.fork();
    expect(Array.from(child.uniformArray(4))).not.toEqual(Array.from(parent.uniformArray(4)));
  });
});
