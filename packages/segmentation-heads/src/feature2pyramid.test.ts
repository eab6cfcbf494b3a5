import { ConfigError, ShapeError, nchwToNhwc, tf } from '@patchwork/tensor-core';
import { expectNoLeaks, maxAbsDiff } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { Feature2Pyramid } from './feature2pyramid.js';
import { camelConfig, errNchw, gradients, inputs, loadCase, report } from './__fixtures__/cases.js';

// Reference: mmseg's Feature2Pyramid re-typed in plain PyTorch (reference/mmseg_modules.py).
const ATOL = 1e-4;

describe.each(['f2p_4x_train', 'f2p_2x_eval'])('mmseg parity: %s', (name) => {
  const c = loadCase(name);
  afterAll(() => c.dispose());
  const train = c.caseJson['mode'] === 'train';
  const build = (): Feature2Pyramid => {
    const neck = new Feature2Pyramid(camelConfig(c) as never);
    neck.loadStateDict(c.weights);
    return neck.train(train);
  };

  it(`pyramid maps match within ${ATOL}${train ? ' (batch statistics, updated running stats)' : ''}`, async () => {
    const neck = build();
    const xs = inputs(c);
    const ys = neck.forward(xs);
    ys.forEach((y, i) => expect(errNchw(y, c.io[`y${i}`]!, `${name} y${i}`)).toBeLessThan(ATOL));
    if (train) {
      const buffers = Object.fromEntries(neck.namedBuffers());
      for (const key of Object.keys(c.io).filter((k) => k.startsWith('updated.'))) {
        expect(report(`${name} ${key}`, maxAbsDiff(buffers[key.slice('updated.'.length)]!.variable, c.io[key]!))).toBeLessThan(ATOL);
      }
    }
    neck.eval();
    await expectNoLeaks(() => tf.dispose(neck.forward(xs)));
    tf.dispose([...xs, ...ys]);
    neck.dispose();
  });

  if (train) {
    it(`gradients through ConvTranspose, BN, GELU and max pooling match within ${ATOL}`, () => {
      const neck = build();
      const dys = [0, 1, 2, 3].map((i) => nchwToNhwc(c.io[`dy${i}`]!));
      const { grads } = gradients(neck, inputs(c), (xs) => tf.addN(neck.forward(xs).map((y, i) => tf.sum(tf.mul(y, dys[i]!)))) as tf.Scalar);
      let worst = 0;
      for (const key of Object.keys(c.io).filter((k) => k.startsWith('grad.'))) worst = Math.max(worst, maxAbsDiff(grads[key.slice('grad.'.length)]!, c.io[key]!));
      expect(report(`${name} gradients`, worst)).toBeLessThan(ATOL);
      tf.dispose([...dys, ...Object.values(grads)]);
      neck.dispose();
    });
  }
});

describe('Feature2Pyramid', () => {
  it('maps four stride-p levels to strides p/4, p/2, p, 2p (or p/2 … 4p) and uses mmseg names', () => {
    const neck = new Feature2Pyramid({ embedDim: 16 });
    const level = { channels: 16, stride: 16 };
    expect(neck.outputLevels([level, level, level, level]).map((l) => l.stride)).toEqual([4, 8, 16, 32]);
    expect(neck.namedParameters().map(([k]) => k)).toEqual([
      'upsample_4x.0.weight', 'upsample_4x.0.bias', 'upsample_4x.1.weight', 'upsample_4x.1.bias', 'upsample_4x.3.weight', 'upsample_4x.3.bias',
      'upsample_2x.0.weight', 'upsample_2x.0.bias',
    ]);
    const small = new Feature2Pyramid({ embedDim: 16, rescales: [2, 1, 0.5, 0.25] });
    const p8 = { channels: 16, stride: 8 };
    expect(small.outputLevels([p8, p8, p8, p8]).map((l) => l.stride)).toEqual([4, 8, 16, 32]);
    neck.dispose();
    small.dispose();
  });

  it('rejects other rescales, unknown keys, and levels or maps it cannot take', () => {
    expect(() => new Feature2Pyramid({ embedDim: 8, rescales: [4, 2, 1, 1] as never })).toThrow(ConfigError);
    expect(() => new Feature2Pyramid({ embedDim: 8, neck: true } as never)).toThrow(/Unrecognized key/);
    const neck = new Feature2Pyramid({ embedDim: 8 });
    expect(() => neck.outputLevels([{ channels: 8, stride: 16 }])).toThrow(/expected 4 feature levels of 8 channels/);
    const x = tf.zeros([1, 4, 4, 6]);
    expect(() => neck.forward([x, x, x, x])).toThrow(ShapeError);
    x.dispose();
    neck.dispose();
  });
});
