// Gradient of BatchMatMul that also handles broadcast batch dimensions. tfjs-core's gradient
// returns the un-reduced product, so `matMul(x3d, w2d)` (batch × weights, e.g. a dense layer on
// [B, N, D] tokens) throws "gradient of input 'b' has shape [B,…]" on every backend. This one is
// the same products, summed over the batch axes the input was broadcast along.
import { tf } from '../../tf.js';

function reduceTo(grad: tf.Tensor, shape: number[]): tf.Tensor {
  if (tf.util.arraysEqual(grad.shape, shape)) return grad;
  const axes = tf.broadcast_util.getReductionAxes(shape, grad.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(grad, axes) : grad, shape);
}

/** Gradient config for `tf.registerGradient` (backend-independent). */
export const batchMatMulGradConfig: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const g = dy as tf.Tensor;
    const [da, db] = !transposeA
      ? !transposeB
        ? [() => tf.matMul(g, b, false, true), () => tf.matMul(a, g, true, false)]
        : [() => tf.matMul(g, b, false, false), () => tf.matMul(g, a, true, false)]
      : !transposeB
        ? [() => tf.matMul(b, g, false, true), () => tf.matMul(a, g, false, false)]
        : [() => tf.matMul(b, g, true, true), () => tf.matMul(g, a, true, true)];
    return { a: () => reduceTo(da(), a.shape), b: () => reduceTo(db(), b.shape) };
  },
};
