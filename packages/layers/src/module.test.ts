import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Module } from './module.js';
import { ModuleList } from './nn/containers.js';
import { Linear } from './nn/linear.js';

class Block extends Module {
  readonly fc: Linear;
  readonly stats: tf.Variable;
  constructor() {
    super();
    this.fc = this.addModule('fc', new Linear(3, 2));
    this.stats = this.addBuffer('running_mean', tf.zeros([2]));
    this.addBuffer('scratch', tf.zeros([1]), { persistent: false });
  }
}

class Net extends Module {
  readonly blocks = this.addModule('blocks', new ModuleList([new Block(), new Block()]));
  readonly head = this.addModule('head', new Linear(2, 4, { bias: false }));
}

describe('Module', () => {
  it('names parameters and buffers as PyTorch does, in torch layouts', () => {
    const net = new Net();
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual([
      'blocks.0.fc.weight',
      'blocks.0.fc.bias',
      'blocks.1.fc.weight',
      'blocks.1.fc.bias',
      'head.weight',
      'blocks.0.running_mean',
      'blocks.1.running_mean',
    ]);
    expect(sd['blocks.0.fc.weight']!.shape).toEqual([2, 3]);
    expect(net.numParameters()).toBe(2 * (3 * 2 + 2) + 2 * 4);
    tf.dispose(Object.values(sd));
    net.dispose();
  });

  it('round-trips a state dict into a fresh module', () => {
    const a = new Net();
    const b = new Net();
    const sd = a.stateDict();
    b.loadStateDict(sd);
    const x = tf.randomNormal([5, 3]);
    const ya = a.head.forward(a.blocks.at(1).fc.forward(x));
    const yb = b.head.forward(b.blocks.at(1).fc.forward(x));
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
    tf.dispose([x, ya, yb, ...Object.values(sd)]);
    a.dispose();
    b.dispose();
  });

  it('reports missing, unexpected and mis-shaped keys precisely', () => {
    const net = new Net();
    const sd = net.stateDict();
    const bad: Record<string, tf.Tensor> = { ...sd, 'head.weight': tf.zeros([4, 3]), 'extra.bias': tf.zeros([1]) };
    delete bad['blocks.1.fc.bias'];
    expect(() => net.loadStateDict(bad)).toThrow(/head.weight: shape \[4, 3\] in the checkpoint, \[4, 2\] in the model/);
    expect(() => net.loadStateDict(bad)).toThrow(/missing key: blocks.1.fc.bias/);
    expect(() => net.loadStateDict(bad)).toThrow(/unexpected key: extra.bias/);
    bad['head.weight'] = sd['head.weight']!;
    expect(net.loadStateDict(bad, { strict: false })).toEqual({ missing: ['blocks.1.fc.bias'], unexpected: ['extra.bias'] });
    expect(() => net.loadStateDict({ 'other.weight': tf.zeros([1]) })).toThrow(/another model/);
    tf.dispose([...Object.values(sd), bad['extra.bias']!]);
    net.dispose();
  });

  it('train/eval propagate; dispose frees everything', async () => {
    await expectNoLeaks(() => {
      const net = new Net();
      net.eval();
      expect(net.blocks.at(0).fc.training).toBe(false);
      net.train();
      expect(net.blocks.at(1).training).toBe(true);
      net.dispose();
    });
  });

  it('rejects duplicate and dotted member names', () => {
    class Bad extends Module {
      constructor() {
        super();
        this.addParameter('w', tf.zeros([1]));
        this.addParameter('w', tf.zeros([1]));
      }
    }
    expect(() => new Bad()).toThrow(/already has a member named 'w'/);
  });
});

describe('Sequential', () => {
  it('chains children under torch indices', async () => {
    const { Sequential } = await import('./nn/containers.js');
    const seq = new Sequential([new Linear(3, 4), new Linear(4, 2)]);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    const x = tf.ones([2, 3]);
    const y = await expectNoLeaks(() => seq.forward(x), 1);
    const ref = seq.at(1).forward(seq.at(0).forward(x));
    expect(Array.from(y.dataSync())).toEqual(Array.from(ref.dataSync()));
    tf.dispose([x, y, ref]);
    seq.dispose();
  });
});
