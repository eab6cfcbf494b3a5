import { ShapeError, tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { BatchNorm2d } from './batchnorm.js';
import { close, gradsOf, load, loadFixture, nhwc } from './__fixtures__/reference.js';
import type { Encoded } from './__fixtures__/reference.js';

// Reference values: tooling/reference/layers_reference.py (torch.nn.BatchNorm2d, one forward + backward).
interface BnCase {
  name: string;
  mode: 'train' | 'eval';
  config: { momentum?: number | null; affine?: boolean; eps?: number; track_running_stats?: boolean };
  state_dict: Record<string, Encoded>;
  state_after: Record<string, Encoded>;
  x: Encoded;
  y: Encoded;
  dy: Encoded;
  grads: Record<string, Encoded>;
}
const { cases } = loadFixture<{ cases: BnCase[] }>('batchnorm2d.json');

function build(c: BnCase): BatchNorm2d {
  const { momentum, affine, eps, track_running_stats: trackRunningStats } = c.config;
  const bn = new BatchNorm2d(3, { momentum, affine, eps, trackRunningStats });
  load(bn, c.state_dict);
  return bn.train(c.mode === 'train');
}

describe('BatchNorm2d', () => {
  it.each(cases.map((c) => [c.name, c] as const))('forward, gradients and running stats match torch: %s', (_, c) => {
    const bn = build(c);
    const [x, dy, dx] = [nhwc(c.x), nhwc(c.dy), nhwc(c.grads['x']!)];
    const { y, grads } = gradsOf(bn, (xx) => bn.forward(xx), x, dy);
    const want = nhwc(c.y);
    close(y, want, 1e-5, `bn ${c.name} y`);
    close(grads['x']!, dx, 1e-5, `bn ${c.name} dx`);
    for (const name of ['weight', 'bias']) {
      if (c.grads[name] !== undefined) close(grads[name]!, c.grads[name], 1e-4, `bn ${c.name} d${name}`);
    }
    // Exactly one update (the forward inside variableGrads), as the one torch forward made.
    const after = bn.stateDict();
    expect(Object.keys(after)).toEqual(Object.keys(c.state_after));
    for (const [name, value] of Object.entries(after)) close(value, c.state_after[name]!, 1e-6, `bn ${c.name} ${name}`);
    tf.dispose([x, dy, dx, y, want, ...Object.values(grads), ...Object.values(after)]);
    bn.dispose();
  });

  it('updates running stats inside variableGrads without leaking or tracing into the buffers', async () => {
    const bn = new BatchNorm2d(2);
    const x = tf.randomNormal([3, 2, 2, 2]);
    await expectNoLeaks(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(bn.forward(x))) as tf.Scalar);
      expect(Object.keys(grads).sort()).toEqual(bn.parameters().map((v) => v.name).sort());
      tf.dispose([value, ...Object.values(grads)]);
      bn.forward(x).dispose();
    });
    expect(bn.numBatchesTracked!.dataSync()[0]).toBe(2);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(bn.numBatchesTracked!.shape).toEqual([]);
    bn.eval();
    await expectNoLeaks(() => bn.forward(x).dispose());
    expect(bn.numBatchesTracked!.dataSync()[0]).toBe(2);
    x.dispose();
    bn.dispose();
  });

  it('has the PyTorch state-dict names', () => {
    const bn = new BatchNorm2d(4);
    const plain = new BatchNorm2d(4, { affine: false, trackRunningStats: false });
    const sd = bn.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]))).toEqual({
      weight: [4],
      bias: [4],
      running_mean: [4],
      running_var: [4],
      num_batches_tracked: [],
    });
    expect(Object.keys(plain.stateDict())).toEqual([]);
    tf.dispose(Object.values(sd));
    bn.dispose();
    plain.dispose();
  });

  it('rejects bad shapes with a ShapeError naming the module', () => {
    const bn = new BatchNorm2d(3);
    const nchw = tf.zeros([2, 3, 4, 4]);
    const single = tf.zeros([1, 1, 1, 3]);
    expect(() => bn.forward(nchw)).toThrow(ShapeError);
    expect(() => bn.forward(nchw)).toThrow('BatchNorm2d: expected input [N, H, W, 3] (NHWC), got [2, 3, 4, 4]');
    expect(() => bn.forward(single)).toThrow(/more than 1 value per channel/);
    bn.eval();
    bn.forward(single).dispose();
    tf.dispose([nchw, single]);
    bn.dispose();
  });
});
