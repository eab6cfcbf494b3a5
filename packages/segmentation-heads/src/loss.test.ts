import { PatchworkError, ShapeError, nchwToNhwc, tf } from '@patchwork/tensor-core';
import { expectNoLeaks, maxAbsDiff } from '@patchwork/tensor-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { crossEntropyLoss } from './loss.js';
import type { CrossEntropyOptions } from './loss.js';
import { loadCase, report } from './__fixtures__/cases.js';

// Reference: mmseg's cross_entropy + weight_reduce_loss (reference/mmseg_modules.py) on [2, 5, 6, 7]
// logits with 25% of the labels = 255.
describe('crossEntropyLoss: mmseg parity', () => {
  const c = loadCase('cross_entropy');
  afterAll(() => c.dispose());
  const logits = nchwToNhwc(c.io['logits']!);
  const labels = c.io['labels']!;
  afterAll(() => logits.dispose());
  const configs: [string, CrossEntropyOptions][] = [
    ['plain', {}],
    ['weighted', { classWeight: [0.5, 1, 2, 1, 3], lossWeight: 0.4 }],
    ['mean_all', { avgNonIgnore: false }],
  ];

  it.each(configs)('%s: value and d loss / d logits match within 1e-5, and nothing leaks', async (name, options) => {
    const loss = await expectNoLeaks(() => crossEntropyLoss(logits, labels, options), 1);
    expect(report(`ce ${name}`, Math.abs(loss.dataSync()[0]! - c.io[`loss.${name}`]!.dataSync()[0]!))).toBeLessThan(1e-5);
    const grad = tf.grad((x: tf.Tensor) => crossEntropyLoss(x, labels, options))(logits);
    const want = nchwToNhwc(c.io[`grad.${name}`]!);
    expect(report(`ce ${name} grad`, maxAbsDiff(grad, want))).toBeLessThan(1e-5);
    tf.dispose([loss, grad, want]);
  });
});

describe('crossEntropyLoss', () => {
  it('skips an ignore index inside the class range, and is 0 (not NaN) when every pixel is ignored', () => {
    const logits = tf.randomNormal([1, 2, 2, 3]);
    const labels = tf.tensor3d([0, 1, 2, 1], [1, 2, 2], 'int32');
    // Ignoring class 1 = averaging only the pixels labelled 0 and 2.
    const some = crossEntropyLoss(logits, labels, { ignoreIndex: 1 }).dataSync()[0]!;
    const logp = tf.tidy(() => tf.logSoftmax(logits).dataSync());
    expect(some).toBeCloseTo(-(logp[0]! + logp[2 * 3 + 2]!) / 2, 5);
    const ignored = tf.fill([1, 2, 2], 255, 'int32');
    const none = crossEntropyLoss(logits, ignored);
    expect(Math.abs(none.dataSync()[0]!)).toBe(0);
    tf.dispose([logits, labels, ignored, none]);
  });

  it('rejects mismatched shapes, float labels, out-of-range labels and wrong class weights with clear errors', () => {
    const logits = tf.zeros([2, 4, 4, 3]);
    const small = tf.zeros([2, 2, 2], 'int32');
    expect(() => crossEntropyLoss(logits, small)).toThrow(ShapeError);
    expect(() => crossEntropyLoss(logits, small)).toThrow(/labels \[2, 2, 2\] do not match logits \[2, 4, 4, 3\]; expected \[2, 4, 4\]/);
    const floats = tf.zeros([2, 4, 4]);
    expect(() => crossEntropyLoss(logits, floats)).toThrow(/must be int32/);
    const seven = tf.fill([2, 4, 4], 7, 'int32');
    expect(() => crossEntropyLoss(logits, seven)).toThrow(PatchworkError);
    expect(() => crossEntropyLoss(logits, seven)).toThrow(/label 7 at flat index 0 is not a class index in 0..2 or the ignore index 255/);
    const ok = tf.zeros([2, 4, 4], 'int32');
    expect(() => crossEntropyLoss(logits, ok, { classWeight: [1, 1] })).toThrow(/classWeight has 2 entries for 3 classes/);
    const flat = tf.zeros([4, 3]);
    expect(() => crossEntropyLoss(flat, ok)).toThrow(/expected logits \[B, H, W, K\]/);
    tf.dispose([logits, small, floats, seven, ok, flat]);
  });
});
