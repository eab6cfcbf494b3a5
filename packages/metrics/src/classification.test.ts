import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, topKAccuracy } from './classification.js';

describe('topKAccuracy', () => {
  const logits = tf.tensor2d([
    [0.1, 0.5, 0.2, 0.9], // ranking 3, 1, 2, 0
    [2.0, 1.0, 3.0, 0.0], // ranking 2, 0, 1, 3
    [0.0, 0.0, 1.0, 0.0], // ranking 2, then ties 0, 1, 3
    [5.0, 4.0, 3.0, 2.0], // ranking 0, 1, 2, 3
  ]);

  it('counts rows whose label is among the k best scores', async () => {
    const labels = [1, 2, 1, 3];
    const labelTensor = tf.tensor1d(labels, 'int32');
    await expectNoLeaks(() => {
      expect(topKAccuracy(logits, labels, 1)).toBe(0.25);
      expect(topKAccuracy(logits, labels, 2)).toBe(0.5); // row 2: the tie goes to the lower index 0, so 1 ranks third
      expect(topKAccuracy(logits, labelTensor, 3)).toBe(0.75);
      expect(topKAccuracy(logits, labels, 4)).toBe(1);
    });
    labelTensor.dispose();
  });

  it('rejects bad shapes, labels, k and NaNs', () => {
    expect(() => topKAccuracy(tf.zeros([4]), [0], 1)).toThrow(/logits must be \[N, C\]/);
    expect(() => topKAccuracy(logits, [1, 2, 3], 1)).toThrow(/3 labels \(shape \[3\]\) for 4 rows/);
    expect(() => topKAccuracy(logits, [1, 2, 3, 4], 1)).toThrow(/value 4 at flat index 3 is not a class index in 0..3/);
    expect(() => topKAccuracy(logits, [1, 2, 3, 0], 5)).toThrow(/k must be an integer in 1..4/);
    expect(() => topKAccuracy(tf.tensor2d([[Number.NaN, 1]]), [0], 1)).toThrow(/contains NaN/);
  });
});

describe('confusionMatrix', () => {
  it('puts truth in rows and predictions in columns (scikit-learn convention)', async () => {
    const m = confusionMatrix([0, 2, 2, 1, 0, 2], [0, 1, 2, 1, 2, 2], 3);
    expect(m).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
    const scores = tf.tensor2d([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]);
    const labels = tf.tensor1d([0, 0, 1], 'int32');
    expect(await expectNoLeaks(() => confusionMatrix(scores, labels, 2))).toEqual([
      [1, 1],
      [1, 0],
    ]);
    tf.dispose([scores, labels]);
  });

  it('rejects mismatched sizes and out-of-range classes', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 predictions for 1 labels/);
    expect(() => confusionMatrix([0, 3], [0, 1], 2)).toThrow(/predictions: value 3/);
    expect(() => confusionMatrix([0], [0.5], 2)).toThrow(/labels: value 0.5/);
    expect(() => confusionMatrix([0], [0], 0)).toThrow(/numClasses must be a positive integer/);
  });
});
