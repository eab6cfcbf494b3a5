import { ConfigError, PatchworkError, Rng, ShapeError, StateDictError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Linear } from '../nn/linear.js';
import { Adam, AdamW } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';

/** Deterministic gradients for every parameter of `net` at step `k`. */
function gradsFor(net: Linear, k: number): Map<tf.Variable, tf.Tensor> {
  return new Map(
    net.parameters().map((v, j) => {
      const values = Array.from({ length: v.size }, (_, i) => Math.sin(0.7 * i + 1.3 * k + j));
      return [v, tf.tensor(values, v.shape)] as const;
    }),
  );
}

function stepWith(opt: Optimizer, net: Linear, k: number): void {
  const grads = gradsFor(net, k);
  opt.step(grads);
  tf.dispose([...grads.values()]);
}

const weightsOf = (net: Linear) => net.parameters().map((v) => Array.from(v.dataSync()));

const factories: [string, (net: Linear) => Optimizer][] = [
  ['AdamW', (net) => new AdamW(net, { lr: 1e-2, weightDecay: 0.05 })],
  ['Adam', (net) => new Adam(net, { lr: 1e-2, betas: [0, 0.99] })],
  ['SGD', (net) => new SGD(net, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })],
];

describe('optimizer state dict', () => {
  it('names state after the PyTorch parameters, in PyTorch layout, with JSON settings', () => {
    const net = new Linear(3, 2, { rng: new Rng(1) });
    const opt = new AdamW(net, { lr: 1e-3, betas: [0.9, 0.95] });
    for (let k = 0; k < 3; k++) stepWith(opt, net, k);
    const { tensors, meta } = opt.stateDict();
    expect(Object.keys(tensors)).toEqual(['state.weight.exp_avg', 'state.weight.exp_avg_sq', 'state.weight.step', 'state.bias.exp_avg', 'state.bias.exp_avg_sq', 'state.bias.step']);
    expect(tensors['state.weight.exp_avg']!.shape).toEqual([2, 3]);
    expect(tensors['state.weight.step']!.dtype).toBe('int32');
    expect(tensors['state.weight.step']!.dataSync()[0]).toBe(3);
    expect(meta).toEqual({
      type: 'AdamW',
      lr: 1e-3,
      hyperparams: { betas: [0.9, 0.95], eps: 1e-8 },
      groups: [{ names: ['weight', 'bias'], lrScale: 1, weightDecay: 1e-2 }],
    });
    expect(JSON.parse(JSON.stringify(meta))).toEqual(meta);
    tf.dispose(Object.values(tensors));
    opt.dispose();
    net.dispose();
  });

  for (const [kind, make] of factories) {
    it(`${kind}: a loaded state resumes exactly where the saved one left off`, () => {
      const a = new Linear(3, 2, { rng: new Rng(1) });
      const optA = make(a);
      optA.setLr(optA.lr * 0.5);
      for (let k = 0; k < 3; k++) stepWith(optA, a, k);
      const weights = a.stateDict();
      const state = optA.stateDict();

      const b = new Linear(3, 2, { rng: new Rng(2) });
      b.loadStateDict(weights);
      const optB = make(b);
      optB.loadStateDict(state);
      expect(optB.lr).toBe(optA.lr);
      for (let k = 3; k < 6; k++) {
        stepWith(optA, a, k);
        stepWith(optB, b, k);
      }
      expect(weightsOf(b)).toEqual(weightsOf(a));
      tf.dispose([...Object.values(weights), ...Object.values(state.tensors)]);
      for (const o of [optA, optB]) o.dispose();
      for (const n of [a, b]) n.dispose();
    });
  }

  it('restores hyperparameters and group settings, as torch load_state_dict does', () => {
    const net = new Linear(3, 2);
    const saved = new AdamW(net, { lr: 0.1, betas: [0.5, 0.6], eps: 1e-4, weightDecay: 0.3 });
    const opt = new AdamW(net);
    opt.loadStateDict(saved.stateDict());
    expect([opt.lr, opt.betas, opt.eps, opt.paramGroups[0]!.weightDecay]).toEqual([0.1, [0.5, 0.6], 1e-4, 0.3]);
    net.dispose();
  });

  it('reports every problem and changes nothing', () => {
    const net = new Linear(3, 2);
    const opt = new AdamW(net);
    stepWith(opt, net, 0);
    const good = opt.stateDict();
    const bad: { tensors: Record<string, tf.Tensor>; meta: typeof good.meta } = {
      tensors: { ...good.tensors, 'state.weight.exp_avg': tf.zeros([3, 2]), 'state.other.exp_avg': tf.zeros([1]) },
      meta: good.meta,
    };
    delete bad.tensors['state.bias.step'];
    expect(() => opt.loadStateDict(bad)).toThrow(StateDictError);
    expect(() => opt.loadStateDict(bad)).toThrow(/state.weight.exp_avg: shape \[3, 2\] saved, \[2, 3\] expected/);
    expect(() => opt.loadStateDict(bad)).toThrow(/unexpected key: state.other.exp_avg/);
    expect(() => opt.loadStateDict(bad)).toThrow(/missing key: state.bias.step/);
    expect(() => opt.loadStateDict({ ...good, meta: { ...good.meta, groups: [{ names: ['weight'], lrScale: 1, weightDecay: 0 }] } })).toThrow(
      /group 0: saved parameters \[weight\], this optimizer has \[weight, bias\]/,
    );
    expect(() => opt.loadStateDict({ ...good, meta: { ...good.meta, hyperparams: { betas: [1.5, 0.9], eps: 0 } } })).toThrow(/invalid hyperparameters: betas.0/);
    expect(() => opt.loadStateDict({ ...good, meta: { ...good.meta, lr: -1 } })).toThrow(ConfigError);
    const sgd = new SGD(net, { lr: 0.1, momentum: 0.9 });
    expect(() => sgd.loadStateDict(good)).toThrow(/saved by AdamW, loading into SGD/);

    const after = opt.stateDict();
    expect(Object.keys(after.tensors)).toEqual(Object.keys(good.tensors));
    expect(Array.from(after.tensors['state.weight.exp_avg']!.dataSync())).toEqual(Array.from(good.tensors['state.weight.exp_avg']!.dataSync()));
    tf.dispose([...Object.values(good.tensors), ...Object.values(after.tensors), bad.tensors['state.weight.exp_avg']!, bad.tensors['state.other.exp_avg']!]);
    opt.dispose();
    net.dispose();
  });
});

