import { FASHION_MNIST_PIXELS } from '@patchwork/datasets';
import { tf } from '@patchwork/tensor-core';
import { expectNoLeaks } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { loadSplit, randomShift, trainBatches } from './data.js';

const BACKGROUND = (0 - FASHION_MNIST_PIXELS.mean) / FASHION_MNIST_PIXELS.std;

describe('training batches', () => {
  it('randomShift translates each image by its own offset and fills with the background', async () => {
    const [n, h, w, shift] = [3, 5, 4, 2];
    const values = Float32Array.from({ length: n * h * w }, (_, i) => i + 1);
    const offsets = Int32Array.from([0, 4, 2, 2, 4, 1]);
    const x = tf.tensor4d(values, [n, h, w, 1]);
    const out = await expectNoLeaks(() => randomShift(x, shift, offsets), 1);
    const got = out.dataSync();
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const [si, sj] = [i + offsets[2 * b]! - shift, j + offsets[2 * b + 1]! - shift];
          const want = si >= 0 && si < h && sj >= 0 && sj < w ? values[(b * h + si) * w + sj]! : BACKGROUND;
          expect(got[(b * h + i) * w + j]).toBeCloseTo(want, 4);
        }
      }
    }
    tf.dispose([x, out]);
  });

  it('shifted batches are seeded and resumable, keep the flip stream, and change the pixels', () => {
    const split = loadSplit('bundled', 'test', 40);
    const take = (shift: number, start: number, count: number): number[][] => {
      const out: number[][] = [];
      const it = trainBatches(split, 8, 3, { flip: true, shift }, start);
      for (let k = 0; k < count; k++) {
        const b = it.next().value!;
        out.push(Array.from(b.x.dataSync()));
        tf.dispose([b.x, b.y]);
      }
      return out;
    };
    const before = tf.memory().numTensors;
    const shifted = take(2, 0, 3);
    expect(take(2, 2, 1)).toEqual(shifted.slice(2));
    const plain = take(0, 0, 3);
    expect(shifted[0]).not.toEqual(plain[0]);
    // A shift copies pixels (no interpolation blur): the batch's brightest value is kept exactly.
    expect(Math.max(...shifted[0]!)).toBeCloseTo(Math.max(...plain[0]!), 3);
    expect(tf.memory().numTensors).toBe(before);
    split.dispose();
  });
});
