import { Rng, StateDictError, tf } from '@patchwork/tensor-core';
import { assertAllClose, expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Module } from '../module.js';
import { Linear } from '../nn/linear.js';
import { ModelEma } from './ema.js';

/** A linear layer with a float running-stat buffer and an integer counter, as BatchNorm has. */
class Net extends Module {
  readonly fc: Linear;
  readonly running: tf.Variable;
  readonly count: tf.Variable;
  constructor(seed: number) {
    super();
    this.fc = this.addModule('fc', new Linear(3, 2, { rng: new Rng(seed) }));
    this.running = this.addBuffer('running_mean', tf.fill([2], seed));
    this.count = this.addBuffer('num_batches_tracked', tf.scalar(seed, 'int32'));
    this.addBuffer('scratch', tf.zeros([1]), { persistent: false });
  }
}

describe('ModelEma (timm ModelEmaV2/V3)', () => {
  it('averages parameters and float buffers, copies integer buffers', () => {
    const model = new Net(1);
    const ema = new ModelEma(model, { decay: 0.9 });
    const w0 = model.fc.weight.dataSync().slice();
    const other = new Net(2);
    const otherSd = other.stateDict();
    model.loadStateDict(otherSd);
    tf.dispose(Object.values(otherSd));
    ema.update(model);
    const sd = ema.stateDict();
    // timm V2: decay·ema + (1 − decay)·model, in PyTorch layout ([out, in] for the weight).
    const want = tf.tidy(() => tf.transpose(tf.add(tf.mul(tf.tensor(w0, [3, 2]), 0.9), tf.mul(other.fc.weight, 0.1))));
    assertAllClose(sd['fc.weight']!, want, { atol: 1e-7 });
    assertAllClose(sd.running_mean!, [1.1, 1.1], { atol: 1e-6 });
    expect(sd.num_batches_tracked!.dataSync()[0]).toBe(2);
    expect(Object.keys(sd)).toEqual(['fc.weight', 'fc.bias', 'running_mean', 'num_batches_tracked']);
    tf.dispose([...Object.values(sd), want]);
    for (const d of [ema, model, other]) d.dispose();
  });

  it('decayAt follows ModelEmaV3.get_decay', () => {
    const model = new Net(1);
    const plain = new ModelEma(model, { decay: 0.999 });
    expect([plain.decayAt(), plain.decayAt(0), plain.decayAt(1), plain.decayAt(2)]).toEqual([0.999, 0, 0, 0.999]);
    const warm = new ModelEma(model, { decay: 0.999, warmup: true });
    // step 11 → 1 − (1 + 10)^(−2/3); large steps reach the target decay.
    expect(warm.decayAt(11)).toBeCloseTo(1 - 11 ** (-2 / 3), 15);
    expect(warm.decayAt(1e9)).toBe(0.999);
    const gamma = new ModelEma(model, { decay: 0.9999, warmup: true, warmupGamma: 2, warmupPower: 0.75 });
    expect(gamma.decayAt(5)).toBeCloseTo(1 - (1 + 4 / 2) ** -0.75, 15);
    for (const d of [plain, warm, gamma, model]) d.dispose();
  });

  it('copyTo writes the average into a module; the state dict round-trips', () => {
    const model = new Net(1);
    const ema = new ModelEma(model, { decay: 0.5 });
    const other = new Net(3);
    ema.update(other, 5);
    const target = new Net(4);
    ema.copyTo(target);
    const sd = ema.stateDict();
    const tsd = target.stateDict();
    for (const k of Object.keys(sd)) expect(Array.from(tsd[k]!.dataSync())).toEqual(Array.from(sd[k]!.dataSync()));

    const restored = new ModelEma(new Net(9));
    restored.loadStateDict(sd);
    const rsd = restored.stateDict();
    for (const k of Object.keys(sd)) expect(Array.from(rsd[k]!.dataSync())).toEqual(Array.from(sd[k]!.dataSync()));
    tf.dispose([...Object.values(sd), ...Object.values(tsd), ...Object.values(rsd)]);
    for (const d of [ema, restored, model, other, target]) d.dispose();
  });

  it('rejects a module or state dict of another architecture', () => {
    const ema = new ModelEma(new Linear(3, 2));
    const wrong = new Linear(2, 3);
    expect(() => ema.update(wrong)).toThrow(StateDictError);
    const weight = tf.zeros([3, 2]);
    expect(() => ema.loadStateDict({ weight })).toThrow(/weight: shape \[3, 2\] saved, \[2, 3\] expected[\s\S]*missing key: bias/);
    weight.dispose();
    wrong.dispose();
    ema.dispose();
  });

  it('update / set / copyTo leak nothing', async () => {
    const model = new Net(1);
    const target = new Net(2);
    await expectNoLeaks(() => {
      const ema = new ModelEma(model, { warmup: true });
      for (let step = 1; step <= 20; step++) ema.update(model, step);
      ema.set(model);
      ema.copyTo(target);
      ema.dispose();
    });
    model.dispose();
    target.dispose();
  });
});