describe('optimizer step', () => {
  it('accepts tf.variableGrads output (keyed by variable name) like a Map', () => {
    const [a, b] = [new Linear(3, 2, { rng: new Rng(3) }), new Linear(3, 2, { rng: new Rng(3) })];
    const [optA, optB] = [new AdamW(a), new AdamW(b)];
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 7);
    for (const [net, opt] of [[a, optA], [b, optB]] as const) {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x))) as tf.Scalar, net.parameters());
      opt.step(net === a ? grads : new Map(net.parameters().map((v) => [v, grads[v.name]!])));
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(weightsOf(a)).toEqual(weightsOf(b));
    x.dispose();
    for (const n of [a, b]) n.dispose();
    for (const o of [optA, optB]) o.dispose();
  });

  it('skips parameters without a gradient (null included) and honours group changes between steps', () => {
    const net = new Linear(3, 2);
    const opt = new SGD(net, { lr: 0.1 });
    const before = weightsOf(net);
    const g = tf.onesLike(net.weight);
    opt.step(new Map<tf.Variable, tf.Tensor | null>([[net.weight, g], [net.bias!, null]]));
    expect(weightsOf(net)[1]).toEqual(before[1]);
    expect(weightsOf(net)[0]).not.toEqual(before[0]);
    opt.paramGroups[0]!.lrScale = 0;
    const now = weightsOf(net);
    opt.step(new Map([[net.weight, g]]));
    expect(weightsOf(net)).toEqual(now);
    g.dispose();
    net.dispose();
  });

  it('rejects gradients it cannot apply, before touching anything', () => {
    const net = new Linear(3, 2);
    const other = new Linear(3, 2);
    const opt = new AdamW(net);
    const before = weightsOf(net);
    const good = tf.onesLike(net.weight);
    const foreign = tf.onesLike(other.weight);
    expect(() => opt.step(new Map([[net.weight, good], [other.weight, foreign]]))).toThrow(/does not manage/);
    const wrong = tf.ones([2, 3]);
    expect(() => opt.step(new Map([[net.weight, wrong]]))).toThrow(ShapeError);
    expect(weightsOf(net)).toEqual(before);
    tf.dispose([good, foreign, wrong]);
    for (const n of [net, other]) n.dispose();
  });

  it('validates params and options with clear errors', () => {
    const net = new Linear(3, 2);
    expect(() => new AdamW([])).toThrow(/empty parameter list/);
    expect(() => new AdamW([{ variables: [net.weight] }, { variables: [net.weight] }])).toThrow(/more than one parameter group/);
    expect(() => new AdamW([{ variables: [net.weight], names: ['a', 'b'] }])).toThrow(/2 names for 1 variables/);
    expect(() => new AdamW(net, { betas: [0.9, 1] })).toThrow(/betas.1/);
    expect(() => new AdamW(net, { lr: -1 })).toThrow(ConfigError);
    expect(() => new SGD(net, { lr: 0.1, nesterov: true })).toThrow(/nesterov: Nesterov momentum requires a momentum and zero dampening/);
    expect(() => new SGD(net, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new AdamW(net).setLr(Number.NaN)).toThrow(PatchworkError);
    net.dispose();
  });

  for (const [kind, make] of factories) {
    it(`${kind}: steps leak nothing; dispose frees the state`, async () => {
      const net = new Linear(3, 2);
      await expectNoLeaks(() => {
        const opt = make(net);
        stepWith(opt, net, 0);
        const withState = tf.memory().numTensors;
        for (let k = 1; k < 20; k++) stepWith(opt, net, k);
        expect(tf.memory().numTensors).toBe(withState);
        const sd = opt.stateDict();
        opt.loadStateDict(sd);
        tf.dispose(Object.values(sd.tensors));
        expect(tf.memory().numTensors).toBe(withState);
        opt.dispose();
      });
      net.dispose();
    });
  }
});
