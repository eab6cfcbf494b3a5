import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../tf.js';
import { backendInfo, initBackend } from '../select.js';
import { wasmBinaryInUse } from '../wasm-threads.js';
import { expectClose, onCpu, rand } from './__fixtures__/grad-check.js';

// conv (stride 2) → relu → depthwise (multiplier 2) → relu → max-pool → dense (+ a class
// embedding looked up with gather) → softmax cross-entropy: every patched kernel is on the path.
function loss(x: tf.Tensor, labels: tf.Tensor, w1: tf.Tensor, dw: tf.Tensor, w3: tf.Tensor, b3: tf.Tensor, emb: tf.Tensor): tf.Tensor {
  const h1 = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same')); // [4, 5, 4, 8]
  const h2 = tf.relu(tf.depthwiseConv2d(h1, dw as tf.Tensor4D, 1, 'same')); // [4, 5, 4, 16]
  const h3 = tf.maxPool(h2, 2, 2, 'same'); // [4, 3, 2, 16]
  const flat = tf.reshape(h3, [4, 96]);
  const ids = tf.cast(labels, 'int32');
  const logits = tf.add(tf.add(tf.matMul(flat, w3), b3), tf.gather(emb, ids)); // [4, 10]
  return tf.losses.softmaxCrossEntropy(tf.oneHot(ids, 10), logits);
}

describe('tiny conv net on threaded wasm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('runs 2 threads on the threaded binary', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(backendInfo().threads).toBe(2);
    expect(wasmBinaryInUse()).toBe('tfjs-backend-wasm-threaded-simd.wasm');
  });

  it('gives the same gradients as cpu within 1e-4 and its SGD step lowers the loss', async () => {
    const x = rand([4, 9, 7, 3], 1);
    const labels = tf.tensor1d([3, 0, 9, 3]);
    const params = [rand([3, 3, 3, 8], 2), rand([3, 3, 8, 2], 3), tf.mul(rand([96, 10], 4), 0.1), tf.zeros([10]), rand([10, 10], 5)];
    const gradsOf = (...inputs: tf.Tensor[]): tf.Tensor[] => {
      const [xx, yy, ...ps] = inputs as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
      return tf.grads((...p: tf.Tensor[]) => loss(xx, yy, p[0]!, p[1]!, p[2]!, p[3]!, p[4]!))(ps);
    };
    const grads = gradsOf(x, labels, ...params);
    const expected = await onCpu(gradsOf, [x, labels, ...params]);
    grads.forEach((g, i) => expectClose(g, expected[i]!, 1e-4, `gradient ${i}`));

    const lossAt = (ps: tf.Tensor[]): number => tf.tidy(() => loss(x, labels, ps[0]!, ps[1]!, ps[2]!, ps[3]!, ps[4]!).dataSync()[0]!);
    const stepped = params.map((p, i) => tf.sub(p, tf.mul(grads[i]!, 0.1)));
    expect(lossAt(stepped)).toBeLessThan(lossAt(params));
    tf.dispose([x, labels, ...params, ...grads, ...stepped]);
  });
});
